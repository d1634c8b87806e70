package report

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cleanRecordError reports whether err is one a reader of a record may
// return: the input is not a record, ends cut short, or has a bad line
// named by its number; never a bare error from deep inside.
func cleanRecordError(err error) bool {
	return err == nil || errors.Is(err, ErrNotResults) || errors.Is(err, ErrTruncated) ||
		strings.HasPrefix(err.Error(), "report: results line ") || strings.HasPrefix(err.Error(), "report: reading results: ")
}

// recordSeeds are small valid records of every kind and format.
func recordSeeds() [][]byte {
	head := strings.Join(Header, ",") + "\n"
	return [][]byte{
		[]byte(head + "2,a,created,7,,,,1,r1,,,0011223344556677,,\n3,b,exists,8,,m,,1,,answer_lost size_not_compared,,8899aabbccddeeff,,\n"),
		[]byte(head + "2,a,differs,7,,m,,0,r,,update,0011223344556677,\"groupName: \"\"A\"\" -> \"\"B\"\"\",\n3,b,mismatch,8,,m,,0,,status_inactive,conflict,,,\n"),
		[]byte(oldHeader + "\n2,a,created,7,,,,1,r1\n3,b,failed,,,x,,5,\n"),
		[]byte("row,externalId,status,entityId,differences,message,requestId\n2,a,same,1,,m,r1\n3,\"b\"\"\",missing,,,m,\n"),
		[]byte(head + "2,\"a\n"),
	}
}

// FuzzReadRecord: no input makes the record reader panic, every error is
// a clean one, and what it reads writes back to a record that reads the
// same lines (as a merge rewrites them).
func FuzzReadRecord(f *testing.F) {
	for _, s := range recordSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := readAll(data)
		if !cleanRecordError(err) {
			t.Fatalf("unclean error %q", err)
		}
		var buf bytes.Buffer
		w := NewWriter(&buf)
		for _, r := range rs {
			w.Write(r)
		}
		w.Close()
		again, err := readAll(buf.Bytes())
		if err != nil || len(again) != len(rs) {
			t.Fatalf("%d lines rewritten read back as %d: %v\n%s", len(rs), len(again), err, buf.Bytes())
		}
		for i := range rs {
			if a, b := again[i], rs[i]; a.Row != b.Row || a.ExternalID != b.ExternalID || a.Status != b.Status || a.Diff.Action() != b.Diff.Action() || a.Fingerprint != b.Fingerprint {
				t.Fatalf("line %d: %+v rewritten reads as %+v", i, b, a)
			}
		}
	})
}

// FuzzReadJournal: a journal, whatever a crash left of it, is read without
// a panic, and an error names the journal.
func FuzzReadJournal(f *testing.F) {
	for _, s := range recordSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		name := filepath.Join(t.TempDir(), "r.csv"+journalSuffix)
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
		lines, err := readJournal(name)
		switch {
		case err != nil && !strings.Contains(err.Error(), name):
			t.Fatalf("error does not name the journal: %v", err)
		case err == nil && lines == nil:
			t.Fatal("no lines and no error")
		}
	})
}

// FuzzReadMeta: a .meta is read without a panic; what is accepted has a
// kind this version knows and, unless nothing was sent, a host.
func FuzzReadMeta(f *testing.F) {
	f.Add([]byte(`{"host":"https://eu.api.capillarytech.com","identity":"till t1","created":"2026-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"host":"sandbox","identity":"till t1","created":"2026-01-01T00:00:00Z","kind":"diff"}`))
	f.Add([]byte(`{"host":"","identity":"","created":"2026-01-01T00:00:00Z","kind":"validation"}`))
	f.Add([]byte(`{"host":"h","kind":"rollback"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := readMeta(data)
		if err != nil {
			return
		}
		switch k := m.kind(); {
		case k != KindImport && k != KindValidation && k != KindDiff && k != KindUndo:
			t.Fatalf("accepted kind %q", k)
		case m.Host == "" && k != KindValidation:
			t.Fatalf("accepted %s record without a host", k)
		}
	})
}

// TestFuzzSeedsAreValidRecords: the seeds are what they claim, so the
// fuzzers start from real records.
func TestFuzzSeedsAreValidRecords(t *testing.T) {
	seeds := recordSeeds()
	for i, s := range seeds[:len(seeds)-1] {
		if rs, err := readAll(s); err != nil || len(rs) != 2 {
			t.Errorf("seed %d: %d lines, %v", i, len(rs), err)
		}
	}
	if _, err := readAll(seeds[len(seeds)-1]); !errors.Is(err, ErrTruncated) {
		t.Errorf("the cut seed: %v", err)
	}
}
