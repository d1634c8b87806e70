package main

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/capillary-tools/groupimport/importer"
)

// failedOut writes the rows that did not end on the server as the file
// describes them, in the input's own columns, so that the user can fix them
// in a spreadsheet and import that file alone.
type failedOut struct {
	f      *os.File
	bw     *bufio.Writer
	cw     *csv.Writer
	xw     *xlsxOut // instead of cw, when the file is a workbook
	header []string
	dryRun bool
	n      int
	unread []int // rows that could not be parsed, so cannot be copied
}

func newFailedOut(path string, header []string, delimiter rune, dryRun bool) (*failedOut, error) {
	if strings.EqualFold(filepath.Ext(path), ".xlsx") {
		xw, err := newXLSXOut(path, header)
		if err != nil {
			return nil, usagef("--failed-out: %v", err)
		}
		return &failedOut{xw: xw, header: header, dryRun: dryRun}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, usagef("--failed-out: %v", err)
	}
	bw := bufio.NewWriter(f)
	// A byte-order mark makes Excel read the file as UTF-8.
	bw.WriteString("\ufeff")
	cw := csv.NewWriter(bw)
	if delimiter != 0 {
		cw.Comma = delimiter
	}
	cw.UseCRLF = true
	fo := &failedOut{f: f, bw: bw, cw: cw, header: header, dryRun: dryRun}
	return fo, cw.Write(header)
}

// needsFixing reports whether a row belongs in the file.
func (fo *failedOut) needsFixing(s importer.Status) bool {
	if fo.dryRun {
		return s != importer.Valid
	}
	switch s {
	case importer.Created, importer.CreatedWithWarnings, importer.Exists, importer.Updated:
		return false
	}
	return true
}

func (fo *failedOut) write(r importer.Result) error {
	if !fo.needsFixing(r.Status) {
		return nil
	}
	if r.Cells == nil {
		fo.unread = append(fo.unread, r.Row)
		return nil
	}
	fo.n++
	if fo.xw != nil {
		return fo.xw.write(r.Cells)
	}
	return fo.cw.Write(r.Cells)
}

func (fo *failedOut) close() error {
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

func (fo *failedOut) describe() string {
	name := ""
	if fo.xw != nil {
		name = fo.xw.path
	} else {
		name = fo.f.Name()
	}
	s := fmt.Sprintf("%d rows to fix written to %s", fo.n, name)
	if len(fo.unread) > 0 {
		s += fmt.Sprintf("; %d rows could not be parsed and are not in it (fix them in the original file): rows %v", len(fo.unread), firstN(fo.unread, 10))
	}
	return s
}

func firstN(rows []int, n int) []int {
	if len(rows) > n {
		return rows[:n]
	}
	return rows
}

// xlsxOut streams rows into a one-sheet workbook, so that a user who
// brought a workbook gets the rows to fix back as one.
type xlsxOut struct {
	path string
	f    *excelize.File
	sw   *excelize.StreamWriter
	row  int
	buf  []any
}

func newXLSXOut(path string, header []string) (*xlsxOut, error) {
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return nil, err
	}
	x := &xlsxOut{path: path, f: f, sw: sw}
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
		err = x.f.SaveAs(x.path)
	}
	if e := x.f.Close(); err == nil {
		err = e
	}
	return err
}
