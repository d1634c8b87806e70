// Command groupimport loads user groups (fleets) into Capillary from a
// spreadsheet: it streams the rows, validates each, creates the valid ones
// through POST /v2/userGroup2 at the API's pace, and writes a results CSV
// with one line per input row. Run "groupimport help" for the commands.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/capillary-tools/groupimport/report"
)

func main() {
	ctx, kill := signalContexts()
	env := &Env{
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Kill: kill, Program: os.Args[0],
		IsTerminal: func() bool { return report.IsTerminal(os.Stderr) },
		Width:      func() int { return report.TerminalWidth(os.Stderr) },
	}
	os.Exit(Main(ctx, os.Args[1:], env))
}

// signalContexts returns a context cancelled by the first Ctrl-C, SIGTERM
// or SIGHUP (stop gracefully) and one cancelled by the second (stop now).
// A closed SSH session sends SIGHUP: the run drains and records every row
// rather than dying with groups made and not recorded. Under nohup, SIGHUP
// stays ignored, as asked. A broken stderr or stdout (| head) must not end
// the run either: with SIGPIPE ignored, such a write fails with EPIPE, and
// the writers of messages stop writing (see syncWriter).
func signalContexts() (graceful, kill context.Context) {
	graceful, stop := context.WithCancel(context.Background())
	kill, killNow := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 2)
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		sigs = append(sigs, syscall.SIGHUP)
	}
	signal.Notify(ch, sigs...)
	signal.Ignore(syscall.SIGPIPE)
	go func() {
		<-ch
		fmt.Fprintln(os.Stderr, "\ngroupimport: stopping: letting requests in flight finish; press Ctrl-C again to stop at once")
		stop()
		<-ch
		fmt.Fprintln(os.Stderr, "\ngroupimport: stopping now")
		killNow()
	}()
	return graceful, kill
}
