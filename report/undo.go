package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/capillary-tools/groupimport/importer"
)

// ErrNoOrigin: a record has no .meta, so nothing says where its rows went.
var ErrNoOrigin = errors.New("the record does not say which host and credentials it was made with")

// RecordOrigin reads the .meta beside the record at path: where its rows
// were sent, and its kind. A record without one is ErrNoOrigin.
func RecordOrigin(path string) (Origin, Kind, error) {
	b, err := os.ReadFile(path + metaSuffix)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Origin{}, "", fmt.Errorf("%w: %s has no %s beside it", ErrNoOrigin, path, metaSuffix)
	case err != nil:
		return Origin{}, "", err
	}
	m, err := readMeta(b)
	if err != nil {
		return Origin{}, "", fmt.Errorf("%s%s is damaged (%v)", path, metaSuffix, err)
	}
	return m.Origin, m.kind(), nil
}

// Unfinished names what a killed run left beside the record at path (a
// partial record, a journal): the record itself does not yet hold every
// row's outcome.
func Unfinished(path string) []string {
	var left []string
	for _, s := range []string{partialSuffix, journalSuffix} {
		if _, err := os.Lstat(path + s); err == nil {
			left = append(left, path+s)
		}
	}
	return left
}

// Holds reports whether a record of kind k can have a line of status s.
func Holds(k Kind, s importer.Status) bool { return holds(k, s) }

// UndoPlan is what an undo found before it sent anything but lookups: its
// counts by status, and the host.
type UndoPlan struct {
	Host    string
	Record  string // the undo's own record; "" for a dry run
	Of      string // the import's record
	Summary importer.Summary
	// Earlier counts, by status, the lines carried over from the undo's
	// own earlier record: settled by an earlier run of this undo, and
	// neither looked up nor sent now. They are among Summary's counts.
	Earlier map[importer.Status]int
}

var undoLabels = map[importer.Status]string{
	importer.Deleted:       "deleted",
	importer.WouldDelete:   "would be deleted",
	importer.Gone:          "gone already (not an error)",
	importer.KeptChanged:   "kept: changed since the import",
	importer.KeptUncertain: "kept: uncertain (answer lost)",
	importer.NotCreated:    "nothing to undo",
	importer.Failed:        "failed",
	importer.Skipped:       "skipped (run stopped)",
}

// PrintUndoSummary writes an undo's summary for people.
func PrintUndoSummary(w io.Writer, p UndoPlan) {
	var b strings.Builder
	s := p.Summary
	if s.DryRun {
		fmt.Fprintf(&b, "Undo plan for %s on %s (dry run: only lookups were sent):\n", p.Of, p.Host)
	} else {
		fmt.Fprintf(&b, "Undo of %s on %s:\n", p.Of, p.Host)
	}
	for _, st := range importer.UndoStatuses() {
		if n := s.Counts[st]; n > 0 || st == importer.Deleted && !s.DryRun || st == importer.WouldDelete && s.DryRun {
			fmt.Fprintf(&b, "  %-32s %d%s\n", undoLabels[st], n, earlierText(st, n, p.Earlier[st]))
		}
	}
	fmt.Fprintf(&b, "  %-32s %d in %s\n", "requests", s.Requests, s.Elapsed.Round(time.Millisecond))
	if s.Stopped != "" {
		fmt.Fprintf(&b, "  stopped: %s\n", s.Stopped)
	}
	if p.Record != "" {
		fmt.Fprintf(&b, "Record: %s\n", p.Record)
	}
	io.WriteString(w, b.String())
}

// earlierText says how many of the n lines of status st an earlier run
// of the undo settled: without it, a second undo that sends nothing reads
// as if it deleted them now.
func earlierText(st importer.Status, n, earlier int) string {
	switch {
	case earlier <= 0:
		return ""
	case earlier >= n && st == importer.Deleted:
		return " (all by an earlier undo; nothing sent now)"
	case earlier >= n:
		return " (all as an earlier undo recorded)"
	case st == importer.Deleted:
		return fmt.Sprintf(" (%d by an earlier undo)", earlier)
	}
	return fmt.Sprintf(" (%d as an earlier undo recorded)", earlier)
}

type undoJSON struct {
	Host      string         `json:"host"`
	Of        string         `json:"of"`
	Record    string         `json:"record,omitempty"`
	DryRun    bool           `json:"dryRun"`
	Counts    map[string]int `json:"counts"`
	Rows      int            `json:"rows"`
	Requests  int            `json:"requests"`
	ElapsedMS int64          `json:"elapsedMs"`
	Stopped   string         `json:"stopped,omitempty"`
	OK        bool           `json:"ok"`
	// Earlier counts the lines an earlier run of this undo settled.
	Earlier map[string]int `json:"earlier,omitempty"`
}

func newUndoJSON(p UndoPlan) undoJSON {
	s := p.Summary
	d := undoJSON{Host: p.Host, Of: p.Of, Record: p.Record, DryRun: s.DryRun, Counts: map[string]int{},
		Rows: s.Rows, Requests: s.Requests, ElapsedMS: s.Elapsed.Milliseconds(), Stopped: s.Stopped, OK: s.UndoOK()}
	for _, st := range importer.UndoStatuses() {
		d.Counts[string(st)] = s.Counts[st]
		if n := p.Earlier[st]; n > 0 {
			if d.Earlier == nil {
				d.Earlier = map[string]int{}
			}
			d.Earlier[string(st)] = n
		}
	}
	return d
}

// UndoSummaryLine is the summary as one JSON log record.
func UndoSummaryLine(p UndoPlan, now time.Time) []byte {
	doc := struct {
		Time    string   `json:"time"`
		Level   string   `json:"level"`
		Msg     string   `json:"msg"`
		Summary undoJSON `json:"summary"`
	}{now.UTC().Format(time.RFC3339), "info", "undo summary", newUndoJSON(p)}
	b, _ := json.Marshal(doc)
	return append(b, '\n')
}

// WriteUndoSummaryJSON writes the summary as JSON to path.
func WriteUndoSummaryJSON(path string, p UndoPlan) error {
	b, err := json.MarshalIndent(newUndoJSON(p), "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(b, '\n'))
}
