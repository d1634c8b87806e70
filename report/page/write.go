package page

import (
	"bufio"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxRows is the most rows the table lists. A million-row run with one row
// in twenty failing still gives a page of a few MB that opens in seconds;
// the note under the heading says how many more the record holds.
const MaxRows = 20000

// messageRunes is where a listed row's message is cut: the record keeps it
// whole, and the problems table shows each kind in full.
const messageRunes = 240

//go:embed page.html
var pageHTML string

var tmpl = template.Must(template.New("page").Funcs(template.FuncMap{"num": num}).Parse(pageHTML))

// Write renders p as one self-contained HTML page. It streams the rows
// table, so the page is never held in memory whole.
func Write(w io.Writer, p *Page) error {
	v := newView(p)
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := tmpl.ExecuteTemplate(bw, "head", v); err != nil {
		return err
	}
	for i := range v.Listed {
		r := p.Rows[i]
		rv := rowView{Row: r.Row, ExternalID: r.ExternalID, Status: r.Status, Class: v.colors[r.Status],
			Message: clip(r.Message, messageRunes), RequestID: r.RequestID}
		if err := tmpl.ExecuteTemplate(bw, "row", rv); err != nil {
			return err
		}
	}
	if err := tmpl.ExecuteTemplate(bw, "tail", v); err != nil {
		return err
	}
	return bw.Flush()
}

// view is the page as the template reads it.
type view struct {
	Title, Subtitle string
	Version, Record string
	Stopped         string
	Facts           []fact
	Sessions        []string
	Totals          []totalView
	AllRows         int
	Chart           *chart
	ChartStatuses   []totalView
	Problems        []problemView
	ProblemsFirst   bool
	Diff            *Diff
	Undo            *undoView
	Listed          int
	NotListed       string
	RowStatuses     []Total

	colors map[string]string
}

type fact struct {
	Name, Value string
	Mono        bool
}

type totalView struct {
	Status, Class string
	Count         int
	Pct, X, W     string
}

type problemView struct {
	Problem
	Class string
}

type undoView struct {
	Undo
	KeptTotal int
}

type rowView struct {
	Row                                int
	ExternalID, Status, Class, Message string
	RequestID                          string
}

func newView(p *Page) *view {
	h := p.Header
	v := &view{Version: orDash(h.Version), Record: h.Record, Stopped: h.Stopped, Diff: p.Diff}
	v.Title, v.Subtitle = titles(p)
	v.colors = colorsFor(p)
	loc := zoneOf(p)

	v.Facts, v.Sessions = factsOf(h, loc)

	for _, t := range p.Totals {
		v.AllRows += t.Count
	}
	v.Totals = totalsBar(p.Totals, v.colors, v.AllRows)

	order := statusOrder(p)
	b := binTimeline(p.Timeline, h.Sessions, h.Start, h.End, loc)
	v.Chart = buildChart(b, order, v.colors, loc)
	if v.Chart != nil {
		v.ChartStatuses = chartStatuses(v.Chart, order, v.colors)
	}

	for _, pr := range p.Problems {
		v.Problems = append(v.Problems, problemView{pr, v.colors[pr.Status]})
	}
	v.ProblemsFirst = p.Kind == KindValidation
	if p.Undo != nil {
		u := &undoView{Undo: *p.Undo}
		for _, k := range p.Undo.Kept {
			u.KeptTotal += k.Count
		}
		v.Undo = u
	}

	v.Listed = min(len(p.Rows), MaxRows)
	if more := len(p.Rows) - v.Listed + max(p.RowsNotListed, 0); more > 0 {
		where := "the record"
		if h.Record != "" {
			where = h.Record
		}
		v.NotListed = fmt.Sprintf("The first %s rows are listed; %s more are in %s.", num(v.Listed), num(more), where)
	}
	counts := map[string]int{}
	for _, r := range p.Rows[:v.Listed] {
		counts[r.Status]++
	}
	for _, st := range order {
		if counts[st] > 0 {
			v.RowStatuses = append(v.RowStatuses, Total{st, counts[st]})
		}
	}
	return v
}

// factsOf is the header's table of facts, those with a value, and the
// sessions of a run resumed over several.
func factsOf(h Header, loc *time.Location) (facts []fact, sessions []string) {
	add := func(name, value string, mono bool) {
		if value != "" {
			facts = append(facts, fact{name, value, mono})
		}
	}
	add("Command", h.Command, true)
	add("Input", h.Input, true)
	add("Input SHA-256", h.InputSHA256, true)
	add("Host", h.Host, true)
	add("Rate", h.Rate, false)
	if h.Workers > 0 {
		add("Workers", strconv.Itoa(h.Workers), false)
	}
	if !h.Start.IsZero() {
		add("Started", h.Start.In(loc).Format(stamp), false)
	}
	if !h.End.IsZero() {
		add("Ended", h.End.In(loc).Format(stamp), false)
	}
	if d := h.Elapsed(); d > 0 {
		e := human(d)
		if len(h.Sessions) > 1 {
			e += " running, over " + strconv.Itoa(len(h.Sessions)) + " sessions"
		}
		add("Elapsed", e, false)
	}
	add("Tool version", h.Version, false)
	if len(h.Sessions) > 1 {
		for _, s := range h.Sessions {
			sessions = append(sessions, fmt.Sprintf("%s – %s (%s)",
				s.Start.In(loc).Format(stamp), s.End.In(loc).Format(sameDay(s.Start.In(loc), s.End.In(loc))), human(s.End.Sub(s.Start))))
		}
	}
	return facts, sessions
}

// chartStatuses are the statuses the chart shows, in the page's order.
func chartStatuses(c *chart, order []string, colors map[string]string) []totalView {
	seen := map[string]bool{}
	for _, m := range c.Marks {
		for _, br := range m.Bars {
			seen[br.Status] = true
		}
	}
	var out []totalView
	for _, st := range order {
		if seen[st] {
			out = append(out, totalView{Status: st, Class: colors[st]})
		}
	}
	return out
}

const stamp = "2006-01-02 15:04:05 -07:00"

func sameDay(a, b time.Time) string {
	if a.Format("20060102") == b.Format("20060102") {
		return "15:04:05"
	}
	return stamp
}

func titles(p *Page) (title, sub string) {
	what := map[Kind]string{KindImport: "Import", KindValidation: "Validation", KindDiff: "Diff", KindUndo: "Undo"}[p.Kind]
	if what == "" {
		what = "Run"
		if p.Kind != "" {
			what = string(p.Kind)
		}
	}
	title = what
	if p.Header.Input != "" {
		title += " of " + p.Header.Input
	}
	sub = "groupimport " + string(p.Kind)
	if p.Kind == "" {
		sub = "groupimport"
	}
	if !p.Header.Start.IsZero() {
		sub += ", " + p.Header.Start.In(zoneOf(p)).Format("Monday 2 January 2006, 15:04")
	}
	if p.Header.Host != "" {
		sub += ", against " + p.Header.Host
	}
	return title, sub
}

// zoneOf is the zone the page shows times in: the run's own.
func zoneOf(p *Page) *time.Location {
	switch {
	case !p.Header.Start.IsZero():
		return p.Header.Start.Location()
	case len(p.Header.Sessions) > 0:
		return p.Header.Sessions[0].Start.Location()
	case len(p.Timeline) > 0:
		return p.Timeline[0].Time.Location()
	}
	return time.UTC
}

// statusOrder is every status the page mentions, the totals' order first.
func statusOrder(p *Page) []string {
	var order []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			order = append(order, s)
		}
	}
	for _, t := range p.Totals {
		add(t.Status)
	}
	var rest []string
	for _, pt := range p.Timeline {
		for s := range pt.Rows {
			if !seen[s] {
				rest = append(rest, s)
			}
		}
	}
	for _, r := range p.Rows {
		if !seen[r.Status] {
			rest = append(rest, r.Status)
		}
	}
	sort.Strings(rest)
	for _, s := range rest {
		add(s)
	}
	return order
}

