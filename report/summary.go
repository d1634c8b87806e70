package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/capillary-tools/groupimport/importer"
)

// PrintSummary writes the closing summary of a run for people: the rows of
// each status that occurred, in importer.Statuses order, the total, how
// long the run took and at what request rate, where the results are, and
// why the run stopped early if it did. Write errors are ignored: the
// summary goes to stderr, and the results file is what must not be lost.
func PrintSummary(w io.Writer, s importer.Summary, resultsPath string) {
	type line struct {
		label string
		n     int // right-aligned when numeric
		text  string
		note  string // after the number
	}
	var lines []line
	for _, st := range summaryStatuses(s.Counts) {
		if n := s.Counts[st]; n != 0 {
			l := line{label: string(st), n: n}
			if st == importer.Skipped && !s.DryRun {
				l.note = "not sent: the run stopped before them"
			}
			if st == importer.Invalid && s.Problems > n {
				l.note = fmt.Sprintf("%d problems: a row names each of its own", s.Problems)
			}
			lines = append(lines, l)
		}
	}
	lines = append(lines,
		line{label: "total rows", n: s.Rows},
		line{label: "elapsed", text: formatDuration(s.Elapsed)},
		line{label: "requests", text: requestsText(s)},
	)
	if resultsPath != "" {
		lines = append(lines, line{label: "results", text: resultsPath})
	}
	if s.Stopped != "" {
		lines = append(lines, line{label: "stopped early", text: s.Stopped})
	}

	labelWidth, numWidth := 0, 0
	for _, l := range lines {
		labelWidth = max(labelWidth, len(l.label))
		if l.text == "" {
			numWidth = max(numWidth, len(strconv.Itoa(l.n)))
		}
	}
	var b strings.Builder
	b.WriteString("Summary")
	if s.DryRun {
		b.WriteString(" (dry run: nothing was created)")
	}
	b.WriteString(":\n")
	for _, l := range lines {
		if l.text == "" && l.note != "" {
			fmt.Fprintf(&b, "  %-*s  %*d  (%s)\n", labelWidth, l.label, numWidth, l.n, l.note)
		} else if l.text == "" {
			fmt.Fprintf(&b, "  %-*s  %*d\n", labelWidth, l.label, numWidth, l.n)
		} else {
			fmt.Fprintf(&b, "  %-*s  %s\n", labelWidth, l.label, l.text)
		}
	}
	_, _ = io.WriteString(w, b.String())
}

func requestsText(s importer.Summary) string {
	text := strconv.Itoa(s.Requests)
	if s.Requests > 0 && s.Elapsed > 0 {
		text += " at " + formatRate(s.Rate())
	}
	if s.Retries > 0 || s.Throttled > 0 {
		text += fmt.Sprintf(" (%s, %d answered 429)", importer.Plural(s.Retries, "retry"), s.Throttled)
	}
	return text
}

// summaryStatuses lists importer.Statuses followed by any other status in
// counts, sorted, so that no count goes unreported.
func summaryStatuses(counts map[importer.Status]int) []importer.Status {
	all := importer.Statuses()
	var extra []importer.Status
	for st := range counts {
		if !slices.Contains(all, st) {
			extra = append(extra, st)
		}
	}
	slices.Sort(extra)
	return append(all, extra...)
}

// summaryJSON is the document WriteSummaryJSON writes.
type summaryJSON struct {
	Rows              int           `json:"rows"`
	Counts            orderedCounts `json:"counts"`
	Problems          int           `json:"problems"` // of the invalid rows, each of which names all of its own
	Requests          int           `json:"requests"`
	Retries           int           `json:"retries"`
	Throttled         int           `json:"throttled"`
	ElapsedSeconds    float64       `json:"elapsedSeconds"`
	RequestsPerSecond float64       `json:"requestsPerSecond"`
	Started           string        `json:"started"`
	Finished          string        `json:"finished"`
	DryRun            bool          `json:"dryRun"`
	Stopped           string        `json:"stopped"`
	Results           string        `json:"results"`
	OK                bool          `json:"ok"`
	// A resumed run: rows and counts cover every row of the input;
	// keptRows were settled by earlier runs, and thisRun is what this
	// run did, as requests, retries, throttled and elapsedSeconds are.
	Resumed  bool     `json:"resumed"`
	KeptRows int      `json:"keptRows"`
	ThisRun  *thisRun `json:"thisRun,omitempty"`
}

// thisRun is the rows a resumed run itself settled.
type thisRun struct {
	Rows   int           `json:"rows"`
	Counts orderedCounts `json:"counts"`
}

// orderedCounts encodes as a JSON object keyed by status in
// importer.Statuses order, zeros included, so that scripts can read any
// key without checking for it.
type orderedCounts struct{ counts map[importer.Status]int }

