package report

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/capillary-tools/groupimport/importer"
)

// Header is the first line of every record a run writes, results and
// diffs alike. Readers find columns by name (see ReadResults).
var Header = []string{"row", "externalId", "status", "entityId", "code", "message", "warnings", "attempts", "requestId", "reason", "action", "fingerprint", "differences", "sent"}

// Column positions in Header.
const (
	colRow = iota
	colExternalID
	colStatus
	colEntityID
	colCode
	colMessage
	colWarnings
	colAttempts
	colRequestID
	colReason
	colAction
	colFingerprint
	colDifferences
	colSent
	numCols
)

// DefaultFlushInterval is how long a recorded row may wait in memory
// before Results hands it to the file and syncs it.
const DefaultFlushInterval = time.Second

// bufferSize is large so that ~20,000 rows/s cost a few write calls a
// second rather than one per row.
const bufferSize = 64 << 10

// Writer writes Results as lines of a results file. It is safe for
// concurrent use, though rows are meant to come from one goroutine in input
// order.
//
// Rows are buffered until the buffer fills or the owner calls Flush, Sync
// or Close: the owner decides when, because it orders the file's flush
// with the other files of a run (Results flushes it and the journal
// together, once a DefaultFlushInterval). The first error from the
// underlying writer is kept and returned by every later Write, Flush and
// Close.
type Writer struct {
	mu      sync.Mutex
	bw      *bufio.Writer
	file    *os.File // set by Create: Close syncs and closes it
	line    []byte   // reused for every row
	rec     []string // fill's cells
	scratch []byte   // backs the cells fill formats itself
	err     error    // sticky
	closed  bool
}

// NewWriter returns a Writer that writes a results file to w, header first.
// Close flushes it but does not close w.
func NewWriter(w io.Writer) *Writer {
	bw := bufio.NewWriterSize(w, bufferSize)
	rw := &Writer{bw: bw, line: make([]byte, 0, 256), rec: make([]string, numCols)}
	// The header fits the empty buffer, so this cannot fail.
	_ = csv.NewWriter(bw).Write(Header)
	return rw
}

// Create creates or truncates the file at path (with the permissions the
// user's umask allows) and returns a Writer for it. Sync commits what is
// written to stable storage; Close flushes, syncs and closes the file.
func Create(path string) (*Writer, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	w := NewWriter(f)
	w.file = f
	return w, nil
}

// Write appends r as one line. It returns the first error the underlying
// writer reported, if any, and os.ErrClosed after Close.
func (w *Writer) Write(r importer.Result) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return os.ErrClosed
	}
	if w.err != nil {
		return w.err
	}
	w.line = appendResult(w.line[:0], &r)
	// Flushing before a line that would not fit, rather than letting
	// bufio split it, keeps the file made of whole lines between writes:
	// what a crash leaves behind stays readable to the end. A line larger
	// than the buffer goes out in one write of its own.
	if w.bw.Available() < len(w.line) && w.bw.Buffered() > 0 {
		if err := w.bw.Flush(); err != nil {
			return w.fail(err)
		}
	}
	if _, err := w.bw.Write(w.line); err != nil {
		return w.fail(err)
	}
	return nil
}

// Flush writes buffered lines to the underlying writer.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.flushLocked()
}

// Sync flushes buffered lines and, for a Writer from Create, commits the
// file to stable storage, so that a power cut does not lose them.
func (w *Writer) Sync() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.flushLocked(); err != nil {
		return err
	}
	if w.file != nil {
		if err := w.file.Sync(); err != nil {
			return w.fail(err)
		}
	}
	return nil
}

// Close flushes what is buffered; for a Writer from Create it then syncs
// and closes the file. Calling Close again returns the first call's
// result.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return w.err
	}
	w.closed = true
	err := w.flushLocked()
	if w.file != nil {
		if err == nil {
			if e := w.file.Sync(); e != nil {
				err = fmt.Errorf("report: syncing results: %w", e)
			}
		}
		if e := w.file.Close(); e != nil && err == nil {
			err = fmt.Errorf("report: closing results: %w", e)
		}
	}
	w.err = err
	return err
}

func (w *Writer) flushLocked() error {
	if w.err != nil {
		return w.err
	}
	if err := w.bw.Flush(); err != nil {
		return w.fail(err)
	}
	return nil
}

func (w *Writer) fail(err error) error {
	if w.err == nil {
		w.err = fmt.Errorf("report: writing results: %w", err)
	}
	return w.err
}

// appendLine appends r as one line of the results file, exactly as
// encoding/csv writes it (comma-separated, a field quoted when it holds a
// comma, a quote, CR or LF, or starts with a space, "\\." quoted too, LF at
// the end), but straight into one reused buffer: a row costs no
// allocation. Text cells a spreadsheet would run as a formula get a
// leading single quote (see needsQuote).
func appendLine(b []byte, r importer.Result) []byte { return appendResult(b, &r) }

