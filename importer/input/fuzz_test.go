package input

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
)

// FuzzOpenCSV feeds arbitrary bytes to Open, as standard input or as a
// file, with options picked from mode: it must return an error or rows,
// never panic or hang.
func FuzzOpenCSV(f *testing.F) {
	samples, _ := filepath.Glob(filepath.Join("..", "..", "samples", "*.csv"))
	for _, s := range samples {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, byte(0))
		f.Add(b, byte(1))
	}
	f.Add([]byte("Title\n\nexternalId;maxGroupSize\r\nF;1\r\n"), byte(0))
	f.Add(utf16("externalId\tmaxGroupSize\r\nF\t1\r\n", false, true), byte(1))
	f.Add(utf16("externalId\tmaxGroupSize\r\nF\t1\r\n", true, false), byte(2))
	f.Add([]byte("\xef\xbb\xbfexternalId,maxGroupSize\n\"a\nb\",1\n"), byte(3))
	f.Add([]byte("externalId,groupName,maxGroupSize\nF,Caf\xe9,1\n"), byte(4))
	f.Add([]byte("PK\x03\x04"), byte(1))
	f.Add([]byte("%PDF-1.4"), byte(0))

	encodings := []string{"", "utf-8", "utf-16le", "utf-16be", "utf-16", "windows-1252"}
	delims := []rune{0, ',', ';', '\t', '|', ':'}
	f.Fuzz(func(t *testing.T, data []byte, mode byte) {
		opts := Options{
			Encoding:  encodings[int(mode>>1)%len(encodings)],
			Delimiter: delims[int(mode>>4)%len(delims)],
			HeaderRow: int(mode>>6) * 2,
		}
		if mode&0x0e == 0x0e {
			opts.Map = map[string]string{"a": "externalid", "b": "maxgroupsize"}
		}
		var file *File
		var err error
		if mode&1 == 0 {
			file, err = Open("-", bytes.NewReader(data), opts)
		} else {
			path := filepath.Join(t.TempDir(), "in")
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			file, err = Open(path, nil, opts)
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not an *Error: %v", err, err)
			}
			return
		}
		defer file.Close()
		if file.Columns == nil || file.Columns.ExternalID < 0 || file.Columns.MaxGroupSize < 0 {
			t.Fatalf("opened without the required columns: %+v", file.Columns)
		}
		last := file.HeaderRow
		for n := 0; ; n++ {
			if n > len(data)+1 {
				t.Fatalf("more rows than bytes: %d", n)
			}
			_, row, err := file.Records.Next()
			var rowErr *importer.RowError
			switch {
			case err == io.EOF:
				return
			case errors.As(err, &rowErr):
				row = rowErr.Row
			case err != nil:
				return
			}
			if row <= last {
				t.Fatalf("row %d after row %d", row, last)
			}
			last = row
		}
	})
}
