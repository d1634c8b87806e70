package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateAgainReplacesItsOwnRecord: validate run twice, as after a
// fix, gives the same exit both times, with no flag: a validation record
// holds nothing that was sent. Each run's record is its own.
func TestValidateAgainReplacesItsOwnRecord(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	writeFileAt(t, in, "externalId,maxGroupSize\na,1\nb,x\n")
	var c cli
	if code := c.run(t, "validate", in); code != exitRowsFailed {
		t.Fatalf("first: exit %d\n%s", code, c.stderr.String())
	}
	if code := c.run(t, "validate", in); code != exitRowsFailed {
		t.Fatalf("again: exit %d, want %d as the first time\n%s", code, exitRowsFailed, c.stderr.String())
	}
	writeFileAt(t, in, "externalId,maxGroupSize\na,1\nb,2\n")
	if code := c.run(t, "validate", in); code != exitOK {
		t.Fatalf("after the fix: exit %d\n%s", code, c.stderr.String())
	}
	res := readResults(t, filepath.Join(dir, "in.validation.csv"))
	if len(res) != 2 || !res[1].Status.OK() {
		t.Errorf("the record is not the last run's: %+v", res)
	}
}

// TestValidateNeverReplacesAnotherRecord: validate --out naming an
// import's results (or a file no run of ours wrote) is refused with exit
// 2, saying what the file is, and leaves it as it was.
func TestValidateNeverReplacesAnotherRecord(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	writeFileAt(t, in, "externalId,maxGroupSize\na,1\n")
	out := filepath.Join(dir, "in.results.csv")
	c := cli{env: sandboxEnv()}
	if code := c.run(t, "import", "--sandbox", "--no-progress", in); code != exitOK {
		t.Fatalf("import: exit %d\n%s", code, c.stderr.String())
	}
	before, _ := os.ReadFile(out)
	if code := c.run(t, "validate", "--out", out, in); code != exitUsage || !strings.Contains(c.stderr.String(), "an import's results") {
		t.Fatalf("validate over an import: exit %d, want 2 naming the import\n%s", code, c.stderr.String())
	}
	if after, _ := os.ReadFile(out); string(after) != string(before) {
		t.Error("the import's results were changed")
	}

	other := filepath.Join(dir, "notes.csv")
	writeFileAt(t, other, "someone's notes\n")
	if code := c.run(t, "validate", "--out", other, in); code != exitUsage || !strings.Contains(c.stderr.String(), "--overwrite") {
		t.Fatalf("validate over a file of no record: exit %d, want 2\n%s", code, c.stderr.String())
	}
}
