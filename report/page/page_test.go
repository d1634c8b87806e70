package page

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func render(t *testing.T, p *Page) string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, p); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestHostileTextIsEscaped fills every text the page shows with markup: the
// page must show it as text and run none of it.
func TestHostileTextIsEscaped(t *testing.T) {
	const evil = `<script>alert(1)</script>"><img src=x onerror=alert(2)>`
	p := samplePage()
	p.Header.Command = "groupimport import " + evil
	p.Header.Input = evil + ".csv"
	p.Header.Host = evil
	p.Header.Stopped = evil
	p.Totals = append(p.Totals, Total{evil, 1})
	p.Problems = append(p.Problems, Problem{Status: evil, Message: evil, Count: 1, Examples: []string{evil}})
	p.Rows = append(p.Rows, Row{Row: 999, ExternalID: evil, Status: evil, Message: evil, RequestID: evil})
	p.Timeline = append(p.Timeline, Point{Time: p.Header.End, Rows: map[string]int{evil: 1}})
	p.Diff = &Diff{Fields: []FieldDiff{{Field: evil, Count: 1, Examples: []FieldExample{{Row: 3, ExternalID: evil, Server: evil, Input: evil}}}}}
	p.Undo = &Undo{Deleted: 1, Kept: []Reason{{evil, 1}}}
	out := render(t, p)

	if n := strings.Count(out, "<script"); n != 1 {
		t.Errorf("%d <script elements, want the page's own one", n)
	}
	for _, bad := range []string{"<img", "alert(1)</script>", "alert(2)>"} {
		if strings.Contains(out, bad) {
			t.Errorf("the page contains %q unescaped", bad)
		}
	}
	if n := strings.Count(out, "&lt;script&gt;alert(1)&lt;/script&gt;"); n < 10 {
		t.Errorf("the hostile text shows escaped %d times, want it in every place (10 or more)", n)
	}
}

var totalRE = regexp.MustCompile(`<li data-status="([^"]*)"><span class="sw k\d+"></span>[^<]* <span class="count">([\d,]+)</span>`)

// TestTotalsEqualTheModel reads the totals back out of the page.
func TestTotalsEqualTheModel(t *testing.T) {
	p := samplePage()
	p.Totals = append(p.Totals, Total{"skipped", 1234567})
	out := render(t, p)
	m := totalRE.FindAllStringSubmatch(out, -1)
	if len(m) != len(p.Totals) {
		t.Fatalf("%d totals on the page, want %d", len(m), len(p.Totals))
	}
	all := 0
	for i, tot := range p.Totals {
		n, _ := strconv.Atoi(strings.ReplaceAll(m[i][2], ",", ""))
		if m[i][1] != tot.Status || n != tot.Count {
			t.Errorf("total %d: %s %s, want %s %d", i, m[i][1], m[i][2], tot.Status, tot.Count)
		}
		all += tot.Count
	}
	if !strings.Contains(out, "1,234,567") || !strings.Contains(out, num(all)+" rows in all") {
		t.Errorf("the page does not show 1,234,567 skipped and %s rows in all", num(all))
	}
}

// TestNothingRemote: the page names no URL and loads nothing: no src, no
// href but the empty data: icon, no url() or @import in the CSS.
func TestNothingRemote(t *testing.T) {
	p := samplePage()
	p.Header.Command = "groupimport import fleets.xlsx"
	p.Header.Host = "eu.api.capillarytech.com" // the sample's host is a URL, shown as text; leave it out here
	out := render(t, p)
	for _, bad := range []string{"http://", "https://", "//", "src=", "url(", "@import", "srcset", "<iframe", "<object", "<embed", "<img", "<base", "action="} {
		if bad == "//" {
			// Comments in the script are not used; a protocol-relative
			// URL would start with "//" inside an attribute.
			if regexp.MustCompile(`=\s*"//`).MatchString(out) {
				t.Errorf("the page has a protocol-relative URL")
			}
			continue
		}
		if strings.Contains(out, bad) {
			t.Errorf("the page contains %q", bad)
		}
	}
	hrefs := regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(out, -1)
	if len(hrefs) != 1 || hrefs[0][1] != "data:," {
		t.Errorf("links on the page: %v, want only the empty icon data:,", hrefs)
	}
}