// appendResult is appendLine without copying r.
func appendResult(b []byte, r *importer.Result) []byte {
	b = strconv.AppendInt(b, int64(r.Row), 10)
	b = append(b, ',')
	b = appendText(b, r.ExternalID)
	b = append(b, ',')
	b = appendField(b, string(r.Status))
	b = append(b, ',')
	if r.EntityID != 0 {
		b = strconv.AppendInt(b, r.EntityID, 10)
	}
	b = append(b, ',')
	if r.Code != 0 {
		b = strconv.AppendInt(b, int64(r.Code), 10)
	}
	b = append(b, ',')
	b = appendText(b, r.Message)
	b = append(b, ',')
	if len(r.Warnings) > 0 {
		// Formatted at the end of b, then moved into place as a field.
		from := len(b)
		b = appendWarnings(b, r.Warnings)
		cell := string(b[from:])
		b = appendText(b[:from], cell)
	}
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(r.Attempts), 10)
	b = append(b, ',')
	b = appendText(b, r.RequestID)
	b = append(b, ',')
	if len(r.Reasons) > 0 {
		// Read back cells are tokens too, but only what this version
		// writes is known to need no quotes.
		b = appendText(b, joinReasons(r.Reasons))
	}
	b = append(b, ',')
	b = appendText(b, string(r.Diff.Action()))
	b = append(b, ',')
	b = appendText(b, r.Fingerprint)
	b = append(b, ',')
	if r.Diff != nil && len(r.Diff.Fields) > 0 {
		b = appendText(b, r.Diff.Differences())
	}
	b = append(b, ',')
	b = appendText(b, r.Sent)
	return append(b, '\n')
}

// appendText appends a text cell, with the leading quote that keeps a
// spreadsheet from running it as a formula when it needs one.
func appendText(b []byte, s string) []byte {
	if !needsQuote(s) {
		return appendField(b, s)
	}
	if !fieldNeedsQuotes("'" + s) {
		return append(append(b, '\''), s...)
	}
	return appendQuoted(append(b, '"', '\''), s)
}

// appendField appends s as encoding/csv writes a field.
func appendField(b []byte, s string) []byte {
	if !fieldNeedsQuotes(s) {
		return append(b, s...)
	}
	return appendQuoted(append(b, '"'), s)
}

// appendQuoted appends the rest of a quoted field after its opening quote:
// s with its quotes doubled, then the closing quote.
func appendQuoted(b []byte, s string) []byte {
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		b = append(append(b, s[:i+1]...), '"')
		s = s[i+1:]
	}
	return append(append(b, s...), '"')
}

// fill formats r's cells into w.rec, as a reader of the file gets them
// back: the reference appendLine is tested against (the line is
// encoding/csv's encoding of these cells).
func (w *Writer) fill(r importer.Result) {
	var spans [numCols]struct{ from, to int }
	b := w.scratch[:0]
	mark := func(col int, from int) { spans[col].from, spans[col].to = from, len(b) }

	from := len(b)
	b = strconv.AppendInt(b, int64(r.Row), 10)
	mark(colRow, from)
	if r.EntityID != 0 {
		from = len(b)
		b = strconv.AppendInt(b, r.EntityID, 10)
		mark(colEntityID, from)
	}
	if r.Code != 0 {
		from = len(b)
		b = strconv.AppendInt(b, int64(r.Code), 10)
		mark(colCode, from)
	}
	from = len(b)
	b = strconv.AppendInt(b, int64(r.Attempts), 10)
	mark(colAttempts, from)
	if len(r.Warnings) > 0 {
		from = len(b)
		b = appendWarnings(b, r.Warnings)
		if needsQuote(b[from:]) {
			b = append(b, 0)
			copy(b[from+1:], b[from:len(b)-1])
			b[from] = '\''
		}
		mark(colWarnings, from)
	}
	for _, c := range [...]struct {
		col int
		s   string
	}{{colExternalID, r.ExternalID}, {colMessage, r.Message}, {colRequestID, r.RequestID}} {
		if needsQuote(c.s) {
			from = len(b)
			b = append(b, '\'')
			b = append(b, c.s...)
			mark(c.col, from)
		} else {
			w.rec[c.col] = c.s
		}
	}

	w.scratch = b
	s := string(b)
	for col, sp := range spans {
		switch {
		case sp.to > sp.from:
			w.rec[col] = s[sp.from:sp.to]
		case col == colEntityID || col == colCode || col == colWarnings:
			w.rec[col] = ""
		}
	}
	w.rec[colStatus] = string(r.Status)
	for col, s := range map[int]string{colReason: joinReasons(r.Reasons), colAction: string(r.Diff.Action()), colFingerprint: r.Fingerprint, colDifferences: r.Diff.Differences(), colSent: r.Sent} {
		if needsQuote(s) {
			s = "'" + s
		}
		w.rec[col] = s
	}
}

// joinReasons is the reason cell: the tokens separated by spaces.
func joinReasons(rs []importer.Reason) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, " ")
}

// fieldNeedsQuotes is encoding/csv's rule for a comma-separated field.
func fieldNeedsQuotes(s string) bool {
	if s == "" {
		return false
	}
	if s == `\.` {
		return true
	}
	if c := s[0]; c < utf8.RuneSelf {
		if asciiSpace[c] {
			return true
		}
	} else if r, _ := utf8.DecodeRuneInString(s); unicode.IsSpace(r) {
		return true
	}
	// Eight bytes at a time: a word holds one of the four bytes when
	// XORing it with that byte leaves a zero byte.
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if hasZero(w^('\n'*ones)) || hasZero(w^('\r'*ones)) || hasZero(w^('"'*ones)) || hasZero(w^(','*ones)) {
			return true
		}
	}
	for ; i < len(s); i++ {
		switch s[i] {
		case '\n', '\r', '"', ',':
			return true
		}
	}
	return false
}

const ones = 0x0101010101010101

// hasZero reports whether a byte of w is zero.
func hasZero(w uint64) bool { return (w-ones)&^w&(0x80*ones) != 0 }

// asciiSpace is unicode.IsSpace for ASCII.
var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}
