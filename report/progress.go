package report

import (
	"encoding/json"
	"io"
	"maps"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/capillary-tools/groupimport/importer"
)

// defaultProgressInterval is how often line mode prints when
// ProgressOptions.Interval is zero.
const defaultProgressInterval = 10 * time.Second

// barRefresh is how often the bar is redrawn. Rows arrive far faster than a
// terminal can usefully show, so Observe only counts and the redraw runs on
// its own clock.
const barRefresh = 250 * time.Millisecond

// ProgressOptions configures a Progress.
type ProgressOptions struct {
	// Bar draws a live bar, for a terminal; otherwise a status line is
	// printed every Interval, for logs.
	Bar bool
	// Interval is the period of status lines; zero means
	// defaultProgressInterval.
	Interval time.Duration
	// DryRun counts valid rows instead of created ones.
	DryRun bool
	// Diff counts a diff's statuses (same, differs, missing, ...).
	Diff bool
	// JSON prints status lines as JSON log records (see StatusJSON).
	JSON bool
	// Now is the clock for rates, ETAs and timestamps; nil means time.Now.
	Now func() time.Time
	// Width reports the terminal's columns; the bar is fitted to it on
	// every redraw, so a resized window is followed. Nil asks the terminal
	// behind the writer, or assumes 80 columns.
	Width func() int
	// ToSend is how many rows this run works on, when known before it
	// starts (a resumed run: the rows not kept); the ETA then counts rows
	// left instead of bytes.
	ToSend int64
	// Traffic, when set, shows the retries and 429s so far.
	Traffic *importer.Traffic
	// Pace, when set, is the pacer's current rate in requests a second
	// (+Inf when unlimited), shown once the server has slowed the run.
	Pace func() float64
	// Held, when set, is how much longer the server's last 429 holds
	// every request back; shown while it does.
	Held func() time.Duration
}

