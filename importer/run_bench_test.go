package importer_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
	"github.com/capillary-tools/groupimport/importer/input"
)

func runBenchCSV(n, iter int) []byte {
	var b bytes.Buffer
	b.WriteString("externalId,groupName,maxGroupSize\n")
	for i := range n {
		fmt.Fprintf(&b, "r%d-%07d,Fleet %d,%d\n", iter, i, i, 100+i%900)
	}
	return b.Bytes()
}

// BenchmarkRun is the whole pipeline (read, validate, 32 workers, retry
// policy, ordering) against the in-process sandbox over loopback, with a
// sink that keeps nothing. One op is one row.
func BenchmarkRun(b *testing.B) {
	for _, dry := range []bool{false, true} {
		name := "import"
		if dry {
			name = "dry-run"
		}
		b.Run(name, func(b *testing.B) {
			srv := sandbox.NewServer(sandbox.Config{})
			defer srv.Close()
			client, err := capillary.New(srv.URL, capillary.NewBasic(sandbox.DefaultTill, sandbox.DefaultTillPassword), capillary.NewHTTPClient(32))
			if err != nil {
				b.Fatal(err)
			}
			data := runBenchCSV(b.N, 0)
			recs := input.NewCSVRecords(bytes.NewReader(data), 0)
			header, row, _ := recs.Next()
			cols, err := importer.ParseHeader(append([]string(nil), header...), row, nil)
			if err != nil {
				b.Fatal(err)
			}
			cfg := importer.Config{
				Validator: &importer.Validator{Cols: cols, MaxGroupSize: importer.DefaultMaxGroupSize},
				API:       client,
				DryRun:    dry,
				Workers:   32,
				Pacer:     importer.NewLimiter(rate.Inf, 1),
				Policy:    importer.DefaultPolicy(),
				Timeout:   30 * time.Second,
				Sink:      func(importer.Result) error { return nil },
			}
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			sum, err := importer.Run(context.Background(), recs, cfg)
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "rows/s")
			if err != nil || !sum.OK() {
				b.Fatalf("err %v, counts %v", err, sum.Counts)
			}
		})
	}
}