// bigPage is a run of n rows at 10 rows a second, one in twenty failing,
// with realistic messages and request ids and a point per minute.
func bigPage(n int) *Page {
	start := time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC)
	p := &Page{Kind: KindImport, Header: Header{Version: "v1.4.0", Input: "big.csv", Record: "big.results.csv",
		Start: start, End: start.Add(time.Duration(n) * 100 * time.Millisecond), Rate: "10/s", Workers: 8}}
	counts := map[string]int{}
	statuses := []string{"conflict", "rejected", "invalid", "failed", "duplicate"}
	messages := map[string]string{
		"conflict":  "error 1633: a group with this externalId exists; it differs in groupName, maxGroupSize",
		"rejected":  "error 1607: the group's owner %d is not a customer of this org",
		"invalid":   "maxGroupSize \"%d.5\" is not a whole number",
		"failed":    "attempts ran out: 503 Service Unavailable (3 attempts)",
		"duplicate": "the externalId is on row %d too",
	}
	var pt *Point
	for i := range n {
		tm := start.Add(time.Duration(i) * 100 * time.Millisecond)
		if pt == nil || tm.Sub(pt.Time) >= time.Minute {
			p.Timeline = append(p.Timeline, Point{Time: tm, Rows: map[string]int{}})
			pt = &p.Timeline[len(p.Timeline)-1]
		}
		st := "created"
		if i%20 == 7 {
			st = statuses[(i/20)%len(statuses)]
			msg := messages[st]
			if strings.Contains(msg, "%d") {
				msg = fmt.Sprintf(msg, i)
			}
			p.Rows = append(p.Rows, Row{Row: i + 2, ExternalID: fmt.Sprintf("EXT-%08d", i), Status: st, Message: msg, RequestID: reqID(i)})
		}
		counts[st]++
		pt.Rows[st]++
		pt.Requests++
	}
	for _, st := range append([]string{"created"}, statuses...) {
		p.Totals = append(p.Totals, Total{st, counts[st]})
	}
	return p
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(b []byte) (int, error) { c.n += int64(len(b)); return len(b), nil }

// TestPageSize: 100,000 rows give a page well under 5 MB; a million rows,
// with the table capped, a few MB. PAGE_OUT=dir keeps both pages there.
func TestPageSize(t *testing.T) {
	for _, c := range []struct {
		rows  int
		limit int64
	}{{100_000, 5 << 20}, {1_000_000, 5 << 20}} {
		p := bigPage(c.rows)
		var w io.Writer
		cw := &countingWriter{}
		w = cw
		if dir := os.Getenv("PAGE_OUT"); dir != "" {
			f, err := os.Create(fmt.Sprintf("%s/big-%d.html", dir, c.rows))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			w = io.MultiWriter(cw, f)
		}
		begin := time.Now()
		if err := Write(w, p); err != nil {
			t.Fatal(err)
		}
		t.Logf("%d rows, %d not succeeding (%d listed): %.2f MB in %v", c.rows, len(p.Rows), min(len(p.Rows), MaxRows),
			float64(cw.n)/(1<<20), time.Since(begin).Round(time.Millisecond))
		if cw.n > c.limit {
			t.Errorf("%d rows: the page weighs %d bytes, over %d", c.rows, cw.n, c.limit)
		}
	}
}

// TestRowsCap: past MaxRows the table stops, and the note counts what the
// page left out and what the reader never collected.
func TestRowsCap(t *testing.T) {
	p := bigPage(1_000_000) // 50,000 rows that did not succeed
	p.RowsNotListed = 7
	out := render(t, p)
	if n := strings.Count(out, `<td class="st `); n != MaxRows {
		t.Errorf("%d rows listed, want %d", n, MaxRows)
	}
	want := fmt.Sprintf("The first %s rows are listed; %s more are in big.results.csv.", num(MaxRows), num(50_000-MaxRows+7))
	if !strings.Contains(out, want) {
		t.Errorf("the page does not say %q", want)
	}
	if strings.Contains(render(t, samplePage()), `id="not-listed"`) {
		t.Error("a page listing every row says some are not listed")
	}
}

