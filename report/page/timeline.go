package page

import (
	"fmt"
	"sort"
	"strconv"
	"time"
)

// MaxBins is the most bars the timeline draws: the bin is the narrowest of
// binWidths that keeps the run's time within it (a ten-hour run has 121
// five-minute bins, its first and last partly covered).
const MaxBins = 150

// binWidths are the bins the timeline may use: a one-minute run gets
// minutes, a ten-hour run five minutes, a week's nightly runs days.
var binWidths = []time.Duration{
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
}

// bin is one slot of the timeline.
type bin struct {
	start     time.Time
	rows      map[string]int
	requests  int
	throttled int
	holds     int
	held      time.Duration
	cuts      int
	// gapBefore is the time with no session between this bin and the one
	// before it; zero when they touch.
	gapBefore time.Duration
}

func (b *bin) traffic() bool {
	if b.requests > 0 || b.throttled > 0 {
		return true
	}
	for _, n := range b.rows {
		if n > 0 {
			return true
		}
	}
	return false
}

func (b *bin) finished() int {
	n := 0
	for _, c := range b.rows {
		n += c
	}
	return n
}

// binning is the timeline cut into bins: every bin within a session (so an
// idle minute shows as idle), and every bin a point falls in.
type binning struct {
	width time.Duration
	bins  []*bin
}

// binTimeline bins the points by the narrowest width that gives at most
// MaxBins bins (or the widest width). Bins align to the wall clock of loc,
// so hours start at :00 even in a zone half an hour off UTC.
func binTimeline(points []Point, sessions []Session, start, end time.Time, loc *time.Location) binning {
	spans := sessions
	if len(spans) == 0 && !start.IsZero() && end.After(start) {
		spans = []Session{{start, end}}
	}
	var b binning
	for _, w := range binWidths {
		b = binWith(w, points, spans, loc)
		if len(b.bins) <= MaxBins {
			break
		}
	}
	return b
}

func binWith(w time.Duration, points []Point, spans []Session, loc *time.Location) binning {
	floor := func(t time.Time) time.Time {
		t = t.In(loc)
		_, off := t.Zone()
		shift := time.Duration(off) * time.Second
		return t.Add(shift).Truncate(w).Add(-shift)
	}
	byStart := map[int64]*bin{}
	get := func(t time.Time) *bin {
		s := floor(t)
		k := s.UnixNano()
		if x, ok := byStart[k]; ok {
			return x
		}
		x := &bin{start: s, rows: map[string]int{}}
		byStart[k] = x
		return x
	}
	for _, s := range spans {
		if s.Start.IsZero() || !s.End.After(s.Start) {
			continue
		}
		// Guard against a span far longer than the widths allow (a bad
		// clock): the points still get their bins below.
		if s.End.Sub(s.Start)/w > 10*MaxBins {
			continue
		}
		for t := floor(s.Start); t.Before(s.End); t = t.Add(w) {
			get(t)
		}
	}
	for _, p := range points {
		if p.Time.IsZero() {
			continue
		}
		x := get(p.Time)
		for st, n := range p.Rows {
			x.rows[st] += n
		}
		x.requests += p.Requests
		x.throttled += p.Throttled
		x.holds += p.Holds
		x.held += p.Held
		x.cuts += p.PaceCuts
	}
	out := binning{width: w, bins: make([]*bin, 0, len(byStart))}
	for _, x := range byStart {
		out.bins = append(out.bins, x)
	}
	sort.Slice(out.bins, func(i, j int) bool { return out.bins[i].start.Before(out.bins[j].start) })
	for i := 1; i < len(out.bins); i++ {
		if gap := out.bins[i].start.Sub(out.bins[i-1].start) - w; gap > 0 {
			out.bins[i].gapBefore = gap
		}
	}
	return out
}

// Chart geometry, in the SVG's own units (it scales to the page's width).
const (
	chartW    = 960.0
	plotLeft  = 44.0
	plotRight = 8.0
	plotTop   = 10.0
	plotH     = 150.0
	laneH     = 22.0 // the lane under the bars for 429s and pace cuts
	axisH     = 18.0
	gapSlots  = 1.0 // the space a break between sessions takes, in bins
)

