package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/capillary-tools/groupimport/importer"
)

// DiffTally adds up what a diff found, row by row, for its summary: what
// an import would do, and which fields differ how often.
type DiffTally struct {
	// Plan counts the rows looked up by what the server holds: Missing,
	// Same, Differs or Inactive (a Mismatch row counted by its group).
	Plan map[importer.Status]int
	// Fields counts the differences by field: groupName, maxGroupSize,
	// ext.NAME.
	Fields map[string]int
	// SizeUnknown counts the groups whose maxGroupSize the lookup did not
	// report; Refused the rows with extended fields the org would refuse.
	SizeUnknown, Refused int
	// Unverified counts the rows with extended fields their group lacks,
	// in a diff without the org's catalogue (ext_fields_unverified);
	// UnverifiedOnly those of them that differ in nothing else, which an
	// update is not sure to fix: they are not counted as updates.
	Unverified, UnverifiedOnly int
	// Unchecked counts the lines of an import's results that claim a
	// group for an externalId the input does not have; the caller sets it.
	Unchecked int
}

// NewDiffTally returns an empty tally.
func NewDiffTally() *DiffTally {
	return &DiffTally{Plan: map[importer.Status]int{}, Fields: map[string]int{}}
}

// Observe counts one row's result.
func (t *DiffTally) Observe(r importer.Result) {
	d := r.Diff
	if d == nil || d.Plan == "" {
		return
	}
	t.Plan[d.Plan]++
	for _, f := range d.Fields {
		t.Fields[f.Field]++
	}
	if d.SizeUnknown {
		t.SizeUnknown++
	}
	if len(d.Refused) > 0 {
		t.Refused++
	}
	if r.Has(importer.ExtFieldsUnverified) {
		t.Unverified++
	}
	if r.UnverifiedOnly() {
		t.UnverifiedOnly++
	}
}

// updates counts the rows an update would fix.
func (t *DiffTally) updates() int { return t.Plan[importer.Differs] - t.UnverifiedOnly }

// fieldOrder lists the fields that differ: the core fields first, then the
// extended fields by name.
func (t *DiffTally) fieldOrder() []string {
	keys := slices.Sorted(maps.Keys(t.Fields))
	rank := func(f string) int {
		switch f {
		case "groupName":
			return 0
		case "maxGroupSize":
			return 1
		}
		return 2
	}
	slices.SortStableFunc(keys, func(a, b string) int { return rank(a) - rank(b) })
	return keys
}

// plan says in a sentence what an import of the same file would do.
func (t *DiffTally) plan(s importer.Summary) string {
	bad := s.Counts[importer.Invalid] + s.Counts[importer.Duplicate]
	unverified := ""
	if n := t.UnverifiedOnly; n > 0 {
		unverified = fmt.Sprintf("%d %s only in extended fields the org may refuse (91016/91017): --ext-fields server tells; ", n, diffPlural(n, "differs", "differ"))
	}
	return fmt.Sprintf("import would create %d; with --on-conflict update it would update %d and leave %d as they are; %s%d %s invalid or duplicate",
		t.Plan[importer.Missing], t.updates(), t.Plan[importer.Same], unverified, bad, diffPlural(bad, "row is", "rows are"))
}

// PrintDiffSummary writes the closing summary of a diff for people: the
// rows of each status, what an import would do, the differences by field,
// and the caveats (fields not compared, rows not looked up). Write errors
// are ignored, as for PrintSummary.
func PrintDiffSummary(w io.Writer, s importer.Summary, t *DiffTally, diffPath string) {
	var lines [][2]string
	for _, st := range importer.DiffStatuses() {
		if n := s.Counts[st]; n != 0 {
			lines = append(lines, [2]string{string(st), strconv.Itoa(n)})
		}
	}
	lines = append(lines,
		[2]string{"total rows", strconv.Itoa(s.Rows)},
		[2]string{"elapsed", formatDuration(s.Elapsed)},
		[2]string{"lookups", requestsText(s)},
	)
	if diffPath != "" {
		lines = append(lines, [2]string{"diff", diffPath})
	}
	if s.Stopped != "" {
		lines = append(lines, [2]string{"stopped early", s.Stopped})
	}
	width := 0
	for _, l := range lines {
		width = max(width, len(l[0]))
	}
	var b strings.Builder
	b.WriteString("Diff summary (read-only: nothing was written to the server):\n")
	for _, l := range lines {
		fmt.Fprintf(&b, "  %-*s  %s\n", width, l[0], l[1])
	}
	b.WriteString("\nAn " + t.plan(s) + ".\n")
	if fields := t.fieldOrder(); len(fields) > 0 {
		parts := make([]string, len(fields))
		for i, f := range fields {
			parts[i] = f + " " + strconv.Itoa(t.Fields[f])
		}
		b.WriteString("Differences by field: " + strings.Join(parts, ", ") + ".\n")
	}
	if n := t.Plan[importer.Inactive]; n > 0 {
		fmt.Fprintf(&b, "%d %s not ACTIVE: an import would report %s as a conflict.\n", n, diffPlural(n, "group exists but is", "groups exist but are"), diffPlural(n, "it", "them"))
	}
	if n := t.SizeUnknown; n > 0 {
		fmt.Fprintf(&b, "maxGroupSize was not compared for %d %s: this API version's lookup does not report it.\n", n, diffPlural(n, "group", "groups"))
	}
	if n := t.Refused; n > 0 {
		fmt.Fprintf(&b, "%d %s extended fields the org would refuse (91016/91017): not counted as differences; see the messages.\n", n, diffPlural(n, "row has", "rows have"))
	}
	if n := s.Counts[importer.Mismatch]; n > 0 {
		fmt.Fprintf(&b, "%d %s of the import's results %s another group than the server's, or one it no longer has.\n", n, diffPlural(n, "line", "lines"), diffPlural(n, "names", "name"))
	}
	if n := t.Unchecked; n > 0 {
		fmt.Fprintf(&b, "%d %s of the import's results %s externalIds this file does not have: not checked.\n", n, diffPlural(n, "line", "lines"), diffPlural(n, "names", "name"))
	}
	if n := s.Counts[importer.Failed] + s.Counts[importer.Skipped]; n > 0 {
		fmt.Fprintf(&b, "%d %s not looked up (failed or skipped): run the same command again with --resume.\n", n, diffPlural(n, "row was", "rows were"))
	}
	_, _ = io.WriteString(w, b.String())
}

