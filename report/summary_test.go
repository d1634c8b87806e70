package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/capillary-tools/groupimport/importer"
)

var started = time.Date(2026, 11, 25, 21, 0, 0, 0, time.FixedZone("CET", 3600))

func TestPrintSummary(t *testing.T) {
	tests := []struct {
		name    string
		s       importer.Summary
		results string
		want    string
	}{
		{
			name: "finished",
			s: importer.Summary{
				Counts: map[importer.Status]int{
					importer.Created: 11000, importer.CreatedWithWarnings: 4, importer.Conflict: 3,
					importer.Failed: 0, importer.Invalid: 2,
				},
				Rows: 11009, Requests: 11012, Started: started,
				Elapsed: 1*time.Hour + 50*time.Minute + 12*time.Second + 300*time.Millisecond,
			},
			results: "out/results.csv",
			want: `Summary:
  created                11000
  created_with_warnings      4
  conflict                   3
  invalid                    2
  total rows             11009
  elapsed                1h50m
  requests               11012 at 99.9/min
  results                out/results.csv
`,
		},
		{
			name: "stopped dry run",
			s: importer.Summary{
				Counts:  map[importer.Status]int{importer.Valid: 40, importer.Skipped: 60},
				Rows:    100,
				Elapsed: 42*time.Second + 340*time.Millisecond,
				DryRun:  true,
				Stopped: "interrupted",
			},
			results: "results.csv",
			want: `Summary (dry run: nothing was created):
  valid           40
  skipped         60
  total rows     100
  elapsed        42.3s
  requests       0
  results        results.csv
  stopped early  interrupted
`,
		},
		{
			name: "slow API",
			s: importer.Summary{
				Counts:   map[importer.Status]int{importer.Created: 300},
				Rows:     300,
				Requests: 300,
				Elapsed:  3 * time.Minute,
			},
			want: `Summary:
  created     300
  total rows  300
  elapsed     3m
  requests    300 at 100.0/min
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			PrintSummary(&buf, tt.s, tt.results)
			if got := buf.String(); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestWriteSummaryJSON(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "summary.json")
	if err := os.WriteFile(path, []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := importer.Summary{
		Counts:   map[importer.Status]int{importer.Created: 98, importer.Failed: 2},
		Rows:     100,
		Requests: 110,
		Started:  started,
		Elapsed:  66*time.Second + 123456789,
		Stopped:  "authorization revoked",
	}
	if err := WriteSummaryJSON(path, s, "results.csv"); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "rows": 100,
  "counts": {
    "created": 98,
    "created_with_warnings": 0,
    "exists": 0,
    "updated": 0,
    "unchanged": 0,
    "valid": 0,
    "valid_with_warnings": 0,
    "conflict": 0,
    "rejected": 0,
    "failed": 2,
    "invalid": 0,
    "duplicate": 0,
    "skipped": 0
  },
  "problems": 0,
  "requests": 110,
  "retries": 0,
  "throttled": 0,
  "elapsedSeconds": 66.123,
  "requestsPerSecond": 1.664,
  "started": "2026-11-25T20:00:00Z",
  "finished": "2026-11-25T20:01:06Z",
  "dryRun": false,
  "stopped": "authorization revoked",
  "results": "results.csv",
  "ok": false,
  "resumed": false,
  "keptRows": 0
}
`
	if string(got) != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if !json.Valid(got) {
		t.Error("not valid JSON")
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm()&0o044 == 0 {
		t.Errorf("summary file mode: %v, %v", info.Mode(), err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 {
		t.Errorf("directory holds %v (%v), want only summary.json", entries, err)
	}
}

func TestWriteSummaryJSONUnwritable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "summary.json")
	if err := WriteSummaryJSON(path, importer.Summary{}, ""); err == nil {
		t.Error("no error for a directory that does not exist")
	}
}
