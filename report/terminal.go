package report

import (
	"os"

	"golang.org/x/term"
)

// IsTerminal reports whether f is a terminal, where a live progress bar
// can redraw itself; elsewhere (a log file, cron mail) Progress should
// print lines instead.
func IsTerminal(f *os.File) bool {
	return f != nil && term.IsTerminal(int(f.Fd()))
}
