package report

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/capillary-tools/groupimport/importer"
)

// ErrResultsLost: the results path no longer names the file the run writes:
// it, or its folder, was deleted, moved or replaced during the run. Every
// group made after that would have no record where the next run looks, so
// the run must stop.
var ErrResultsLost = errors.New("the results file was deleted, moved or replaced during the run")

// LostError is what Close returns after the results were lost: where the
// rows recorded were saved instead.
type LostError struct {
	// Path is the path that no longer names the run's record.
	Path string
	// Rescue is the file that holds the rows recorded, a results file of
	// its own with its origin beside it; "" when none could be written.
	Rescue string
	// Rows is the number of lines in Rescue.
	Rows int
	// Err is why no rescue file could be written, when Rescue is "", or
	// why the last rows written are not in it.
	Err error
}

func (e *LostError) Error() string {
	if e.Rescue == "" {
		return fmt.Sprintf("%s was deleted, moved or replaced during the run, and the rows recorded could not be saved elsewhere: %v", e.Path, e.Err)
	}
	msg := fmt.Sprintf("%s was deleted, moved or replaced during the run; the %s recorded are saved in %s", e.Path, importer.Plural(e.Rows, "row"), e.Rescue)
	if e.Err != nil {
		msg += fmt.Sprintf(", without the last ones written (%v)", e.Err)
	}
	return msg
}

// Unwrap makes errors.Is(err, ErrResultsLost) true.
func (e *LostError) Unwrap() error { return ErrResultsLost }

// namesFile reports whether path still names the open file f. A path that
// cannot be looked up names nothing; a file that cannot be asked its
// identity is given the benefit of the doubt.
func namesFile(path string, f *os.File) bool {
	fi, err := os.Stat(path)
	if err != nil {
		return false
	}
	ff, err := f.Stat()
	return err != nil || os.SameFile(fi, ff)
}

// gone is the path among the run's records that no longer names its open
// file: the record being written, or, when resuming, the earlier record
// it will be merged into. "" when both are in place.
func (r *Results) gone() string {
	if !namesFile(r.writeTo, r.w.file) {
		return r.writeTo
	}
	if r.priorFile != nil && !namesFile(r.path, r.priorFile) {
		return r.path
	}
	return ""
}

// checkLost reports whether the record is lost, finding out when it has not
// been found yet; the first finding is told to OnLost. It is called by the
// periodic sync, by Early and by Close.
func (r *Results) checkLost() bool {
	if r.lost.Load() != nil {
		return true
	}
	p := r.gone()
	if p == "" {
		return false
	}
	if r.lost.CompareAndSwap(nil, &p) && r.opts.OnLost != nil {
		r.opts.OnLost(fmt.Errorf("%w: %s", ErrResultsLost, p))
	}
	return true
}

// rescue saves the record of a run whose results were lost: the lines
// written so far are still readable through the open files, deleted or
// not. They are merged as Close would have merged them (the journal's
// lines in place, a resumed run's new lines before the earlier ones) into
// a new file beside the results if their folder is still there, else in
// the working directory, else in the system's temporary directory. The
// files left at the old paths that are still this run's are removed: the
// rescue file holds what they held.
func (r *Results) rescue() error {
	lostPath := *r.lost.Load()
	flushErr := r.w.Flush()
	j := r.journal.Load()
	var journaled map[int]importer.Result
	if j != nil {
		journaled = j.readBack()
	}
	newer, older := readerAt(r.w.file), io.Reader(eofReader{})
	if r.priorFile != nil {
		older = readerAt(r.priorFile)
	}
	lost := &LostError{Path: lostPath}
	lost.Rescue, lost.Rows, lost.Err = r.writeRescue(journaled, newer, older)
	if lost.Err == nil && flushErr != nil {
		// The lines the writer still held are not in the rescue file;
		// the ones before them are.
		lost.Err = flushErr
	}

	// The files at the old paths, where they are still this run's.
	for _, f := range []struct {
		path string
		f    *os.File
	}{{r.writeTo, r.w.file}, {r.path + journalSuffix, journalFile(j)}} {
		if f.f != nil && lost.Rescue != "" && namesFile(f.path, f.f) {
			os.Remove(f.path)
		}
	}
	_ = r.w.Close()
	if j != nil {
		_ = j.close()
	}
	if r.prior != nil {
		r.prior.Close()
		r.priorFile.Close()
	}
	return lost
}

func journalFile(j *journal) *os.File {
	if j == nil {
		return nil
	}
	return j.f
}

// readerAt reads f from its start, whatever its offset.
func readerAt(f *os.File) io.Reader {
	fi, err := f.Stat()
	if err != nil {
		return eofReader{}
	}
	return io.NewSectionReader(f, 0, fi.Size())
}

// writeRescue writes the merged record to the first of the rescue
// folders that takes it, with the run's origin beside it, and returns its
// absolute path and its number of lines.
func (r *Results) writeRescue(journaled map[int]importer.Result, newer, older io.Reader) (path string, rows int, err error) {
	dirs := []string{}
	if fi, err := os.Stat(filepath.Dir(r.path)); err == nil && fi.IsDir() {
		dirs = append(dirs, filepath.Dir(r.path))
	}
	if wd, err := os.Getwd(); err == nil {
		dirs = append(dirs, wd)
	}
	dirs = append(dirs, os.TempDir())
	var f *os.File
	for _, dir := range dirs {
		if f, err = createRescue(dir, filepath.Base(r.path)); err == nil {
			break
		}
	}
	if err != nil {
		return "", 0, err
	}
	path = f.Name()
	w := NewWriter(f)
	w.file = f
	c := &countingWriter{w: w}
	err = writeMerged(c, journaled, newer, older)
	if e := w.Close(); err == nil {
		err = e
	}
	if err == nil && r.opts.Origin != nil {
		err = writeMeta(path, r.opts.Origin, r.opts.kind())
	}
	if err != nil {
		os.Remove(path)
		return "", 0, fmt.Errorf("writing %s: %w", path, err)
	}
	syncDir(filepath.Dir(path))
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return path, c.n, nil
}

// createRescue creates a new file in dir named after the results, never
// over an existing one: NAME.rescued.csv, NAME.rescued-2.csv, ...
func createRescue(dir, base string) (*os.File, error) {
	ext := filepath.Ext(base)
	stem := strings.TrimSuffix(base, ext)
	var err error
	for i := 1; i <= 100; i++ {
		name := stem + ".rescued"
		if i > 1 {
			name += "-" + strconv.Itoa(i)
		}
		var f *os.File
		f, err = os.OpenFile(filepath.Join(dir, name+ext), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if err == nil || !errors.Is(err, os.ErrExist) {
			return f, err
		}
	}
	return nil, err
}

type countingWriter struct {
	w *Writer
	n int
}

func (c *countingWriter) Write(res importer.Result) error {
	c.n++
	return c.w.Write(res)
}

// readBack flushes the journal and reads its lines from the open file.
func (j *journal) readBack() map[int]importer.Result {
	j.mu.Lock()
	if j.err == nil {
		if err := j.bw.Flush(); err != nil {
			_ = j.fail(err)
		}
	}
	j.mu.Unlock()
	lines, _ := readJournalFrom(readerAt(j.f))
	return lines
}
