package input

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

	"github.com/capillary-tools/groupimport/importer"
)

// resync makes a record that ran over line breaks and did not come out as
// a row (encoding/csv refused it, or it has not the header's number of
// cells) cost only its first line: that line, start, is the broken row,
// and the lines after it are read again as rows of their own. A quote
// left open takes in the lines after it up to the next quote, which are
// most often good rows: they keep their own lines in the results, with
// their own row numbers, and the rows after them keep theirs. The line a
// record starts on always ends inside the quoted cell that runs on (else
// the record would end there), so that line is the one to check.
//
// text is the record as read, line breaks included; why says what reading
// on would have given.
func (c *CSVRecords) resync(start int, text []byte, why string) *importer.RowError {
	first := bytes.IndexByte(text, '\n') + 1
	rest := text[first:]
	// encoding/csv counted every line of the record; all but the first
	// are read again.
	c.lines -= lineCount(text) - 1
	c.line = start
	c.bytes -= int64(len(rest))
	c.readAgain(rest)
	row := start - c.extra
	return &importer.RowError{Row: row, Err: fmt.Errorf(
		"line %d: a quoted cell opened on this line is not closed on it, so this line alone is taken as the row (%s); the lines after it are read as rows of their own; check the quotes on line %d",
		start, why, start)}
}

// lineCount is how many lines text spans: its line breaks, and a last
// line without one.
func lineCount(text []byte) int {
	n := bytes.Count(text, newline)
	if len(text) > 0 && text[len(text)-1] != '\n' {
		n++
	}
	return n
}

// readAgain puts p before what is left of the input. Its bytes were read,
// and verified, once already; c.br then reads them, then what it held,
// then the rest of the input. The readers do not nest: the first time, a
// replay goes between c.br and the input's reader, and later times refill
// it.
func (c *CSVRecords) readAgain(p []byte) {
	if c.replay == nil {
		c.replay = &replay{b: append([]byte(nil), p...), r: c.br}
		c.br = bufio.NewReaderSize(c.replay, csvBuffer)
		return
	}
	held, _ := c.br.Peek(c.br.Buffered())
	b := make([]byte, 0, len(p)+len(held)+len(c.replay.b))
	b = append(append(append(b, p...), held...), c.replay.b...)
	c.replay.b = b
	c.br.Reset(c.replay)
}

// replay reads b, then r.
type replay struct {
	b []byte
	r io.Reader
}

func (p *replay) Read(b []byte) (int, error) {
	if len(p.b) > 0 {
		n := copy(b, p.b)
		p.b = p.b[n:]
		return n, nil
	}
	return p.r.Read(b)
}