// TestBins: a short run bins by minute, a long one by wider bins, never
// more than MaxBins; a resumed run's gap is a break, not empty bins; and
// only bins with traffic are marks.
func TestBins(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 10, 0, 30, 0, time.FixedZone("IST", 5*3600+1800))
	every := func(from time.Time, d, step time.Duration) []Point {
		var ps []Point
		for t := from; t.Before(from.Add(d)); t = t.Add(step) {
			ps = append(ps, Point{Time: t, Rows: map[string]int{"created": 1}, Requests: 1})
		}
		return ps
	}
	for _, c := range []struct {
		name      string
		points    []Point
		sessions  []Session
		width     time.Duration
		marks     int
		breaks    int
		firstMark string
	}{
		{"one minute", every(t0, time.Minute, time.Second), []Session{{t0, t0.Add(time.Minute)}}, time.Minute, 2, 0, "2026-11-30T10:00:00+05:30"},
		{"three minutes", every(t0, 3*time.Minute, time.Second), nil, time.Minute, 4, 0, "2026-11-30T10:00:00+05:30"},
		{"ten hours", every(t0, 10*time.Hour, time.Minute), []Session{{t0, t0.Add(10 * time.Hour)}}, 5 * time.Minute, 120, 0, "2026-11-30T10:00:00+05:30"},
		{"a week", every(t0, 7*24*time.Hour, time.Hour), nil, 2 * time.Hour, 84, 0, "2026-11-30T10:00:00+05:30"},
		{"resumed the next day", append(every(t0, 20*time.Minute, time.Minute), every(t0.Add(24*time.Hour), 10*time.Minute, time.Minute)...),
			[]Session{{t0, t0.Add(20 * time.Minute)}, {t0.Add(24 * time.Hour), t0.Add(24*time.Hour + 10*time.Minute)}},
			time.Minute, 30, 1, "2026-11-30T10:00:00+05:30"},
		{"idle minutes", append(every(t0, time.Minute, time.Second), every(t0.Add(5*time.Minute), time.Minute, time.Second)...),
			[]Session{{t0, t0.Add(6 * time.Minute)}}, time.Minute, 4, 0, "2026-11-30T10:00:00+05:30"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var start, end time.Time
			if len(c.sessions) > 0 {
				start, end = c.sessions[0].Start, c.sessions[len(c.sessions)-1].End
			}
			b := binTimeline(c.points, c.sessions, start, end, t0.Location())
			if b.width != c.width {
				t.Errorf("bins of %v, want %v", b.width, c.width)
			}
			if len(b.bins) > MaxBins {
				t.Errorf("%d bins, want at most about %d", len(b.bins), MaxBins)
			}
			ch := buildChart(b, []string{"created"}, map[string]string{"created": "k0"}, t0.Location())
			if len(ch.Marks) != c.marks || len(ch.Breaks) != c.breaks {
				t.Fatalf("%d marks and %d breaks, want %d and %d", len(ch.Marks), len(ch.Breaks), c.marks, c.breaks)
			}
			if ch.Marks[0].Minute != c.firstMark {
				t.Errorf("first mark at %s, want %s (bins align to the run's wall clock)", ch.Marks[0].Minute, c.firstMark)
			}
			rows := 0
			for _, m := range ch.Marks {
				rows += m.Finished
			}
			if rows != len(c.points) {
				t.Errorf("the marks count %d rows, the points %d", rows, len(c.points))
			}
		})
	}
}

