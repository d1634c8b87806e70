package report

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
)

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []string
	if err := ReadResults(f, func(r importer.Result) error {
		got = append(got, strings.TrimSpace(string(appendLine(nil, r))))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

// TestResumeSettlesWhatAKilledRunLeft: the journal's lines (the newest
// run's, in any order) take the place of a row's line, the partial
// record's lines come before the earlier record's, and rows journaled
// beyond a gap keep their place in row order.
func TestResumeSettlesWhatAKilledRunLeft(t *testing.T) {
	head := oldHeader + "\n" // a record written before the current columns
	tests := []struct {
		name                    string
		results, partial, journ string
		want                    []string
	}{{
		name:    "a first run killed behind a slow row",
		results: head + "2,a,created,1,,,,1,\n3,b,created,2,,,,1,\n",
		journ:   head + "7,f,created,6,,,,1,\n5,d,created,4,,,,1,\n6,e,crea", // cut by the kill
		want:    []string{"2,a,created,1,,,,1,,,,,,", "3,b,created,2,,,,1,,,,,,", "5,d,created,4,,,,1,,,,,,", "7,f,created,6,,,,1,,,,,,"},
	}, {
		name:    "a resumed run killed behind a slow row",
		results: head + "2,a,created,1,,,,1,\n3,b,failed,,,x,,5,\n4,c,skipped,,,x,,0,\n5,d,skipped,,,x,,0,\n6,e,skipped,,,x,,0,\n",
		partial: head + "2,a,created,1,,,,1,\n",
		journ:   head + "5,d,created,4,,,,1,\n",
		want:    []string{"2,a,created,1,,,,1,,,,,,", "3,b,failed,,,x,,5,,,,,,", "4,c,skipped,,,x,,0,,,,,,", "5,d,created,4,,,,1,,,,,,", "6,e,skipped,,,x,,0,,,,,,"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "r.csv")
			os.WriteFile(out, []byte(tt.results), 0o644)
			if tt.partial != "" {
				os.WriteFile(out+partialSuffix, []byte(tt.partial), 0o644)
			}
			os.WriteFile(out+journalSuffix, []byte(tt.journ), 0o644)
			r, err := OpenResults(out, ResultsOptions{Resume: true})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if len(r.Notes) == 0 || !strings.Contains(r.Notes[0], "merging") {
				t.Errorf("notes %q", r.Notes)
			}
			if got := readLines(t, out); strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("merged:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			for _, s := range []string{partialSuffix, journalSuffix} {
				if _, err := os.Stat(out + s); err == nil {
					t.Errorf("%s left behind", s)
				}
			}
		})
	}
}

// TestJournalEmptiesOnceTheResultsCatchUp: the journal holds the rows that
// finished ahead of the results only until the results have them.
func TestJournalEmptiesOnceTheResultsCatchUp(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.csv")
	r, err := OpenResults(out, ResultsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	r.Early(importer.Result{Row: 4, ExternalID: "c", Status: importer.Created})
	r.Write(importer.Result{Row: 2, ExternalID: "a", Status: importer.Created})
	r.sync()
	if got := readLines(t, out+journalSuffix); len(got) != 1 {
		t.Fatalf("journal %q, want row 4", got)
	}
	r.Write(importer.Result{Row: 3, ExternalID: "b", Status: importer.Created})
	r.Write(importer.Result{Row: 4, ExternalID: "c", Status: importer.Created})
	r.sync()
	if got := readLines(t, out+journalSuffix); len(got) != 0 {
		t.Fatalf("journal %q after the results caught up", got)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(out + journalSuffix); err == nil {
		t.Error("journal left after a clean close")
	}
	if got := readLines(t, out); len(got) != 3 {
		t.Errorf("results %q", got)
	}
}

// TestJournalKeepsItsHeaderWhenEmptiedEarly: a journal emptied before it
// was ever flushed still starts with the header, so the rows journaled
// after it can be read back.
func TestJournalKeepsItsHeaderWhenEmptiedEarly(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.csv")
	r, err := OpenResults(out, ResultsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	r.Early(importer.Result{Row: 3, ExternalID: "b", Status: importer.Created})
	r.Write(importer.Result{Row: 2, ExternalID: "a", Status: importer.Created})
	r.Write(importer.Result{Row: 3, ExternalID: "b", Status: importer.Created})
	r.sync() // emptied before anything was flushed
	r.Early(importer.Result{Row: 5, ExternalID: "d", Status: importer.Created})
	r.Write(importer.Result{Row: 4, ExternalID: "c", Status: importer.Created})
	r.sync()
	if got := readLines(t, out+journalSuffix); len(got) != 1 || !strings.HasPrefix(got[0], "5,") {
		t.Fatalf("journal %+v, want row 5", got)
	}
	r.Write(importer.Result{Row: 5, ExternalID: "d", Status: importer.Created})
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestOpenResultsRemovesAKilledMergesTemporaryFile: a merge killed before
// its rename leaves a temporary file, which the next run removes.
func TestOpenResultsRemovesAKilledMergesTemporaryFile(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.csv")
	os.WriteFile(out, []byte(strings.Join(Header, ",")+"\n"), 0o644)
	stale := filepath.Join(dir, ".r.csv.12345.tmp")
	other := filepath.Join(dir, ".s.json.12345.tmp")
	os.WriteFile(stale, []byte("half a merge"), 0o644)
	os.WriteFile(other, []byte("not ours"), 0o644)
	r, err := OpenResults(out, ResultsOptions{Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	if _, err := os.Stat(stale); err == nil {
		t.Error("the killed merge's temporary file is still there")
	}
	if _, err := os.Stat(other); err != nil {
		t.Error("another file's temporary file was removed")
	}
}

// TestValidationReplacesOnlyItsOwnRecord: a validation takes the place of
// an earlier validation's record without Overwrite; an import's results
// stay refused, and the error says what they are.
func TestValidationReplacesOnlyItsOwnRecord(t *testing.T) {
	dir := t.TempDir()
	open := func(path string, kind Kind, origin *Origin) error {
		r, err := OpenResults(path, ResultsOptions{Kind: kind, Origin: origin})
		if err != nil {
			return err
		}
		if err := r.Start(); err != nil {
			t.Fatal(err)
		}
		return r.Close()
	}
	v := filepath.Join(dir, "v.csv")
	for i := range 2 {
		if err := open(v, KindValidation, nil); err != nil {
			t.Fatalf("validation %d: %v", i+1, err)
		}
	}
	imp := filepath.Join(dir, "i.csv")
	if err := open(imp, KindImport, &Origin{Host: "https://eu.api.capillarytech.com", Identity: "till t"}); err != nil {
		t.Fatal(err)
	}
	err := open(imp, KindValidation, nil)
	var ee *ExistsError
	if !errors.As(err, &ee) || ee.Kind != KindImport || !strings.Contains(err.Error(), "an import's results") {
		t.Fatalf("validation over an import: %v", err)
	}
	if err := open(v, KindImport, &Origin{Host: "h", Identity: "i"}); !errors.Is(err, ErrExists) {
		t.Fatalf("import over a validation: %v", err)
	}
}
