package report

import (
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

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
			// 40% of a bar of 10 to 30 columns is filled.
			frame := regexp.MustCompile(`\r  40% \[#{4,12} {6,18}\]  created 2`)
			waitFor(t, func() bool { return frame.MatchString(out.String()) })
		}
		p.Finish()
		got := out.String()
		// progressbar draws the frames: each starts with a carriage
		// return and ends with ESC[0K.
		if !strings.HasPrefix(got, "\r") || !strings.Contains(got, " \x1b[0K") {
			t.Errorf("total %d: not progressbar's frames: %q", total, got[:min(len(got), 200)])
		}
		// The bar is cleared for the summary: the output ends with
		// ESC[2K and a carriage return.
		if !strings.HasSuffix(got, "\x1b[2K\r") {
			t.Errorf("total %d: bar not cleared, output ends %q", total, got[max(0, len(got)-20):])
		}
		checkFrames(t, got, 80)
	}
}

// TestBarLineFits lays the bar out for every width from 1 to 250 columns,
// in every mode, and checks the frame progressbar draws: never wider than
// width-1, exactly as wide as the layout planned (so the columns progressbar
// adds are counted right), with a bar whenever there is room for one.
func TestBarLineFits(t *testing.T) {
	traffic := new(importer.Traffic)
	traffic.Throttled.Add(12345)
	traffic.Failed.Add(678)
	widest := ProgressOptions{Traffic: traffic, Pace: func() float64 { return 1.4 }}
	for _, tt := range []struct {
		name   string
		total  int64
		offset int64
		opts   ProgressOptions
	}{
		{"known size, every status", 40_000_000, 20_000_000, widest},
		{"unknown size, every status", -1, 20_000_000, widest},
		{"nothing done", 1000, 0, ProgressOptions{}},
		{"all done", 1000, 1000, ProgressOptions{}},
		{"dry run", 1000, 300, ProgressOptions{DryRun: true}},
		{"diff", 1000, 300, ProgressOptions{Diff: true, Traffic: traffic}},
		{"held by a 429", 1000, 300, ProgressOptions{Traffic: traffic, Held: func() time.Duration { return 2500 * time.Millisecond }}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clock := &fakeClock{now: clockStart}
			tt.opts.Interval, tt.opts.Now = time.Hour, clock.Now
			p := NewProgress(&lockedBuffer{}, tt.total, tt.opts)
			defer p.Finish()
			for i, st := range importer.Statuses() {
				for range 100 * (i + 1) {
					p.Observe(importer.Result{Status: st, Offset: tt.offset, Attempts: 1})
				}
			}
			clock.Advance(time.Minute)
			s := p.snapshot()
			bars := 0
			for width := 1; width <= 250; width++ {
				line := p.BarLine(width)
				f, ok := s.layout(p.opts, width)
				w := runeLen(line)
				switch {
				case !ok:
					if line != "" || width >= 10 {
						t.Errorf("%d columns: no frame laid out, drawn %q", width, line)
					}
					continue
				case w > width-1:
					t.Errorf("%d columns: a %d-column frame %q", width, w, line)
				}
				planned := spinnerFrame + runeLen(f.desc)
				if tt.total > 0 {
					planned = percentFrame + runeLen(f.desc)
					if f.cols > 0 {
						planned = barFrame + f.cols + runeLen(f.desc)
					}
				}
				if w != planned {
					t.Errorf("%d columns: planned %d columns, progressbar drew %d: %q", width, planned, w, line)
				}
				if f.cols > 0 {
					bars++
					if m := drawnBar.FindStringSubmatch(line); m == nil || len(m[1]) != f.cols {
						t.Errorf("%d columns: no %d-column bar in %q", width, f.cols, line)
					}
				}
				if width == 250 && tt.total > 0 && f.cols != barMax {
					t.Errorf("250 columns: a %d-column bar in %q", f.cols, line)
				}
			}
			if tt.total > 0 && bars == 0 {
				t.Error("no width drew a bar")
			}
		})
	}
}

