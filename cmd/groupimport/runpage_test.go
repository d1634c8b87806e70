package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
	"github.com/capillary-tools/groupimport/report/page/pagetest"
)

// timelineMinute is a minute line of a .timeline, as a test reads it.
type timelineMinute struct {
	Session   string         `json:"session"`
	Minute    string         `json:"minute"`
	Rows      map[string]int `json:"rows"`
	Requests  int            `json:"requests"`
	Throttled int            `json:"throttled"`
	Holds     int            `json:"holds"`
}

func readTimelineLines(t *testing.T, name string) []timelineMinute {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []timelineMinute
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l timelineMinute
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("%s: %q: %v", name, sc.Text(), err)
		}
		out = append(out, l)
	}
	return out
}

// TestRunPageInBrowser runs an import of a few hundred rows against the
// sandbox with conflicts, invalid rows, answers lost after a create and
// 429s that hold the run, then `report` on its record, and opens the page
// in headless Chromium: the totals a reader sees are the record's, the
// timeline has a mark for every minute that had traffic, no script fails
// and nothing is fetched. The timeline's clock runs twenty times fast, so
// that a ten-second run covers several minutes.
func TestRunPageInBrowser(t *testing.T) {
	b := pagetest.Open(t)
	begin := time.Now()
	timelineClock = func() time.Time { return begin.Add(time.Since(begin) * 20) }
	defer func() { timelineClock = nil }()

	var existing []sandbox.Group
	for i := range 12 {
		existing = append(existing, sandbox.Group{ExternalID: groupID(i * 20), GroupName: "Older name", MaxGroupSize: 1})
	}
	srv := sandbox.NewServer(sandbox.Config{Groups: existing, Faults: sandbox.Faults{
		TimeoutAfterCreate: 0.03, Throttle: 0.03, Seed: 7, HangFor: 10 * time.Second,
	}})
	defer srv.Close()
	dir := t.TempDir()
	var csv strings.Builder
	csv.WriteString("externalId,groupName,maxGroupSize\n")
	const n = 300
	for i := range n {
		size := strconv.Itoa(i%500 + 1)
		if i%29 == 5 {
			size = "many"
		}
		fmt.Fprintf(&csv, "%s,Group %d,%s\n", groupID(i), i, size)
	}
	in := filepath.Join(dir, "fleets.csv")
	if err := os.WriteFile(in, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := filepath.Join(dir, "fleets.results.csv")
	c := cli{env: sandboxEnv()}
	code := c.run(t, "import", "--host", srv.URL, "--rate", "30/s", "--timeout", "1s", "--no-progress",
		"--out", rec, "--report", filepath.Join(dir, "run.html"), in)
	if code != exitRowsFailed {
		t.Fatalf("import: exit %d\n%s", code, c.stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "run.html")); err != nil {
		t.Fatalf("import --report left no page: %v", err)
	}
	if code := c.run(t, "report", rec); code != exitOK {
		t.Fatalf("report: exit %d\n%s", code, c.stderr.String())
	}
	html := filepath.Join(dir, "fleets.results.html")
	if got := strings.TrimSpace(c.stdout.String()); got != html {
		t.Errorf("report printed %q, want the page's path %s", got, html)
	}

	// The record: what the run met.
	counts := map[string]int{}
	lost := 0
	for _, r := range readResults(t, rec) {
		counts[string(r.Status)]++
		if slices.Contains(r.Reasons, importer.AnswerLost) {
			lost++
		}
	}
	if counts["conflict"] == 0 || counts["invalid"] == 0 || lost == 0 {
		t.Fatalf("the run met conflict %d, invalid %d, lost answers %d: want each; counts %v", counts["conflict"], counts["invalid"], lost, counts)
	}
	// The timeline: every row finished in some minute, and 429s held the run.
	minutes := map[int64]bool{}
	rows, throttled, holds := 0, 0, 0
	for _, l := range readTimelineLines(t, rec+".timeline") {
		if l.Minute == "" {
			continue
		}
		at, err := time.Parse(time.RFC3339, l.Minute)
		if err != nil {
			t.Fatal(err)
		}
		minutes[at.Unix()] = true
		for _, k := range l.Rows {
			rows += k
		}
		throttled += l.Throttled
		holds += l.Holds
	}
	if rows != n || throttled == 0 || holds == 0 || len(minutes) < 3 {
		t.Fatalf("the timeline holds %d rows (want %d), %d 429s, %d holds over %d minutes (want some of each, 3 minutes at least)", rows, n, throttled, holds, len(minutes))
	}

	var mu sync.Mutex
	var served []string
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		served = append(served, r.URL.Path)
		mu.Unlock()
		if r.URL.Path != "/page.html" {
			http.NotFound(w, r)
			return
		}
		http.ServeFile(w, r, html)
	}))
	defer web.Close()
	url := web.URL + "/page.html"
	if err := chromedp.Do(b.Ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.ID("filter"))); err != nil {
		t.Fatal(err)
	}
	totals, err := chromedp.Run(b.Ctx, chromedp.Evaluate[[][]string](`Array.from(document.querySelectorAll("#totals li[data-status]")).map(li => [li.dataset.status, li.querySelector(".count").innerText])`))
	if err != nil {
		t.Fatal(err)
	}
	marks, err := chromedp.Run(b.Ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("svg.chart g.bin")).map(g => g.dataset.minute)`))
	if err != nil {
		t.Fatal(err)
	}
	binMinutes, err := chromedp.Run(b.Ctx, chromedp.AttributeValue(chromedp.CSS("svg.chart"), "data-bin-minutes"))
	if err != nil {
		t.Fatal(err)
	}

	seen := map[string]int{}
	for _, tot := range totals {
		k, err := strconv.Atoi(strings.ReplaceAll(tot[1], ",", ""))
		if err != nil {
			t.Fatalf("total %v: %v", tot, err)
		}
		seen[tot[0]] = k
	}
	if fmt.Sprint(seen) != fmt.Sprint(counts) {
		t.Errorf("the page's totals %v, the record's %v", seen, counts)
	}
	if binMinutes.Value != "1" {
		t.Fatalf("the timeline bins by %q minutes, want 1", binMinutes.Value)
	}
	marked := map[int64]bool{}
	for _, m := range marks {
		at, err := time.Parse(time.RFC3339, m)
		if err != nil {
			t.Fatal(err)
		}
		marked[at.Unix()] = true
	}
	if fmt.Sprint(marked) != fmt.Sprint(minutes) || len(marks) != len(minutes) {
		t.Errorf("timeline marks %v, want one for every minute with traffic %v", marks, minutes)
	}
	if p := b.Problems(); len(p) > 0 {
		t.Errorf("script errors:\n%s", strings.Join(p, "\n"))
	}
	for _, u := range b.Requested() {
		if u != url {
			t.Errorf("the page fetched %s", u)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(served, []string{"/page.html"}) {
		t.Errorf("the server was asked for %v, want only /page.html", served)
	}
}
