package main

import (
	"os"
	"os/exec"
	"syscall"
	"time"
)

// peakRSS is the process's peak resident set size; Linux reports it in KiB.
func peakRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss * 1024
	}
	return 0
}

// selfCPU is the CPU time this process has used: during a run, the
// sandbox's.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ownGroup starts cmd in a process group of its own, so that killGroup
// reaches the process under /usr/bin/time too.
func ownGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

// killGroup kills the process group ownGroup gave p.
func killGroup(p *os.Process) { syscall.Kill(-p.Pid, syscall.SIGKILL) }
