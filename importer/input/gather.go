package input

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/capillary-tools/groupimport/importer"
)

// rowBreak is room for the line break that ends a row, which the cap
// leaves out.
const rowBreak = len("\r\n")

// feed is what encoding/csv reads: whole records, handed to it by gather.
// It holds nothing past them, so what encoding/csv keeps is bounded by
// MaxRow.
type feed struct{ b []byte }

func (f *feed) Read(p []byte) (int, error) {
	if len(f.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, f.b)
	f.b = f.b[n:]
	return n, nil
}

// gather takes the next records from br, as encoding/csv would delimit
// them, and hands them to encoding/csv through feed, setting fed to how
// many. A record over the cap, or one holding a NUL byte, is skipped
// instead and comes back as the row's error: of a record over the cap
// only its first bytes are kept, for the message, and the rest is read
// and dropped. io.EOF at the end; a failed read before a record ends is
// returned at once, the record cut short by it dropped.
func (c *CSVRecords) gather() (*importer.RowError, error) {
	c.feed.b = nil // read by now, unless encoding/csv disagrees on where a record ends
	if err := c.skipBlank(); err != nil {
		return nil, err
	}
	if c.fed = c.batch(); c.fed > 0 {
		return nil, nil
	}
	s := rowScan{comma: c.delim}
	c.row = c.row[:0]
	g := gathered{quote: -1}
	for done := false; !done; {
		p, err := c.peek()
		if len(p) == 0 {
			if err != io.EOF {
				// Only the end of the input ends a record without a
				// line break: one cut off by a failed read, or by a
				// file found changed (its next block not what the
				// pre-scan read, or more written after the last line),
				// is no row, and is not handed on.
				c.err = err
				return nil, err
			}
			break
		}
		var n int
		n, done = s.scan(p)
		c.collect(&g, &s, p[:n], done)
		c.br.Discard(n)
	}
	if g.size == 0 {
		return nil, io.EOF
	}
	text := c.row
	if g.whole != nil {
		text = g.whole
	}
	// The line break that ends the record is not its text.
	length := g.size - int64(lineBreak(g.last[:]))
	if length <= int64(c.max) && !g.nul {
		c.feed.b, c.fed = text, 1
		if c.width > 0 && bytes.IndexByte(text[:length], '\n') >= 0 {
			c.spanning = text
		}
		return nil, nil
	}
	return c.skip(&g, text, length, s.broken()), nil
}

// gathered is what gather learns of a record as it reads it.
type gathered struct {
	whole []byte // the record, when it sits in br's buffer
	size  int64
	lines int
	nul   bool
	over  bool    // over the cap: the bytes are counted and dropped
	quote int     // the line in the record of a quoted cell open at the cap; -1 when none
	last  [2]byte // the record's last two bytes
}

// collect adds part, the next bytes of the record (its last when done), to
// g: the record as a whole when it is all in br's buffer, else in c.row up
// to the cap.
func (c *CSVRecords) collect(g *gathered, s *rowScan, part []byte, done bool) {
	n := len(part)
	switch {
	case g.size == 0 && done:
		// The record is in the buffer: encoding/csv reads it from
		// there, and nothing touches br before it has.
		g.whole = part
	case g.over:
	case len(c.row)+n <= c.max+rowBreak:
		c.row = append(c.row, part...)
	default:
		g.over = true
		g.lines = bytes.Count(c.row, newline)
		c.row = append(c.row, part[:c.max+rowBreak-len(c.row)]...)
		if s.state == scanQuoted && s.opened < int64(len(c.row)) {
			g.quote = bytes.Count(c.row[:s.opened], newline)
		}
	}
	if g.over {
		g.lines += bytes.Count(part, newline)
	}
	g.nul = g.nul || bytes.IndexByte(part, 0) >= 0
	g.size += int64(n)
	if n >= 2 {
		g.last = [2]byte{part[n-2], part[n-1]}
	} else {
		g.last = [2]byte{g.last[1], part[0]}
	}
}

// skip counts the lines of a record not handed to encoding/csv, over the
// cap or holding a NUL byte, and returns the row's error.
func (c *CSVRecords) skip(g *gathered, text []byte, length int64, broken bool) *importer.RowError {
	if !g.over {
		g.lines = bytes.Count(text, newline)
		g.over = length > int64(c.max)
	}
	if g.last[1] != '\n' {
		g.lines++ // the last line, without a line break
	}
	start := c.line + 1
	row := start - c.extra
	c.line += g.lines
	c.lines += g.lines
	c.bytes += g.size
	if !broken {
		// Like a row encoding/csv reads: the line breaks inside its
		// quoted cells do not start rows.
		c.extra += g.lines - 1
	}
	if g.over {
		if g.quote >= 0 {
			g.quote += start
		}
		return &importer.RowError{Row: row, Err: c.overError(start, g.lines, length, g.nul, g.quote)}
	}
	i := bytes.IndexByte(text, 0)
	before := text[:i]
	line := start + bytes.Count(before, newline)
	return &importer.RowError{Row: row, Err: nulError(line, i-bytes.LastIndexByte(before, '\n'))}
}

