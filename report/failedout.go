package report

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
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
//
// Skipped rows are not in it: nothing is wrong with them, and they belong
// to the record that --resume carries on from (importing them from this
// file would send them outside that record). Rows created without some
// extended fields (created_with_warnings, 91016/91017) are in it with that
// reason: once the org's catalogue has the fields, importing the file with
// --on-conflict update completes them. A run with nothing to fix leaves no
// file (and removes the one an earlier run left at the path).
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
	// skipped counts the rows left for a resume; partial, the rows
	// created without some extended fields.
	skipped, partial int
	unread           []int // rows that could not be parsed, so cannot be copied
	rec              []string
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
	// Created now, so that a path that cannot be written stops the run
	// before anything is sent. os.Create's 0666 under the umask: never an
	// execute bit (excelize's SaveAs would create it 0777).
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	fo.f = f
	if strings.EqualFold(filepath.Ext(path), ".xlsx") {
		xw, err := newXLSXOut(f, head)
		if err != nil {
			f.Close()
			return nil, err
		}
		fo.xw = xw
		return fo, nil
	}
	fo.bw = bufio.NewWriter(f)
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
	case importer.Created, importer.Exists, importer.Updated, importer.Unchanged, importer.Skipped:
		return false
	}
	return true
}

// Write adds r's row when it needs fixing.
func (fo *FailedOut) Write(r importer.Result) error {
	switch r.Status {
	case importer.Skipped:
		fo.skipped++
	case importer.CreatedWithWarnings:
		fo.partial++
	}
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
	if fo.errCol == fo.width && len(r.Cells) > fo.width {
		// A row with more cells than the header: the reason goes in
		// its column and the extra cells after it, all kept for the
		// user to see what went wrong.
		rec = slices.Insert(rec, fo.errCol, "")
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

// Close finishes the file, or removes it when it holds no row.
func (fo *FailedOut) Close() error {
	if fo.n == 0 {
		err := fo.f.Close()
		if fo.xw != nil {
			fo.xw.f.Close()
		}
		if e := os.Remove(fo.path); err == nil {
			err = e
		}
		return err
	}
	if fo.xw != nil {
		err := fo.xw.close()
		if e := fo.f.Close(); err == nil {
			err = e
		}
		return err
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
	if fo.n == 0 {
		s = "no rows to fix; " + fo.path + " not written"
	}
	if fo.partial > 0 {
		s += fmt.Sprintf("; %s created without some extended fields %s in it: once the org has the fields, import it with --on-conflict update to complete them",
			importer.Plural(fo.partial, "row"), isAre(fo.partial))
	}
	if fo.skipped > 0 {
		s += fmt.Sprintf("; %s left for --resume, not in it", importer.Plural(fo.skipped, "skipped row"))
	}
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
	to  io.Writer
}

func newXLSXOut(to io.Writer, header []string) (*xlsxOut, error) {
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return nil, err
	}
	x := &xlsxOut{f: f, sw: sw, to: to}
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
		_, err = x.f.WriteTo(x.to)
	}
	if e := x.f.Close(); err == nil {
		err = e
	}
	return err
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}
