//go:build !linux

package main

import (
	"os"
	"os/exec"
	"time"
)

// peakRSS is unknown outside Linux, where the harness is meant to run.
func peakRSS(*os.ProcessState) int64 { return 0 }

// selfCPU is not measured outside Linux.
func selfCPU() time.Duration { return 0 }

func ownGroup(*exec.Cmd) {}

func killGroup(p *os.Process) { p.Kill() }
