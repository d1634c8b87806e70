package importer

import (
	"errors"
	"fmt"
	"io"
	"iter"
)

// Records is a stream of spreadsheet rows. Next returns the cells of the next
// non-blank row and its spreadsheet row number, io.EOF at the end, a
// *RowError for a row that cannot be read (reading goes on after it), or
// another error when the input itself fails.
//
// The returned slice may be reused by the following call.
type Records interface {
	Next() (cells []string, row int, err error)
	// Offset is how much of the input has been consumed, in the unit of
	// its size: bytes for a CSV file, rows for a workbook.
	Offset() int64
}

// Rewinder is implemented by Records that can read their input again from
// its first data row, without detecting its format again: a file, not a
// pipe. Run then finds repeated externalIds in two passes (see duplicates)
// instead of remembering every id.
type Rewinder interface {
	// Rewind returns a new, independent Records over the same rows, as
	// they were numbered the first time. The caller closes it when it
	// implements io.Closer.
	Rewind() (Records, error)
}

// RowError is one row that could not be parsed; the rows after it can.
type RowError struct {
	Row int
	Err error
}

func (e *RowError) Error() string { return fmt.Sprintf("row %d: %v", e.Row, e.Err) }
func (e *RowError) Unwrap() error { return e.Err }

// Row is one row of a Records stream, as Rows yields it.
type Row struct {
	// Cells are the row's cells; nil when Err is set. They may be reused
	// by the next step of the loop.
	Cells []string
	// Num is the spreadsheet row number.
	Num int
	// Err, when set, says why the row could not be read.
	Err *RowError
}

// Rows is the reading loop every reader of Records shares: it yields each
// row to the end of recs, a row that cannot be read included (with Err
// set), and stops there. When the input itself fails it yields that error
// with a zero Row, once, and stops.
func Rows(recs Records) iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) {
		for {
			cells, num, err := recs.Next()
			switch {
			case err == nil:
				if !yield(Row{Cells: cells, Num: num}, nil) {
					return
				}
			case err == io.EOF:
				return
			default:
				rowErr, ok := errors.AsType[*RowError](err)
				if !ok {
					yield(Row{}, err)
					return
				}
				if !yield(Row{Num: rowErr.Row, Err: rowErr}, nil) {
					return
				}
			}
		}
	}
}
