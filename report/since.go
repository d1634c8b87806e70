package report

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"

	"github.com/capillary-tools/groupimport/importer"
)

// ReadSince reads the last record of a nightly load for a run that sends
// only what changed since it (import --since), handing each line to add
// without holding the file. The record must be an import's (its .meta
// says so, or, for one without a .meta, its lines do: a diff's or a
// validation's statuses are refused) made against origin: another host or
// credential settled its groups on another server, and trusting it would
// leave rows unsent. Both are errors wrapping ErrOtherKind or
// ErrOtherOrigin. notes are what the user should be told: a record
// without a .meta is trusted to be of this origin. A record cut short by
// a crash is read up to its last complete line; its later rows take the
// normal path.
func ReadSince(path string, origin Origin, add func(importer.Result)) (notes []string, err error) {
	b, err := os.ReadFile(path + metaSuffix)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, err := os.Stat(path); err != nil {
			return nil, err
		}
		notes = append(notes, fmt.Sprintf("%s has no %s beside it to say which host and credentials it was made with; trusted as made against %s (move the .meta with the record)", path, metaSuffix, origin))
	case err != nil:
		return nil, err
	default:
		m, err := readMeta(b)
		if err != nil {
			return nil, fmt.Errorf("%s%s is damaged (%v)", path, metaSuffix, err)
		}
		if k := m.kind(); k != KindImport {
			return nil, fmt.Errorf("%w: %s is %s record, not an import's results: it says nothing about what the server holds", ErrOtherKind, path, k.article())
		}
		if m.Origin != origin {
			return nil, fmt.Errorf("%w: %s was made against %s, and this run is against %s", ErrOtherOrigin, path, m.Origin, origin)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	err = ReadResults(f, func(res importer.Result) error {
		switch {
		case !slices.Contains(importer.Statuses(), res.Status):
			return fmt.Errorf("%w: %s: row %d is %s, which only a diff holds: this is not an import's results", ErrOtherKind, path, res.Row, res.Status)
		case res.Status == importer.Valid || res.Status == importer.ValidWithWarnings:
			return fmt.Errorf("%w: %s: row %d is %s: this is a validation's record, and nothing was sent", ErrOtherKind, path, res.Row, res.Status)
		}
		add(res)
		return nil
	})
	if errors.Is(err, ErrTruncated) {
		notes = append(notes, fmt.Sprintf("%s ends with an incomplete line (%v); the rows after the last complete one take the normal path", path, err))
		err = nil
	}
	return notes, err
}
