package main

import (
	"strings"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
)

// TestValidateNamesEveryProblemOfARow: one pass names every problem of a
// row, in column order, in the results and the JSON row record, and the
// summary and the problems table count the problems as well as the rows.
func TestValidateNamesEveryProblemOfARow(t *testing.T) {
	in := writeFile(t, "s.csv", "externalId,groupName,maxGroupSize,limit\n"+
		"S-007,Fleet 7,10,\n"+
		"S-008,"+strings.Repeat("N", 58)+",-1,-3\n"+
		"S-009,Fleet 9,-2,\n")
	c := cli{}
	if code := c.run(t, "validate", "--log-format", "json", in); code != exitRowsFailed {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	res := readResults(t, strings.TrimSuffix(in, ".csv")+".validation.csv")
	want := "groupName: 58 characters, at most 50 allowed; maxGroupSize: -1 is not positive; limit: -3 is negative"
	if len(res) != 3 || res[1].Status != importer.Invalid || res[1].Message != want {
		t.Fatalf("results %+v\nwant row 3's message %q", res, want)
	}
	stderr := c.stderr.String()
	if !strings.Contains(stderr, `"problems":["groupName: 58 characters, at most 50 allowed","maxGroupSize: -1 is not positive","limit: -3 is negative"]`) {
		t.Errorf("the JSON row record does not list the problems:\n%s", stderr)
	}
	if !strings.Contains(stderr, `"problems":4`) {
		t.Errorf("the JSON summary does not count 4 problems:\n%s", stderr)
	}

	c.run(t, "validate", "--overwrite", in)
	stderr = c.stderr.String()
	if !strings.Contains(stderr, "2 rows with 4 problems") {
		t.Errorf("the problems table does not count rows and problems:\n%s", stderr)
	}
	table := problemsTable(stderr)
	for _, kind := range []string{"groupName: 58 characters", "maxGroupSize: -… is not positive", "limit: -3 is negative"} {
		if !strings.Contains(table, kind) {
			t.Errorf("no kind %q in the table:\n%s", kind, table)
		}
	}
	if !strings.Contains(stderr, "(4 problems") {
		t.Errorf("the summary does not count the problems:\n%s", stderr)
	}
}