// drawnBar is the bar in a frame, inside its brackets.
var drawnBar = regexp.MustCompile(`^ +\d+% \[([# ]+)\]  `)

// TestBarFollowsTheWidth changes the width between redraws, wider and
// narrower, and checks every frame against the width it was drawn for.
func TestBarFollowsTheWidth(t *testing.T) {
	var out lockedBuffer
	var mu sync.Mutex
	width := 0
	setWidth := func(w int) {
		mu.Lock()
		defer mu.Unlock()
		width = w
	}
	// The widest text a run shows, which gives way as the window
	// narrows: from 200 to 170 columns items go while the bar stays.
	traffic := new(importer.Traffic)
	traffic.Throttled.Add(12345)
	traffic.Failed.Add(678)
	p := newProgress(&out, 1_000_000, ProgressOptions{Bar: true, Traffic: traffic, Pace: func() float64 { return 1.4 }, Width: func() int {
		mu.Lock()
		defer mu.Unlock()
		return width
	}}, time.Millisecond)
	defer p.Finish()
	widths := []int{200, 170, 50, 120, 30, 250, 80, 12}
	for i, w := range widths {
		for j, st := range importer.Statuses() {
			for range 100 * (j + 1) {
				p.Observe(importer.Result{Status: st, Offset: int64(i+1) * 100_000, Attempts: 1})
			}
		}
		// Hold the drawing while the width changes, and mark the output:
		// every frame after the mark is laid out for the new width.
		p.draw.Lock()
		setWidth(w)
		_, _ = io.WriteString(&out, resizeMark)
		p.draw.Unlock()
		waitFor(t, func() bool {
			s := out.String()
			return strings.Count(s[strings.LastIndex(s, resizeMark):], "\r") >= 5
		})
	}
	p.Finish()
	parts := strings.Split(out.String(), resizeMark)
	for i, w := range widths {
		if frames := checkFrames(t, parts[i+1], w); len(frames) < 3 {
			t.Errorf("%d columns: %d frames", w, len(frames))
		}
	}
}

// resizeMark separates the output drawn before and after a change of
// width in the tests.
const resizeMark = "\n<resized>\n"

// ansiEscape matches the escape codes a terminal does not show.
var ansiEscape = regexp.MustCompile("^\x1b\\[[0-9;?]*[A-Za-z]")

// checkFrames replays out on a terminal of the given width, following the
// cursor's column: a carriage return or a newline takes it back to 0,
// ESC[0K, ESC[K and ESC[2K erase without moving it, and every other
// character moves it one column on. No character may be written into
// the last column, where the terminal wraps, and no other escape (one that
// moves the cursor) may appear. It returns the text of each line drawn.
func checkFrames(t *testing.T, out string, width int) []string {
	t.Helper()
	var frames []string
	var line strings.Builder
	col, errs := 0, 0
	report := func(format string, args ...any) {
		if errs++; errs <= 5 {
			t.Errorf(format, args...)
		}
	}
	endLine := func() {
		if line.Len() > 0 {
			frames = append(frames, line.String())
		}
		line.Reset()
		col = 0
	}
	for i := 0; i < len(out); {
		switch c := out[i]; c {
		case '\r', '\n':
			endLine()
			i++
		case 0x1b:
			code := ansiEscape.FindString(out[i:])
			switch code {
			case "\x1b[0K", "\x1b[K", "\x1b[2K":
			default:
				report("%d columns: unexpected escape %q in %q", width, out[i:min(len(out), i+8)], out[max(0, i-40):min(len(out), i+8)])
			}
			i += max(len(code), 1)
		default:
			r, n := utf8.DecodeRuneInString(out[i:])
			line.WriteRune(r)
			if col++; col == width {
				report("%d columns: a line reaches the last column: %q", width, line.String())
			}
			i += n
		}
	}
	endLine()
	return frames
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
