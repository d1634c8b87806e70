package report

import (
	"strings"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
)

// TestProblemsShowLocalWarningsWithoutACode: a warning found without the
// API (a look-alike id, a field the group on the server lacks) has no code,
// and the table shows none, not a 0.
func TestProblemsShowLocalWarningsWithoutACode(t *testing.T) {
	p := NewProblems()
	p.Add(importer.Result{Row: 3, ExternalID: "fleet-1", Status: importer.Valid, Warnings: []importer.Notice{
		{Message: "externalId differs from row 2's only in letter case or Unicode form"}}})
	p.Add(importer.Result{Row: 9, ExternalID: "F-9", Status: importer.Created, Warnings: []importer.Notice{
		{Code: 91016, Message: "Extended field name tier2 is invalid."}, {Message: "extended field tier2 was not saved"}}})
	var b strings.Builder
	p.Print(&b, 0)
	got := squeeze(b.String())
	for _, want := range []string{
		"valid 1 externalId differs from row 2's only in letter case or Unicode form",
		"created 1 91016 Extended field name tier2 is invalid.; extended field tier2 was not saved",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}
