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
	var (
		whole []byte // the record, when it sits in br's buffer
		size  int64
		lines int
		nul   bool
		over  bool // over the cap: the bytes are counted and dropped
		quote = -1 // the line in the record of a quoted cell open at the cap
		done  bool
		last  [2]byte // the record's last two bytes
	)
	for !done {
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
		part := p[:n]
		switch {
		case size == 0 && done:
			// The record is in the buffer: encoding/csv reads it from
			// there, and nothing touches br before it has.
			whole = part
		case over:
		case len(c.row)+n <= c.max+rowBreak:
			c.row = append(c.row, part...)
		default:
			over = true
			lines = bytes.Count(c.row, newline)
			c.row = append(c.row, part[:c.max+rowBreak-len(c.row)]...)
			if s.state == scanQuoted && s.opened < int64(len(c.row)) {
				quote = bytes.Count(c.row[:s.opened], newline)
			}
		}
		if over {
			lines += bytes.Count(part, newline)
		}
		nul = nul || bytes.IndexByte(part, 0) >= 0
		size += int64(n)
		if n >= 2 {
			last = [2]byte{part[n-2], part[n-1]}
		} else {
			last = [2]byte{last[1], part[0]}
		}
		c.br.Discard(n)
	}
	if size == 0 {
		return nil, io.EOF
	}
	text := c.row
	if whole != nil {
		text = whole
	}
	// The line break that ends the record is not its text.
	length := size
	switch {
	case last == [2]byte{'\r', '\n'}:
		length -= 2
	case last[1] == '\n':
		length--
	}
	if length <= int64(c.max) && !nul {
		c.feed.b, c.fed = text, 1
		if c.width > 0 && bytes.IndexByte(text[:length], '\n') >= 0 {
			c.spanning = text
		}
		return nil, nil
	}

	if !over {
		lines = bytes.Count(text, newline)
		over = length > int64(c.max)
	}
	if last[1] != '\n' {
		lines++ // the last line, without a line break
	}
	start := c.line + 1
	row := start - c.extra
	c.line += lines
	c.lines += lines
	c.bytes += size
	if !s.broken() {
		// Like a row encoding/csv reads: the line breaks inside its
		// quoted cells do not start rows.
		c.extra += lines - 1
	}
	if over {
		if quote >= 0 {
			quote += start
		}
		return &importer.RowError{Row: row, Err: c.overError(start, lines, length, nul, quote)}, nil
	}
	i := bytes.IndexByte(text, 0)
	before := text[:i]
	line := start + bytes.Count(before, newline)
	return &importer.RowError{Row: row, Err: nulError(line, i-bytes.LastIndexByte(before, '\n'))}, nil
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
