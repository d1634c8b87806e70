//go:build unix

package report

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/capillary-tools/groupimport/importer"
)

// TestLockDoesNotFollowASymlink: a symbolic link planted where the lock
// goes must not make the run truncate or write the file it names.
func TestLockDoesNotFollowASymlink(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "precious.txt")
	os.WriteFile(victim, []byte("keep me\n"), 0o644)
	out := filepath.Join(dir, "r.csv")
	if err := os.Symlink(victim, out+".lock"); err != nil {
		t.Fatal(err)
	}
	unlock, err := Lock(out)
	if err == nil {
		unlock()
		t.Fatal("locked through a symbolic link")
	}
	if !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("error %q does not say why", err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep me\n" {
		t.Errorf("the link's target was changed: %q", b)
	}
}

// TestOpenResultsRefusesADanglingSymlink: a results path that is a link to
// nothing is refused rather than written through or replaced.
func TestOpenResultsRefusesADanglingSymlink(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.csv")
	os.Symlink(filepath.Join(dir, "missing", "x.csv"), out)
	for _, o := range []ResultsOptions{{}, {Overwrite: true}, {Resume: true}} {
		r, err := OpenResults(out, o)
		if err == nil {
			r.Close()
			t.Fatalf("%+v: opened a dangling symbolic link", o)
		}
		if !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("%+v: %v", o, err)
		}
	}
}

// TestOutputsFollowTheUmask: the results file, its companions and the
// summary get 0666 less the user's umask, as any file the user creates.
func TestOutputsFollowTheUmask(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	dir := t.TempDir()
	out := filepath.Join(dir, "r.csv")
	r, err := OpenResults(out, ResultsOptions{Origin: &Origin{Host: "sandbox", Identity: "till t"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	r.Early(importer.Result{Row: 3, Status: importer.Created})
	r.Write(importer.Result{Row: 2, Status: importer.Created})
	r.sync()
	files := []string{out, out + ".meta", out + ".lock", out + ".journal"} // the .lock is there while held
	sum := filepath.Join(dir, "s.json")
	if err := WriteSummaryJSON(sum, importer.Summary{Started: time.Now()}, out); err != nil {
		t.Fatal(err)
	}
	files = append(files, sum)
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := fi.Mode().Perm(); m != 0o600 {
			t.Errorf("%s: mode %o, want 600 under umask 077", filepath.Base(f), m)
		}
	}
	r.Close()
}

// TestExistenceIsCheckedUnderTheLock: whether the results file may be
// written is decided by the run that holds the lock, at the moment it
// takes it, so a run that finished in the meantime is not overwritten.
func TestExistenceIsCheckedUnderTheLock(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.csv")
	first, err := OpenResults(out, ResultsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenResults(out, ResultsOptions{}); !errors.Is(err, ErrLocked) {
		t.Fatalf("second open while the first holds it: %v", err)
	}
	first.Start()
	first.Write(importer.Result{Row: 2, Status: importer.Created})
	first.Close()
	if _, err := OpenResults(out, ResultsOptions{}); !errors.Is(err, ErrExists) {
		t.Fatalf("open after the first finished: %v", err)
	}
}
