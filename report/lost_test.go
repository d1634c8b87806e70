//go:build unix

package report

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
)

func created(row int, id string) importer.Result {
	return importer.Result{Row: row, ExternalID: id, Status: importer.Created, EntityID: int64(100 + row), Attempts: 1}
}

// TestResultsReplacedAreRescued: the results file moved away and another
// file put in its place is found by the periodic check, which tells the
// run to stop; the run's rows, a journaled one included, are saved beside
// it in a rescue file with its origin, and the file put there is left
// alone.
func TestResultsReplacedAreRescued(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.csv")
	var mu sync.Mutex // the background sync tells too
	var told []error
	toldNow := func() []error { mu.Lock(); defer mu.Unlock(); return append([]error(nil), told...) }
	origin := &Origin{Host: "https://eu.api.capillarytech.com", Identity: "till t"}
	r, err := OpenResults(out, ResultsOptions{Origin: origin, OnLost: func(err error) { mu.Lock(); told = append(told, err); mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	for row := 2; row <= 4; row++ {
		r.Write(created(row, "g"+string(rune('a'+row))))
	}
	r.Early(created(6, "gg")) // finished while row 5 is in flight
	r.sync()
	if told := toldNow(); len(told) != 0 {
		t.Fatalf("told %v with the file in place", told)
	}
	os.Rename(out, filepath.Join(dir, "moved.csv"))
	const theirs = "someone else's file\n"
	os.WriteFile(out, []byte(theirs), 0o644)
	r.sync()
	if told := toldNow(); len(told) != 1 || !errors.Is(told[0], ErrResultsLost) || !strings.Contains(told[0].Error(), out) {
		t.Fatalf("told %v, want once that %s is lost", told, out)
	}
	r.sync()
	if told := toldNow(); len(told) != 1 {
		t.Errorf("told %d times", len(told))
	}

	err = r.Close() // row 5 never finished: the kill-like end of a stop
	le, ok := errors.AsType[*LostError](err)
	if !ok || !errors.Is(err, ErrResultsLost) {
		t.Fatalf("Close: %v, want a LostError", err)
	}
	want := filepath.Join(dir, "r.rescued.csv")
	if le.Rescue != want || le.Rows != 4 || !strings.Contains(err.Error(), want) {
		t.Errorf("rescue %q with %d rows (%v), want %s with 4", le.Rescue, le.Rows, err, want)
	}
	if got := readLines(t, want); len(got) != 4 || !strings.HasPrefix(got[3], "6,gg,created,106") {
		t.Errorf("rescued %q", got)
	}
	if _, err := os.Stat(want + metaSuffix); err != nil {
		t.Errorf("no origin beside the rescue: %v", err)
	}
	if b, _ := os.ReadFile(out); string(b) != theirs {
		t.Errorf("the file put in place was changed: %q", b)
	}
	if _, err := os.Stat(out + journalSuffix); err == nil {
		t.Error("the journal is left beside a results file that is not the run's")
	}
}

// TestResumedResultsDeletedAreRescued: a resumed run writes a partial
// record and merges it into the earlier one at its end. With the folder
// deleted, the check made before that merge finds it, and the rescue file,
// in the working directory, holds both merged: the new lines, then the
// earlier lines for the rows after them.
func TestResumedResultsDeletedAreRescued(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "results")
	os.Mkdir(dir, 0o755)
	out := filepath.Join(dir, "r.csv")
	// The earlier record is of the format before the reason, action,
	// fingerprint and differences columns: the rescue reads it all the same.
	head := "row,externalId,status,entityId,code,message,warnings,attempts,requestId\n"
	os.WriteFile(out, []byte(head+"2,a,created,1,,,,1,\n3,b,failed,,,x,,5,\n4,c,skipped,,,x,,0,\n5,d,skipped,,,x,,0,\n"), 0o644)
	work := t.TempDir()
	t.Chdir(work)
	r, err := OpenResults(out, ResultsOptions{Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	r.Write(importer.Result{Row: 2, ExternalID: "a", Status: importer.Created, EntityID: 1, Attempts: 1})
	r.Write(created(3, "b"))
	r.Write(created(4, "c"))
	os.RemoveAll(dir)

	err = r.Close()
	le, ok := errors.AsType[*LostError](err)
	if !ok {
		t.Fatalf("Close: %v, want a LostError", err)
	}
	if want := filepath.Join(work, "r.rescued.csv"); le.Rescue != want {
		t.Fatalf("rescue %q, want %s (%v)", le.Rescue, want, le)
	}
	want := []string{"2,a,created,1,,,,1,,,,,,", "3,b,created,103,,,,1,,,,,,", "4,c,created,104,,,,1,,,,,,", "5,d,skipped,,,x,,0,,,,,,"}
	if got := readLines(t, le.Rescue); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rescued:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestRescueNeverOverwrites: a rescue file from an earlier run stays; the
// next one gets a name of its own.
func TestRescueNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.csv")
	os.WriteFile(filepath.Join(dir, "r.rescued.csv"), []byte("earlier\n"), 0o644)
	r, err := OpenResults(out, ResultsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	r.Write(created(2, "a"))
	os.Remove(out)
	le, ok := errors.AsType[*LostError](r.Close())
	if !ok || le.Rescue != filepath.Join(dir, "r.rescued-2.csv") {
		t.Fatalf("rescue %+v", le)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "r.rescued.csv")); string(b) != "earlier\n" {
		t.Errorf("the earlier rescue was overwritten: %q", b)
	}
}
