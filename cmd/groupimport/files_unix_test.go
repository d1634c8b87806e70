//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestDanglingResultsSymlinkIsRefused: --out naming a symbolic link to
// nothing is refused, not written through to wherever it points.
func TestDanglingResultsSymlinkIsRefused(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	os.WriteFile(in, []byte("externalId,maxGroupSize\na,1\n"), 0o644)
	target := filepath.Join(dir, "elsewhere.csv")
	out := filepath.Join(dir, "r.csv")
	os.Symlink(target, out)
	c := cli{env: sandboxEnv()}
	if code := c.run(t, "import", "--sandbox", "--out", out, in); code != exitUsage || !strings.Contains(c.stderr.String(), "does not exist") {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	if _, err := os.Lstat(target); err == nil {
		t.Errorf("the link's target was created")
	}
}

// TestResultsCheckedWhenLocked: a results file that appears after the
// command started (another run finished meanwhile) is found by the check
// made under the lock, and left alone. The run is held up before it takes
// the lock by reading --ext-fields from a pipe: opening the pipe's other
// end returns once the command has opened it, past its first checks.
func TestResultsCheckedWhenLocked(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	os.WriteFile(in, []byte("externalId,maxGroupSize\na,1\n"), 0o644)
	out := filepath.Join(dir, "in.results.csv")
	fifo := filepath.Join(dir, "fields")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no named pipes:", err)
	}
	c := cli{env: sandboxEnv()}
	code := make(chan int, 1)
	go func() { code <- c.run(t, "import", "--sandbox", "--ext-fields", fifo, in) }()
	f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	const record = "the record of a run that just finished\n"
	os.WriteFile(out, []byte(record), 0o644)
	f.WriteString("tier=STRING\n")
	f.Close()
	if got := <-code; got != exitUsage || !strings.Contains(c.stderr.String(), "already exists") {
		t.Fatalf("exit %d\n%s", got, c.stderr.String())
	}
	if b, _ := os.ReadFile(out); string(b) != record {
		t.Errorf("the results that appeared were overwritten: %q", b)
	}
}

// TestSummaryFollowsTheUmask: --summary-json gets 0666 less the umask, as
// the results do, not a fixed 0644.
func TestSummaryFollowsTheUmask(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	os.WriteFile(in, []byte("externalId,maxGroupSize\na,1\n"), 0o600)
	sum := filepath.Join(dir, "s.json")
	c := cli{env: sandboxEnv()}
	if code := c.run(t, "import", "--sandbox", "--summary-json", sum, in); code != exitOK {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	for _, f := range []string{sum, filepath.Join(dir, "in.results.csv")} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := fi.Mode().Perm(); m != 0o600 {
			t.Errorf("%s: mode %o, want 600 under umask 077", filepath.Base(f), m)
		}
	}
}
