package input

import (
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"sync"

	"github.com/capillary-tools/groupimport/importer"
)

// verifyBlock is the size of the blocks a file's bytes are checked in.
// Each reading holds one block, and a file costs 8 bytes a block. A
// variable so that tests can check small files block by block.
var verifyBlock = 1 << 20

// snapshot is what a CSV file on disk was when it was opened, for every
// reading of it to check against. A run reads the file more than once
// (the header at open, the duplicate pre-scan, the sending pass), and an
// export still being written or an editor saving over it mid-run would
// otherwise have one pass read bytes the other never saw: a torn line
// sent as a group, an appended duplicate sent unchecked.
//
// It holds the file's identity, size and modification time as a stat
// before any byte was read saw them, and a checksum of each block of raw
// bytes as the first reading to reach the block read it. Every reading
// reads the same extent, whole blocks at a time, and hands on a block's
// bytes only once the block has matched and the file still stands as it
// was opened. A reading never goes past that extent, so nothing the first
// readings did not see is read.
type snapshot struct {
	file string // as the user named it, for errors
	path string
	f    *os.File
	info os.FileInfo // before any byte was read
	seed maphash.Seed

	mu   sync.Mutex
	sums []uint64 // the checksums of the blocks read so far, in order
}

func newSnapshot(file, path string, f *os.File, info os.FileInfo) *snapshot {
	return &snapshot{file: file, path: path, f: f, info: info, seed: maphash.MakeSeed()}
}

// size is the extent every reading reads.
func (s *snapshot) size() int64 { return s.info.Size() }

// reader is a new reading of the file from its first byte. Readings are
// independent of each other and of the file's offset.
func (s *snapshot) reader() *verifiedReader { return &verifiedReader{s: s} }

// changed is the error of a reading that found the file changed.
func (s *snapshot) changed(format string, args ...any) error {
	return &Error{File: s.file, Msg: "changed while it was read: " + fmt.Sprintf(format, args...), Err: importer.ErrInputChanged}
}

// unchanged checks that the file is still the one opened, as long and as
// last written as then. It is called after a block is read: a write that
// put other bytes in it had changed the modification time by then.
func (s *snapshot) unchanged() error {
	now, err := s.f.Stat()
	if err != nil {
		return &Error{File: s.file, Msg: fmt.Sprintf("cannot read it: %v", unwrapPath(err)), Err: err}
	}
	switch size := s.size(); {
	case now.Size() > size:
		return s.changed("it grew from %d to %d bytes (is something still writing it?)", size, now.Size())
	case now.Size() < size:
		return s.changed("it shrank from %d to %d bytes", size, now.Size())
	case !now.ModTime().Equal(s.info.ModTime()):
		return s.changed("it was written to (its modification time is not what it was when opened)")
	}
	// Saved under its name as a new file (as many editors save), the
	// name no longer leads to the file being read.
	at, err := os.Stat(s.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return s.changed("it was moved or deleted")
	case err == nil && !os.SameFile(at, s.info):
		return s.changed("another file was saved in its place")
	}
	return nil
}

// check compares the checksum of block i with what the first reading of
// it found, and records it when this is that reading. Readings go through
// the blocks in order, so block i is known or the next one to be.
func (s *snapshot) check(i int, sum uint64, from, to int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case i == len(s.sums):
		s.sums = append(s.sums, sum)
	case s.sums[i] != sum:
		return s.changed("bytes %d to %d are not what an earlier reading found there", from, to-1)
	}
	return nil
}

// verifiedReader is one reading of a snapshot's file: an io.Reader of its
// raw bytes, up to the size it had when opened, which hands on each block
// only once it is verified. An error saying the file changed wraps
// importer.ErrInputChanged, and every Read after it returns it again.
type verifiedReader struct {
	s     *snapshot
	off   int64  // file offset of the next block
	block int    // the next block's number
	buf   []byte // the block being handed on
	pos   int    // how much of buf is handed on
	err   error
}

func (r *verifiedReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if r.pos == len(r.buf) {
		if err := r.next(); err != nil {
			if err != io.EOF {
				r.err = err
			}
			return 0, err
		}
	}
	n := copy(p, r.buf[r.pos:])
	r.pos += n
	return n, nil
}

// next reads and verifies the next block.
func (r *verifiedReader) next() error {
	size := r.s.size()
	if r.off >= size {
		// The end of what was opened. Checked at every call: a line
		// without a newline ends here, and must not be handed on as a
		// row when the program writing it has written more since.
		r.buf, r.pos = nil, 0
		if err := r.s.unchanged(); err != nil {
			return err
		}
		return io.EOF
	}
	n := int(min(int64(verifyBlock), size-r.off))
	if cap(r.buf) < n {
		r.buf = make([]byte, min(int64(verifyBlock), size))
	}
	buf := r.buf[:n]
	m, err := r.s.f.ReadAt(buf, r.off)
	switch {
	case m < n && err == io.EOF:
		return r.s.changed("it is shorter than the %d bytes it had when opened", size)
	case m < n:
		return &Error{File: r.s.file, Msg: fmt.Sprintf("cannot read it: %v", unwrapPath(err)), Err: err}
	}
	if err := r.s.unchanged(); err != nil {
		return err
	}
	if err := r.s.check(r.block, maphash.Bytes(r.s.seed, buf), r.off, r.off+int64(n)); err != nil {
		return err
	}
	r.buf, r.pos = buf, 0
	r.off += int64(n)
	r.block++
	return nil
}

// endChecked is text decoded from a reading of the file, checked again
// each time it ends. The reading checks at its own end, but a decoder
// that has met the end of its input says so again without reading it: a
// last line without a newline, decoded before the file grew, would be
// handed on as a row at that second end.
func (s *snapshot) endChecked(text io.Reader) io.Reader {
	return &endChecked{text: text, s: s}
}

type endChecked struct {
	text io.Reader
	s    *snapshot
	err  error
}

func (e *endChecked) Read(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.text.Read(p)
	switch {
	case err != io.EOF:
		return n, err
	case n > 0:
		return n, nil // the end comes again at the next Read
	}
	if e.err = e.s.unchanged(); e.err != nil {
		return 0, e.err
	}
	return 0, io.EOF
}