// chart is the timeline ready to draw.
type chart struct {
	Width, Height string
	BinMinutes    int
	BinLabel      string // e.g. "minute", "5 minutes", "hour"
	YMax          int
	YMaxY, BaseY  string // where the y axis's top label and the baseline go
	LaneY         string
	Marks         []mark
	Breaks        []chartBreak
	Ticks         []tick
	RequestsPath  string
	PlotLeft      string
	PlotRight     string
}

// mark is one bin that had traffic.
type mark struct {
	Minute     string // the bin's start, RFC 3339
	Label      string // the bin's start for people
	X, W       string
	Requests   int
	Finished   int
	Throttled  int
	Holds      int
	Cuts       int
	Held       string
	Bars       []bar
	HoldBand   bool
	LaneY      string
	DotR       string // radius of the 429 dot; empty when none
	CutPath    string // the pace-cut triangle; empty when none
	CX         string
	Tip        string
	Top, FullH string
}

type bar struct {
	Class, Status string
	Count         int
	Y, H          string
}

type chartBreak struct {
	X, Y1, Y2 string
	Tip       string
}

type tick struct {
	X, Y, Text string
}

func f1(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }

// buildChart lays the bins out: bars stacked by status (in order), the
// requests as a line over them, a band behind bins with a hold, and in a
// lane under the bars a dot for 429s and a triangle for pace cuts.
func buildChart(b binning, order []string, colors map[string]string, loc *time.Location) *chart {
	if len(b.bins) == 0 {
		return nil
	}
	slots := 0.0
	xs := make([]float64, len(b.bins))
	for i, x := range b.bins {
		if x.gapBefore > 0 {
			slots += gapSlots
		}
		xs[i] = slots
		slots++
	}
	plotW := chartW - plotLeft - plotRight
	slotW := plotW / slots
	ymax := 1
	for _, x := range b.bins {
		ymax = max(ymax, x.finished(), x.requests)
	}
	ymax = niceCeil(ymax)
	base := plotTop + plotH
	laneY := base + laneH/2
	c := &chart{
		Width:      f1(chartW),
		Height:     f1(plotTop + plotH + laneH + axisH),
		BinMinutes: int(b.width / time.Minute),
		BinLabel:   widthLabel(b.width),
		YMax:       ymax,
		YMaxY:      f1(plotTop + 8),
		BaseY:      f1(base),
		LaneY:      f1(laneY),
		PlotLeft:   f1(plotLeft),
		PlotRight:  f1(chartW - plotRight),
	}
	scale := plotH / float64(ymax)
	maxThrottled := 1
	for _, x := range b.bins {
		maxThrottled = max(maxThrottled, x.throttled)
	}
	var path []byte
	pen := false
	for i, x := range b.bins {
		left := plotLeft + xs[i]*slotW
		if x.gapBefore > 0 {
			pen = false
			gx := left - slotW*gapSlots/2
			c.Breaks = append(c.Breaks, chartBreak{X: f1(gx), Y1: f1(plotTop), Y2: f1(base + laneH),
				Tip: "not running for " + human(x.gapBefore)})
		}
		if !x.traffic() {
			pen = false
			continue
		}
		pad := min(slotW*0.1, 12)
		m := mark{
			Minute:    x.start.Format(time.RFC3339),
			Label:     x.start.In(loc).Format("2006-01-02 15:04"),
			X:         f1(left + pad),
			W:         f1(max(slotW-2*pad, 0.5)),
			Requests:  x.requests,
			Finished:  x.finished(),
			Throttled: x.throttled,
			Holds:     x.holds,
			Cuts:      x.cuts,
			HoldBand:  x.holds > 0 || x.held > 0,
			LaneY:     f1(laneY),
			CX:        f1(left + slotW/2),
			Top:       f1(plotTop),
			FullH:     f1(plotH),
		}
		if x.held > 0 {
			m.Held = human(x.held)
		}
		y := base
		for _, st := range order {
			n := x.rows[st]
			if n == 0 {
				continue
			}
			h := float64(n) * scale
			y -= h
			m.Bars = append(m.Bars, bar{Class: colors[st], Status: st, Count: n, Y: f1(y), H: f1(h)})
		}
		if x.throttled > 0 {
			r := 2 + 5*float64(x.throttled)/float64(maxThrottled)
			m.DotR = f1(min(r, slotW/2+1.5))
		}
		if x.cuts > 0 {
			cx := left + slotW/2
			s := min(4.0, slotW/2+1)
			m.CutPath = fmt.Sprintf("M%s %sL%s %sL%s %sZ", f1(cx-s), f1(laneY-s), f1(cx+s), f1(laneY-s), f1(cx), f1(laneY+s))
		}
		m.Tip = tip(x, order, b.width, loc)
		c.Marks = append(c.Marks, m)
		ry := base - float64(x.requests)*scale
		cmd := "L"
		if !pen {
			cmd = "M"
			pen = true
		}
		path = fmt.Appendf(path, "%s%s %s", cmd, f1(left+slotW/2), f1(ry))
	}
	c.RequestsPath = string(path)
	c.Ticks = ticks(b, xs, slotW, base+laneH+axisH-4, loc)
	return c
}