// knownColors gives each status groupimport writes a palette slot (k0 to
// k11 in the CSS, each with a light and a dark shade): greens for success,
// amber for data lost or not sent, oranges and reds for what the server
// refused or never answered, greys for what was never tried.
var knownColors = map[string]int{
	"created": 0, "valid": 0, "same": 0, "deleted": 0,
	"created_with_warnings": 1,
	"exists":                2,
	"updated":               3, "differs": 3,
	"missing":             4,
	"valid_with_warnings": 5, "kept": 5,
	"conflict": 6,
	"rejected": 7, "mismatch": 7,
	"failed":    8,
	"invalid":   9,
	"duplicate": 10, "inactive": 10,
	"skipped": 11,
}

const paletteSize = 12

// colorsFor maps every status on the page to a palette class; a status
// the table does not know takes a slot no other status on the page uses,
// when one is left.
func colorsFor(p *Page) map[string]string {
	order := statusOrder(p)
	used := map[int]bool{}
	out := map[string]string{}
	for _, s := range order {
		if k, ok := knownColors[s]; ok {
			used[k] = true
			out[s] = "k" + strconv.Itoa(k)
		}
	}
	next := 0
	for _, s := range order {
		if _, ok := out[s]; ok {
			continue
		}
		for next < paletteSize && used[next] {
			next++
		}
		k := next % paletteSize
		if next < paletteSize {
			used[next] = true
		} else {
			next++
		}
		out[s] = "k" + strconv.Itoa(k)
	}
	return out
}

// totalsBar lays the totals out as one bar 1000 units wide. A status with
// any rows gets a sliver at least, so one failed row in a million shows.
func totalsBar(totals []Total, colors map[string]string, all int) []totalView {
	if all <= 0 {
		var out []totalView
		for _, t := range totals {
			out = append(out, totalView{Status: t.Status, Class: colors[t.Status], Count: t.Count})
		}
		return out
	}
	ws := make([]float64, len(totals))
	sum := 0.0
	for i, t := range totals {
		if t.Count > 0 {
			ws[i] = max(1000*float64(t.Count)/float64(all), 4)
		}
		sum += ws[i]
	}
	out := make([]totalView, len(totals))
	x := 0.0
	for i, t := range totals {
		w := ws[i] * 1000 / sum
		out[i] = totalView{Status: t.Status, Class: colors[t.Status], Count: t.Count,
			Pct: pct(t.Count, all), X: f1(x), W: f1(w)}
		x += w
	}
	return out
}

func pct(n, all int) string {
	if n <= 0 {
		return "0%"
	}
	p := 100 * float64(n) / float64(all)
	switch {
	case p < 0.1:
		return "<0.1%"
	case p < 10:
		return strconv.FormatFloat(p, 'f', 1, 64) + "%"
	}
	return strconv.FormatFloat(p, 'f', 0, 64) + "%"
}

// num writes n with thousands separators: 1,234,567.
func num(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func orDash(s string) string {
	if s == "" {
		return "(version unknown)"
	}
	return s
}
