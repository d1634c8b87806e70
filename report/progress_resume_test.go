package report

import (
	"strings"
	"testing"
	"time"

	"github.com/capillary-tools/groupimport/importer"
)

// TestProgressETAAfterResume: rows a resumed run keeps go by at once; the
// rate and the ETA count only the rows sent.
func TestProgressETAAfterResume(t *testing.T) {
	tests := []struct {
		name         string
		kept, sent   int
		toSend       int64
		every        time.Duration // between sent rows
		wantRate     string
		wantETA      string
		bytesOnlyToo bool
	}{
		// 29,027 rows kept, 973 left at 10/s: about 97s, not 1.5s.
		{name: "973 left at 10/s", kept: 29_027, sent: 100, toSend: 973, every: 100 * time.Millisecond, wantRate: "10.0/s", wantETA: "1m27s"},
		// Half of 30,000 kept, the other half at 100/min: hours.
		{name: "15,000 left at 100/min", kept: 15_000, sent: 100, toSend: 15_000, every: 600 * time.Millisecond, wantRate: "100.0/min", wantETA: "2h29m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, known := range []bool{true, false} {
				clock := &fakeClock{now: clockStart}
				total := int64(30_000 * 100) // 100 bytes a row
				opts := ProgressOptions{Interval: time.Hour, Now: clock.Now}
				if known {
					opts.ToSend = tt.toSend
				}
				p := NewProgress(&lockedBuffer{}, total, opts)
				// Kept rows first, as a resume that crashed late finds them.
				off := int64(0)
				for range tt.kept {
					off += 100
					p.Observe(importer.Result{Status: importer.Created, Offset: off, Kept: true, Attempts: 1})
				}
				for range tt.sent {
					clock.Advance(tt.every)
					off += 100
					p.Observe(importer.Result{Status: importer.Created, Offset: off, Attempts: 1})
				}
				status := p.Status()
				p.Finish()
				if !strings.Contains(status, " rate="+tt.wantRate+" ") {
					t.Errorf("known=%v: %s: rate is not %s", known, status, tt.wantRate)
				}
				if known && !strings.HasSuffix(status, " eta="+tt.wantETA) {
					t.Errorf("rows to send known: %s: want eta=%s", status, tt.wantETA)
				}
				if !known {
					// From bytes: the kept rows' bytes are left out of
					// the pace, so the ETA is as long as the rows left,
					// not 30 times shorter.
					eta, _ := p.snapshot().eta()
					rowsLeft := 30_000 - tt.kept - tt.sent
					want := time.Duration(rowsLeft) * tt.every
					if eta < want*9/10 || eta > want*11/10 {
						t.Errorf("from bytes: eta %v, want about %v", eta, want)
					}
				}
			}
		})
	}
}

// TestProgressShowsRetriesThrottlesAndPace: while 429s and 5xx slow the
// run, the status line and the bar say so.
func TestProgressShowsRetriesThrottlesAndPace(t *testing.T) {
	clock := &fakeClock{now: clockStart}
	traffic := new(importer.Traffic)
	pace := 100.0 / 60
	p := NewProgress(&lockedBuffer{}, 1000, ProgressOptions{Interval: time.Hour, Now: clock.Now, Traffic: traffic, Pace: func() float64 { return pace }})
	defer p.Finish()
	clock.Advance(time.Minute)
	p.Observe(importer.Result{Status: importer.Created, Offset: 10, Attempts: 1})
	if s := p.Status(); !strings.Contains(s, " retries=0 throttled=0 pace=100.0/min ") {
		t.Errorf("a calm run: %s", s)
	}
	if bar := p.BarLine(200); strings.Contains(bar, "pace") || strings.Contains(bar, "retries") {
		t.Errorf("a calm run's bar shows what has not happened: %q", bar)
	}
	traffic.Throttled.Add(3)
	traffic.Failed.Add(2)
	pace = 1.4                                                                   // 84/min
	p.Observe(importer.Result{Status: importer.Failed, Offset: 20, Attempts: 2}) // one failure was its last
	s := p.Status()
	if !strings.Contains(s, " retries=4 throttled=3 pace=84.0/min ") {
		t.Errorf("status %s: want retries=4 throttled=3 pace=84.0/min", s)
	}
	bar := p.BarLine(200)
	for _, want := range []string{"retries 4", "429s 3", "pace 84.0/min"} {
		if !strings.Contains(bar, want) {
			t.Errorf("bar %q lacks %q", bar, want)
		}
	}
	if j := string(p.StatusJSON()); !strings.Contains(j, `"retries":4,"throttled":3,"pacePerSecond":1.4`) {
		t.Errorf("JSON status %s", j)
	}
}

// TestProgressShowsAPause: while a 429 holds every request, the display
// says so instead of a pace nothing is sent at.
func TestProgressShowsAPause(t *testing.T) {
	traffic := new(importer.Traffic)
	traffic.Throttled.Add(1)
	held := 2500 * time.Millisecond
	p := NewProgress(&lockedBuffer{}, 1000, ProgressOptions{Interval: time.Hour, Traffic: traffic,
		Pace: func() float64 { return 5 }, Held: func() time.Duration { return held }})
	defer p.Finish()
	if bar := p.BarLine(80); !strings.Contains(bar, "held 2.5s by 429") || strings.Contains(bar, "pace") {
		t.Errorf("bar during a pause: %q", bar)
	}
	if s := p.Status(); !strings.Contains(s, " held=2.5s") {
		t.Errorf("status during a pause: %s", s)
	}
	held = 0
	if bar := p.BarLine(80); strings.Contains(bar, "held") || !strings.Contains(bar, "pace 300.0/min") {
		t.Errorf("bar after the pause: %q", bar)
	}
}

// TestBarShowsAPauseOn80Columns: on 80 columns, while a 429 holds the
// run, the counts that explain it stay on the line rather than the bar,
// "failed 0" giving way first.
func TestBarShowsAPauseOn80Columns(t *testing.T) {
	clock := &fakeClock{now: clockStart}
	traffic := new(importer.Traffic)
	traffic.Throttled.Add(2)
	p := NewProgress(&lockedBuffer{}, 6000, ProgressOptions{Interval: time.Hour, Now: clock.Now, Traffic: traffic,
		Pace: func() float64 { return 30 }, Held: func() time.Duration { return 528 * time.Millisecond }})
	defer p.Finish()
	observe(p, 2520, map[importer.Status]int{importer.Created: 24})
	clock.Advance(3 * time.Second)
	want := "  42%   created 24 · retries 2 · 429s 2 · held 528ms by 429 · eta 4.1s "
	if got := p.BarLine(80); got != want {
		t.Errorf("on 80 columns\n got %q\nwant %q", got, want)
	}
	if got := p.BarLine(200); !strings.Contains(got, "] ") || !strings.Contains(got, "failed 0 · 24 rows") {
		t.Errorf("on 200 columns: %q", got)
	}
}
