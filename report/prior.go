package report

import (
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"

	"github.com/capillary-tools/groupimport/importer"
)

// ErrMismatch means a results file does not belong to the input it is
// being resumed with.
var ErrMismatch = errors.New("the results file does not belong to this input")

// Prior reads an earlier run's results file alongside the input, for a
// resumed run. Both are in row order, so they are walked together and
// memory stays flat however long the file.
type Prior struct {
	next func() (importer.Result, error, bool)
	stop func()
	held *importer.Result
	done bool
	last int  // the last row matched
	kind Kind // when set, a line of a status no record of this kind holds is refused
}

// NewPrior reads results from r. Close releases it.
func NewPrior(r io.Reader) *Prior { return newPrior(ReadResults, r) }

// newPrior is NewPrior for files read by read.
func newPrior(read func(io.Reader, func(importer.Result) error) error, r io.Reader) *Prior {
	seq := func(yield func(importer.Result, error) bool) {
		errStop := errors.New("stop")
		err := read(r, func(res importer.Result) error {
			if !yield(res, nil) {
				return errStop
			}
			return nil
		})
		if err != nil && err != errStop {
			yield(importer.Result{}, err)
		}
	}
	p := &Prior{}
	p.next, p.stop = iter.Pull2(iter.Seq2[importer.Result, error](seq))
	return p
}

// Close stops reading.
func (p *Prior) Close() { p.stop() }

func (p *Prior) peek() (*importer.Result, error) {
	if p.held != nil || p.done {
		return p.held, nil
	}
	res, err, ok := p.next()
	switch {
	case !ok:
		p.done = true
		return nil, nil
	case errors.Is(err, ErrTruncated):
		// A crash cut the last line: that row is simply not recorded.
		p.done = true
		return nil, nil
	case err != nil:
		p.done = true
		return nil, err
	}
	p.held = &res
	return p.held, nil
}

// At returns what the earlier run recorded for the input's row with the
// given externalId; ok is false when the row has no line (the earlier run
// stopped before it). Rows must be asked for in increasing order. A line
// whose externalId differs, or a line for a row the input does not have,
// is an error wrapping ErrMismatch, except that a row judged from the
// input alone (importer.Status.Local: invalid, duplicate) may have been
// fixed since, and its externalId is not compared.
func (p *Prior) At(row int, externalID string) (res importer.Result, ok bool, err error) {
	h, err := p.peek()
	if err != nil || h == nil {
		return importer.Result{}, false, err
	}
	switch {
	case h.Row < row:
		return importer.Result{}, false, fmt.Errorf("%w: it has a line for row %d, which the input does not have as a data row", ErrMismatch, h.Row)
	case h.Row > row:
		return importer.Result{}, false, nil
	case p.kind != "" && !holds(p.kind, h.Status):
		return importer.Result{}, false, fmt.Errorf("%w: row %d is %s, which %s record does not hold: this is not %s record", ErrOtherKind, row, h.Status, p.kind.article(), p.kind.article())
	case h.ExternalID != externalID && !h.Status.Local():
		return importer.Result{}, false, fmt.Errorf("%w: row %d is %q in the results but %q in the input", ErrMismatch, row, h.ExternalID, externalID)
	}
	p.held = nil
	p.last = row
	return *h, true, nil
}

// holds reports whether a record of kind k has lines of status s: a
// record of an older version (no .meta, or no kind in it) is told by its
// lines, so that an import never keeps a diff's "missing" as settled.
func holds(k Kind, s importer.Status) bool {
	inDiff := slices.Contains(importer.DiffStatuses(), s)
	switch k {
	case KindDiff:
		return inDiff
	case KindUndo:
		return slices.Contains(importer.UndoStatuses(), s)
	}
	return slices.Contains(importer.Statuses(), s)
}

// End checks, once the input is exhausted, that the results have no lines
// for rows beyond it.
func (p *Prior) End() error {
	h, err := p.peek()
	if err != nil {
		return err
	}
	if h != nil {
		return fmt.Errorf("%w: it has a line for row %d, past the input's last data row %d", ErrMismatch, h.Row, p.last)
	}
	return nil
}

// Merge writes the lines of newer (a results file that a run wrote for a
// prefix of the rows) and then the lines of older for the rows after it.
// It is how a resumed run that did not reach the end keeps the earlier
// record of the rows it did not get to.
func Merge(w interface{ Write(importer.Result) error }, newer, older io.Reader) error {
	return merge(ReadResults, w, newer, older)
}

// merge is Merge for files read by read.
func merge(read func(io.Reader, func(importer.Result) error) error, w interface{ Write(importer.Result) error }, newer, older io.Reader) error {
	last := 0
	err := read(newer, func(r importer.Result) error {
		last = r.Row
		return w.Write(r)
	})
	if err != nil && !errors.Is(err, ErrTruncated) {
		return err
	}
	err = read(older, func(r importer.Result) error {
		if r.Row <= last {
			return nil
		}
		return w.Write(r)
	})
	if err != nil && !errors.Is(err, ErrTruncated) {
		return err
	}
	return nil
}
