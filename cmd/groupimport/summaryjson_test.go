//go:build unix

package main

import (
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// TestUnwritableSummaryIsExit3: a --summary-json that cannot be written at
// the end (here its folder is gone; a full disk does the same) fails the
// run as an unwritable --failed-out does, however well the rows went.
func TestUnwritableSummaryIsExit3(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{})
	defer srv.Close()
	front := holdAfter(t, srv, 0)
	in := writeFile(t, "in.csv", groupsCSV(10))
	dir := filepath.Join(t.TempDir(), "reports")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sum := filepath.Join(dir, "summary.json")
	c := &cli{env: sandboxEnv()}
	code := make(chan int, 1)
	go func() {
		code <- c.run(t, "import", "--host", front.URL, "--rate", "unlimited", "--no-progress", "--summary-json", sum, in)
	}()
	waitFor(t, "requests held", 30*time.Second, func() bool { return front.held.Load() > 0 })
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	front.Release()
	if got := <-code; got != exitAborted || !strings.Contains(c.stderr.String(), "--summary-json") {
		t.Fatalf("exit %d, want %d naming --summary-json\n%s", got, exitAborted, c.stderr.String())
	}
}

// TestStaleSummaryIsGoneWhileTheRunGoes: with --overwrite, the summary of
// the run before is removed when the run starts, so that a script reading
// it mid-run (or after a run that could not write its own) never takes it
// for this run's; the new one is in place at the end.
func TestStaleSummaryIsGoneWhileTheRunGoes(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{})
	defer srv.Close()
	front := holdAfter(t, srv, 0)
	in := writeFile(t, "in.csv", groupsCSV(10))
	sum := filepath.Join(t.TempDir(), "summary.json")
	if err := os.WriteFile(sum, []byte(`{"rows": 999, "ok": true}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := &cli{env: sandboxEnv()}
	code := make(chan int, 1)
	go func() {
		code <- c.run(t, "import", "--host", front.URL, "--rate", "unlimited", "--no-progress", "--overwrite", "--summary-json", sum, in)
	}()
	waitFor(t, "requests held", 30*time.Second, func() bool { return front.held.Load() > 0 })
	_, err := os.Stat(sum)
	front.Release()
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the earlier run's summary is still in place while the run goes (%v)", err)
	}
	if got := <-code; got != exitOK {
		t.Fatalf("exit %d\n%s", got, c.stderr.String())
	}
	b, err := os.ReadFile(sum)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Rows int }
	if err := json.Unmarshal(b, &doc); err != nil || doc.Rows != 10 {
		t.Errorf("summary %s (%v), want 10 rows", b, err)
	}
}

// TestUnwritableDiffSummaryIsExit3: the same for a diff's --summary-json.
func TestUnwritableDiffSummaryIsExit3(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{})
	defer srv.Close()
	front := hold(t, srv, http.MethodGet, 0)
	in := writeFile(t, "in.csv", groupsCSV(10))
	dir := filepath.Join(t.TempDir(), "reports")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sum := filepath.Join(dir, "summary.json")
	c := &cli{env: sandboxEnv()}
	code := make(chan int, 1)
	go func() {
		code <- c.run(t, "diff", "--host", front.URL, "--rate", "unlimited", "--no-progress", "--summary-json", sum, in)
	}()
	waitFor(t, "lookups held", 30*time.Second, func() bool { return front.held.Load() > 0 })
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	front.Release()
	if got := <-code; got != exitAborted || !strings.Contains(c.stderr.String(), "--summary-json") {
		t.Fatalf("exit %d, want %d naming --summary-json\n%s", got, exitAborted, c.stderr.String())
	}
}
