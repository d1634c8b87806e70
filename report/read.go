package report

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/capillary-tools/groupimport/importer"
)

// ErrNotResults means the input is not a results file: its header differs
// from Header.
var ErrNotResults = errors.New("report: not a groupimport results file")

// ErrTruncated means the results file ends in the middle of a line, as a
// crash or a full disk leaves it. Every complete line before it was read.
var ErrTruncated = errors.New("report: results file ends with an incomplete line")

// ReadResults parses a results file and calls fn with each line's Result,
// in file order, without holding the file in memory. Text cells come back
// as they were before Write quoted them (see the package doc); Offset,
// which the file does not hold, is zero.
//
// A header other than Header is an error wrapping ErrNotResults; an empty
// input has no rows and is not an error, since a run that stopped before
// its first flush leaves one. When the last line is incomplete, every line
// before it is delivered and the error wraps ErrTruncated, so a resumed run
// can carry on and redo that row. An error returned by fn stops the read
// and is returned as is.
func ReadResults(r io.Reader, fn func(importer.Result) error) error {
	tail := &tailReader{r: r}
	cr := csv.NewReader(tail)
	cr.FieldsPerRecord = -1 // a wrong count gets a clearer error below
	cr.ReuseRecord = true

	head, err := cr.Read()
	switch {
	case err == io.EOF:
		return nil
	case err != nil:
		return fmt.Errorf("%w: %w", ErrNotResults, err)
	}
	if len(head) > 0 {
		// Some editors save UTF-8 with a byte order mark.
		head[0] = strings.TrimPrefix(head[0], "\ufeff")
	}
	if !slices.Equal(head, Header) {
		return fmt.Errorf("%w: header is %q, want %q", ErrNotResults, strings.Join(head, ","), strings.Join(Header, ","))
	}

	// One line is held back until the next is read, because only the end
	// of the input tells whether the last line is complete.
	var pending importer.Result
	var pendingLine int
	var held bool
	flushPending := func() error {
		if !held {
			return nil
		}
		held = false
		return fn(pending)
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			if held && !tail.endsWithNewline() {
				return fmt.Errorf("%w (line %d)", ErrTruncated, pendingLine)
			}
			return flushPending()
		}
		var line int
		pe, isParse := errors.AsType[*csv.ParseError](err)
		switch {
		case isParse:
			line = pe.StartLine
		case err != nil:
			if e := flushPending(); e != nil {
				return e
			}
			return fmt.Errorf("report: reading results: %w", err)
		default:
			line, _ = cr.FieldPos(0)
		}
		var res importer.Result
		if err == nil {
			res, err = parseRecord(rec)
		}
		if e := flushPending(); e != nil {
			return e
		}
		if err != nil {
			// A bad last line is a cut one when the input does not end in
			// a newline or ends inside a quoted cell (cut after a newline
			// the cell contains).
			if _, next := cr.Read(); next == io.EOF && (!tail.endsWithNewline() || isParse && pe.Err == csv.ErrQuote) {
				return fmt.Errorf("%w (line %d)", ErrTruncated, line)
			}
			if isParse {
				return fmt.Errorf("report: reading results: %w", err)
			}
			return fmt.Errorf("report: results line %d: %w", line, err)
		}
		pending, pendingLine, held = res, line, true
	}
}

// parseRecord turns one line of a results file into a Result.
func parseRecord(rec []string) (importer.Result, error) {
	var r importer.Result
	if len(rec) != numCols {
		return r, fmt.Errorf("%d fields, want %d", len(rec), numCols)
	}
	var err error
	if r.Row, err = strconv.Atoi(rec[colRow]); err != nil {
		return r, fieldError(colRow, rec, err)
	}
	r.Status = importer.Status(rec[colStatus])
	if !slices.Contains(importer.Statuses(), r.Status) {
		return r, fieldError(colStatus, rec, errors.New("unknown status"))
	}
	if v := rec[colEntityID]; v != "" {
		if r.EntityID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return r, fieldError(colEntityID, rec, err)
		}
	}
	if v := rec[colCode]; v != "" {
		if r.Code, err = strconv.Atoi(v); err != nil {
			return r, fieldError(colCode, rec, err)
		}
	}
	if r.Attempts, err = strconv.Atoi(rec[colAttempts]); err != nil {
		return r, fieldError(colAttempts, rec, err)
	}
	r.ExternalID = restoreCell(rec[colExternalID])
	r.Message = restoreCell(rec[colMessage])
	r.Warnings = parseWarnings(restoreCell(rec[colWarnings]))
	r.RequestID = restoreCell(rec[colRequestID])
	return r, nil
}

func fieldError(col int, rec []string, err error) error {
	if ne, ok := errors.AsType[*strconv.NumError](err); ok {
		err = ne.Err // the value is quoted below already
	}
	return fmt.Errorf("%s %q: %w", Header[col], rec[col], err)
}

// tailReader remembers the last byte read, which tells a complete file
// (every line ends in a newline) from a cut one.
type tailReader struct {
	r    io.Reader
	last byte
}

func (t *tailReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n > 0 {
		t.last = p[n-1]
	}
	return n, err
}

func (t *tailReader) endsWithNewline() bool { return t.last == '\n' }