var newline = []byte{'\n'}

// batch hands encoding/csv the records br's buffer holds whole, at once,
// up to the first that is not for it: one without a quote (split reads
// those, faster), over the cap, holding a NUL byte, or ending past the
// buffer. It returns how many it handed over.
func (c *CSVRecords) batch() int {
	p, _ := c.peek()
	c.ends = c.ends[:0]
	for off := 0; off < len(p); {
		switch {
		case p[off] == '\n':
			off++ // an empty line, which encoding/csv skips
			continue
		case p[off] == '\r' && off+1 < len(p) && p[off+1] == '\n':
			off += 2
			continue
		}
		s := rowScan{comma: c.delim}
		n, done := s.scan(p[off:])
		if !done || (c.comma != 0 && !s.quoted) || n-lineBreak(p[off:off+n]) > c.max {
			break
		}
		if c.width > 0 && bytes.IndexByte(p[off:off+n-lineBreak(p[off:off+n])], '\n') >= 0 {
			// A record over several lines goes to gather alone, which
			// keeps its text for resync.
			break
		}
		off += n
		c.ends = append(c.ends, off)
	}
	k := len(c.ends)
	if k == 0 {
		return 0
	}
	if i := bytes.IndexByte(p[:c.ends[k-1]], 0); i >= 0 {
		for k > 0 && c.ends[k-1] > i {
			k--
		}
		if k == 0 {
			return 0
		}
	}
	// Nothing reads br again before encoding/csv has read these.
	c.feed.b = p[:c.ends[k-1]]
	c.br.Discard(c.ends[k-1])
	return k
}

// lineBreak is the length of the line break that ends p.
func lineBreak(p []byte) int {
	switch {
	case bytes.HasSuffix(p, []byte("\r\n")):
		return 2
	case bytes.HasSuffix(p, newline):
		return 1
	}
	return 0
}

// peek returns what br holds, reading more when it holds nothing.
func (c *CSVRecords) peek() ([]byte, error) {
	if c.br.Buffered() == 0 {
		if _, err := c.br.Peek(1); err != nil {
			return nil, err
		}
	}
	return c.br.Peek(c.br.Buffered())
}

// skipBlank skips empty lines before a record, as encoding/csv does.
func (c *CSVRecords) skipBlank() error {
	if c.err != nil {
		return c.err
	}
	for {
		p, err := c.br.Peek(2)
		n := 0
		switch {
		case len(p) > 0 && p[0] == '\n':
			n = 1
		case len(p) == 2 && p[0] == '\r' && p[1] == '\n':
			n = 2
		case len(p) == 0:
			if err != io.EOF {
				c.err = err
			}
			return err
		default:
			return nil
		}
		c.br.Discard(n)
		c.line++
		c.lines++
		c.bytes += int64(n)
	}
}

// overError says that the row on lines start to start+lines-1 is over the
// cap, and why it may be: quote is the line of a quoted cell still open
// at the cap, or -1.
func (c *CSVRecords) overError(start, lines int, length int64, nul bool, quote int) error {
	limit := "1 MiB"
	if c.max != MaxRow {
		limit = strconv.Itoa(c.max) + " bytes"
	}
	var b strings.Builder
	end := start + lines - 1
	switch {
	case quote >= 0:
		fmt.Fprintf(&b, "a quoted cell opened on line %d is not closed within the %s a row may hold: lines %d to %d (%s bytes) were read as one row and skipped; check the quotes on line %d",
			quote, limit, start, end, thousands(length), quote)
	case lines > 1:
		fmt.Fprintf(&b, "lines %d to %d are one row of %s bytes, over the %s a row may hold", start, end, thousands(length), limit)
	default:
		fmt.Fprintf(&b, "line %d is %s bytes long, over the %s a row may hold", start, thousands(length), limit)
	}
	switch {
	case nul:
		b.WriteString(", and holds NUL bytes, which text never does: the file is damaged, or was padded with zero bytes by a crash or an unfinished copy")
	case quote < 0:
		b.WriteString("; a group's row needs far less: check that the file is the one meant")
	}
	return errors.New(b.String())
}

// nulError is the reason for a row holding a NUL byte.
func nulError(line, column int) error {
	return fmt.Errorf("line %d, column %d: a NUL byte, which text never holds: the file is damaged, or was padded with zero bytes by a crash or an unfinished copy", line, column)
}

// thousands writes n with a comma between groups of three digits.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, d := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	return b.String()
}
