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