// MarshalJSON implements json.Marshaler.
func (c orderedCounts) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, st := range summaryStatuses(c.counts) {
		if i > 0 {
			b.WriteByte(',')
		}
		key, err := json.Marshal(string(st))
		if err != nil {
			return nil, err
		}
		b.Write(key)
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(c.counts[st]))
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// WriteSummaryJSON writes the summary of a run as a JSON object to path,
// for scripts and monitoring: rows, counts of every status (zeros
// included), requests, elapsedSeconds, requestsPerSecond (requests, not rows), started and finished
// (RFC 3339, UTC), dryRun, stopped ("" when the run finished), results (the
// results file) and ok (see importer.Summary.OK); then resumed, keptRows
// and, for a resumed run, thisRun: the rows and counts of this run alone
// (rows and counts cover every row; requests and time, this run). The file is replaced
// atomically, so a reader never sees half a document.
func WriteSummaryJSON(path string, s importer.Summary, resultsPath string) error {
	data, err := json.MarshalIndent(newSummaryJSON(s, resultsPath), "", "  ")
	if err != nil {
		return fmt.Errorf("report: encoding summary: %w", err)
	}
	return writeFileAtomic(path, append(data, '\n'))
}

// PrepareSummaryJSON readies path for WriteSummaryJSON at the end of a
// run. It removes the summary an earlier run left there, so that nobody
// reads it as this run's while the run goes or after a run that could not
// write its own, and it checks that a file can be made beside it, so that
// a long run does not find out at its end.
func PrepareSummaryJSON(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing the summary of an earlier run: %w", err)
	}
	f, err := createBeside(path)
	if err != nil {
		return fmt.Errorf("cannot write beside %s: %w", path, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// SummaryLine is the summary as one JSON log record (time, level, msg
// "summary" and the fields of WriteSummaryJSON), for --log-format json.
func SummaryLine(s importer.Summary, resultsPath string, now time.Time) []byte {
	doc := struct {
		Time  string `json:"time"`
		Level string `json:"level"`
		Msg   string `json:"msg"`
		summaryJSON
	}{now.UTC().Format(time.RFC3339Nano), "INFO", "summary", newSummaryJSON(s, resultsPath)}
	data, _ := json.Marshal(doc)
	return append(data, '\n')
}

func newSummaryJSON(s importer.Summary, resultsPath string) summaryJSON {
	doc := summaryJSON{
		Rows:              s.Rows,
		Problems:          s.Problems,
		Counts:            orderedCounts{s.Counts},
		Requests:          s.Requests,
		Retries:           s.Retries,
		Throttled:         s.Throttled,
		ElapsedSeconds:    round3(s.Elapsed.Seconds()),
		RequestsPerSecond: round3(s.Rate()),
		Started:           s.Started.UTC().Format(time.RFC3339),
		Finished:          s.Started.Add(s.Elapsed).UTC().Format(time.RFC3339),
		DryRun:            s.DryRun,
		Stopped:           s.Stopped,
		Results:           resultsPath,
		OK:                s.OK(),
	}
	if s.Kept != nil {
		doc.Resumed = true
		mine := map[importer.Status]int{}
		for st, n := range s.Counts {
			mine[st] = n - s.Kept[st]
			doc.KeptRows += s.Kept[st]
		}
		doc.ThisRun = &thisRun{Rows: s.Rows - doc.KeptRows, Counts: orderedCounts{mine}}
	}
	return doc
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// writeFileAtomic writes data to a temporary file beside path and renames
// it over path, so that path holds either the old or the new content. The
// file gets the permissions any file the user creates gets (0666 less the
// umask): os.CreateTemp would make it private, and forcing a mode would
// ignore a umask that asks for less.
func writeFileAtomic(path string, data []byte) (err error) {
	f, err := createBeside(path)
	if err != nil {
		return fmt.Errorf("report: writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
			err = fmt.Errorf("report: writing %s: %w", path, err)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	syncDir(filepath.Dir(path))
	return nil
}

// createBeside creates a new temporary file in path's directory with mode
// 0666 less the umask.
func createBeside(path string) (*os.File, error) {
	dir, base := filepath.Split(path)
	for range 100 {
		name := filepath.Join(dir, fmt.Sprintf(".%s.%d.tmp", base, rand.Uint32()))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
	return nil, fmt.Errorf("cannot create a temporary file beside %s", path)
}

// syncDir commits a rename or a new name in dir to stable storage, where
// the system allows it (a directory cannot be synced on Windows).
func syncDir(dir string) {
	if dir == "" {
		dir = "."
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// RowLine is one row that needs attention (rejected, failed, invalid) as a
// JSON log record, for --log-format json: time, level "WARN", msg "row",
// row, externalId, status, code (0 when none), message and requestId, and
// for an invalid row its problems one by one.
func RowLine(r importer.Result, now time.Time) []byte {
	doc := struct {
		Time       string `json:"time"`
		Level      string `json:"level"`
		Msg        string `json:"msg"`
		Row        int    `json:"row"`
		ExternalID string `json:"externalId"`
		Status     string `json:"status"`
		Code       int    `json:"code"`
		Message    string `json:"message"`
		RequestID  string `json:"requestId"`
		// Problems are an invalid row's problems, one by one.
		Problems []string `json:"problems,omitempty"`
	}{now.UTC().Format(time.RFC3339Nano), "WARN", "row", r.Row, r.ExternalID, string(r.Status), r.Code, r.Message, r.RequestID, nil}
	if r.Status == importer.Invalid {
		doc.Problems = r.Problems
	}
	data, _ := json.Marshal(doc)
	return append(data, '\n')
}
