package main

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
)

// TestValidateQuoteLeftOpenCostsOnlyItsRow: a quote left open on row 12 of
// 19 makes that row invalid, and every other row is validated on its own
// line of the results.
func TestValidateQuoteLeftOpenCostsOnlyItsRow(t *testing.T) {
	var b strings.Builder
	b.WriteString("externalId,groupName,maxGroupSize\n")
	for i := 1; i <= 19; i++ {
		switch i {
		case 12:
			fmt.Fprintf(&b, "S-%03d,\"Fleet %d,%d\n", i, i, i)
		case 16:
			fmt.Fprintf(&b, "S-%03d,\"Fleet %d\",%d\n", i, i, i)
		default:
			fmt.Fprintf(&b, "S-%03d,Fleet %d,%d\n", i, i, i)
		}
	}
	in := writeFile(t, "q.csv", b.String())
	c := cli{}
	if code := c.run(t, "validate", in); code != exitRowsFailed {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	if !strings.Contains(c.stderr.String(), "total rows  19") {
		t.Errorf("summary:\n%s", c.stderr.String())
	}
	out := strings.TrimSuffix(in, ".csv") + ".validation.csv"
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(data), "\n"); lines != 20 {
		t.Errorf("%d lines in the results, want a header and 19 rows:\n%s", lines, data)
	}
	res := readResults(t, out)
	if len(res) != 19 {
		t.Fatalf("%d results, want 19", len(res))
	}
	for i, r := range res {
		wantStatus := importer.Valid
		if i == 11 {
			wantStatus = importer.Invalid
			if !strings.Contains(r.Message, "line 13") {
				t.Errorf("row 13's message does not name its line: %q", r.Message)
			}
		}
		if r.Row != i+2 || r.Status != wantStatus {
			t.Errorf("result %d: row %d %s %q, want row %d %s", i, r.Row, r.Status, r.Message, i+2, wantStatus)
		}
	}
}
