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

// TerminalWidth is the width of the terminal f, in columns, or 80 when f is
// not a terminal. Progress asks it on every redraw, so a resized window is
// followed.
func TerminalWidth(f *os.File) int {
	if f != nil {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
			return cols
		}
	}
	return 80
}
