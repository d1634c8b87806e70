package input

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/capillary-tools/groupimport/importer"
)

// CSVRecords reads CSV with encoding/csv's rules, streaming: memory does
// not grow with the file, nor with a row: a row over MaxRow bytes, or one
// holding a NUL byte, is one *importer.RowError, skipped without being
// held in memory.
//
// Most lines of a spreadsheet's CSV hold no quote, and encoding/csv spends
// most of its time on what quotes make possible. A line without one is
// split here, as encoding/csv would split it. Every other record, and a
// last line without a newline, is delimited here by rowScan and, when it
// is within the cap, handed whole to encoding/csv, which reads nothing
// else. Line numbers and offsets add up both.
type CSVRecords struct {
	br    *bufio.Reader
	r     *csv.Reader // reads feed
	feed  feed
	fed   int    // records in feed that r has not read yet
	ends  []int  // where the records batch found end
	comma byte   // the delimiter when it is one byte, else 0: r reads every line
	delim []byte // the delimiter in UTF-8
	max   int    // MaxRow; smaller in tests
	rec   []string
	// pending are whole lines without a quote taken from br for split,
	// which encoding/csv is not to read; nul says they hold a NUL byte.
	pending string
	nul     bool
	// row gathers a record that spans the end of br's buffer.
	row []byte
	// err is a failure to read the input, returned once the rows before
	// it are.
	err error
	// lines and bytes are what was read here, past r's own counts.
	lines int
	bytes int64
	// line is the last line read, by either.
	line int
	// extra counts newlines that sat inside quoted cells so far: the CSV line
	// number minus extra is the row number a spreadsheet shows.
	extra int
	// width is the header's number of cells, once SetWidth says it; 0
	// before. spanning is the text of the record encoding/csv is reading
	// when it runs over more than one line and width is known: see resync.
	width    int
	spanning []byte
	// replay serves lines read again (see resync) before the rest of the
	// input; nil until a line is.
	replay *replay
}

// SetWidth tells the records the header's number of cells. From then on
// a quoted cell that runs over a line break must close into a row of that
// many cells; if it does not (a quote left open, closed only by a quote on
// a later row), only its first line is the broken row and the lines after
// it are read again as rows of their own (see resync).
func (c *CSVRecords) SetWidth(n int) { c.width = n }

// csvBuffer holds the lines being read; a line longer than it is gathered
// for encoding/csv, up to MaxRow.
const csvBuffer = 64 << 10

// NewCSVRecords reads CSV from r with the given delimiter (0 means ',').
func NewCSVRecords(r io.Reader, delimiter rune) *CSVRecords {
	return newCSVRecords(bufio.NewReaderSize(r, csvBuffer), delimiter)
}

// newCSVRecords reads CSV from br, a *bufio.Reader of csvBuffer bytes.
func newCSVRecords(br *bufio.Reader, delimiter rune) *CSVRecords {
	if delimiter == 0 {
		delimiter = ','
	}
	c := &CSVRecords{br: br, delim: utf8.AppendRune(nil, delimiter), max: MaxRow}
	c.r = csv.NewReader(&c.feed)
	c.r.Comma = delimiter
	c.r.FieldsPerRecord = -1 // the validator reports a wrong field count per row
	c.r.ReuseRecord = true
	if delimiter < utf8.RuneSelf && delimiter != '\r' && delimiter != '\n' && delimiter != '"' {
		c.comma = byte(delimiter)
	}
	return c
}

// Offset implements importer.Records.
func (c *CSVRecords) Offset() int64 { return c.r.InputOffset() + c.bytes }

