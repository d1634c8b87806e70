package importer

import (
	"errors"
	"fmt"
)

// ErrInputChanged is wrapped by the error of Records whose input changed
// while it was read: it grew, shrank, was written to or replaced since the
// first reading (the duplicate pre-scan, or the open) saw it. The rows
// after that point are not what was validated, so they are not read.
var ErrInputChanged = errors.New("the input changed while it was read")

// InputChangedError is how Run ends when its input changed while it was
// read. Reading stopped at once; the rows already read were finished and
// handed to the Sink like any others, and no row after them was read or
// sent.
type InputChangedError struct {
	// Row is the first spreadsheet row not read: the row after the last
	// one read. 0 when no row was read (the change was found by the
	// pre-scan, or before the first data row).
	Row int
	// Err says what changed; it wraps ErrInputChanged.
	Err error
}

func (e *InputChangedError) Error() string {
	if e.Row == 0 {
		return fmt.Sprintf("%v; no row was sent", e.Err)
	}
	return fmt.Sprintf("%v; nothing from row %d on was read", e.Err, e.Row)
}

func (e *InputChangedError) Unwrap() error { return e.Err }

// Verifier is implemented by Records that can tell whether their input is
// still what they read. Run asks once every row is settled, after a run
// that read its input to the end: a file that changed while the last rows
// were sent ends the run with an *InputChangedError too.
type Verifier interface {
	// Unchanged returns an error wrapping ErrInputChanged when the input
	// is no longer what was read; another error (the check itself failed)
	// is not a change.
	Unchanged() error
}

// changedAt is err as an *InputChangedError when it says the input
// changed, with last the last row read (0 for none); nil for any other
// error.
func changedAt(err error, last int) error {
	if !errors.Is(err, ErrInputChanged) {
		return nil
	}
	e := &InputChangedError{Err: err}
	if last > 0 {
		e.Row = last + 1
	}
	return e
}
