package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
)

// TestUndoSummarySaysWhatAnEarlierUndoDid: lines carried over from the
// undo's earlier record are counted with the rest, and the summary says
// they were settled by that earlier run: a second undo that sends nothing
// does not read as if it deleted 31 groups now.
func TestUndoSummarySaysWhatAnEarlierUndoDid(t *testing.T) {
	plan := UndoPlan{Host: "https://eu.example", Of: "in.results.csv", Record: "in.undo.csv",
		Summary: importer.Summary{Rows: 41, Counts: map[importer.Status]int{
			importer.Deleted: 31, importer.KeptChanged: 1, importer.KeptUncertain: 6, importer.NotCreated: 3}},
		Earlier: map[importer.Status]int{importer.Deleted: 31, importer.KeptUncertain: 6, importer.NotCreated: 3}}
	var b bytes.Buffer
	PrintUndoSummary(&b, plan)
	out := b.String()
	for _, want := range []string{
		"deleted                          31 (all by an earlier undo; nothing sent now)\n",
		"kept: changed since the import   1\n",
		"kept: uncertain (answer lost)    6 (all as an earlier undo recorded)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}

	plan.Summary.Counts[importer.Deleted], plan.Earlier[importer.Deleted] = 31, 12
	b.Reset()
	PrintUndoSummary(&b, plan)
	if want := "deleted                          31 (12 by an earlier undo)\n"; !strings.Contains(b.String(), want) {
		t.Errorf("summary lacks %q:\n%s", want, b.String())
	}

	// A first undo carries nothing over: the counts stand alone.
	plan.Earlier = nil
	b.Reset()
	PrintUndoSummary(&b, plan)
	if strings.Contains(b.String(), "earlier") || !strings.Contains(b.String(), "deleted                          31\n") {
		t.Errorf("a first undo's summary:\n%s", b.String())
	}

	// The JSON summary counts them too.
	plan.Earlier = map[importer.Status]int{importer.Deleted: 31}
	path := filepath.Join(t.TempDir(), "s.json")
	if err := WriteUndoSummaryJSON(path, plan); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Earlier map[string]int `json:"earlier"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil || doc.Earlier["deleted"] != 31 {
		t.Errorf("summary JSON %s: earlier %v (%v)", raw, doc.Earlier, err)
	}
}
