package report

import (
	"encoding/json"
	"io"
	"maps"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/schollz/progressbar/v3"
)

// DefaultProgressInterval is how often line mode prints when
// ProgressOptions.Interval is zero.
const DefaultProgressInterval = 10 * time.Second

const (
	// barRefresh is how often the bar is redrawn. Rows arrive far faster
	// than a terminal can usefully show, so Observe only counts and the
	// redraw runs on its own clock.
	barRefresh = 250 * time.Millisecond
	// barThrottle keeps progressbar from drawing more often, whatever
	// calls it.
	barThrottle = 200 * time.Millisecond
)

// ProgressOptions configures a Progress.
type ProgressOptions struct {
	// Bar draws a live bar, for a terminal; otherwise a status line is
	// printed every Interval, for logs.
	Bar bool
	// Interval is the period of status lines; zero means
	// DefaultProgressInterval.
	Interval time.Duration
	// DryRun counts valid rows instead of created ones.
	DryRun bool
	// Diff counts a diff's statuses (same, differs, missing, ...).
	Diff bool
	// JSON prints status lines as JSON log records (see StatusJSON).
	JSON bool
	// Now is the clock for rates, ETAs and timestamps; nil means time.Now.
	Now func() time.Time
}

// Progress shows how far a run is: rows done, counts by status, the row
// rate and, when the input's size is known, the share done and an ETA. All
// of them are computed over the whole run, which keeps the ETA steady when
// the API makes the importer wait.
//
// Observe only updates counters; drawing happens on a goroutine of its
// own, at most a few times a second. Call Finish when the run ends.
type Progress struct {
	out   io.Writer
	total int64 // input bytes, or -1
	opts  ProgressOptions
	start time.Time
	bar   *progressbar.ProgressBar // nil in line mode

	mu     sync.Mutex
	rows   int64
	offset int64
	counts map[importer.Status]int64

	stop   chan struct{}
	done   chan struct{}
	finish sync.Once
}

// NewProgress starts showing progress on out, usually stderr. total is the
// input's size in bytes, or -1 when it is unknown (standard input); the
// share done and the ETA come from bytes, not rows, because the number of
// rows is known only at the end.
func NewProgress(out io.Writer, total int64, opts ProgressOptions) *Progress {
	return newProgress(out, total, opts, barRefresh)
}

