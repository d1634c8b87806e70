package report

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/capillary-tools/groupimport/importer"
)

// FailedOut writes the rows that did not end on the server as the file
// describes them, in the input's own columns plus a last column,
// importer.ErrorColumn, saying why (status, code and message), so that the
// user can fix them in a spreadsheet and import that file alone: the
// importer recognises that column and ignores it.
//
// A CSV file is safe to open in a spreadsheet: a cell that would run as a
// formula gets a leading single quote, by the rule of the results file
// (importer.QuoteFormula), and reading the file back as input takes exactly
// that quote off again (importer.UnquoteFormulas, applied to a CSV input
// that has the ErrorColumn), so the same values are sent. A workbook (a
// path ending in .xlsx) holds every cell as text, which no spreadsheet
// runs, so its cells are written as they are.
type FailedOut struct {
	path   string
	f      *os.File
	bw     *bufio.Writer
	cw     *csv.Writer
	xw     *xlsxOut // instead of cw, when the file is a workbook
	width  int      // the input's columns
	errCol int      // where the reason goes
	dryRun bool
	n      int
	unread []int // rows that could not be parsed, so cannot be copied
	rec    []string
}

// CreateFailedOut creates the file at path for an input with the given
// header. errCol is the input's own ErrorColumn when it is itself such a
// file (the reason is then replaced), or -1. delimiter is the input's, for
// CSV (0 means a comma). In a dry run every row that would not be sent
// cleanly goes in.
func CreateFailedOut(path string, header []string, errCol int, delimiter rune, dryRun bool) (*FailedOut, error) {
	fo := &FailedOut{path: path, width: len(header), errCol: errCol, dryRun: dryRun}
	head := append([]string(nil), header...)
	if errCol < 0 {
		fo.errCol = len(head)
		head = append(head, importer.ErrorColumn)
	}
	if strings.EqualFold(filepath.Ext(path), ".xlsx") {
		xw, err := newXLSXOut(path, head)
		if err != nil {
			return nil, err
		}
		fo.xw = xw
		return fo, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	fo.f, fo.bw = f, bufio.NewWriter(f)
	// A byte-order mark makes Excel read the file as UTF-8.
	fo.bw.WriteString("\ufeff")
	fo.cw = csv.NewWriter(fo.bw)
	if delimiter != 0 {
		fo.cw.Comma = delimiter
	}
	fo.cw.UseCRLF = true
	return fo, fo.cw.Write(head)
}

// needsFixing reports whether a row belongs in the file.
func (fo *FailedOut) needsFixing(s importer.Status) bool {
	if fo.dryRun {
		return s != importer.Valid
	}
	switch s {
	case importer.Created, importer.CreatedWithWarnings, importer.Exists, importer.Updated, importer.Unchanged:
		return false
	}
	return true
}

// Write adds r's row when it needs fixing.
func (fo *FailedOut) Write(r importer.Result) error {
	if !fo.needsFixing(r.Status) {
		return nil
	}
	if r.Cells == nil {
		fo.unread = append(fo.unread, r.Row)
		return nil
	}
	fo.n++
	rec := append(fo.rec[:0], r.Cells...)
	for len(rec) < max(fo.width, fo.errCol+1) {
		rec = append(rec, "")
	}
	rec[fo.errCol] = reason(r)
	fo.rec = rec
	if fo.xw != nil {
		return fo.xw.write(rec)
	}
	for i, c := range rec {
		rec[i] = importer.QuoteFormula(c)
	}
	return fo.cw.Write(rec)
}

// reason is the ErrorColumn cell for r: "status code: message", then the
// warnings.
func reason(r importer.Result) string {
	var b strings.Builder
	b.WriteString(string(r.Status))
	if r.Code != 0 {
		b.WriteString(" " + strconv.Itoa(r.Code))
	}
	if r.Message != "" {
		b.WriteString(": " + r.Message)
	}
	if len(r.Warnings) > 0 {
		b.WriteString(" (")
		b.Write(appendWarnings(nil, r.Warnings))
		b.WriteString(")")
	}
	return b.String()
}

// Close finishes the file.
func (fo *FailedOut) Close() error {
	if fo.xw != nil {
		return fo.xw.close()
	}
	fo.cw.Flush()
	err := fo.cw.Error()
	if e := fo.bw.Flush(); err == nil {
		err = e
	}
	if e := fo.f.Close(); err == nil {
		err = e
	}
	return err
}

// Describe says what the file holds, for the end of a run.
func (fo *FailedOut) Describe() string {
	s := fmt.Sprintf("%s to fix written to %s", importer.Plural(fo.n, "row"), fo.path)
	if len(fo.unread) > 0 {
		rows := fo.unread[:min(len(fo.unread), 10)]
		s += fmt.Sprintf("; %s could not be parsed and so cannot be copied into it (fix them in the original file): %v",
			importer.Plural(len(fo.unread), "row"), rows)
	}
	return s
}

// xlsxOut streams rows into a one-sheet workbook, so that a user who
// brought a workbook gets the rows to fix back as one.
type xlsxOut struct {
	f   *excelize.File
	sw  *excelize.StreamWriter
	row int
	buf []any
	to  string
}

func newXLSXOut(path string, header []string) (*xlsxOut, error) {
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return nil, err
	}
	x := &xlsxOut{f: f, sw: sw, to: path}
	return x, x.write(header)
}

func (x *xlsxOut) write(cells []string) error {
	x.row++
	x.buf = x.buf[:0]
	for _, c := range cells {
		// Written as text: a cell that held "00123" must not become 123.
		x.buf = append(x.buf, c)
	}
	cell, err := excelize.CoordinatesToCellName(1, x.row)
	if err != nil {
		return err
	}
	return x.sw.SetRow(cell, x.buf)
}

func (x *xlsxOut) close() error {
	err := x.sw.Flush()
	if err == nil {
		err = x.f.SaveAs(x.to)
	}
	if e := x.f.Close(); err == nil {
		err = e
	}
	return err
}