// Next implements importer.Records.
func (c *CSVRecords) Next() ([]string, int, error) {
	for {
		var rec []string
		var line int
		var ok bool // split read the record
		if c.fed == 0 {
			var err error
			if rec, line, ok, err = c.split(); err != nil {
				return nil, line, err
			}
			if !ok {
				skipped, err := c.gather()
				if err != nil {
					return nil, 0, err
				}
				if skipped != nil {
					return nil, skipped.Row, skipped
				}
			}
		}
		if !ok {
			c.fed--
			spanning := c.spanning
			c.spanning = nil
			var err error
			if rec, err = c.r.Read(); err != nil {
				if err == io.EOF {
					c.fed = 0 // a record blank to encoding/csv: a carriage return at the end
					continue
				}
				var pe *csv.ParseError
				if errors.As(err, &pe) {
					// encoding/csv counts only the lines it read.
					pe.StartLine += c.lines
					pe.Line += c.lines
					if spanning != nil {
						re := c.resync(pe.StartLine, spanning, fmt.Sprintf("read on, the quote fails at line %d, column %d", pe.Line, pe.Column))
						return nil, re.Row, re
					}
					c.line = pe.Line
					// A broken quote can swallow the lines after it
					// into one record. Those lines keep their own row
					// numbers (the record is one invalid row, the lines
					// after it count as rows without lines), so that
					// once the quote is fixed the rows after them still
					// have the numbers an earlier run recorded, and a
					// resumed run lines them up.
					row := pe.StartLine - c.extra
					return nil, row, &importer.RowError{Row: row, Err: describeParseError(pe)}
				}
				return nil, 0, err
			}
			line, _ = c.r.FieldPos(0)
			line += c.lines
			c.line = line
			if spanning != nil && len(rec) != c.width {
				re := c.resync(line, spanning, fmt.Sprintf("read on to its closing quote, lines %d to %d give %d cells, not the header's %d",
					line, line+lineCount(spanning)-1, len(rec), c.width))
				return nil, re.Row, re
			}
		}
		row := line - c.extra
		blank := true
		for _, f := range rec {
			if blank && strings.TrimSpace(f) != "" {
				blank = false
			}
			if !ok && strings.IndexByte(f, '\n') >= 0 {
				n := strings.Count(f, "\n")
				c.extra += n
				c.line += n
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

// split reads the next record when its line holds no quote, as
// encoding/csv would read it: a CR before the newline is dropped, empty
// lines are skipped, cells are what lies between delimiters. ok is false
// when the next line is for encoding/csv: it has a quote, it is the last
// one and has no newline, it is longer than the buffer, or the delimiter
// is not a single byte. A line holding a NUL byte is a *importer.RowError.
func (c *CSVRecords) split() (rec []string, line int, ok bool, err error) {
	if c.comma == 0 {
		return nil, 0, false, nil
	}
	for {
		if c.pending == "" && !c.take() {
			return nil, 0, false, nil
		}
		n := strings.IndexByte(c.pending, '\n')
		text := c.pending[:n]
		c.pending = c.pending[n+1:]
		if len(text) > 0 && text[len(text)-1] == '\r' {
			text = text[:len(text)-1]
		}
		c.line++
		c.lines++
		c.bytes += int64(n + 1)
		if len(text) == 0 {
			continue
		}
		if c.nul {
			if i := strings.IndexByte(text, 0); i >= 0 {
				row := c.line - c.extra
				return nil, row, true, &importer.RowError{Row: row, Err: nulError(c.line, i+1)}
			}
		}
		rec = c.rec[:0]
		for {
			i := strings.IndexByte(text, c.comma)
			if i < 0 {
				break
			}
			rec = append(rec, text[:i])
			text = text[i+1:]
		}
		c.rec = append(rec, text)
		return c.rec, c.line, true, nil
	}
}

// chunk is about how much text split turns into one string: a string a
// line, as encoding/csv makes, costs more than splitting the line, and a
// cell kept (an id in a message) keeps no more than this alive.
const chunk = 1 << 10

// take moves the next lines without a quote, whole and about chunk bytes
// of them, from the buffer into pending; false when the next line is not
// for split.
func (c *CSVRecords) take() bool {
	buf, _ := c.br.Peek(c.br.Buffered())
	if bytes.IndexByte(buf, '\n') < 0 {
		buf, _ = c.br.Peek(csvBuffer) // fill it; at the end, gather reads the rest
	}
	win := buf[:min(len(buf), chunk)]
	quote := bytes.IndexByte(win, '"')
	if quote >= 0 {
		win = win[:quote]
	}
	end := bytes.LastIndexByte(win, '\n') + 1
	if end == 0 {
		// The first line has a quote, or is longer than a chunk.
		n := bytes.IndexByte(buf, '\n')
		if quote >= 0 || n < 0 || bytes.IndexByte(buf[:n], '"') >= 0 {
			return false
		}
		end = n + 1
	}
	c.pending = string(buf[:end])
	c.nul = bytes.IndexByte(buf[:end], 0) >= 0
	c.br.Discard(end)
	return true
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
