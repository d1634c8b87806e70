package input

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
	"golang.org/x/text/encoding/charmap"
)

// writeFile writes data to a file named name in a temporary directory.
func writeFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// open opens path and closes it at the end of the test.
func open(t testing.TB, path string, opts Options) *File {
	t.Helper()
	f, err := Open(path, nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := f.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return f
}

// rows reads every data row as "ROW: cell|cell|..." or "ROW! error".
func rows(t testing.TB, recs importer.Records) []string {
	t.Helper()
	var out []string
	for {
		cells, row, err := recs.Next()
		var rowErr *importer.RowError
		switch {
		case err == io.EOF:
			return out
		case errors.As(err, &rowErr):
			out = append(out, strconv.Itoa(rowErr.Row)+"! "+rowErr.Err.Error())
			continue
		case err != nil:
			t.Fatal(err)
		}
		out = append(out, strconv.Itoa(row)+": "+strings.Join(cells, "|"))
	}
}

// equal compares row listings line by line.
func equal(t testing.TB, got, want []string) {
	t.Helper()
	for i := 0; i < max(len(got), len(want)); i++ {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Errorf("row listing %d:\n got %q\nwant %q", i, g, w)
		}
	}
}

// names lists where Columns put the known fields, for comparisons.
func names(c *importer.Columns) string {
	var ext []string
	for _, e := range c.Ext {
		ext = append(ext, strconv.Itoa(e.Index)+"="+e.Name)
	}
	return "id=" + strconv.Itoa(c.ExternalID) + " name=" + strconv.Itoa(c.GroupName) +
		" size=" + strconv.Itoa(c.MaxGroupSize) + " limit=" + strconv.Itoa(c.Limit) +
		" ext=[" + strings.Join(ext, " ") + "] unknown=[" + strings.Join(c.Unknown, " ") + "]"
}

// cp1252 encodes UTF-8 text as Windows-1252.
func cp1252(t testing.TB, s string) []byte {
	t.Helper()
	b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// utf16 encodes UTF-8 text as UTF-16, with a byte-order mark when bom.
func utf16(s string, bigEndian, bom bool) []byte {
	var out []byte
	put := func(u uint16) {
		if bigEndian {
			out = append(out, byte(u>>8), byte(u))
		} else {
			out = append(out, byte(u), byte(u>>8))
		}
	}
	if bom {
		put(0xfeff)
	}
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			put(uint16(0xd800 + r>>10))
			put(uint16(0xdc00 + r&0x3ff))
			continue
		}
		put(uint16(r))
	}
	return out
}

// openErr opens data and returns the error text, failing if it opens.
func openErr(t testing.TB, name string, data []byte, opts Options) string {
	t.Helper()
	path := writeFile(t, name, data)
	f, err := Open(path, nil, opts)
	if err == nil {
		f.Close()
		t.Fatalf("Open(%s) succeeded, want an error", name)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Errorf("error %T is not an *Error: %v", err, err)
	}
	if !strings.HasPrefix(err.Error(), path) && !strings.HasPrefix(err.Error(), "stdin") {
		t.Errorf("error does not name the file first: %v", err)
	}
	return err.Error()
}
