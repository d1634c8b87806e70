package input

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
)

// readUntil reads recs to the end or to their first error, listing the
// rows as rows does.
func readUntil(recs importer.Records) (got []string, err error) {
	for {
		cells, row, err := recs.Next()
		if err == io.EOF {
			return got, nil
		}
		if err != nil {
			return got, err
		}
		got = append(got, strconv.Itoa(row)+": "+strings.Join(cells, "|"))
	}
}

// smallBlocks checks files in blocks of n bytes for the test.
func smallBlocks(t *testing.T, n int) {
	old := verifyBlock
	verifyBlock = n
	t.Cleanup(func() { verifyBlock = old })
}

// changedError checks that err says the file changed, in the words want.
func changedError(t *testing.T, err error, want string) {
	t.Helper()
	var e *Error
	switch {
	case !errors.Is(err, importer.ErrInputChanged):
		t.Fatalf("error %v, want one wrapping importer.ErrInputChanged", err)
	case !errors.As(err, &e) || e.File == "":
		t.Errorf("error %v is no *Error naming the file", err)
	case !strings.Contains(err.Error(), "changed while it was read: "+want):
		t.Errorf("error %q, want it to say %q", err, want)
	}
}

// TestReadingStopsWhereTheFileChanged: the first reading of a file (the
// open, then the pre-scan) records its blocks; a reading after it hands on
// rows only from blocks that match, up to the size it had at open, and
// stops with an error that says what changed at the first block read
// after the change. The open reads the first 64 KiB (to detect the
// encoding and the delimiter) of a file of 300 KiB: the change comes as
// to a sending pass that has not got far.
func TestReadingStopsWhereTheFileChanged(t *testing.T) {
	smallBlocks(t, 4<<10)
	var b strings.Builder
	b.WriteString("externalId,groupName,maxGroupSize\n")
	var all []string
	for i := 1; b.Len() < 300<<10; i++ {
		fmt.Fprintf(&b, "V-%05d,Fleet %d,%d\n", i, i, i%100+1)
		all = append(all, fmt.Sprintf("%d: V-%05d|Fleet %d|%d", i+1, i, i, i%100+1))
	}
	text := b.String()
	at := int64(250 << 10) // in a block the open did not read

	tests := []struct {
		name   string
		change func(t *testing.T, path string, opened os.FileInfo)
		want   string
		upTo   int64 // the rows wholly before this offset are read
	}{
		{"one byte changed in place, size and time kept", func(t *testing.T, path string, opened os.FileInfo) {
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.WriteAt([]byte("W"), at); err != nil {
				t.Fatal(err)
			}
			f.Close()
			// As a copy that keeps times would: only the bytes tell.
			if err := os.Chtimes(path, opened.ModTime(), opened.ModTime()); err != nil {
				t.Fatal(err)
			}
		}, "bytes 253952 to 258047 are not what an earlier reading found there", at &^ (4<<10 - 1)},
		{"rows appended", func(t *testing.T, path string, _ os.FileInfo) {
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString("V-99999,Appended,5\n")
			f.Close()
		}, fmt.Sprintf("it grew from %d to %d bytes", len(text), len(text)+19), 64 << 10},
		{"cut short", func(t *testing.T, path string, _ os.FileInfo) {
			if err := os.Truncate(path, at); err != nil {
				t.Fatal(err)
			}
		}, fmt.Sprintf("it shrank from %d to %d bytes", len(text), at), 64 << 10},
		{"saved again, the same bytes", func(t *testing.T, path string, opened os.FileInfo) {
			// A timestamp of its own: two writes in one clock tick
			// may share one.
			if err := os.Chtimes(path, opened.ModTime(), opened.ModTime().Add(-3e9)); err != nil {
				t.Fatal(err)
			}
		}, "it was written to", 64 << 10},
		{"another file saved in its place", func(t *testing.T, path string, _ os.FileInfo) {
			tmp := path + ".tmp"
			if err := os.WriteFile(tmp, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(tmp, path); err != nil {
				t.Fatal(err)
			}
		}, "another file was saved in its place", 64 << 10},
		{"moved away", func(t *testing.T, path string, _ os.FileInfo) {
			if err := os.Rename(path, path+".old"); err != nil {
				t.Fatal(err)
			}
		}, "it was moved or deleted", 64 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "in.csv", []byte(text))
			opened, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			f := open(t, path, Options{})
			scan, err := f.Reopen() // the pre-scan
			if err != nil {
				t.Fatal(err)
			}
			if got, err := readUntil(scan); err != nil || !slices.Equal(got, all) {
				t.Fatalf("pre-scan: %d rows, %v", len(got), err)
			}
			tt.change(t, path, opened)

			got, err := readUntil(f.Records)
			changedError(t, err, tt.want)
			// Every row handed on is a row of the file as opened, in
			// order, and the reading got as far as its blocks allow.
			if !slices.Equal(got, all[:len(got)]) {
				t.Fatalf("rows read differ from the file's")
			}
			before := strings.Count(text[:tt.upTo], "\n") - 1
			if len(got) < before-1 || len(got) > before {
				t.Errorf("%d rows read, want the %d before offset %d", len(got), before, tt.upTo)
			}
			// The reading stays stopped.
			if _, _, again := f.Records.Next(); !errors.Is(again, importer.ErrInputChanged) {
				t.Errorf("next read after the change: %v", again)
			}
		})
	}
}

