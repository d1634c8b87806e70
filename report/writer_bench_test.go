package report

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
)

// lineSamples are cells that exercise every rule of the line encoding:
// formula triggers, CSV quoting, leading spaces, "\.", non-ASCII space.
var lineSamples = []string{
	"", "plain", "grp-000123", "a,b", `say "hi"`, "two\nlines", "cr\rhere", " lead", "\tTab", `\.`,
	"=1+2", "+1", "-1", "@SUM(A1)", "'=x", "''-x", "'", "=a,b", `="q"`, "\u00a0nbsp", "\u3000ideo", "é",
}

// TestAppendLineIsCSVOfTheCells checks the line Write appends against
// encoding/csv's encoding of the cells fill makes, which is what the
// results file was before lines were appended by hand.
func TestAppendLineIsCSVOfTheCells(t *testing.T) {
	for _, a := range lineSamples {
		for _, b := range lineSamples {
			checkLine(t, importer.Result{Row: 7, ExternalID: a, Status: importer.Rejected, EntityID: 12, Code: 1639,
				Message: b, Warnings: []importer.Notice{{Code: 91016, Message: a}, {Code: 91017, Message: b}}, Attempts: 2, RequestID: b})
		}
	}
	for _, r := range goldenResults {
		checkLine(t, r)
	}
}

func FuzzAppendLine(f *testing.F) {
	for _, s := range lineSamples {
		f.Add(s, s, s, s, int64(3), 1633)
	}
	f.Fuzz(func(t *testing.T, id, msg, warn, req string, entity int64, code int) {
		var ws []importer.Notice
		if warn != "" {
			ws = []importer.Notice{{Code: code, Message: warn}}
		}
		checkLine(t, importer.Result{Row: 2, ExternalID: id, Status: importer.Status(msg), EntityID: entity, Code: code,
			Message: msg, Warnings: ws, Attempts: code, RequestID: req})
	})
}

func checkLine(t *testing.T, r importer.Result) {
	t.Helper()
	var want bytes.Buffer
	w := NewWriter(&want)
	w.fill(r)
	want.Reset()
	cw := csv.NewWriter(&want)
	if err := cw.Write(w.rec); err != nil {
		t.Fatal(err)
	}
	cw.Flush()
	if got := appendLine(nil, r); string(got) != want.String() {
		t.Fatalf("%+v:\nline %q\ncsv  %q", r, got, want.String())
	}
}
