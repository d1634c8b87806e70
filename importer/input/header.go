package input

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/capillary-tools/groupimport/importer"
)

// headerScan is how many non-empty rows are searched for the header when
// Options.HeaderRow is 0: enough for a title, a date and a note above it.
const headerScan = 20

// fold is importer's folding of header names, so that finding the header
// and mapping its columns agree.
var fold = importer.FoldHeader

// isHeader reports whether a row names both required columns, which is
// what tells a header from a title above it.
func isHeader(cells []string, aliases map[string]string) bool {
	found := map[string]bool{}
	for i, c := range cells {
		if i == 0 {
			c = strings.TrimPrefix(c, "\ufeff")
		}
		k := fold(c)
		if to, ok := aliases[k]; ok {
			k = to
		}
		if f, ok := importer.FieldByKey(k); ok && f.Required {
			found[f.Key] = true
		}
	}
	return len(found) == requiredFields
}

// requiredFields counts the columns every header must name.
var requiredFields = func() int {
	n := 0
	for _, f := range importer.Fields() {
		if f.Required {
			n++
		}
	}
	return n
}()

// headerRow is the row findHeader settled on.
type headerRow struct {
	cells []string // a copy: Records may reuse its slice
	row   int
}

// errNoHeader is findHeader's answer when no row within the scan is a
// header; first is the first non-empty row, to quote in the message.
type errNoHeader struct {
	first  *headerRow
	broken *importer.RowError // the first row that could not be read
}

func (e *errNoHeader) Error() string { return "no header row" }

// findHeader reads recs up to and including the header row: row want, or
// with want 0 the first of the first headerScan non-empty rows that
// isHeader accepts. Rows before it, readable or not, are skipped: they are
// titles, not data.
func findHeader(recs importer.Records, want int, aliases map[string]string) (*headerRow, error) {
	var first *headerRow
	var broken *importer.RowError
	seen := 0
	for rec, err := range importer.Rows(recs) {
		if err != nil {
			return nil, err
		}
		if want == 0 && seen == headerScan {
			return nil, &errNoHeader{first, broken}
		}
		seen++
		if rowErr := rec.Err; rowErr != nil {
			if rowErr.Row == want {
				return nil, &Error{Row: want, Msg: fmt.Sprintf("the header row cannot be read: %v", rowErr.Err), Err: rowErr}
			}
			if want > 0 && rowErr.Row > want {
				return nil, fmt.Errorf("the header row %d is empty; the next row with cells is %d", want, rowErr.Row)
			}
			if broken == nil {
				broken = rowErr
			}
			continue
		}
		cells, row := rec.Cells, rec.Num
		h := &headerRow{cells: append([]string(nil), cells...), row: row}
		if first == nil {
			first = h
		}
		switch {
		case want > 0 && row == want:
			return h, nil
		case want > 0 && row > want:
			return nil, fmt.Errorf("the header row %d is empty; the next row with cells is %d", want, row)
		case want == 0 && isHeader(cells, aliases):
			return h, nil
		}
	}
	if want > 0 {
		return nil, fmt.Errorf("the header row %d is past the end of the file", want)
	}
	return nil, &errNoHeader{first, broken}
}

// parseHeader checks the header's text and maps it to Columns.
func parseHeader(file string, h *headerRow, aliases map[string]string) (*importer.Columns, error) {
	for _, c := range h.cells {
		if !utf8.ValidString(c) {
			return nil, errorf(file, h.row, "the header is not valid UTF-8 text (%q): the file is in another encoding; save it as \"CSV UTF-8\" or pass --encoding windows-1252", strings.ToValidUTF8(c, "\ufffd"))
		}
	}
	cols, err := importer.ParseHeader(h.cells, h.row, aliases)
	var he *importer.HeaderError
	if errors.As(err, &he) {
		return nil, &Error{File: file, Row: h.row, Msg: "header: " + he.Msg, Err: err}
	}
	if err != nil {
		return nil, &Error{File: file, Row: h.row, Msg: err.Error(), Err: err}
	}
	return cols, nil
}

// headerError turns findHeader's error into one that names the file and
// says what to do.
func headerError(file string, err error) error {
	var nh *errNoHeader
	var e *Error
	switch {
	case errors.As(err, &nh) && nh.first == nil && nh.broken != nil:
		return errorf(file, 0, "no header row found: no row in the first %d could be read (row %d: %v)", headerScan, nh.broken.Row, nh.broken.Err)
	case errors.As(err, &nh) && nh.first == nil:
		return errorf(file, 0, "the file has no rows: it needs a header row (externalId,groupName,maxGroupSize,...) and one row per group")
	case errors.As(err, &nh):
		return errorf(file, 0, "no header row found in the first %d non-empty rows: the header names the externalId and maxGroupSize columns; the first row with cells (row %d) reads %s. Rename the columns, map them with --map \"Your Name=externalId,...\", or give the header's row with --header-row N",
			headerScan, nh.first.row, quoteCells(nh.first.cells))
	case errors.As(err, &e):
		e.File = file
		return e
	}
	return &Error{File: file, Msg: err.Error(), Err: err}
}

// quoteCells shows a row's first cells for a message.
func quoteCells(cells []string) string {
	const show = 8
	var b strings.Builder
	n := 0
	for _, c := range cells {
		if strings.TrimSpace(c) == "" {
			continue
		}
		if n == show {
			b.WriteString(", ...")
			break
		}
		if n > 0 {
			b.WriteString(", ")
		}
		if utf8.RuneCountInString(c) > 60 {
			c = string([]rune(c)[:60]) + "..."
		}
		fmt.Fprintf(&b, "%q", strings.ToValidUTF8(c, "\ufffd"))
		n++
	}
	return b.String()
}