func diffPlural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// diffSummaryJSON is the document WriteDiffSummaryJSON writes.
type diffSummaryJSON struct {
	Rows              int            `json:"rows"`
	Counts            statusCounts   `json:"counts"`
	Plan              diffPlanJSON   `json:"plan"`
	Differences       map[string]int `json:"differences"`
	SizeNotCompared   int            `json:"sizeNotCompared"`
	Refused           int            `json:"refusedFieldRows"`
	Unverified        int            `json:"unverifiedFieldRows"`
	Unchecked         int            `json:"resultsNotInInput"`
	Requests          int            `json:"requests"`
	ElapsedSeconds    float64        `json:"elapsedSeconds"`
	RequestsPerSecond float64        `json:"requestsPerSecond"`
	Started           string         `json:"started"`
	Finished          string         `json:"finished"`
	Stopped           string         `json:"stopped"`
	Diff              string         `json:"diff"`
	OK                bool           `json:"ok"`
}

type diffPlanJSON struct {
	Create             int `json:"create"`
	Update             int `json:"update"`
	Unchanged          int `json:"unchanged"`
	Inactive           int `json:"inactive"`
	InvalidOrDuplicate int `json:"invalidOrDuplicate"`
	// UnverifiedOnly: rows that differ only in extended fields the org
	// may refuse; not in Update.
	UnverifiedOnly int `json:"unverifiedExtFieldsOnly"`
}

// statusCounts encodes as a JSON object keyed by the diff statuses in
// order, zeros included.
type statusCounts map[importer.Status]int

// MarshalJSON implements json.Marshaler.
func (c statusCounts) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, st := range importer.DiffStatuses() {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:%d", st, c[st])
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func newDiffSummaryJSON(s importer.Summary, t *DiffTally, diffPath string) diffSummaryJSON {
	return diffSummaryJSON{
		Rows:   s.Rows,
		Counts: statusCounts(s.Counts),
		Plan: diffPlanJSON{
			Create: t.Plan[importer.Missing], Update: t.updates(), Unchanged: t.Plan[importer.Same],
			Inactive: t.Plan[importer.Inactive], InvalidOrDuplicate: s.Counts[importer.Invalid] + s.Counts[importer.Duplicate],
			UnverifiedOnly: t.UnverifiedOnly,
		},
		Differences:       t.Fields,
		SizeNotCompared:   t.SizeUnknown,
		Refused:           t.Refused,
		Unverified:        t.Unverified,
		Unchecked:         t.Unchecked,
		Requests:          s.Requests,
		ElapsedSeconds:    round3(s.Elapsed.Seconds()),
		RequestsPerSecond: round3(s.Rate()),
		Started:           s.Started.UTC().Format(time.RFC3339),
		Finished:          s.Started.Add(s.Elapsed).UTC().Format(time.RFC3339),
		Stopped:           s.Stopped,
		Diff:              diffPath,
		OK:                s.DiffOK(),
	}
}

// WriteDiffSummaryJSON writes the summary of a diff as a JSON object to
// path, replacing it atomically: rows, counts of every diff status (zeros
// included), plan (create, update, unchanged, inactive,
// invalidOrDuplicate, unverifiedExtFieldsOnly: rows that differ only in
// extended fields the org may refuse, not counted in update), differences
// by field, sizeNotCompared, refusedFieldRows, unverifiedFieldRows,
// resultsNotInInput, requests, elapsedSeconds,
// requestsPerSecond, started, finished, stopped, diff (the diff file) and ok
// (every valid row same: see importer.Summary.DiffOK).
func WriteDiffSummaryJSON(path string, s importer.Summary, t *DiffTally, diffPath string) error {
	data, err := json.MarshalIndent(newDiffSummaryJSON(s, t, diffPath), "", "  ")
	if err != nil {
		return fmt.Errorf("report: encoding summary: %w", err)
	}
	return writeFileAtomic(path, append(data, '\n'))
}

// DiffSummaryLine is the summary of a diff as one JSON log record (time,
// level, msg "summary" and the fields of WriteDiffSummaryJSON).
func DiffSummaryLine(s importer.Summary, t *DiffTally, diffPath string, now time.Time) []byte {
	doc := struct {
		Time  string `json:"time"`
		Level string `json:"level"`
		Msg   string `json:"msg"`
		diffSummaryJSON
	}{now.UTC().Format(time.RFC3339Nano), "INFO", "summary", newDiffSummaryJSON(s, t, diffPath)}
	data, _ := json.Marshal(doc)
	return append(data, '\n')
}
