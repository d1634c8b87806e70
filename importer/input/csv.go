package input

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/capillary-tools/groupimport/importer"
)

// CSVRecords reads CSV with encoding/csv, streaming: memory does not grow
// with the file. It implements importer.Records.
type CSVRecords struct {
	r *csv.Reader
	// extra counts newlines that sat inside quoted cells so far: the CSV line
	// number minus extra is the row number a spreadsheet shows.
	extra int
}

// NewCSVRecords reads CSV from r with the given delimiter (0 means ',').
func NewCSVRecords(r io.Reader, delimiter rune) *CSVRecords {
	cr := csv.NewReader(r)
	if delimiter != 0 {
		cr.Comma = delimiter
	}
	cr.FieldsPerRecord = -1 // the validator reports a wrong field count per row
	cr.ReuseRecord = true
	return &CSVRecords{r: cr}
}

// Offset implements importer.Records.
func (c *CSVRecords) Offset() int64 { return c.r.InputOffset() }

// Next implements importer.Records.
func (c *CSVRecords) Next() ([]string, int, error) {
	for {
		rec, err := c.r.Read()
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				// A broken quote can swallow the lines after it into one
				// record. Those lines keep their own row numbers (the
				// record is one invalid row, the lines after it count as
				// rows without lines), so that once the quote is fixed the
				// rows after them still have the numbers an earlier run
				// recorded, and a resumed run lines them up.
				row := pe.StartLine - c.extra
				return nil, row, &importer.RowError{Row: row, Err: describeParseError(pe)}
			}
			return nil, 0, err
		}
		line, _ := c.r.FieldPos(0)
		row := line - c.extra
		blank := true
		for _, f := range rec {
			if blank && strings.TrimSpace(f) != "" {
				blank = false
			}
			if strings.IndexByte(f, '\n') >= 0 {
				c.extra += strings.Count(f, "\n")
			}
		}
		if blank {
			// Spreadsheets export formatted but empty rows as ",,,";
			// they are not data.
			continue
		}
		return rec, row, nil
	}
}

func describeParseError(pe *csv.ParseError) error {
	switch {
	case errors.Is(pe.Err, csv.ErrQuote) && pe.Line > pe.StartLine:
		return fmt.Errorf("quoted cell opened on line %d is not closed properly (reading stopped at line %d, column %d); check the quotes on that row", pe.StartLine, pe.Line, pe.Column)
	case errors.Is(pe.Err, csv.ErrQuote):
		return fmt.Errorf("broken quoting at line %d, column %d: a quoted cell must end with a quote followed by the delimiter; write a quote inside a quoted cell as \"\"", pe.Line, pe.Column)
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return fmt.Errorf("broken quoting at line %d, column %d: a quote inside an unquoted cell; quote the whole cell and double the inner quote", pe.Line, pe.Column)
	}
	return fmt.Errorf("line %d, column %d: %v", pe.Line, pe.Column, pe.Err)
}
