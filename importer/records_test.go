package importer

import (
	"encoding/csv"
	"errors"
	"io"
)

// testCSV reads CSV with encoding/csv for this package's own tests and
// benchmarks, which cannot use input.CSVRecords (input imports importer).
// Rows are numbered by line: the inputs here have no cell spanning lines.
type testCSV struct{ r *csv.Reader }

func newTestCSV(r io.Reader) *testCSV {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return &testCSV{cr}
}

func (c *testCSV) Offset() int64 { return c.r.InputOffset() }

func (c *testCSV) Next() ([]string, int, error) {
	rec, err := c.r.Read()
	if pe, ok := errors.AsType[*csv.ParseError](err); ok {
		return nil, pe.StartLine, &RowError{Row: pe.StartLine, Err: pe.Err}
	}
	if err != nil {
		return nil, 0, err
	}
	line, _ := c.r.FieldPos(0)
	return rec, line, nil
}
