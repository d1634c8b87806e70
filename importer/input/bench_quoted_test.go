package input

import (
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
)

// BenchmarkCSVRecordsQuoted is BenchmarkCSVRecords on a file that quotes
// every cell, as some exporters write: every row goes to encoding/csv.
func BenchmarkCSVRecordsQuoted(b *testing.B) {
	var data strings.Builder
	data.WriteString("\"externalId\",\"groupName\",\"maxGroupSize\"\n")
	const rows = 100_000
	for i := range rows {
		fmt.Fprintf(&data, "\"g%07d\",\"Fleet %d\",\"%d\"\n", i, i, 100+i%900)
	}
	for _, name := range []string{"CSVRecords", "encoding-csv"} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(data.Len()) / rows)
			b.ReportAllocs()
			var recs importer.Records
			for i := 0; b.Loop(); i++ {
				if i%(rows+1) == 0 {
					if name == "CSVRecords" {
						recs = NewCSVRecords(strings.NewReader(data.String()), ',')
					} else {
						cr := csv.NewReader(strings.NewReader(data.String()))
						cr.FieldsPerRecord, cr.ReuseRecord = -1, true
						recs = &refRecords{r: cr}
					}
				}
				if _, _, err := recs.Next(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
