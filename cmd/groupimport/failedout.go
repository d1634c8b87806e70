package main

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"os"

	"github.com/capillary-tools/groupimport/importer"
)

// failedOut writes the rows that did not end on the server as the file
// describes them, in the input's own columns, so that the user can fix them
// in a spreadsheet and import that file alone.
type failedOut struct {
	f       *os.File
	bw      *bufio.Writer
	cw      *csv.Writer
	header  []string
	dryRun  bool
	n       int
	unread  []int // rows that could not be parsed, so cannot be copied
	started bool
}

func newFailedOut(path string, header []string, delimiter rune, dryRun bool) (*failedOut, error) {
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
	return fo.cw.Write(r.Cells)
}

func (fo *failedOut) close() error {
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
	s := fmt.Sprintf("%d rows to fix written to %s", fo.n, fo.f.Name())
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