// newProgress lets tests redraw the bar sooner than barRefresh.
func newProgress(out io.Writer, total int64, opts ProgressOptions, refresh time.Duration) *Progress {
	if opts.Interval <= 0 {
		opts.Interval = DefaultProgressInterval
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if total <= 0 {
		total = -1 // progressbar cannot show a share of an empty input
	}
	p := &Progress{
		out:    out,
		total:  total,
		opts:   opts,
		start:  opts.Now(),
		counts: make(map[importer.Status]int64, len(importer.Statuses)),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	// Every key exists up front so that Observe never grows the map.
	for _, st := range importer.Statuses {
		p.counts[st] = 0
	}
	every := opts.Interval
	if opts.Bar {
		p.bar = newBar(out, total)
		every = refresh
	}
	go p.loop(every)
	return p
}

func newBar(out io.Writer, total int64) *progressbar.ProgressBar {
	return progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(out),
		progressbar.OptionThrottle(barThrottle),
		progressbar.OptionClearOnFinish(),
		// Its own ETA follows a few seconds of throughput and drops to
		// 0s whenever the API makes the run wait; the description
		// carries one over the whole run instead.
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionShowDescriptionAtLineEnd(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionSpinnerType(14),
		// Its spinner goroutine reads state without its lock; the
		// spinner turns on every redraw of ours instead.
		progressbar.OptionSetSpinnerChangeInterval(0),
	)
}

// Observe counts one finished row. Rows come in input order, so the row's
// Offset is how much of the input is done.
func (p *Progress) Observe(r importer.Result) {
	p.mu.Lock()
	p.rows++
	p.counts[r.Status]++
	if r.Offset > p.offset {
		p.offset = r.Offset
	}
	p.mu.Unlock()
}

// Finish stops the display: the bar is cleared, to leave the terminal to
// the summary, and line mode prints a last line. Later calls do nothing.
func (p *Progress) Finish() {
	p.finish.Do(func() {
		close(p.stop)
		<-p.done
		if p.bar != nil {
			_ = p.bar.Finish()
			return
		}
		p.printLine()
	})
}

func (p *Progress) loop(every time.Duration) {
	defer close(p.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			if p.bar != nil {
				p.refresh()
			} else {
				p.printLine()
			}
		}
	}
}

func (p *Progress) refresh() {
	s := p.snapshot()
	p.bar.Describe(s.describe(p.opts))
	value := s.offset
	if p.total > 0 {
		// Reaching max makes progressbar finish and clear the bar while
		// the last rows may still be on their way.
		value = min(value, p.total-1)
	}
	_ = p.bar.Set64(value)
}

func (p *Progress) printLine() {
	// Progress is best effort: a broken stderr must not stop the run.
	if p.opts.JSON {
		_, _ = p.out.Write(p.StatusJSON())
		return
	}
	_, _ = io.WriteString(p.out, p.Status()+"\n")
}

// StatusJSON renders a status line as one JSON log record: time, level,
// msg "progress", rows, counts (every status seen), ratePerSecond and, when
// the input's size is known, donePercent and etaSeconds.
func (p *Progress) StatusJSON() []byte {
	s := p.snapshot()
	doc := struct {
		Time          string           `json:"time"`
		Level         string           `json:"level"`
		Msg           string           `json:"msg"`
		Rows          int64            `json:"rows"`
		Counts        map[string]int64 `json:"counts"`
		RatePerSecond float64          `json:"ratePerSecond"`
		DonePercent   *float64         `json:"donePercent,omitempty"`
		ETASeconds    *float64         `json:"etaSeconds,omitempty"`
	}{Time: s.now.UTC().Format(time.RFC3339Nano), Level: "INFO", Msg: "progress", Rows: s.rows, Counts: map[string]int64{}}
	for st, n := range s.counts {
		if n != 0 || alwaysShown(st, p.opts) {
			doc.Counts[string(st)] = n
		}
	}
	if s.elapsed > 0 {
		doc.RatePerSecond = math.Round(float64(s.rows)/s.elapsed.Seconds()*1000) / 1000
	}
	if s.total > 0 {
		pct := math.Round(float64(min(s.offset, s.total))/float64(s.total)*1000) / 10
		doc.DonePercent = &pct
		if eta, ok := s.eta(); ok {
			secs := math.Round(eta.Seconds())
			doc.ETASeconds = &secs
		}
	}
	data, _ := json.Marshal(doc)
	return append(data, '\n')
}

// Status renders the line that line mode prints, for example
//
//	2026-11-25T22:30:00Z progress: rows=1200 created=1100 conflict=3 failed=0 rate=98.5/min done=37.5% eta=2h10m
//
// The timestamp is UTC and the rest key=value pairs, for log shippers.
// created, conflict and failed (valid and invalid in a dry run) are always
// present, other statuses once they occur; done and eta only when the
// input's size is known, eta once a row is done.
func (p *Progress) Status() string {
	s := p.snapshot()
	var b strings.Builder
	b.WriteString(s.now.UTC().Format(time.RFC3339))
	b.WriteString(" progress: rows=")
	b.WriteString(strconv.FormatInt(s.rows, 10))
	order := importer.Statuses
	if p.opts.Diff {
		order = importer.DiffStatuses
	}
	for _, st := range order {
		if n := s.counts[st]; n != 0 || alwaysShown(st, p.opts) {
			b.WriteString(" " + string(st) + "=" + strconv.FormatInt(n, 10))
		}
	}
	b.WriteString(" rate=" + s.rate())
	if s.total > 0 {
		b.WriteString(" done=" + s.percent())
		if eta, ok := s.eta(); ok {
			b.WriteString(" eta=" + formatDuration(eta))
		}
	}
	return b.String()
}

// alwaysShown lists the statuses a status line shows even at zero: the
// ones a reader watches for.
func alwaysShown(st importer.Status, opts ProgressOptions) bool {
	if opts.Diff {
		return st == importer.Same || st == importer.Differs || st == importer.Missing || st == importer.Failed
	}
	if opts.DryRun {
		return st == importer.Valid || st == importer.Invalid
	}
	return st == importer.Created || st == importer.Conflict || st == importer.Failed
}

// snapshot is a consistent copy of a Progress's counters.
type snapshot struct {
	now     time.Time
	elapsed time.Duration
	total   int64
	rows    int64
	offset  int64
	counts  map[importer.Status]int64
}

func (p *Progress) snapshot() snapshot {
	now := p.opts.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	return snapshot{
		now:     now,
		elapsed: now.Sub(p.start),
		total:   p.total,
		rows:    p.rows,
		offset:  p.offset,
		counts:  maps.Clone(p.counts),
	}
}

// rate is rows per second (or minute) over the whole run.
func (s snapshot) rate() string {
	if s.elapsed <= 0 {
		return formatRate(0)
	}
	return formatRate(float64(s.rows) / s.elapsed.Seconds())
}

func (s snapshot) percent() string {
	f := float64(min(s.offset, s.total)) / float64(s.total) * 100
	return strconv.FormatFloat(f, 'f', 1, 64) + "%"
}

// eta assumes the rest of the input goes as fast, in bytes, as the part
// done so far.
func (s snapshot) eta() (time.Duration, bool) {
	if s.total <= 0 || s.offset <= 0 || s.elapsed <= 0 {
		return 0, false
	}
	left := max(s.total-s.offset, 0)
	return time.Duration(float64(s.elapsed) * float64(left) / float64(s.offset)), true
}

// describe renders the text beside the bar, as short as it can be since
// a line that wraps breaks the redraw:
//
//	created 1100 · conflict 3 · failed 0 · 1200 rows · 98.5/min · eta 2h10m
//
// created includes created_with_warnings; rejected, invalid, duplicate and
// skipped appear once they occur.
func (s snapshot) describe(opts ProgressOptions) string {
	type item struct {
		label string
		n     int64
		shown bool
	}
	var items []item
	switch {
	case opts.Diff:
		items = []item{
			{"same", s.counts[importer.Same], true},
			{"differs", s.counts[importer.Differs], true},
			{"missing", s.counts[importer.Missing], true},
			{"failed", s.counts[importer.Failed], true},
			{"inactive", s.counts[importer.Inactive], false},
			{"mismatch", s.counts[importer.Mismatch], false},
			{"invalid", s.counts[importer.Invalid], false},
			{"duplicate", s.counts[importer.Duplicate], false},
			{"skipped", s.counts[importer.Skipped], false},
		}
	case opts.DryRun:
		items = []item{
			{"valid", s.counts[importer.Valid], true},
			{"invalid", s.counts[importer.Invalid], true},
			{"duplicate", s.counts[importer.Duplicate], false},
			{"skipped", s.counts[importer.Skipped], false},
		}
	default:
		items = []item{
			{"created", s.counts[importer.Created] + s.counts[importer.CreatedWithWarnings], true},
			{"conflict", s.counts[importer.Conflict], true},
			{"failed", s.counts[importer.Failed], true},
			{"rejected", s.counts[importer.Rejected], false},
			{"invalid", s.counts[importer.Invalid], false},
			{"duplicate", s.counts[importer.Duplicate], false},
			{"skipped", s.counts[importer.Skipped], false},
		}
	}
	var b strings.Builder
	for _, it := range items {
		if it.shown || it.n != 0 {
			b.WriteString(it.label + " " + strconv.FormatInt(it.n, 10) + " · ")
		}
	}
	b.WriteString(strconv.FormatInt(s.rows, 10) + " rows · " + s.rate())
	if eta, ok := s.eta(); ok {
		b.WriteString(" · eta " + formatDuration(eta))
	}
	return b.String()
}
