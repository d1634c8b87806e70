package input

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
)

// TestDryRunWorkbook runs the sample workbook through the importer's dry
// run: the stream ends cleanly, rows keep Excel's numbers and progress
// reaches the sheet's extent.
func TestDryRunWorkbook(t *testing.T) {
	f := open(t, filepath.Join(samplesDir, "fleets.xlsx"), Options{})
	var got []importer.Result
	_, err := importer.Run(context.Background(), f.Records, importer.Config{
		Validator: &importer.Validator{Cols: f.Columns, MaxGroupSize: importer.DefaultMaxGroupSize},
		DryRun:    true,
		Workers:   2,
		Sink:      func(r importer.Result) error { got = append(got, r); return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 38 {
		t.Fatalf("%d results, want 38", len(got))
	}
	byRow := map[int]importer.Result{}
	for _, r := range got {
		byRow[r.Row] = r
	}
	for row, want := range map[int]string{
		4:  "valid FLT-1001 ",
		35: `invalid FLT-1031 maxGroupSize: "twelve" is not a whole number`,
		39: "valid FLT-1033 ", // 15.0, stored as 15 formatted "0.0"
		38: "duplicate FLT-1005 externalId also on row 8; only that row is sent",
	} {
		r := byRow[row]
		if s := string(r.Status) + " " + r.ExternalID + " " + r.Message; s != want {
			t.Errorf("row %d: %q, want %q", row, s, want)
		}
	}
	if last := got[len(got)-1]; last.Offset != f.Size || last.Row != 41 {
		t.Errorf("last row %d at offset %d, size %s", last.Row, last.Offset, strconv.FormatInt(f.Size, 10))
	}
}
