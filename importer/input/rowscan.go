package input

import "bytes"

// MaxRow is the most bytes one row of a CSV file may take: its cells,
// delimiters, quotes and the line breaks inside quoted cells, the line
// break that ends it left out. A group's row needs a few hundred bytes. A
// longer row is one invalid row, skipped without being held in memory,
// and reading goes on after it: a cell of 100 MB, a quote left open over
// the rest of the file or a tail of zero bytes costs no more memory than
// this.
const MaxRow = 1 << 20

// rowScan finds where encoding/csv ends a record, by its rules: a line
// break ends it outside a quoted cell, a quote opens a cell only at the
// start of one, and broken quoting ends it at the end of that line, whose
// rest encoding/csv drops. It reads the bytes once and keeps none, so the
// end of a record of any size is found in constant memory.
type rowScan struct {
	state scanState
	comma []byte // the delimiter, in UTF-8
	// k is how many bytes of a delimiter of more than one byte were
	// matched, in scanComma, and from the state to go back to when the
	// next byte does not match.
	k    int
	from scanState
	// opened is the offset in the record of the last quoted cell opened;
	// n is the offset of the bytes scan is given.
	opened, n int64
	quoted    bool // the record holds a quote
}

type scanState uint8

const (
	scanField   scanState = iota // at the start of a cell
	scanBare                     // in a cell without quotes
	scanQuoted                   // in a quoted cell
	scanQuote                    // after a quote in a quoted cell: its end, or the first of ""
	scanQuoteCR                  // after a quote and a carriage return
	scanComma                    // in a delimiter of more than one byte
	scanBroken                   // after broken quoting: the rest of the line is dropped
)

// scan reads p, the next bytes of the record, and returns how many of
// them belong to it and whether it ended there.
func (s *rowScan) scan(p []byte) (int, bool) {
	n, done := s.step(p)
	s.n += int64(n)
	return n, done
}

func (s *rowScan) step(p []byte) (int, bool) {
	for i := 0; i < len(p); {
		switch s.state {
		case scanField:
			switch p[i] {
			case '"':
				s.state, s.opened, s.quoted = scanQuoted, s.n+int64(i), true
				i++
			case '\n':
				return i + 1, true
			default:
				s.state = scanBare // p[i] is read there
			}
		case scanBare:
			next, ended, done := s.bare(p, i)
			if ended {
				return next, done
			}
			i = next
		case scanQuoted:
			q := bytes.IndexByte(p[i:], '"')
			if q < 0 {
				return len(p), false
			}
			s.state = scanQuote
			i += q + 1
		case scanQuote:
			switch s.afterQuote(p[i]) {
			case quoteEndsRecord:
				return i + 1, true
			case quoteTaken:
				i++
			}
		case scanQuoteCR:
			if p[i] == '\n' {
				return i + 1, true
			}
			s.state = scanBroken // p[i] is read there
		case scanComma:
			if s.inDelimiter(p[i]) {
				i++
			}
		case scanBroken:
			end := bytes.IndexByte(p[i:], '\n')
			if end < 0 {
				return len(p), false
			}
			return i + end + 1, true
		}
	}
	return len(p), false
}

// bare reads p from i in a cell without quotes, to the end of its line or
// to a quote. ended reports that the record ends, or p is used up, at
// next; otherwise the quote is read and next is the byte after it.
func (s *rowScan) bare(p []byte, i int) (next int, ended, done bool) {
	line := p[i:]
	end := bytes.IndexByte(line, '\n')
	if end >= 0 {
		line = line[:end]
	}
	q := bytes.IndexByte(line, '"')
	s.quoted = s.quoted || q >= 0
	switch {
	case q < 0 && end >= 0:
		return i + end + 1, true, true
	case q < 0:
		s.tail(line)
		return len(p), true, false
	case bytes.HasSuffix(line[:q], s.comma):
		// The quote opens the cell after a delimiter.
		s.state, s.opened = scanQuoted, s.n+int64(i+q)
	default:
		s.state = scanBroken // a quote inside a cell without quotes
	}
	return i + q + 1, false, false
}

// What afterQuote did with the byte after a quote in a quoted cell.
const (
	quoteTaken      = iota // read: the state is the one after it
	quoteEndsRecord        // a line break: the record ends with it
	quoteReread            // text after the closing quote: read again, as broken quoting
)

// afterQuote reads c, the byte after a quote in a quoted cell: the second
// quote of "", the line break that ends the record, or a delimiter.
func (s *rowScan) afterQuote(c byte) int {
	switch {
	case c == '"':
		s.state = scanQuoted
	case c == '\n':
		return quoteEndsRecord
	case c == '\r':
		s.state = scanQuoteCR
	case c == s.comma[0]:
		s.delimiter(scanQuote)
	default:
		s.state = scanBroken
		return quoteReread
	}
	return quoteTaken
}

// inDelimiter reads c in a delimiter of more than one byte, and reports
// whether c was its next byte. When it was not, c is to be read again, in
// a cell without quotes, or as broken quoting after a quoted cell.
func (s *rowScan) inDelimiter(c byte) bool {
	if c == s.comma[s.k] {
		s.k++
		if s.k == len(s.comma) {
			s.state = scanField
		}
		return true
	}
	s.state = scanBare
	if s.from == scanQuote {
		s.state = scanBroken
	}
	return false
}

// delimiter enters the cell after the delimiter's first byte, or the
// rest of a delimiter of more than one byte.
func (s *rowScan) delimiter(from scanState) {
	if len(s.comma) == 1 {
		s.state = scanField
		return
	}
	s.state, s.k, s.from = scanComma, 1, from
}

// tail sets the state after line, the end of what was given in a cell
// without quotes: a cell starts after a delimiter, and the first bytes of
// a delimiter of more than one byte may be all that was given of it.
func (s *rowScan) tail(line []byte) {
	s.state = scanBare
	if bytes.HasSuffix(line, s.comma) {
		s.state = scanField
		return
	}
	for k := len(s.comma) - 1; k > 0; k-- {
		if bytes.HasSuffix(line, s.comma[:k]) {
			s.state, s.k, s.from = scanComma, k, scanBare
			return
		}
	}
}

// broken reports whether the record, ended, is one encoding/csv fails to
// read: broken quoting, or a quoted cell the end of the input left open
// or followed by part of a delimiter.
func (s *rowScan) broken() bool {
	return s.state == scanBroken || s.state == scanQuoted || (s.state == scanComma && s.from == scanQuote)
}
