package input

import (
	"archive/zip"
	"bytes"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// zipOf builds a zip archive holding the named files.
func zipOf(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for name, body := range files {
		fw, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write([]byte(body))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestOpenRefusesWhatIsNotText(t *testing.T) {
	random := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	gbk := []byte("externalId,groupName,maxGroupSize\n")
	for range 40 {
		gbk = append(gbk, "F,\xb1\xb1\xbe\xa9\xb3\xb5\xb6\xd3,1\n"...) // 北京车队 in GBK
	}
	// 公司车队 in GBK: its third and fourth bytes happen to be valid UTF-8.
	gbkUTF8 := []byte("externalId,groupName,maxGroupSize\n")
	for range 40 {
		gbkUTF8 = append(gbkUTF8, "F,\xb9\xab\xcb\xbe\xb3\xb5\xb6\xd3,1\n"...)
	}
	tests := []struct {
		name string
		file string
		data []byte
		opts Options
		want string
	}{
		{"random bytes", "fleets.csv", random, Options{}, "does not look like a CSV text file: it holds NUL bytes, which text never does (line "},
		{"pdf", "fleets.csv", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"), Options{}, "is a PDF document, not a spreadsheet; export the sheet as CSV UTF-8 or Excel Workbook (.xlsx)"},
		{"xls", "fleets.xls", append([]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), make([]byte, 600)...), Options{}, "is an Excel 97-2003 workbook (.xls) or a password-protected workbook, which cannot be read; open it in Excel and save it as Excel Workbook (.xlsx) without a password"},
		{"zip that is not a workbook", "fleets.xlsx", zipOf(t, map[string]string{"fleets.csv": "externalId,maxGroupSize\n"}), Options{}, "is a zip archive, not an Excel workbook; open it in your spreadsheet and save the sheet as Excel Workbook (.xlsx) or CSV UTF-8"},
		{"ods", "fleets.ods", zipOf(t, map[string]string{"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"}), Options{}, "is an OpenDocument file (.ods, LibreOffice)"},
		{"docx", "fleets.docx", zipOf(t, map[string]string{"[Content_Types].xml": "<x/>", "word/document.xml": "<x/>"}), Options{}, "is a Word document"},
		{"damaged zip", "fleets.xlsx", []byte("PK\x03\x04 cut short"), Options{}, "is a damaged zip archive"},
		{"workbook read as csv", "fleets.csv", zipOf(t, map[string]string{"xl/workbook.xml": "<x/>"}), Options{Format: "csv"}, "is a zip archive (an Excel workbook?), not CSV text; leave out the csv format"},
		{"text said to be a workbook", "fleets.xlsx", []byte("externalId,maxGroupSize\n"), Options{Format: "xlsx"}, "is not an Excel workbook (.xlsx)"},
		{"html saved as xls", "fleets.xls", []byte("<html><body><table><tr><td>externalId</td></tr></table></body></html>"), Options{}, "is an HTML page (some systems save a table this way with an .xls name), not CSV"},
		{"gzip", "fleets.csv.gz", []byte("\x1f\x8b\x08\x00\x00\x00\x00\x00"), Options{}, "is a gzip archive, not a spreadsheet"},
		{"gbk", "fleets.csv", gbk, Options{}, "it is neither UTF-8 nor Windows-1252 text (line 2)"},
		{"gbk holding utf-8 by chance", "fleets.csv", gbkUTF8, Options{}, "it is neither UTF-8 nor Windows-1252 text (line 2)"},
		{"control characters", "fleets.csv", bytes.Repeat([]byte("a\x01\x02\x03,"), 20), Options{}, "it holds control characters that text does not"},
		{"binary forced as text", "fleets.csv", append([]byte("externalId,maxGroupSize\n"), random...), Options{Encoding: "windows-1252"}, "read as windows-1252 it holds NUL bytes"},
		{"utf-16 that is binary", "fleets.csv", append([]byte("\xff\xfe"), bytes.Repeat([]byte("\x01\x00"), 100)...), Options{}, "read as utf-16le it holds control characters"},
		{"utf-8 bom forced as windows-1252", "fleets.csv", []byte("\xef\xbb\xbfexternalId,maxGroupSize\n"), Options{Encoding: "windows-1252"}, "does not fit the encoding given: it starts with a utf-8 byte-order mark, so it is not windows-1252; leave out the encoding to read it as utf-8"},
		{"utf-16 bom forced as utf-8", "fleets.csv", utf16("externalId,maxGroupSize\n", false, true), Options{Encoding: "utf-8"}, "it starts with a utf-16le byte-order mark, so it is not utf-8"},
		{"sheet for a csv", "fleets.csv", []byte("externalId,maxGroupSize\n"), Options{Sheet: "Fleets"}, "a sheet applies only to Excel workbooks"},
		{"bad delimiter", "fleets.csv", []byte("externalId,maxGroupSize\n"), Options{Delimiter: '"'}, "cannot separate cells"},
		{"bad format", "fleets.csv", []byte("externalId,maxGroupSize\n"), Options{Format: "ods"}, `format "ods" is not supported`},
		{"bad header row", "fleets.csv", []byte("externalId,maxGroupSize\n"), Options{HeaderRow: -1}, "rows are numbered from 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := openErr(t, tt.file, tt.data, tt.opts)
			if !strings.Contains(msg, tt.want) {
				t.Errorf("error %q\nwant %q", msg, tt.want)
			}
		})
	}
}

func TestOpenFileErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := Open(filepath.Join(dir, "missing.csv"), nil, Options{})
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "missing.csv: cannot open it: ") {
		t.Errorf("missing file: %v", err)
	}
	_, err = Open(dir, nil, Options{})
	if err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory: %v", err)
	}
	_, err = Open("-", nil, Options{})
	if err == nil || !strings.Contains(err.Error(), "stdin: no standard input") {
		t.Errorf("no stdin: %v", err)
	}
}

func TestOpenStdin(t *testing.T) {
	in := "\xef\xbb\xbfTitle\n\nexternalId;maxGroupSize\nF-1;10\n"
	f, err := Open("-", strings.NewReader(in), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Size != -1 || f.Delimiter != ';' || f.HeaderRow != 3 {
		t.Errorf("size %d, delimiter %q, header row %d", f.Size, f.Delimiter, f.HeaderRow)
	}
	equal(t, rows(t, f.Records), []string{"4: F-1|10"})

	wb, err := os.ReadFile(writeWorkbook(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open("-", bytes.NewReader(wb), Options{})
	if err == nil || !strings.Contains(err.Error(), "stdin: is a zip archive (an Excel workbook?); a workbook cannot be read from standard input: pass its file name instead") {
		t.Errorf("workbook on stdin: %v", err)
	}
}
