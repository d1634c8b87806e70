package input

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
)

// A file mostly in UTF-8 with one cell in Windows-1252 (pasted in from
// another export) is read as UTF-8: the UTF-8 cells come out as they were
// typed, and the cell in the other encoding keeps its bytes, for the
// validator to mark its row invalid.
func TestOpenMixedEncodingReadsAsUTF8(t *testing.T) {
	tests := []struct {
		name string
		data string
		want []string
	}{
		{"utf-8 first", "externalId,groupName,maxGroupSize\nF-1,Café,1\nF-2,Caf\xe9,2\n",
			[]string{"2: F-1|Café|1", "3: F-2|Caf\xe9|2"}},
		{"windows-1252 first", "externalId,groupName,maxGroupSize\nF-1,Caf\xe9,1\nF-2,Café,2\n",
			[]string{"2: F-1|Caf\xe9|1", "3: F-2|Café|2"}},
		{"more windows-1252 than utf-8", "externalId,groupName,maxGroupSize\nF-1,Cr\xe8me br\xfbl\xe9e,1\nF-2,Café,2\nF-3,Ni\xf1o,3\n",
			[]string{"2: F-1|Cr\xe8me br\xfbl\xe9e|1", "3: F-2|Café|2", "4: F-3|Ni\xf1o|3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := open(t, writeFile(t, "fleets.csv", []byte(tt.data)), Options{})
			if f.Encoding != UTF8 {
				t.Fatalf("encoding %q, want utf-8", f.Encoding)
			}
			equal(t, rows(t, f.Records), tt.want)
		})
	}
	t.Run("windows-1252 forced still decodes every cell", func(t *testing.T) {
		f := open(t, writeFile(t, "fleets.csv", []byte(tests[0].data)), Options{Encoding: "windows-1252"})
		equal(t, rows(t, f.Records), []string{"2: F-1|CafÃ©|1", "3: F-2|Café|2"})
	})
	t.Run("a header in windows-1252 is refused", func(t *testing.T) {
		msg := openErr(t, "fleets.csv", []byte("externalId,groupName,maxGroupSize,Gr\xf6\xdfe\nF-1,Café,1,2\n"), Options{})
		if !strings.Contains(msg, "row 1: the header is not valid UTF-8 text") {
			t.Error(msg)
		}
	})
}

// Text with high bytes and no valid UTF-8 sequence is Windows-1252, as it
// always was.
func TestOpenWindows1252WithoutUTF8(t *testing.T) {
	f := open(t, writeFile(t, "fleets.csv", []byte("externalId,groupName,maxGroupSize\nF-1,Caf\xe9,1\nF-2,Plain,2\n")), Options{})
	if f.Encoding != Windows1252 {
		t.Fatalf("encoding %q, want windows-1252", f.Encoding)
	}
	equal(t, rows(t, f.Records), []string{"2: F-1|Café|1", "3: F-2|Plain|2"})
}

// Past an all-ASCII sample, the same mix is read as UTF-8 too, whichever
// encoding comes first.
func TestOpenLateMixedEncoding(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("externalId,groupName,maxGroupSize\n")
	n := 1
	for ; b.Len() < 100<<10; n++ {
		b.WriteString("FLT-" + strings.Repeat("x", 20) + ",Plain Name,10\n")
	}
	b.WriteString("FLT-A,Caf\xe9,10\nFLT-B,Café,10\n")
	f := open(t, writeFile(t, "f.csv", b.Bytes()), Options{})
	if f.Encoding != UTF8 {
		t.Fatalf("encoding %q, want utf-8", f.Encoding)
	}
	got := rows(t, f.Records)
	equal(t, got[len(got)-2:], []string{
		strconv.Itoa(n+1) + ": FLT-A|Caf\xe9|10",
		strconv.Itoa(n+2) + ": FLT-B|Café|10",
	})
}
