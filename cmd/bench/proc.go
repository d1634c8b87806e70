package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// usage is what one process cost: wall time from start to exit and
// user+system CPU (children included) from wait4, peak resident memory
// from GNU time.
type usage struct {
	wall time.Duration
	cpu  time.Duration
	rss  int64 // bytes; -1 when not measured
	code int
}

// command is one process to measure.
type command struct {
	name   string
	args   []string
	env    []string // added to this process's environment
	stdin  string   // file fed to stdin, or ""
	stdout string   // file stdout goes to, or "" to keep it in memory
	// started, when set, is called once the process runs, with it; the
	// process is then started directly, not under /usr/bin/time, so that
	// signals reach it, and its peak RSS is not measured.
	started func(*os.Process)
}

// gnuTime is GNU time, found or installed by setup. A process started by
// this one inherits, in the kernel's accounting, this process's own peak
// RSS (Go starts children with vfork, and exec records the shared memory's
// high-water mark), so wait4's figure for a child is at least the
// harness's: a child's peak is measured by a process that forks it,
// /usr/bin/time. Without it no peak RSS is reported.
var gnuTime string

// measure runs c to completion and returns its cost and, unless it went
// to a file, its standard output; standard error is returned either way.
func measure(c command) (usage, string, string, error) {
	name, args := c.name, c.args
	var timeOut string
	if gnuTime != "" && c.started == nil {
		f, err := os.CreateTemp("", "bench-time-")
		if err != nil {
			return usage{}, "", "", err
		}
		f.Close()
		defer os.Remove(f.Name())
		timeOut = f.Name()
		name, args = gnuTime, append([]string{"-f", "%M", "-o", timeOut, c.name}, c.args...)
	}
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), c.env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if c.stdin != "" {
		f, err := os.Open(c.stdin)
		if err != nil {
			return usage{}, "", "", err
		}
		defer f.Close()
		cmd.Stdin = f
	}
	if c.stdout != "" {
		f, err := os.Create(c.stdout)
		if err != nil {
			return usage{}, "", "", err
		}
		defer f.Close()
		cmd.Stdout = f
	}
	ownGroup(cmd)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return usage{}, "", "", err
	}
	running.add(cmd.Process)
	defer running.remove(cmd.Process)
	if c.started != nil {
		c.started(cmd.Process)
	}
	err := cmd.Wait()
	u := usage{wall: time.Since(start)}
	if cmd.ProcessState == nil {
		return u, out.String(), errb.String(), err
	}
	u.code = cmd.ProcessState.ExitCode()
	u.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	u.rss = -1
	if timeOut != "" {
		// GNU time writes "Command exited with non-zero status N" first
		// when it did.
		b, _ := os.ReadFile(timeOut)
		if kb, err := strconv.ParseInt(lastLine(string(b)), 10, 64); err == nil {
			u.rss = kb * 1024
		}
	}
	if _, ok := err.(*exec.ExitError); ok {
		err = nil // the exit code says it
	}
	return u, out.String(), errb.String(), err
}

// quiet runs a setup command, returning its combined output on failure.
func quiet(dir string, env []string, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var b bytes.Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, tail(b.String(), 400))
	}
	return nil
}

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = "..." + s[len(s)-n:]
	}
	return s
}

// lastLine returns the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// running is the measured processes, killed when the harness is.
var running = &procs{m: map[*os.Process]bool{}}

type procs struct {
	mu sync.Mutex
	m  map[*os.Process]bool
}

func (p *procs) add(pr *os.Process) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.m[pr] = true
}

func (p *procs) remove(pr *os.Process) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.m, pr)
}

// killAll kills every process still running, with its children.
func (p *procs) killAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for pr := range p.m {
		killGroup(pr)
	}
}
