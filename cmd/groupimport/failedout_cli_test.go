package main

import (
	"encoding/csv"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// TestFailedOutHoldsOnlyRowsToFix: rows a stopped run did not reach belong
// to --resume, not to the fix file, and the end of the run says how many
// were left for it.
func TestFailedOutHoldsOnlyRowsToFix(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{Faults: sandbox.Faults{Error5xx: 1}})
	defer srv.Close()
	in := writeFile(t, "in.csv", groupsCSV(50))
	fix := filepath.Join(filepath.Dir(in), "fix.csv")
	c := cli{env: sandboxEnv()}
	code := c.run(t, "import", "--host", srv.URL, "--workers", "1", "--max-attempts", "1", "--max-errors", "0", "--failed-out", fix, in)
	if code != exitAborted {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	res := readResults(t, strings.TrimSuffix(in, ".csv")+".results.csv")
	failed, skipped := 0, 0
	for _, r := range res {
		switch r.Status {
		case importer.Failed:
			failed++
		case importer.Skipped:
			skipped++
		}
	}
	if skipped == 0 {
		t.Fatalf("no row skipped; the test needs some:\n%s", c.stderr.String())
	}
	raw, err := os.ReadFile(fix)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\r\n")
	if len(lines) != 1+failed || strings.Contains(string(raw), "skipped") {
		t.Errorf("fix file has %d rows, want the %d failed ones:\n%s", len(lines)-1, failed, raw)
	}
	if want := importer.Plural(skipped, "skipped row") + " left for --resume"; !strings.Contains(c.stderr.String(), want) {
		t.Errorf("stderr does not say %q:\n%s", want, c.stderr.String())
	}
}

// TestFailedOutKeepsEveryCell: a row with too many cells comes back whole,
// its reason in the reason column and its extra cells after it.
func TestFailedOutKeepsEveryCell(t *testing.T) {
	in := writeFile(t, "in.csv", "externalId,maxGroupSize\na,1,extra,extra2\nb,2\n")
	fix := filepath.Join(filepath.Dir(in), "fix.csv")
	c := cli{}
	if code := c.run(t, "validate", "--failed-out", fix, in); code != exitRowsFailed {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	raw, _ := os.ReadFile(fix)
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(raw), "\ufeff")))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil || len(recs) != 2 {
		t.Fatalf("fix file %q: %v", raw, err)
	}
	got := recs[1]
	if len(got) != 5 || got[0] != "a" || got[1] != "1" || !strings.HasPrefix(got[2], "invalid") || got[3] != "extra" || got[4] != "extra2" {
		t.Errorf("row back as %q, want a, 1, the reason, extra, extra2", got)
	}
}

// TestFailedOutWorkbookIsNotExecutable: a workbook fix file has the
// permissions of any other file the tool writes.
func TestFailedOutWorkbookIsNotExecutable(t *testing.T) {
	in := writeFile(t, "in.csv", "externalId,maxGroupSize\na,x\n")
	fix := filepath.Join(filepath.Dir(in), "fix.xlsx")
	c := cli{}
	if code := c.run(t, "validate", "--failed-out", fix, in); code != exitRowsFailed {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	fi, err := os.Stat(fix)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o111 != 0 {
		t.Errorf("fix workbook is %v", fi.Mode())
	}
}

// TestNoFixFileWhenNothingToFix: a run with nothing to fix leaves no
// empty fix file behind.
func TestNoFixFileWhenNothingToFix(t *testing.T) {
	for _, name := range []string{"fix.csv", "fix.xlsx"} {
		in := writeFile(t, "in.csv", "externalId,maxGroupSize\na,1\n")
		fix := filepath.Join(filepath.Dir(in), name)
		c := cli{}
		if code := c.run(t, "validate", "--failed-out", fix, in); code != exitOK {
			t.Fatalf("exit %d\n%s", code, c.stderr.String())
		}
		if _, err := os.Stat(fix); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s left behind (%v)", name, err)
		}
		if !strings.Contains(c.stderr.String(), "no rows to fix") {
			t.Errorf("stderr does not say there was nothing to fix:\n%s", c.stderr.String())
		}
	}
}

// TestRowsCreatedWithoutExtendedFieldsAreCollected: a row created without
// some extended fields (91016/91017) goes to --failed-out with the reason,
// and importing that file with --on-conflict update once the org has the
// fields completes it.
func TestRowsCreatedWithoutExtendedFieldsAreCollected(t *testing.T) {
	dir := t.TempDir()
	fix := filepath.Join(dir, "fix.csv")
	c := cli{}
	c.run(t, "import", "--sandbox", "--rate", "unlimited", "--out", filepath.Join(dir, "r.csv"), "--failed-out", fix, "../../samples/fleets.csv")
	res := readResults(t, filepath.Join(dir, "r.csv"))
	raw, _ := os.ReadFile(fix)
	for _, r := range res {
		if r.Status == importer.CreatedWithWarnings && !strings.Contains(string(raw), r.ExternalID+",") {
			t.Errorf("%s (created_with_warnings) not in the fix file:\n%s", r.ExternalID, raw)
		}
	}
	if !strings.Contains(string(raw), "created_with_warnings") {
		t.Errorf("the reason does not say created_with_warnings:\n%s", raw)
	}
	if !strings.Contains(c.stderr.String(), "--on-conflict update") {
		t.Errorf("the end of the run does not say how to complete them:\n%s", c.stderr.String())
	}
}
