//go:build !linux

package main

import (
	"errors"
	"os"
	"os/exec"
	"time"
)

// procCPU is not measured outside Linux, where the harness is meant to run.
func procCPU(int) (time.Duration, error) { return 0, errors.New("no /proc") }

func ownGroup(*exec.Cmd) {}

func killGroup(p *os.Process) { p.Kill() }
