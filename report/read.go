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
// Columns are found by name: a header may lack columns added since it
// was written (their cells read as empty) and may hold columns this
// version does not know (they are passed over); one without row,
// externalId and status is an error wrapping ErrNotResults; an empty
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

	cols, err := readHeader(cr)
	if cols == nil {
		return err
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
			res, err = cols.parse(rec)
		}
		if e := flushPending(); e != nil {
			return e
		}
		if err != nil {
			return badLine(cr, tail, line, err)
		}
		pending, pendingLine, held = res, line, true
	}
}

// readHeader reads the header line: nil and no error for an empty input.
func readHeader(cr *csv.Reader) (*columns, error) {
	head, err := cr.Read()
	switch {
	case err == io.EOF:
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrNotResults, err)
	}
	if len(head) > 0 {
		// Some editors save UTF-8 with a byte order mark.
		head[0] = strings.TrimPrefix(head[0], "\ufeff")
	}
	return columnsOf(head)
}

// badLine is the error for a line that cannot be read (err): a bad last
// line is a cut one when the input does not end in a newline or ends
// inside a quoted cell (cut after a newline the cell contains).
func badLine(cr *csv.Reader, tail *tailReader, line int, err error) error {
	pe, isParse := errors.AsType[*csv.ParseError](err)
	if _, next := cr.Read(); next == io.EOF && (!tail.endsWithNewline() || isParse && pe.Err == csv.ErrQuote) {
		return fmt.Errorf("%w (line %d)", ErrTruncated, line)
	}
	if isParse {
		return fmt.Errorf("report: reading results: %w", err)
	}
	return fmt.Errorf("report: results line %d: %w", line, err)
}

// columns maps a record's header to the positions of the columns this
// version reads: a record is read by column name, so that one written
// before a column existed, or by a version that adds columns, still reads.
// A column a header lacks is -1.
type columns struct {
	at    [numCols]int
	width int // the header's number of columns
}

// columnsOf reads a header. It must name row, externalId and status, and
// no column twice; columns it does not know are passed over.
func columnsOf(head []string) (*columns, error) {
	c := &columns{width: len(head)}
	for i := range c.at {
		c.at[i] = -1
	}
	for i, name := range head {
		col := slices.Index(Header, name)
		switch {
		case col < 0:
			continue
		case c.at[col] >= 0:
			return nil, fmt.Errorf("%w: header names %s twice", ErrNotResults, name)
		}
		c.at[col] = i
	}
	for _, col := range []int{colRow, colExternalID, colStatus} {
		if c.at[col] < 0 {
			return nil, fmt.Errorf("%w: header %q has no %s column", ErrNotResults, strings.Join(head, ","), Header[col])
		}
	}
	return c, nil
}

// cell is the line's cell of column col, empty when the header lacks it.
func (c *columns) cell(rec []string, col int) string {
	if i := c.at[col]; i >= 0 {
		return rec[i]
	}
	return ""
}

// parse turns one line of a record into a Result.
func (c *columns) parse(rec []string) (importer.Result, error) {
	var r importer.Result
	if len(rec) != c.width {
		return r, fmt.Errorf("%d fields, want %d", len(rec), c.width)
	}
	var err error
	if r.Row, err = strconv.Atoi(c.cell(rec, colRow)); err != nil {
		return r, fieldError(colRow, c.cell(rec, colRow), err)
	}
	r.Status = importer.Status(c.cell(rec, colStatus))
	if !slices.Contains(importer.Statuses(), r.Status) && !slices.Contains(importer.DiffStatuses(), r.Status) && !slices.Contains(importer.UndoStatuses(), r.Status) {
		return r, fieldError(colStatus, string(r.Status), errors.New("unknown status"))
	}
	for _, n := range [...]struct {
		col int
		to  *int64
	}{{colEntityID, &r.EntityID}} {
		if v := c.cell(rec, n.col); v != "" {
			if *n.to, err = strconv.ParseInt(v, 10, 64); err != nil {
				return r, fieldError(n.col, v, err)
			}
		}
	}
	for _, n := range [...]struct {
		col int
		to  *int
	}{{colCode, &r.Code}, {colAttempts, &r.Attempts}} {
		if v := c.cell(rec, n.col); v != "" {
			if *n.to, err = strconv.Atoi(v); err != nil {
				return r, fieldError(n.col, v, err)
			}
		}
	}
	r.ExternalID = restoreCell(c.cell(rec, colExternalID))
	r.Message = restoreCell(c.cell(rec, colMessage))
	r.Warnings = parseWarnings(restoreCell(c.cell(rec, colWarnings)))
	r.RequestID = restoreCell(c.cell(rec, colRequestID))
	r.Fingerprint = restoreCell(c.cell(rec, colFingerprint))
	r.Sent = restoreCell(c.cell(rec, colSent))
	for _, t := range strings.Fields(restoreCell(c.cell(rec, colReason))) {
		r.Reasons = append(r.Reasons, importer.Reason(t))
	}
	action := importer.Action(restoreCell(c.cell(rec, colAction)))
	if r.Diff, err = importer.DetailOf(r.Status, action, restoreCell(c.cell(rec, colDifferences)), r.Reasons); err != nil {
		return r, fmt.Errorf("%s: %w", Header[colDifferences], err)
	}
	return r, nil
}

func fieldError(col int, v string, err error) error {
	if ne, ok := errors.AsType[*strconv.NumError](err); ok {
		err = ne.Err // the value is quoted below already
	}
	return fmt.Errorf("%s %q: %w", Header[col], v, err)
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