// TestKinds: each kind of run shows its own sections, and leaves out what
// it has no data for.
func TestKinds(t *testing.T) {
	validation := &Page{Kind: KindValidation, Header: Header{Input: "fleets.csv"},
		Totals:   []Total{{"valid", 10}, {"invalid", 2}},
		Problems: []Problem{{Status: "invalid", Message: "groupName is empty", Count: 2, Examples: []string{"row 3  FLT-1"}}},
		Rows:     []Row{{Row: 3, ExternalID: "FLT-1", Status: "invalid", Message: "groupName is empty"}, {Row: 5, ExternalID: "FLT-3", Status: "invalid", Message: "groupName is empty"}}}
	out := render(t, validation)
	if !strings.Contains(out, "<h1>Validation of fleets.csv</h1>") || !strings.Contains(out, `id="problems"`) {
		t.Error("a validation page lacks its title or its problems")
	}
	if strings.Contains(out, `id="timeline"`) || strings.Contains(out, `id="plan"`) {
		t.Error("a validation page with no timeline shows one, or a plan")
	}

	diff := &Page{Kind: KindDiff, Totals: []Total{{"same", 5}, {"differs", 2}, {"missing", 1}},
		Diff: &Diff{Create: 1, Update: 2, Same: 5, Fields: []FieldDiff{{Field: "groupName", Count: 2,
			Examples: []FieldExample{{Row: 3, ExternalID: "FLT-1002", Server: "Blue Harbor Freight", Input: "Blue Harbor Freight & Storage"}}}}}}
	out = render(t, diff)
	for _, want := range []string{`id="plan"`, "<b>2</b>to update", `id="fields"`, "groupName", "&#34;Blue Harbor Freight &amp; Storage&#34;"} {
		if !strings.Contains(out, want) {
			t.Errorf("the diff page lacks %q", want)
		}
	}

	undo := &Page{Kind: KindUndo, Totals: []Total{{"deleted", 8}, {"kept", 3}},
		Undo: &Undo{Deleted: 8, Kept: []Reason{{"changed since the import", 2}, {"not found", 1}}}}
	out = render(t, undo)
	for _, want := range []string{`id="undo"`, "<b>8</b>deleted", "<b>3</b>kept", "changed since the import"} {
		if !strings.Contains(out, want) {
			t.Errorf("the undo page lacks %q", want)
		}
	}
}

// TestSessionsShown: a resumed run lists its sessions and counts only the
// time it ran.
func TestSessionsShown(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 22, 0, 0, 0, time.UTC)
	p := &Page{Kind: KindImport, Header: Header{Start: t0, End: t0.Add(26 * time.Hour), Sessions: []Session{
		{t0, t0.Add(time.Hour)}, {t0.Add(25 * time.Hour), t0.Add(26 * time.Hour)}}}}
	out := render(t, p)
	if !strings.Contains(out, "2h 00m 00s running, over 2 sessions") || strings.Count(out, "<li>2026-") != 2 {
		t.Errorf("the page does not show two sessions and 2h running:\n%s", out)
	}
}

type failingWriter struct{ left int }

var errFull = errors.New("disk full")

func (f *failingWriter) Write(b []byte) (int, error) {
	if len(b) > f.left {
		n := f.left
		f.left = 0
		return n, errFull
	}
	f.left -= len(b)
	return len(b), nil
}

// TestWriteStreams: a failing writer stops Write, with its error, long
// before the page is done.
func TestWriteStreams(t *testing.T) {
	p := bigPage(200_000)
	if err := Write(&failingWriter{left: 200 << 10}, p); !errors.Is(err, errFull) {
		t.Fatalf("Write = %v, want the writer's error", err)
	}
}

// TestBrowserTestCannotSkipInCI runs the browser test with no Chromium to
// be found: it skips, saying why, and with CI set it fails.
func TestBrowserTestCannotSkipInCI(t *testing.T) {
	if os.Getenv("PAGE_NO_CHROMIUM_CHILD") != "" {
		t.Skip("inside the child")
	}
	for _, ci := range []string{"", "true"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestBrowser$", "-test.v")
		cmd.Env = append(os.Environ(), "PATH="+t.TempDir(), "CHROME=", "CI="+ci, "PAGE_NO_CHROMIUM_CHILD=1")
		out, err := cmd.CombinedOutput()
		switch {
		case ci == "" && (err != nil || !strings.Contains(string(out), "--- SKIP: TestBrowser") || !strings.Contains(string(out), "no Chromium found")):
			t.Errorf("without CI and Chromium: %v\n%s", err, out)
		case ci != "" && (err == nil || !strings.Contains(string(out), "--- FAIL: TestBrowser") || !strings.Contains(string(out), "CI is set")):
			t.Errorf("with CI=true and no Chromium: %v\n%s", err, out)
		}
	}
}