// TestChangeBeforeThePreScan: the open read the start of the file; a file
// changed before the pre-scan reads it again fails that reading, so a run
// stops before it sends anything.
func TestChangeBeforeThePreScan(t *testing.T) {
	smallBlocks(t, 64)
	text := "externalId,groupName,maxGroupSize\nP-1,One,10\nP-2,Two,20\nP-3,Three,30\n"
	path := writeFile(t, "in.csv", []byte(text))
	opened, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	f := open(t, path, Options{})
	edited := strings.Replace(text, "P-2,Two", "P-9,Owt", 1) // same size
	if err := os.WriteFile(path, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, opened.ModTime(), opened.ModTime()); err != nil {
		t.Fatal(err)
	}
	scan, err := f.Reopen()
	if err == nil {
		_, err = readUntil(scan)
	}
	changedError(t, err, "bytes 0 to 63 are not what an earlier reading found there")
}

// TestUnfinishedLastLineIsNotReadOnceTheFileGrows: a file that ends in a
// line without a newline is still being written when it grows after the
// pre-scan. That line is never handed on (its cells are not all there),
// nor anything after it, whatever the encoding.
func TestUnfinishedLastLineIsNotReadOnceTheFileGrows(t *testing.T) {
	const text, more = "externalId,groupName,maxGroupSize\nQ-1,Café,10\nQ-999,Last,1", "50\nQ-1000,After,7\n"
	tests := []struct {
		name string
		enc  func(string) []byte
	}{
		{"utf-8", func(s string) []byte { return []byte(s) }},
		{"utf-16le", func(s string) []byte { return utf16(s, false, false) }},
		{"windows-1252", func(s string) []byte { return cp1252(t, s) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "in.csv", tt.enc(text))
			opts := Options{}
			if tt.name == "utf-16le" {
				opts.Encoding = "utf-16le"
			}
			f := open(t, path, opts)
			scan, err := f.Reopen()
			if err != nil {
				t.Fatal(err)
			}
			if got, err := readUntil(scan); err != nil || len(got) != 2 {
				t.Fatalf("pre-scan: %q, %v", got, err)
			}
			w, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write(tt.enc(more)); err != nil {
				t.Fatal(err)
			}
			w.Close()
			got, err := readUntil(f.Records)
			if !slices.Equal(got, []string{"2: Q-1|Café|10"}) {
				t.Errorf("rows read: %q, want Q-1 alone", got)
			}
			start := len(tt.enc(text))
			changedError(t, err, fmt.Sprintf("it grew from %d to %d bytes", start, start+len(tt.enc(more))))
		})
	}
}

// TestUnchangedFileReadsToItsEnd: a file that holds still reads to the
// end at every reading, its last line without a newline included.
func TestUnchangedFileReadsToItsEnd(t *testing.T) {
	smallBlocks(t, 16)
	path := writeFile(t, "in.csv", []byte("externalId,groupName,maxGroupSize\nA-1,One,10\nA-2,Two,20\nA-3,Three,3"))
	f := open(t, path, Options{})
	want := []string{"2: A-1|One|10", "3: A-2|Two|20", "4: A-3|Three|3"}
	for i := range 3 {
		recs, err := f.Reopen()
		if err != nil {
			t.Fatal(err)
		}
		if got, err := readUntil(recs); err != nil || !slices.Equal(got, want) {
			t.Fatalf("reading %d: %q, %v", i+2, got, err)
		}
	}
	if got, err := readUntil(f.Records); err != nil || !slices.Equal(got, want) {
		t.Fatalf("first reading: %q, %v", got, err)
	}
}

// TestWorkbookIsReadWholeAtOpen: a workbook is read into memory when it is
// opened, so a change to the file afterwards changes nothing: every
// reading gives the rows as they were, and none fails.
func TestWorkbookIsReadWholeAtOpen(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(samplesDir, "fleets.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	path := writeFile(t, "fleets.xlsx", data)
	f := open(t, path, Options{})
	if err := os.WriteFile(path, []byte("externalId,maxGroupSize\nX,1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	scan, err := f.Reopen()
	if err != nil {
		t.Fatal(err)
	}
	first, err := readUntil(scan)
	if err != nil || len(first) < 10 {
		t.Fatalf("reading again: %d rows, %v", len(first), err)
	}
	if got, err := readUntil(f.Records); err != nil || !slices.Equal(got, first) {
		t.Fatalf("first reading: %d rows, %v", len(got), err)
	}
	if err := f.Records.(importer.Verifier).Unchanged(); err != nil {
		t.Errorf("Unchanged: %v", err)
	}
}

// TestRecordsSayWhetherTheFileChanged: the Records of a CSV file check,
// when asked after the run, that the file is still what was read.
func TestRecordsSayWhetherTheFileChanged(t *testing.T) {
	path := writeFile(t, "in.csv", []byte("externalId,maxGroupSize\nA-1,1\n"))
	f := open(t, path, Options{})
	v, ok := f.Records.(importer.Verifier)
	if !ok {
		t.Fatal("the Records of a file cannot say whether it changed")
	}
	if got, err := readUntil(f.Records); err != nil || len(got) != 1 {
		t.Fatalf("reading: %q, %v", got, err)
	}
	if err := v.Unchanged(); err != nil {
		t.Fatalf("Unchanged before any change: %v", err)
	}
	if err := os.WriteFile(path, []byte("externalId,maxGroupSize\nA-1,1\nA-2,2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	changedError(t, v.Unchanged(), "it grew from 30 to 36 bytes")
}