// Progress shows how far a run is: rows done, counts by status, the rate
// and, when the input's size is known, the share done and an ETA. The rate
// and the ETA count only the rows this run sends: rows a resumed run keeps
// from the earlier results go by at once and say nothing about the pace.
// They are computed over the whole run, which keeps the ETA steady when the
// API makes the importer wait.
//
// Observe only updates counters; drawing happens on a goroutine of its
// own, a few times a second. On a terminal the bar is drawn by
// github.com/schollz/progressbar/v3, which Progress fits to the terminal
// on every redraw (see BarLine). Call Finish when the run ends.
type Progress struct {
	out   io.Writer
	total int64 // input bytes, or -1
	opts  ProgressOptions
	start time.Time

	mu        sync.Mutex
	rows      int64
	offset    int64
	sent      int64 // rows not kept: this run's work
	requested int64 // of those, rows that took a request
	sentBytes int64 // input consumed by those rows
	failed    int64 // rows sent that ended failed: their last failure was not retried
	counts    map[importer.Status]int64
	// unit is the rate's unit, "s" or "min", chosen once and kept, so
	// that a rate near the boundary does not flip between the two.
	unit string

	draw    sync.Mutex               // held while writing to out, and around every use of bar
	bar     *progressbar.ProgressBar // draws the frames; nil until the first
	barCols int                      // the columns bar was made with
	drawn   bool                     // a frame is on the screen

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
		opts.Interval = defaultProgressInterval
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Width == nil {
		opts.Width = terminalWidth(out)
	}
	if total <= 0 {
		total = -1
	}
	p := &Progress{
		out:    out,
		total:  total,
		opts:   opts,
		start:  opts.Now(),
		counts: make(map[importer.Status]int64, len(importer.Statuses())),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	// Every key exists up front so that Observe never grows the map.
	for _, st := range importer.Statuses() {
		p.counts[st] = 0
	}
	every := opts.Interval
	if opts.Bar {
		every = refresh
	}
	go p.loop(every)
	return p
}

// terminalWidth asks the terminal behind w for its width on every call:
// cheap (one ioctl), and it follows a resized window without a signal
// handler.
func terminalWidth(w io.Writer) func() int {
	f, _ := w.(*os.File)
	return func() int { return TerminalWidth(f) }
}

// Observe counts one finished row. Rows come in input order, so the row's
// Offset is how much of the input is done.
func (p *Progress) Observe(r importer.Result) {
	p.mu.Lock()
	p.rows++
	p.counts[r.Status]++
	// A skipped row was not done: the run stopped before it. Counting
	// its bytes would make the share done leap at a stop.
	if r.Offset > p.offset && r.Status != importer.Skipped {
		if !r.Kept {
			p.sentBytes += r.Offset - p.offset
		}
		p.offset = r.Offset
	}
	if !r.Kept {
		p.sent++
		if r.Attempts > 0 {
			p.requested++
		}
		if r.Status == importer.Failed && r.Attempts > 0 {
			p.failed++
		}
	}
	p.mu.Unlock()
}

// Println writes a line of its own (a log message) without tearing the
// bar: the bar is cleared first and drawn again at the next refresh.
func (p *Progress) Println(line string) {
	p.draw.Lock()
	defer p.draw.Unlock()
	p.clear()
	_, _ = io.WriteString(p.out, strings.TrimRight(line, "\n")+"\n")
}

// Finish stops the display: the bar is cleared, to leave the terminal to
// the summary, and line mode prints a last line. Later calls do nothing.
func (p *Progress) Finish() {
	p.finish.Do(func() {
		close(p.stop)
		<-p.done
		if p.opts.Bar {
			p.draw.Lock()
			if p.drawn {
				// progressbar clears the line when it finishes
				// (OptionClearOnFinish).
				_ = p.bar.Finish()
				p.drawn = false
			}
			p.draw.Unlock()
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
			if p.opts.Bar {
				p.redraw()
			} else {
				p.printLine()
			}
		}
	}
}

// redraw has progressbar draw the bar over itself, fitted to the
// terminal's width as it is now. The counters are read before taking the
// draw lock (reading them asks the pacer, whose cut callback may be
// waiting on that lock to log); the width after, so that no frame laid out
// for an earlier width is written once a window has shrunk.
func (p *Progress) redraw() {
	s := p.snapshot()
	p.draw.Lock()
	defer p.draw.Unlock()
	f, ok := s.layout(p.opts, p.opts.Width())
	if !ok {
		p.clear()
		return
	}
	if p.bar == nil || f.cols != p.barCols {
		// progressbar takes its width once, when made: a frame with
		// another width needs another bar.
		p.bar, p.barCols = newBar(p.out, s.total, f), f.cols
		drawFirst(p.bar, s)
	} else {
		// The frame Describe draws still shows the last share done,
		// which takes as many columns as the new one; Set64 draws again
		// when the share has changed.
		p.bar.Describe(f.desc)
		setDone(p.bar, s)
	}
	p.drawn = true
}

// clear erases the frame on the screen, if any; the draw lock is held.
func (p *Progress) clear() {
	if p.drawn {
		// ESC[2K and a carriage return (OptionUseANSICodes), not spaces
		// as wide as the widest frame so far, which wrap once a window
		// has shrunk.
		_ = p.bar.Clear()
		p.drawn = false
	}
}

// barTheme draws the bar in ASCII, which every terminal and font shows.
var barTheme = progressbar.Theme{Saucer: "#", SaucerPadding: " ", BarStart: "[", BarEnd: "]"}

// newBar makes a progressbar that draws frame f on w when asked to, and
// never on its own: no frame when made, no throttle that would drop the
// frame asked for, no goroutine turning the spinner.
func newBar(w io.Writer, total int64, f frame) *progressbar.ProgressBar {
	theme, cols := barTheme, f.cols
	switch {
	case total <= 0:
		// A spinner. progressbar counts its turns in its width, which
		// must not be 0 for Finish to clear it.
		total, cols = -1, 1
	case cols == 0:
		// No room for a bar: the share done and the text beside it.
		theme = progressbar.Theme{}
	}
	return progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetWidth(cols),
		progressbar.OptionSetTheme(theme),
		progressbar.OptionSetDescription(f.desc),
		progressbar.OptionShowDescriptionAtLineEnd(),
		// Each frame starts with a carriage return and ends with ESC[0K,
		// and clearing is ESC[2K: nothing is padded with spaces to the
		// widest frame drawn so far.
		progressbar.OptionUseANSICodes(true),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetRenderBlankState(false),
		progressbar.OptionThrottle(0),
		// The rate and the ETA are in the description: progressbar's
		// own follow a few seconds of throughput and count every row,
		// kept ones too.
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionSetElapsedTime(false),
		progressbar.OptionSpinnerType(9), // | / - \
		progressbar.OptionSetSpinnerChangeInterval(0),
	)
}

// drawFirst has a new bar draw its first frame: Set64 draws unless the
// share done rounds to 0%.
func drawFirst(bar *progressbar.ProgressBar, s snapshot) {
	setDone(bar, s)
	if bar.String() == "" {
		_ = bar.RenderBlank()
	}
}

// setDone tells a bar for a known size how much of the input is done.
func setDone(bar *progressbar.ProgressBar, s snapshot) {
	if s.total > 0 {
		// Reaching the total makes progressbar finish and clear the bar
		// while the last rows may still be on their way.
		_ = bar.Set64(min(s.offset, s.total-1))
	}
}

func (p *Progress) printLine() {
	// The line is made before taking the draw lock: making it asks the
	// pacer, whose cut callback may be waiting on that lock to log.
	var line []byte
	if p.opts.JSON {
		line = p.StatusJSON()
	} else {
		line = []byte(p.Status() + "\n")
	}
	p.draw.Lock()
	defer p.draw.Unlock()
	// Progress is best effort: a broken stderr must not stop the run.
	_, _ = p.out.Write(line)
}

// StatusJSON renders a status line as one JSON log record: time, level,
// msg "progress", rows, counts (every status seen), rowsPerSecond (rows
// sent by this run), retries and throttled (with Traffic), pacePerSecond
// (with Pace, when not unlimited), heldSeconds (while a 429 holds the run)
// and, when the input's size is known, donePercent and etaSeconds.
func (p *Progress) StatusJSON() []byte {
	s := p.snapshot()
	doc := struct {
		Time          string           `json:"time"`
		Level         string           `json:"level"`
		Msg           string           `json:"msg"`
		Rows          int64            `json:"rows"`
		Counts        map[string]int64 `json:"counts"`
		RowsPerSecond float64          `json:"rowsPerSecond"`
		Retries       *int64           `json:"retries,omitempty"`
		Throttled     *int64           `json:"throttled,omitempty"`
		PacePerSecond *float64         `json:"pacePerSecond,omitempty"`
		HeldSeconds   *float64         `json:"heldSeconds,omitempty"`
		DonePercent   *float64         `json:"donePercent,omitempty"`
		ETASeconds    *float64         `json:"etaSeconds,omitempty"`
	}{Time: s.now.UTC().Format(time.RFC3339Nano), Level: "INFO", Msg: "progress", Rows: s.rows, Counts: map[string]int64{}}
	for st, n := range s.counts {
		if n != 0 || alwaysShown(st, p.opts) {
			doc.Counts[string(st)] = n
		}
	}
	if s.elapsed > 0 {
		doc.RowsPerSecond = math.Round(s.perSecond()*1000) / 1000
	}
	if s.traffic {
		doc.Retries, doc.Throttled = &s.retries, &s.throttled
	}
	if s.pace > 0 && !math.IsInf(s.pace, 1) {
		pace := math.Round(s.pace*1000) / 1000
		doc.PacePerSecond = &pace
	}
	if s.held > 0 {
		held := math.Round(s.held.Seconds()*10) / 10
		doc.HeldSeconds = &held
	}
	if s.total > 0 {
		pct := math.Round(float64(min(s.offset, s.total))/float64(s.total)*1000) / 10
		doc.DonePercent = &pct
	}
	if eta, ok := s.eta(); ok {
		secs := math.Round(eta.Seconds())
		doc.ETASeconds = &secs
	}
	data, _ := json.Marshal(doc)
	return append(data, '\n')
}

// Status renders the line that line mode prints, for example
//
//	2026-11-25T22:30:00Z progress: rows=1200 created=1100 conflict=3 failed=0 rate=98.5/min retries=4 throttled=2 pace=84.0/min done=37.5% eta=2h10m
//
// The timestamp is UTC and the rest key=value pairs, for log shippers.
// created, conflict and failed (valid and invalid in a dry run) are always
// present, other statuses once they occur; rate counts the rows this run
// sent; retries and throttled (429 answers) when the run watches its
// traffic, pace (the rate requests leave at now) when the run is paced,
// held while a 429's pause holds every request back; done and eta
// only when the input's size is known, eta once a row is done.
func (p *Progress) Status() string {
	s := p.snapshot()
	var b strings.Builder
	b.WriteString(s.now.UTC().Format(time.RFC3339))
	b.WriteString(" progress: rows=")
	b.WriteString(strconv.FormatInt(s.rows, 10))
	order := importer.Statuses()
	if p.opts.Diff {
		order = importer.DiffStatuses()
	}
	for _, st := range order {
		if n := s.counts[st]; n != 0 || alwaysShown(st, p.opts) {
			b.WriteString(" " + string(st) + "=" + strconv.FormatInt(n, 10))
		}
	}
	b.WriteString(" rate=" + s.rate())
	if s.traffic {
		b.WriteString(" retries=" + strconv.FormatInt(s.retries, 10) + " throttled=" + strconv.FormatInt(s.throttled, 10))
	}
	if s.pace > 0 && !math.IsInf(s.pace, 1) {
		b.WriteString(" pace=" + formatRateIn(s.pace, s.unit))
	}
	if s.held > 0 {
		b.WriteString(" held=" + formatDuration(s.held))
	}
	if s.total > 0 {
		b.WriteString(" done=" + s.percent())
	}
	if eta, ok := s.eta(); ok {
		b.WriteString(" eta=" + formatDuration(eta))
	}
	return b.String()
}

// alwaysShown lists the statuses a status line shows even at zero: the
// ones a reader watches for.
func alwaysShown(st importer.Status, opts ProgressOptions) bool {
	switch {
	case opts.Diff:
		return st == importer.Same || st == importer.Differs || st == importer.Missing || st == importer.Failed
	case opts.DryRun:
		return st == importer.Valid || st == importer.Invalid
	}
	return st == importer.Created || st == importer.Conflict || st == importer.Failed
}

// snapshot is a consistent copy of a Progress's counters.
type snapshot struct {
	now       time.Time
	elapsed   time.Duration
	total     int64
	rows      int64
	offset    int64
	sent      int64
	requested int64
	dryRun    bool
	sentBytes int64
	toSend    int64
	counts    map[importer.Status]int64

	traffic            bool
	retries, throttled int64
	pace               float64       // 0 when unknown
	held               time.Duration // 0 when not held
	unit               string        // the rate's unit; "" until chosen
}

func (p *Progress) snapshot() snapshot {
	now := p.opts.Now()
	var pace float64
	if p.opts.Pace != nil {
		pace = p.opts.Pace()
	}
	var held time.Duration
	if p.opts.Held != nil {
		held = p.opts.Held()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	s := snapshot{
		now:       now,
		elapsed:   now.Sub(p.start),
		total:     p.total,
		rows:      p.rows,
		offset:    p.offset,
		sent:      p.sent,
		requested: p.requested,
		dryRun:    p.opts.DryRun || p.opts.Diff,
		sentBytes: p.sentBytes,
		toSend:    p.opts.ToSend,
		counts:    maps.Clone(p.counts),
		pace:      pace,
		held:      held,
	}
	if p.unit == "" {
		// From the pace asked for when there is one, else from the
		// first rate seen; then kept.
		switch r := s.perSecond(); {
		case pace > 0 && !math.IsInf(pace, 1):
			p.unit = rateUnit(pace)
		case r > 0:
			p.unit = rateUnit(r)
		}
	}
	s.unit = p.unit
	if t := p.opts.Traffic; t != nil {
		s.traffic = true
		s.throttled = t.Throttled.Load()
		// Every 429 and every failed answer is sent again, except the
		// last failure of a row that ran out of attempts.
		s.retries = max(s.throttled+t.Failed.Load()-p.failed, 0)
	}
	return s
}

// perSecond is the rows this run sent to the API a second, over the whole
// run: rows kept by a resume, and rows that needed no request (invalid,
// duplicate), would make it look faster than the pace. A dry run sends
// nothing and counts the rows it checked.
func (s snapshot) perSecond() float64 {
	if s.elapsed <= 0 {
		return 0
	}
	if s.dryRun {
		return float64(s.sent) / s.elapsed.Seconds()
	}
	return float64(s.requested) / s.elapsed.Seconds()
}

// rate is perSecond as people read it.
func (s snapshot) rate() string { return formatRateIn(s.perSecond(), s.unit) }

// showPace reports whether the pacer's rate is worth showing: once the
// server answered 429, the pace is what explains the rate.
func (s snapshot) showPace() bool {
	return s.pace > 0 && !math.IsInf(s.pace, 1) && s.throttled > 0
}

func (s snapshot) percent() string {
	f := float64(min(s.offset, s.total)) / float64(s.total) * 100
	return strconv.FormatFloat(f, 'f', 1, 64) + "%"
}

// eta assumes the rest goes as fast as the rows this run sent so far: in
// rows when the number to send is known, else in bytes of input.
func (s snapshot) eta() (time.Duration, bool) {
	switch {
	case s.elapsed <= 0 || s.sent <= 0:
		return 0, false
	case s.toSend > 0:
		left := max(s.toSend-s.sent, 0)
		return time.Duration(float64(s.elapsed) * float64(left) / float64(s.sent)), true
	case s.total <= 0 || s.sentBytes <= 0:
		return 0, false
	}
	left := max(s.total-s.offset, 0)
	return time.Duration(float64(s.elapsed) * float64(left) / float64(s.sentBytes)), true
}

// item is one piece of the text beside the bar; the lower its rank the
// longer it stays when the terminal is narrow.
type item struct {
	text string
	rank int
	zero bool // a count of 0
}

// items lists the text beside the bar in display order.
func (s snapshot) items(opts ProgressOptions) []item {
	var items []item
	add := func(label string, n int64, rank int, always bool) {
		if always || n != 0 {
			items = append(items, item{label + " " + strconv.FormatInt(n, 10), rank, n == 0})
		}
	}
	switch {
	case opts.Diff:
		add("same", s.counts[importer.Same], 1, true)
		add("differs", s.counts[importer.Differs], 1, true)
		add("missing", s.counts[importer.Missing], 1, true)
		add("inactive", s.counts[importer.Inactive], 5, false)
		add("mismatch", s.counts[importer.Mismatch], 2, false)
		add("failed", s.counts[importer.Failed], 2, true)
		add("invalid", s.counts[importer.Invalid], 5, false)
		add("duplicate", s.counts[importer.Duplicate], 7, false)
		add("skipped", s.counts[importer.Skipped], 5, false)
	case opts.DryRun:
		add("valid", s.counts[importer.Valid], 1, true)
		add("warnings", s.counts[importer.ValidWithWarnings], 2, false)
		add("invalid", s.counts[importer.Invalid], 2, true)
		add("duplicate", s.counts[importer.Duplicate], 5, false)
		add("skipped", s.counts[importer.Skipped], 5, false)
	default:
		add("created", s.counts[importer.Created]+s.counts[importer.CreatedWithWarnings], 1, true)
		add("exists", s.counts[importer.Exists]+s.counts[importer.Updated]+s.counts[importer.Unchanged], 6, false)
		add("conflict", s.counts[importer.Conflict], 6, true)
		add("failed", s.counts[importer.Failed], 2, true)
		add("rejected", s.counts[importer.Rejected], 5, false)
		add("invalid", s.counts[importer.Invalid], 5, false)
		add("duplicate", s.counts[importer.Duplicate], 7, false)
		add("skipped", s.counts[importer.Skipped], 5, false)
	}
	items = append(items, item{text: strconv.FormatInt(s.rows, 10) + " rows", rank: 4}, item{text: s.rate(), rank: 3})
	if s.traffic && s.retries+s.throttled > 0 {
		items = append(items, item{"retries " + strconv.FormatInt(s.retries, 10), 2, s.retries == 0}, item{"429s " + strconv.FormatInt(s.throttled, 10), 2, s.throttled == 0})
	}
	if s.held > 0 {
		items = append(items, item{text: "held " + formatDuration(s.held) + " by 429", rank: 2})
	} else if s.showPace() {
		items = append(items, item{text: "pace " + formatRateIn(s.pace, s.unit), rank: 2})
	}
	if eta, ok := s.eta(); ok {
		items = append(items, item{text: "eta " + formatDuration(eta), rank: 0})
	}
	return items
}

// describe renders every item, as the bar shows them on a wide terminal:
//
//	created 1100 · conflict 3 · failed 0 · 1200 rows · 98.5/min · eta 2h10m
func (s snapshot) describe(opts ProgressOptions) string {
	return joinItems(s.items(opts), 99)
}

const itemSep = " · "

func joinItems(items []item, maxRank int) string {
	var b strings.Builder
	for _, it := range items {
		if it.rank > maxRank {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(itemSep)
		}
		b.WriteString(it.text)
	}
	return b.String()
}

const (
	barMin = 10
	barMax = 30
)

// The columns a progressbar frame takes besides the bar's own and the
// description's: the share done is "%4d%%", and the frames are
//
//	"  37% [" bar "]  " desc " "   with a bar
//	"  37%   " desc " "            without one
//	"|  " desc " "                 for an input of unknown size
const (
	barFrame     = 11
	percentFrame = 9
	spinnerFrame = 4
)

// frame is what one redraw shows: a bar of cols columns inside its
// brackets (none when 0) and the description beside it.
type frame struct {
	cols int
	desc string
}

// layout fits a frame into width-1 columns, so that the cursor never
// reaches the last column and no terminal wraps it. On a narrow terminal
// the least useful items go first, then the bar shrinks, then it goes,
// then the description is cut. It reports false when not even that fits
// (a terminal under 10 columns): nothing is drawn then.
func (s snapshot) layout(opts ProgressOptions, width int) (frame, bool) {
	limit := width - 1
	items := s.items(opts)
	if s.total <= 0 {
		for rank := 99; rank >= 0; rank-- {
			if desc := joinItems(items, rank); spinnerFrame+runeLen(desc) <= limit {
				return frame{desc: desc}, true
			}
		}
		return frame{desc: clipColumns(joinItems(items, 0), limit-spinnerFrame)}, limit >= spinnerFrame
	}
	// Items give way, least useful first, while the bar keeps at least
	// barMin columns; the counts that explain a slow run (failed, retries,
	// 429s, pace) outrank the bar, which goes before they do.
	for rank := 99; rank >= 0; rank-- {
		desc := joinItems(items, rank)
		room := limit - barFrame - runeLen(desc)
		switch {
		case room >= barMin:
			return frame{cols: min(room, barMax), desc: desc}, true
		case rank <= keepRank && percentFrame+runeLen(desc) <= limit:
			return frame{desc: desc}, true
		}
		if rank == keepRank {
			// Before the bar comes back at their cost, those counts
			// give up the ones that are 0 ("failed 0" during a 429's
			// hold, on 80 columns).
			if desc := joinItems(nonZero(items), rank); percentFrame+runeLen(desc) <= limit {
				return frame{desc: desc}, true
			}
		}
	}
	return frame{desc: clipColumns(joinItems(items, 0), limit-percentFrame)}, limit >= percentFrame
}

// keepRank is the rank of the items that stay on the line when the bar
// itself has to go.
const keepRank = 2

func nonZero(items []item) []item {
	var kept []item
	for _, it := range items {
		if !it.zero {
			kept = append(kept, it)
		}
	}
	return kept
}

// BarLine is the frame progressbar draws for a terminal of the given
// width, as the terminal shows it (without the carriage return and the
// erase codes around it); it is at most width-1 columns wide, for example
// on 120 columns and then on 80, where the bar gives way to the counts
// that explain a slow run:
//
//	37% [#########                 ]  created 1100 · conflict 3 · failed 0 · invalid 97 · 1200 rows · 91.9/min · eta 20m
//	37%   created 1100 · failed 0 · retries 4 · 429s 2 · pace 84.0/min · eta 20m
//
// It is empty when the terminal is too narrow for any frame.
func (p *Progress) BarLine(width int) string {
	s := p.snapshot()
	f, ok := s.layout(p.opts, width)
	if !ok {
		return ""
	}
	var out strings.Builder
	drawFirst(newBar(&out, s.total, f), s)
	return visible(out.String())
}

var ansiCode = regexp.MustCompile("\x1b\\[[0-9;?]*[A-Za-z]")

// visible is what a terminal shows of a frame: no carriage returns, no
// escape codes.
func visible(frame string) string {
	return strings.ReplaceAll(ansiCode.ReplaceAllString(frame, ""), "\r", "")
}

func runeLen(s string) int { return len([]rune(s)) }

func clipColumns(s string, n int) string {
	if r := []rune(s); len(r) > max(n, 0) {
		return string(r[:max(n, 0)])
	}
	return s
}
