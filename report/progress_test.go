package report

import (
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/capillary-tools/groupimport/importer"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var clockStart = time.Date(2026, 11, 25, 23, 30, 0, 0, time.FixedZone("CET", 3600))

// observe feeds p rows of the given statuses, the last ending at offset;
// rows of a status that takes a request took one.
func observe(p *Progress, offset int64, statuses map[importer.Status]int) {
	for st, n := range statuses {
		attempts := 1
		switch st {
		case importer.Invalid, importer.Duplicate, importer.Valid, importer.ValidWithWarnings, importer.Skipped:
			attempts = 0
		}
		for range n {
			p.Observe(importer.Result{Status: st, Offset: offset, Attempts: attempts})
		}
	}
}

func TestProgressStatus(t *testing.T) {
	tests := []struct {
		name     string
		total    int64
		dryRun   bool
		offset   int64
		statuses map[importer.Status]int
		elapsed  time.Duration
		want     string
	}{
		{
			name:  "start",
			total: 1000,
			want:  "2026-11-25T22:30:00Z progress: rows=0 created=0 conflict=0 failed=0 rate=0.0/min done=0.0%",
		},
		{
			name:     "slow API",
			total:    4_000_000,
			offset:   1_000_000,
			statuses: map[importer.Status]int{importer.Created: 1100, importer.Conflict: 3, importer.Invalid: 97},
			elapsed:  12 * time.Minute,
			want:     "2026-11-25T22:42:00Z progress: rows=1200 created=1100 conflict=3 failed=0 invalid=97 rate=91.9/min done=25.0% eta=36m",
		},
		{
			name:     "hours left",
			total:    10_000_000,
			offset:   100_000,
			statuses: map[importer.Status]int{importer.Created: 95, importer.CreatedWithWarnings: 4, importer.Failed: 1},
			elapsed:  time.Minute,
			want:     "2026-11-25T22:31:00Z progress: rows=100 created=95 created_with_warnings=4 conflict=0 failed=1 rate=100.0/min done=1.0% eta=1h39m",
		},
		{
			name:     "fast, unknown size",
			total:    -1,
			offset:   5_000_000,
			statuses: map[importer.Status]int{importer.Created: 20000},
			elapsed:  time.Second,
			want:     "2026-11-25T22:30:01Z progress: rows=20000 created=20000 conflict=0 failed=0 rate=20000.0/s",
		},
		{
			name:     "dry run",
			total:    2000,
			dryRun:   true,
			offset:   2000,
			statuses: map[importer.Status]int{importer.Valid: 30, importer.Duplicate: 2},
			elapsed:  2 * time.Second,
			want:     "2026-11-25T22:30:02Z progress: rows=32 valid=30 invalid=0 duplicate=2 rate=16.0/s done=100.0% eta=0s",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &fakeClock{now: clockStart}
			p := NewProgress(&lockedBuffer{}, tt.total, ProgressOptions{DryRun: tt.dryRun, Interval: time.Hour, Now: clock.Now})
			defer p.Finish()
			observe(p, tt.offset, tt.statuses)
			clock.Advance(tt.elapsed)
			if got := p.Status(); got != tt.want {
				t.Errorf("Status()\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestProgressDescribe(t *testing.T) {
	tests := []struct {
		name     string
		total    int64
		dryRun   bool
		statuses map[importer.Status]int
		want     string
	}{
		{
			name:     "counts",
			total:    10_000,
			statuses: map[importer.Status]int{importer.Created: 7, importer.CreatedWithWarnings: 3, importer.Rejected: 2},
			want:     "created 10 · conflict 0 · failed 0 · rejected 2 · 12 rows · 12.0/min · eta 16h39m",
		},
		{
			name:     "unknown size",
			total:    -1,
			statuses: map[importer.Status]int{importer.Created: 12},
			want:     "created 12 · conflict 0 · failed 0 · 12 rows · 12.0/min",
		},
		{
			name:     "dry run",
			total:    -1,
			dryRun:   true,
			statuses: map[importer.Status]int{importer.Valid: 11, importer.Invalid: 1},
			want:     "valid 11 · invalid 1 · 12 rows · 12.0/min",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &fakeClock{now: clockStart}
			p := NewProgress(&lockedBuffer{}, tt.total, ProgressOptions{DryRun: tt.dryRun, Interval: time.Hour, Now: clock.Now})
			defer p.Finish()
			observe(p, 10, tt.statuses)
			clock.Advance(time.Minute)
			if got := p.snapshot().describe(ProgressOptions{DryRun: tt.dryRun}); got != tt.want {
				t.Errorf("describe\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestProgressLines(t *testing.T) {
	var out lockedBuffer
	clock := &fakeClock{now: clockStart}
	p := NewProgress(&out, 100, ProgressOptions{Interval: time.Millisecond, Now: clock.Now})
	p.Observe(importer.Result{Status: importer.Created, Offset: 50})
	waitFor(t, func() bool { return strings.Contains(out.String(), "rows=1 ") })
	p.Finish()
	p.Finish()

	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	for _, l := range lines {
		if !strings.HasPrefix(l, "2026-11-25T22:30:00Z progress: rows=") {
			t.Errorf("unexpected line %q", l)
		}
	}
	if last := lines[len(lines)-1]; last != p.Status() {
		t.Errorf("last line %q, want the final status %q", last, p.Status())
	}
}

func TestProgressFinishPrintsFinalLine(t *testing.T) {
	var out lockedBuffer
	clock := &fakeClock{now: clockStart}
	p := NewProgress(&out, -1, ProgressOptions{Now: clock.Now})
	observe(p, 0, map[importer.Status]int{importer.Created: 2})
	clock.Advance(time.Minute)
	p.Finish()
	want := "2026-11-25T22:31:00Z progress: rows=2 created=2 conflict=0 failed=0 rate=2.0/min\n"
	if got := out.String(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestProgressBar(t *testing.T) {
	for _, total := range []int64{1000, -1} {
		var out lockedBuffer
		p := newProgress(&out, total, ProgressOptions{Bar: true}, time.Millisecond)
		observe(p, 400, map[importer.Status]int{importer.Created: 2, importer.Failed: 1})
		// On 80 columns conflict 0 may give way to the bar.
		waitFor(t, func() bool {
			s := out.String()
			return strings.Contains(s, "created 2 · ") && strings.Contains(s, "failed 1 · 3 rows")
		})
		if total > 0 {
			waitFor(t, func() bool { return strings.Contains(out.String(), "40%") })
		}
		p.Finish()
		// The bar is cleared for the summary: the output ends with a
		// carriage return and an erase to the end of the line.
		if got := out.String(); !strings.HasSuffix(got, "\r\x1b[K") {
			t.Errorf("total %d: bar not cleared, output ends %q", total, got[max(0, len(got)-20):])
		}
	}
}

func TestIsTerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if IsTerminal(f) || IsTerminal(nil) {
		t.Error("a regular file or nil counted as a terminal")
	}
}

func BenchmarkProgressObserve(b *testing.B) {
	p := NewProgress(io.Discard, 1<<30, ProgressOptions{Bar: true})
	defer p.Finish()
	r := importer.Result{Status: importer.Created}
	b.ReportAllocs()
	for b.Loop() {
		r.Offset += 100
		p.Observe(r)
	}
}
