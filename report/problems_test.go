package report

import (
	"os"
	"strings"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
)

// TestProblemsKeepEachRowsOwnValues: a kind groups rows by status, code and
// message shape; every row shown carries its own id and values, so no row
// is described by another row's message.
func TestProblemsKeepEachRowsOwnValues(t *testing.T) {
	p := NewProblems()
	add := func(row int, id string, st importer.Status, code int, msg string, ws ...importer.Notice) {
		p.Add(importer.Result{Row: row, ExternalID: id, Status: st, Code: code, Message: msg, Warnings: ws})
	}
	add(2, "OK-1", importer.Created, 0, "")
	add(7, "FLT-7", importer.Invalid, 0, `maxGroupSize: "12.5" is not a whole number`)
	add(398, "FLT-398", importer.Invalid, 0, `maxGroupSize: "abc" is not a whole number`)
	add(592, "FLT-592", importer.Invalid, 0, `maxGroupSize: "1,5" is not a whole number`)
	add(52, "MIG-00050", importer.Conflict, 1633, "Group external Id MIG-00050 already exists")
	add(53, "MIG-00051", importer.Conflict, 1633, "Group external Id MIG-00051 already exists")
	add(60, "BIG-1", importer.Invalid, 0, "maxGroupSize: 40000 is over the org's limit of 30000 (--max-group-size)")
	add(61, "BIG-2", importer.Invalid, 0, "maxGroupSize: 50000 is over the org's limit of 30000 (--max-group-size)")
	add(70, "W-1", importer.CreatedWithWarnings, 0, "", importer.Notice{Code: 91016, Message: "Extended field name tier2 is invalid."})
	var b strings.Builder
	p.Print(&b, 0)
	got := b.String()
	for _, want := range []string{
		"invalid              3  maxGroupSize: … is not a whole number\n",
		`row 7, FLT-7: "12.5" is not a whole number`,
		`row 398, FLT-398: "abc" is not a whole number`,
		`row 592, FLT-592: "1,5" is not a whole number`,
		"conflict             2  1633 Group external Id … already exists\n",
		"row 52, MIG-00050\n",
		"row 53, MIG-00051\n",
		// The limit every row shares stays in the message.
		"invalid              2  maxGroupSize: … is over the org's limit of 30000 (--max-group-size)\n",
		"row 60, BIG-1: 40000 is over the org's limit of 30000 (--max-group-size)\n",
		"row 61, BIG-2: 50000 is over the org's limit of 30000 (--max-group-size)\n",
		// Lost extended fields are a problem even on a created row.
		"created_with_warnings  1  91016 Extended field name tier2 is invalid.\n",
	} {
		if !strings.Contains(squeeze(got), squeeze(want)) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "OK-1") {
		t.Errorf("a clean row is shown:\n%s", got)
	}
	// No row is shown with another's value.
	for _, line := range strings.Split(got, "\n") {
		if strings.Contains(line, "row 398") && strings.Contains(line, "\"12.5\"") {
			t.Errorf("row 398 shown with row 7's value: %s", line)
		}
	}
}

// squeeze folds runs of spaces, so that column widths do not matter.
func squeeze(s string) string { return strings.Join(strings.Fields(s), " ") }

func ExampleProblems() {
	p := NewProblems()
	p.Add(importer.Result{Row: 7, ExternalID: "FLT-7", Status: importer.Invalid, Message: `maxGroupSize: "12.5" is not a whole number`})
	p.Add(importer.Result{Row: 398, ExternalID: "FLT-398", Status: importer.Invalid, Message: `maxGroupSize: "abc" is not a whole number`})
	p.Add(importer.Result{Row: 52, ExternalID: "MIG-00050", Status: importer.Conflict, Code: 1633, Message: "Group external Id MIG-00050 already exists"})
	p.Print(os.Stdout, 0)
	// Output:
	// Problems by kind (the first rows of each, with their own values):
	//   invalid   2  maxGroupSize: … is not a whole number
	//                row 7, FLT-7: "12.5" is not a whole number
	//                row 398, FLT-398: "abc" is not a whole number
	//   conflict  1  1633 Group external Id MIG-00050 already exists
	//                row 52, MIG-00050
}
