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
	jsonLog := len(os.Args) > 1 && wantsJSONLog(os.Args[2:])
	ctx, kill := signalContexts(jsonLog)
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
//
// Under --log-format json the two notices are JSON records, as every
// other line of stderr is.
func signalContexts(jsonLog bool) (graceful, kill context.Context) {
	graceful, stop := context.WithCancel(context.Background())
	kill, killNow := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 2)
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		sigs = append(sigs, syscall.SIGHUP)
	}
	signal.Notify(ch, sigs...)
	signal.Ignore(syscall.SIGPIPE)
	say := func(msg string) {
		if jsonLog {
			l := newLogger(os.Stderr, false)
			l.json = true
			l.warnf("%s", msg)
			return
		}
		// On its own line, after the ^C the terminal echoed.
		fmt.Fprintln(os.Stderr, "\ngroupimport: "+msg)
	}
	go func() {
		<-ch
		say("stopping: letting requests in flight finish; press Ctrl-C again to stop at once")
		stop()
		<-ch
		say("stopping now")
		killNow()
	}()
	return graceful, kill
}
