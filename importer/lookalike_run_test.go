package importer_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
	"github.com/capillary-tools/groupimport/importer/input"
)

// TestLookAlikeIDsOverHTTP: a file read twice and the same rows on
// standard input give created rows that carry the look-alike warning
// beside the API's own, and refuse an id with an invisible character.
func TestLookAlikeIDsOverHTTP(t *testing.T) {
	csv := "externalId,groupName,maxGroupSize,ext.tier\n" +
		"FLEET-1,One,5,\n" + // row 2
		"fleet-1,One again,5,\n" + // row 3: looks like row 2
		"Café,Composed,5,\n" + // row 4
		"Cafe\u0301,Decomposed,5,gold\n" + // row 5: looks like row 4; the sandbox warns of the field
		"FLEET\u200b2,Hidden,5,\n" // row 6: invalid
	path := filepath.Join(t.TempDir(), "fleets.csv")
	if err := os.WriteFile(path, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{path, "-"} {
		t.Run(filepath.Base(name), func(t *testing.T) {
			h := newHarness(t, sandbox.Config{Fields: map[string]sandbox.FieldType{}})
			f, err := input.Open(name, strings.NewReader(csv), input.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, rewinds := f.Records.(importer.Rewinder); rewinds != (name != "-") {
				t.Fatalf("%s: rewinds %v", name, rewinds)
			}
			cfg := h.cfg
			cfg.Validator = &importer.Validator{Cols: f.Columns, MaxGroupSize: importer.DefaultMaxGroupSize}
			var mu sync.Mutex
			var res []importer.Result
			cfg.Sink = func(r importer.Result) error {
				mu.Lock()
				defer mu.Unlock()
				res = append(res, r)
				return nil
			}
			if _, err := importer.Run(context.Background(), f.Records, cfg); err != nil {
				t.Fatal(err)
			}
			if len(res) != 5 {
				t.Fatalf("%d results", len(res))
			}
			for _, r := range res[:4] {
				if r.Status != importer.Created && r.Status != importer.CreatedWithWarnings {
					t.Errorf("row %d: %s %s", r.Row, r.Status, r.Message)
				}
			}
			if w := res[0].Warnings; len(w) != 0 {
				t.Errorf("row 2: warnings %+v", w)
			}
			if w := res[1].Warnings; len(w) != 1 || !strings.Contains(w[0].Message, "differs from row 2's only in letter case or Unicode form") {
				t.Errorf("row 3: warnings %+v", w)
			}
			w := res[3].Warnings
			if res[3].Status != importer.CreatedWithWarnings || len(w) != 2 || w[0].Code != 91016 || !strings.Contains(w[1].Message, "differs from row 4's") {
				t.Errorf("row 5: %s, warnings %+v; want the API's 91016, then the look-alike", res[3].Status, w)
			}
			if r := res[4]; r.Status != importer.Invalid || !strings.Contains(r.Message, "zero-width space (U+200B) at character 6") {
				t.Errorf("row 6: %s %s", r.Status, r.Message)
			}
		})
	}
}
