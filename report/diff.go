package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/capillary-tools/groupimport/importer"
)

// DiffHeader is the first line of every diff file: one line per input row,
// in input order, saying how the server's group stands against the row.
var DiffHeader = []string{"row", "externalId", "status", "entityId", "differences", "message", "requestId"}

// Column positions in DiffHeader.
const (
	dcolRow = iota
	dcolExternalID
	dcolStatus
	dcolEntityID
	dcolDifferences
	dcolMessage
	dcolRequestID
	numDiffCols
)

// DiffWriter writes the lines of a diff file. Every line is flushed as it
// is written, so the file keeps up with the run and a crash loses at most
// the line being written. Text cells are formula-safe as in a results
// file (see the package doc). Rows are meant to come from one goroutine.
type DiffWriter struct {
	cw   *csv.Writer
	file *os.File
	rec  []string
	err  error
}

// NewDiffWriter returns a DiffWriter that writes a diff file to w, header
// first. Close flushes it but does not close w.
func NewDiffWriter(w io.Writer) *DiffWriter {
	dw := &DiffWriter{cw: csv.NewWriter(w), rec: make([]string, numDiffCols)}
	_ = dw.cw.Write(DiffHeader)
	return dw
}

// CreateDiff creates or truncates the file at path and returns a
// DiffWriter for it. Close syncs and closes the file.
func CreateDiff(path string) (*DiffWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	w := NewDiffWriter(f)
	w.file = f
	return w, nil
}

// Write appends r as one line and flushes it. The first error is kept and
// returned by every later call.
func (w *DiffWriter) Write(r importer.Result) error {
	if w.err != nil {
		return w.err
	}
	w.rec[dcolRow] = strconv.Itoa(r.Row)
	w.rec[dcolExternalID] = safeCell(r.ExternalID)
	w.rec[dcolStatus] = string(r.Status)
	w.rec[dcolEntityID] = ""
	if r.EntityID != 0 {
		w.rec[dcolEntityID] = strconv.FormatInt(r.EntityID, 10)
	}
	w.rec[dcolDifferences] = safeCell(r.Diff.Differences())
	w.rec[dcolMessage] = safeCell(r.Message)
	w.rec[dcolRequestID] = safeCell(r.RequestID)
	if err := w.cw.Write(w.rec); err != nil {
		w.err = fmt.Errorf("report: writing the diff: %w", err)
		return w.err
	}
	w.cw.Flush()
	if err := w.cw.Error(); err != nil {
		w.err = fmt.Errorf("report: writing the diff: %w", err)
	}
	return w.err
}

// Close flushes the diff; for a DiffWriter from CreateDiff it then syncs
// and closes the file.
func (w *DiffWriter) Close() error {
	w.cw.Flush()
	err := w.err
	if e := w.cw.Error(); e != nil && err == nil {
		err = fmt.Errorf("report: writing the diff: %w", e)
	}
	if w.file != nil {
		if e := w.file.Sync(); e != nil && err == nil {
			err = fmt.Errorf("report: syncing the diff: %w", e)
		}
		if e := w.file.Close(); e != nil && err == nil {
			err = fmt.Errorf("report: closing the diff: %w", e)
		}
		w.file = nil
	}
	w.err = err
	return err
}

// safeCell is a text cell with the leading quote that keeps a spreadsheet
// from running it as a formula, when it needs one.
func safeCell(s string) string {
	if needsQuote(s) {
		return "'" + s
	}
	return s
}

// ReadDiff parses a diff file and calls fn with each line's Result, in
// file order, its Diff rebuilt from the differences and message cells. A
// header other than DiffHeader is an error wrapping ErrNotResults; a last
// line cut short (a crash) is an error wrapping ErrTruncated after every
// line before it was delivered.
func ReadDiff(r io.Reader, fn func(importer.Result) error) error {
	tail := &tailReader{r: r}
	cr := csv.NewReader(tail)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	switch {
	case err == io.EOF:
		return nil
	case err != nil:
		return fmt.Errorf("%w: %w", ErrNotResults, err)
	}
	head[0] = strings.TrimPrefix(head[0], "\ufeff")
	if !slices.Equal(head, DiffHeader) {
		return fmt.Errorf("%w: header is %q, want the diff header %q", ErrNotResults, strings.Join(head, ","), strings.Join(DiffHeader, ","))
	}
	var held *importer.Result
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			if held != nil && !tail.endsWithNewline() {
				return fmt.Errorf("%w (row %d)", ErrTruncated, held.Row)
			}
			break
		}
		var res importer.Result
		if err == nil {
			res, err = parseDiffRecord(rec)
		}
		if err != nil {
			line, _ := cr.FieldPos(0)
			if _, next := cr.Read(); next == io.EOF && !tail.endsWithNewline() {
				if held != nil {
					if e := fn(*held); e != nil {
						return e
					}
				}
				return fmt.Errorf("%w (line %d)", ErrTruncated, line)
			}
			return fmt.Errorf("report: diff line %d: %w", line, err)
		}
		if held != nil {
			if err := fn(*held); err != nil {
				return err
			}
		}
		held = &res
	}
	if held != nil {
		return fn(*held)
	}
	return nil
}

func parseDiffRecord(rec []string) (importer.Result, error) {
	var r importer.Result
	if len(rec) != numDiffCols {
		return r, fmt.Errorf("%d fields, want %d", len(rec), numDiffCols)
	}
	var err error
	if r.Row, err = strconv.Atoi(rec[dcolRow]); err != nil {
		return r, fmt.Errorf("row %q: %w", rec[dcolRow], err)
	}
	r.Status = importer.Status(rec[dcolStatus])
	if !slices.Contains(importer.DiffStatuses(), r.Status) {
		return r, fmt.Errorf("status %q: not a diff status", rec[dcolStatus])
	}
	if v := rec[dcolEntityID]; v != "" {
		if r.EntityID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return r, fmt.Errorf("entityId %q: %w", v, err)
		}
	}
	r.ExternalID = restoreCell(rec[dcolExternalID])
	r.Message = restoreCell(rec[dcolMessage])
	r.RequestID = restoreCell(rec[dcolRequestID])
	if r.Diff, err = importer.DetailFromText(r.Status, restoreCell(rec[dcolDifferences]), r.Message); err != nil {
		return r, fmt.Errorf("differences: %w", err)
	}
	return r, nil
}

// NewDiffPrior reads an earlier diff file from r, for a resumed diff: the
// diff file's counterpart of NewPrior. Close releases it.
func NewDiffPrior(r io.Reader) *Prior { return newPrior(ReadDiff, r) }

// MergeDiff writes the lines of newer (a diff file that a resumed run
// wrote for a prefix of the rows) and then the lines of older for the rows
// after it: Merge for diff files.
func MergeDiff(w *DiffWriter, newer, older io.Reader) error {
	return merge(ReadDiff, w, newer, older)
}
