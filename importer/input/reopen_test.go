package input

import (
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
)

// TestReopen: reading a file again gives the same rows, numbered alike,
// in every format and encoding, without detecting anything again; and its
// Records say they can rewind.
func TestReopen(t *testing.T) {
	const text = "Fleet list\r\n\r\nexternalId;groupName;maxGroupSize\r\nF-1;Café Müller;30\r\nF-2;\"two\nlines\";40\r\n;;\r\nF-3;\"broken\"x;50\r\nF-4;日本;60\r\n"
	tests := []struct {
		name string
		path string
		opts Options
	}{
		{"utf-8 with a title", writeFile(t, "a.csv", []byte(text)), Options{}},
		{"utf-8 with a bom", writeFile(t, "b.csv", append([]byte("\xef\xbb\xbf"), text...)), Options{}},
		{"utf-16le", writeFile(t, "c.csv", utf16(text, false, true)), Options{}},
		{"header row given", writeFile(t, "d.csv", []byte(text)), Options{HeaderRow: 3}},
		{"workbook", filepath.Join(samplesDir, "fleets.xlsx"), Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := open(t, tt.path, tt.opts)
			if _, ok := f.Records.(importer.Rewinder); !ok {
				t.Fatal("the Records of a file cannot rewind")
			}
			again, err := f.Reopen()
			if err != nil {
				t.Fatal(err)
			}
			first := rows(t, f.Records)
			second := rows(t, again)
			if len(first) < 3 || !slices.Equal(first, second) {
				t.Fatalf("first reading:\n%s\nsecond:\n%s", strings.Join(first, "\n"), strings.Join(second, "\n"))
			}
			if c, ok := again.(io.Closer); ok {
				if err := c.Close(); err != nil {
					t.Error(err)
				}
			}
			// A third reading after the first two is the same again.
			third, err := f.Records.(importer.Rewinder).Rewind()
			if err != nil {
				t.Fatal(err)
			}
			if got := rows(t, third); !slices.Equal(first, got) {
				t.Fatalf("third reading:\n%s", strings.Join(got, "\n"))
			}
		})
	}
}

// TestReopenStdin: standard input is read once; it says so.
func TestReopenStdin(t *testing.T) {
	f, err := Open("-", strings.NewReader("externalId,maxGroupSize\na,1\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, ok := f.Records.(importer.Rewinder); ok {
		t.Error("the Records of standard input claim they can rewind")
	}
	if _, err := f.Reopen(); err != ErrNotReopenable {
		t.Errorf("Reopen: %v, want ErrNotReopenable", err)
	}
}

// TestReopenFailedOut: a --failed-out file has its formula quotes taken
// off in every reading.
func TestReopenFailedOut(t *testing.T) {
	path := writeFile(t, "failed.csv", []byte("externalId,maxGroupSize,"+importer.ErrorColumn+"\n'=1,5,invalid\n"))
	f := open(t, path, Options{})
	again, err := f.Reopen()
	if err != nil {
		t.Fatal(err)
	}
	for _, recs := range []importer.Records{f.Records, again} {
		if got := rows(t, recs); len(got) != 1 || got[0] != "2: =1|5|invalid" {
			t.Errorf("rows %q", got)
		}
	}
}
