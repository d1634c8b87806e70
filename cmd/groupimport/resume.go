package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary"
	"github.com/capillary-tools/groupimport/report"
)

// A resumed run reads the earlier results (out) alongside the input and
// writes the new record to out.partial; at the end, whatever happened, the
// partial record and the earlier lines for the rows it did not reach are
// merged back into out. A crash in the middle leaves out intact and a
// partial file, which the next resume merges first.

func partialPath(out string) string { return out + ".partial" }

// settlePartial merges a partial record left by a resumed run that died
// into out, so that its finished rows are not sent again.
func settlePartial(out string, log *logger) error {
	partial := partialPath(out)
	if _, err := os.Stat(partial); err != nil {
		return nil
	}
	log.warnf("%s is left from a resumed run that did not finish; merging it into %s", partial, out)
	return mergeInto(out, partial)
}

// mergeInto replaces out with partial's lines followed by out's lines for
// the rows after them, atomically, and removes partial.
func mergeInto(out, partial string) error {
	newer, err := os.Open(partial)
	if err != nil {
		return err
	}
	defer newer.Close()
	var older io.Reader = eofReader{}
	if f, err := os.Open(out); err == nil {
		defer f.Close()
		older = f
	}
	tmp := out + ".tmp"
	w, err := report.Create(tmp)
	if err != nil {
		return err
	}
	w.FlushInterval = -1
	if err := report.Merge(w, newer, older); err != nil {
		w.Close()
		os.Remove(tmp)
		return fmt.Errorf("merging %s into %s: %w", partial, out, err)
	}
	if err := w.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		return err
	}
	newer.Close()
	return os.Remove(partial)
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// checkResume walks the input and the earlier results together before
// anything is sent, so that a results file of another input is refused up
// front rather than at the row where they part.
func checkResume(input, out string, o *importOptions, env *Env) (kept, todo int, err error) {
	f, err := os.Open(out)
	if errors.Is(err, os.ErrNotExist) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, usagef("--resume: %v", err)
	}
	defer f.Close()
	prior := report.NewPrior(f)
	defer prior.Close()

	in, err := o.open(input, env)
	if err != nil {
		return 0, 0, err
	}
	defer in.Close()
	recs, cols := in.Records, in.Columns
	v := &importer.Validator{Cols: cols, MaxGroupSize: o.maxGroupSize}
	var g capillary.Group
	refuse := func(err error) error {
		if errors.Is(err, report.ErrNotResults) {
			return usagef("--resume: %s is not a groupimport results file (%v); choose another --out", out, err)
		}
		return usagef("--resume: %s: %v. Resume with the same input file, or start over with --overwrite or another --out", out, err)
	}
	for {
		cells, row, err := recs.Next()
		var rowErr *importer.RowError
		switch {
		case err == io.EOF:
			if err := prior.End(); err != nil {
				return 0, 0, refuse(err)
			}
			return kept, todo, nil
		case errors.As(err, &rowErr):
			cells = nil
			row = rowErr.Row
		case err != nil:
			return 0, 0, usagef("reading %s: %v", displayName(input), err)
		}
		id := ""
		if cells != nil {
			id, _, _ = v.Validate(cells, &g)
		}
		res, ok, err := prior.At(row, id)
		if err != nil {
			return 0, 0, refuse(err)
		}
		if ok && res.Status.Final() {
			kept++
		} else {
			todo++
		}
	}
}