// ticks labels about eight bins along the bottom, and always the first bin
// after a break, with the date where it changes.
func ticks(b binning, xs []float64, slotW, y float64, loc *time.Location) []tick {
	every := max(1, (len(b.bins)+7)/8)
	var out []tick
	lastDay := ""
	lastX := -1e9
	for i, x := range b.bins {
		if i%every != 0 && x.gapBefore == 0 {
			continue
		}
		px := plotLeft + xs[i]*slotW + slotW/2
		if px-lastX < 60 {
			continue
		}
		t := x.start.In(loc)
		text := t.Format("15:04")
		if day := t.Format("Jan 2"); day != lastDay {
			if lastDay != "" || b.width >= 24*time.Hour {
				text = day + " " + text
			}
			lastDay = day
		}
		if b.width >= 24*time.Hour {
			text = t.Format("Jan 2")
		}
		out = append(out, tick{X: f1(px), Y: f1(y), Text: text})
		lastX = px
	}
	return out
}

func tip(x *bin, order []string, w time.Duration, loc *time.Location) string {
	t := x.start.In(loc)
	s := t.Format("2006-01-02 15:04")
	if w > time.Minute {
		s += "–" + t.Add(w).Format("15:04")
	}
	s += fmt.Sprintf("\n%d requests, %d rows finished", x.requests, x.finished())
	for _, st := range order {
		if n := x.rows[st]; n > 0 {
			s += fmt.Sprintf("\n  %s %d", st, n)
		}
	}
	if x.throttled > 0 {
		s += fmt.Sprintf("\n%d answered 429", x.throttled)
	}
	if x.holds > 0 || x.held > 0 {
		s += fmt.Sprintf("\n%d holds", x.holds)
		if x.held > 0 {
			s += ", held " + human(x.held)
		}
	}
	if x.cuts > 0 {
		s += fmt.Sprintf("\n%d pace cuts", x.cuts)
	}
	return s
}

// niceCeil rounds n up to 1, 2 or 5 times a power of ten, for the y axis.
func niceCeil(n int) int {
	p := 1
	for {
		for _, m := range []int{1, 2, 5} {
			if m*p >= n {
				return m * p
			}
		}
		p *= 10
	}
}

func widthLabel(w time.Duration) string {
	switch {
	case w == time.Minute:
		return "minute"
	case w < time.Hour:
		return fmt.Sprintf("%d minutes", int(w/time.Minute))
	case w == time.Hour:
		return "hour"
	case w < 24*time.Hour:
		return fmt.Sprintf("%d hours", int(w/time.Hour))
	}
	return "day"
}

// human writes a duration as people say it: 3h 05m, 4m 12s, 9s.
func human(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d/time.Hour), int(d/time.Minute)%60, int(d/time.Second)%60
	switch {
	case h >= 24:
		return fmt.Sprintf("%dd %02dh %02dm", h/24, h%24, m)
	case h > 0:
		return fmt.Sprintf("%dh %02dm %02ds", h, m, s)
	case m > 0:
		return fmt.Sprintf("%dm %02ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}
