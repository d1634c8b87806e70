package input

import (
	"fmt"
)

// Error is a file that cannot be read as a table of groups, or options
// that do not fit it. Msg says what is wrong and what to do about it.
type Error struct {
	File string // the file as the user named it; "stdin" for "-"
	Row  int    // the spreadsheet row concerned, or 0
	Msg  string
	Err  error // the underlying cause, if any
}

func (e *Error) Error() string {
	if e.Row > 0 {
		return fmt.Sprintf("%s: row %d: %s", e.File, e.Row, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

func (e *Error) Unwrap() error { return e.Err }

func errorf(file string, row int, format string, args ...any) *Error {
	return &Error{File: file, Row: row, Msg: fmt.Sprintf(format, args...)}
}
