package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// TestDamagedDiffResumedExits2: a diff file with one damaged quote, given
// to --resume, is refused with a message and exit 2, never a panic.
func TestDamagedDiffResumedExits2(t *testing.T) {
	srv := newWatched(t, sandbox.APILegacy)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	os.WriteFile(in, []byte(groupsCSV(4)), 0o644)
	out := filepath.Join(dir, "in.diff.csv")
	c := cli{env: sandboxEnv()}
	if code := c.run(t, "diff", "--host", srv.URL, "--rate", "unlimited", in); code != exitRowsFailed {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	raw, _ := os.ReadFile(out)
	lines := strings.SplitAfter(string(raw), "\n")
	lines[1] = `"2"x` + strings.TrimPrefix(lines[1], "2") // a quote damaged in the first cell
	os.WriteFile(out, []byte(strings.Join(lines, "")), 0o644)
	srv.reset()
	code := c.run(t, "diff", "--host", srv.URL, "--rate", "unlimited", "--resume", in)
	if code != exitUsage || !strings.Contains(c.stderr.String(), out) {
		t.Fatalf("damaged diff resumed: exit %d, want 2 and a message naming it\n%s", code, c.stderr.String())
	}
	if strings.Contains(c.stderr.String(), "panic") {
		t.Errorf("a panic:\n%s", c.stderr.String())
	}
	if srv.writes() != 0 || len(srv.looked) != 0 {
		t.Errorf("a refused resume sent requests: %v", srv.looked)
	}
}

// TestResumeCountsAFixedDuplicateToDo: the count of rows kept and to do
// shown before a resume follows the rule the run follows. A duplicate
// whose first row was fixed since is sent again, so it is to do, not kept.
func TestResumeCountsAFixedDuplicateToDo(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{})
	defer srv.Close()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	// Row 2 is invalid, and row 3 repeats its externalId.
	os.WriteFile(in, []byte("externalId,maxGroupSize\na,0\na,1\nb,2\n"), 0o644)
	c := cli{env: sandboxEnv()}
	if code := c.run(t, "import", "--host", srv.URL, in); code != exitRowsFailed {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	// Row 2 fixed under another id: row 3 is no longer a duplicate.
	os.WriteFile(in, []byte("externalId,maxGroupSize\nz,1\na,1\nb,2\n"), 0o644)
	if code := c.run(t, "import", "--host", srv.URL, "--resume", in); code != exitOK {
		t.Fatalf("resume: exit %d\n%s", code, c.stderr.String())
	}
	if !strings.Contains(c.stderr.String(), "1 row already settled") || !strings.Contains(c.stderr.String(), "kept; 2 rows to do") {
		t.Errorf("resume counts, want 1 kept and 2 to do:\n%s", c.stderr.String())
	}
	if srv.Creations("a") != 1 || srv.Creations("z") != 1 || srv.Creations("b") != 1 {
		t.Errorf("creations a=%d z=%d b=%d", srv.Creations("a"), srv.Creations("z"), srv.Creations("b"))
	}
}
