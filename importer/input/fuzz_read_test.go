package input

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary"
)

// FuzzReadAndValidate feeds arbitrary bytes through the reader and the
// validator as a run does: it must never panic or hang, every row must come
// out once with a growing row number, and a row is either valid (with a
// group the API would accept) or has a reason.
func FuzzReadAndValidate(f *testing.F) {
	seeds, _ := filepath.Glob("../../samples/*.csv")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("externalId,maxGroupSize\n\"a\nb\",1\n\"unterminated,2\n"))
	f.Add([]byte("\ufeffExternal ID;Max Group Size\n\xff\xfe,3\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs := NewCSVRecords(strings.NewReader(string(data)), 0)
		header, hrow, err := recs.Next()
		if err != nil {
			return
		}
		cols, err := importer.ParseHeader(append([]string(nil), header...), hrow, nil)
		if err != nil {
			return
		}
		v := &importer.Validator{Cols: cols, MaxGroupSize: importer.DefaultMaxGroupSize}
		last := hrow
		var g capillary.Group
		for range len(data) + 2 {
			cells, row, err := recs.Next()
			if err == io.EOF {
				return
			}
			var re *importer.RowError
			if errors.As(err, &re) {
				row = re.Row
			} else if err != nil {
				t.Fatalf("reader error %v", err)
			}
			if row <= last {
				t.Fatalf("row %d after row %d", row, last)
			}
			last = row
			if cells == nil {
				continue
			}
			id, problems, _ := v.Validate(cells, &g)
			if len(problems) > 0 {
				continue
			}
			if id == "" || g.ExternalID != id || g.MaxGroupSize <= 0 || g.MaxGroupSize > importer.DefaultMaxGroupSize {
				t.Fatalf("accepted a group the API would refuse: %+v", g)
			}
		}
		t.Fatal("the reader did not reach the end")
	})
}
