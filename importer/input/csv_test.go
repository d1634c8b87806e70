package input

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
)

func TestOpenCSVEncodings(t *testing.T) {
	const text = "externalId\tgroupName\tmaxGroupSize\r\nF-1\tCafé Müller\t30\r\nF-2\t\"Straße\tund Söhne\"\t40\r\nF-3\t日本の車両\t50\r\n"
	want := []string{"2: F-1|Café Müller|30", "3: F-2|Straße\tund Söhne|40", "4: F-3|日本の車両|50"}
	tests := []struct {
		name string
		data []byte
		opts Options
		enc  string
	}{
		{"utf-8", []byte(text), Options{}, UTF8},
		{"utf-8 with bom", append([]byte("\xef\xbb\xbf"), text...), Options{}, UTF8},
		{"utf-16le with bom (Excel Unicode text)", utf16(text, false, true), Options{}, UTF16LE},
		{"utf-16be with bom", utf16(text, true, true), Options{}, UTF16BE},
		{"utf-16le without bom", utf16(text, false, false), Options{}, UTF16LE},
		{"utf-16be without bom", utf16(text, true, false), Options{}, UTF16BE},
		{"utf-16 forced follows the bom", utf16(text, true, true), Options{Encoding: "UTF-16"}, UTF16BE},
		{"utf-16le forced without bom", utf16(text, false, false), Options{Encoding: "unicode"}, UTF16LE},
		{"utf-8 forced strips the bom", append([]byte("\xef\xbb\xbf"), text...), Options{Encoding: "utf8"}, UTF8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := open(t, writeFile(t, "fleets.txt", tt.data), tt.opts)
			if f.Format != CSV || f.Encoding != tt.enc || f.Delimiter != '\t' || f.HeaderRow != 1 {
				t.Errorf("format %q, encoding %q, delimiter %q, header row %d; want csv, %q, tab, 1", f.Format, f.Encoding, f.Delimiter, f.HeaderRow, tt.enc)
			}
			if got := names(f.Columns); got != "id=0 name=1 size=2 limit=-1 ext=[] unknown=[]" {
				t.Errorf("columns %s", got)
			}
			if f.Columns.Names[0] != "externalId" {
				t.Errorf("first header cell %q: the byte-order mark was not removed", f.Columns.Names[0])
			}
			equal(t, rows(t, f.Records), want)
			if f.Size != int64(len(tt.data)) {
				t.Errorf("Size %d, want %d", f.Size, len(tt.data))
			}
			// Offset estimates file bytes, whatever the encoding: at the
			// end it is close to the size.
			if off := f.Records.Offset(); off < f.Size*8/10 || off > f.Size*12/10 {
				t.Errorf("Offset at the end %d, size %d", off, f.Size)
			}
		})
	}
}

func TestOpenWindows1252Semicolon(t *testing.T) {
	// As Excel on Windows in a European locale writes "CSV (semicolon
	// delimited)": Windows-1252, ';', CRLF, the decimal comma.
	data := cp1252(t, "externalId;groupName;maxGroupSize;ext.tier\r\n"+
		"FLT-1;Société Générale Transports;120;or\r\n"+
		"FLT-2;Müller & Söhne;\"30.000\";silber\r\n"+
		"FLT-3;Prix 5 €, TTC;1,5;\r\n"+
		"FLT-4;Œuvre – «Fahrzeuge»;40;\r\n")
	f := open(t, writeFile(t, "fleets.csv", data), Options{})
	if f.Encoding != Windows1252 || f.Delimiter != ';' {
		t.Fatalf("encoding %q, delimiter %q; want windows-1252, ';'", f.Encoding, f.Delimiter)
	}
	equal(t, rows(t, f.Records), []string{
		"2: FLT-1|Société Générale Transports|120|or",
		"3: FLT-2|Müller & Söhne|30.000|silber",
		"4: FLT-3|Prix 5 €, TTC|1,5|",
		"5: FLT-4|Œuvre – «Fahrzeuge»|40|",
	})
}

func TestOpenForcedEncoding(t *testing.T) {
	latin := cp1252(t, "externalId,groupName,maxGroupSize\nF-1,Crème brûlée,5\n")
	t.Run("latin1 reads as windows-1252", func(t *testing.T) {
		f := open(t, writeFile(t, "f.csv", latin), Options{Encoding: "latin1"})
		if f.Encoding != Windows1252 {
			t.Errorf("encoding %q", f.Encoding)
		}
		equal(t, rows(t, f.Records), []string{"2: F-1|Crème brûlée|5"})
	})
	t.Run("utf-8 forced on windows-1252 leaves the bytes for the validator", func(t *testing.T) {
		f := open(t, writeFile(t, "f.csv", latin), Options{Encoding: "utf-8"})
		equal(t, rows(t, f.Records), []string{"2: F-1|Cr\xe8me br\xfbl\xe9e|5"})
	})
	t.Run("windows-1252 forced on utf-8", func(t *testing.T) {
		f := open(t, writeFile(t, "f.csv", []byte("externalId,groupName,maxGroupSize\nF-1,Café,5\n")), Options{Encoding: "cp1252"})
		equal(t, rows(t, f.Records), []string{"2: F-1|CafÃ©|5"})
	})
	t.Run("header not utf-8", func(t *testing.T) {
		msg := openErr(t, "f.csv", cp1252(t, "externalId,maxGroupSize,Größe\nF,1,2\n"), Options{Encoding: "utf-8"})
		if !strings.Contains(msg, "row 1: the header is not valid UTF-8 text") || !strings.Contains(msg, "--encoding windows-1252") {
			t.Error(msg)
		}
	})
	t.Run("unknown encoding", func(t *testing.T) {
		msg := openErr(t, "f.csv", latin, Options{Encoding: "shift_jis"})
		if !strings.Contains(msg, `encoding "shift_jis" is not supported; use utf-8, utf-16le, utf-16be or windows-1252`) {
			t.Error(msg)
		}
	})
}

func TestOpenLateAccent(t *testing.T) {
	// The first 64 KiB are ASCII; the first accented name is far below.
	var b bytes.Buffer
	b.WriteString("externalId,groupName,maxGroupSize\r\n")
	n := 1
	for ; b.Len() < 100<<10; n++ {
		b.WriteString("FLT-" + strings.Repeat("x", 20) + ",Plain Name,10\r\n")
	}
	b.Write(cp1252(t, "FLT-LAST,Déménagements Dupré,10\r\n"))
	data := b.Bytes()
	t.Run("file", func(t *testing.T) {
		f := open(t, writeFile(t, "f.csv", data), Options{})
		if f.Encoding != Windows1252 {
			t.Fatalf("encoding %q, want windows-1252", f.Encoding)
		}
		got := rows(t, f.Records)
		if last := got[len(got)-1]; last != strconv.Itoa(n+1)+": FLT-LAST|Déménagements Dupré|10" {
			t.Errorf("last row %q", last)
		}
	})
	t.Run("stdin cannot look ahead", func(t *testing.T) {
		f, err := Open("-", bytes.NewReader(data), Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if f.Encoding != UTF8 || f.Size != -1 {
			t.Errorf("encoding %q, size %d; want utf-8 (the rows become invalid), -1", f.Encoding, f.Size)
		}
	})
}
