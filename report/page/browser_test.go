package page

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/capillary-tools/groupimport/report/page/pagetest"
)

// TestBrowser opens the sample page in headless Chromium, served over
// loopback by a server that records every request, and reads it as a
// person would: the totals they see, the filter and the search over the
// rows table, the marks on the timeline. It fails on any script error or
// console error, and on any request but the page's own. With PAGE_OUT set
// it leaves sample.png (light) and sample-dark.png there.
func TestBrowser(t *testing.T) {
	begin := time.Now()

	dir := os.Getenv("PAGE_OUT")
	if dir == "" {
		dir = t.TempDir()
	}
	p := writeSample(t, filepath.Join(dir, "sample.html"))

	var mu sync.Mutex
	var served []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		served = append(served, r.URL.Path)
		mu.Unlock()
		switch r.URL.Path {
		case "/sample.html", "/big.html":
			http.ServeFile(w, r, filepath.Join(dir, r.URL.Path[1:]))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	b := pagetest.Open(t)
	bctx := b.Ctx

	url := srv.URL + "/sample.html"
	// The filter is hidden until the script shows it: seeing it proves
	// the script ran.
	if err := chromedp.Do(bctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.ID("filter"))); err != nil {
		t.Fatal(err)
	}
	totals := run(t, bctx, chromedp.Evaluate[[][]string](`Array.from(document.querySelectorAll("#totals li[data-status]")).map(li => [li.dataset.status, li.querySelector(".count").innerText])`))
	marks := run(t, bctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("svg.chart g.bin")).map(g => g.dataset.minute)`))
	binMinutes := run(t, bctx, chromedp.AttributeValue(chromedp.CSS("svg.chart"), "data-bin-minutes"))

	// The totals the reader sees are the model's, in its order.
	if len(totals) != len(p.Totals) {
		t.Fatalf("the page shows %d totals, the model has %d: %v", len(totals), len(p.Totals), totals)
	}
	for i, tot := range p.Totals {
		n, err := strconv.Atoi(strings.ReplaceAll(totals[i][1], ",", ""))
		if totals[i][0] != tot.Status || err != nil || n != tot.Count {
			t.Errorf("total %d reads %q %q, want %s %d", i, totals[i][0], totals[i][1], tot.Status, tot.Count)
		}
	}

	// One mark per minute that had traffic: the sample runs three minutes
	// and some, so the bins are minutes.
	if binMinutes.Value != "1" {
		t.Fatalf("the timeline bins by %q minutes, want 1", binMinutes.Value)
	}
	want := trafficMinutes(p)
	if len(want) < 4 {
		t.Fatalf("the sample has traffic in %d minutes; it should span more than three", len(want))
	}
	if !slices.Equal(marks, want) {
		t.Errorf("timeline marks %v, want one per minute with traffic %v", marks, want)
	}

	// The status filter and the search narrow the rows. The status is
	// chosen as a person's choice would be (value set, change fired); the
	// search is typed key by key.
	visible := func() int {
		return run(t, bctx, chromedp.Evaluate[int](`Array.from(document.querySelectorAll("#rows-table tbody tr")).filter(r => r.getClientRects().length > 0).length`))
	}
	choose := func(status string) {
		t.Helper()
		if err := chromedp.Do(bctx,
			chromedp.SetValue(chromedp.ID("status"), status),
			chromedp.Evaluate[chromedp.Void](`document.getElementById("status").dispatchEvent(new Event("change"))`),
		); err != nil {
			t.Fatal(err)
		}
	}
	count := func(status, text string) int {
		n := 0
		for _, r := range p.Rows {
			if (status == "" || r.Status == status) && strings.Contains(strings.ToLower(r.ExternalID), text) {
				n++
			}
		}
		return n
	}
	all := visible()
	if all != len(p.Rows) || all == 0 {
		t.Errorf("%d rows visible before filtering, want %d", all, len(p.Rows))
	}
	choose("conflict")
	if got, want := visible(), count("conflict", ""); got != want || want == 0 || want == all {
		t.Errorf("status conflict shows %d rows, want %d (of %d)", got, want, all)
	}
	if shown := run(t, bctx, chromedp.Text(chromedp.ID("shown"))); shown != strconv.Itoa(count("conflict", "")) {
		t.Errorf("the counter says %q rows shown, want %d", shown, count("conflict", ""))
	}
	choose("")
	if err := chromedp.Do(bctx, chromedp.SendKeys(chromedp.ID("q"), "FLT-011")); err != nil {
		t.Fatal(err)
	}
	if got, want := visible(), count("", "flt-011"); got != want || want == 0 || want == all {
		t.Errorf("searching FLT-011 shows %d rows, want %d (of %d)", got, want, all)
	}
	choose("invalid")
	if got, want := visible(), count("invalid", "flt-011"); got != want || want == 0 {
		t.Errorf("invalid rows matching FLT-011: %d shown, want %d", got, want)
	}
	choose("")
	if err := chromedp.Do(bctx,
		chromedp.Evaluate[chromedp.Void](`(q => { q.value = ""; q.dispatchEvent(new Event("input")) })(document.getElementById("q"))`),
	); err != nil {
		t.Fatal(err)
	}
	if got := visible(); got != all {
		t.Errorf("clearing the search shows %d rows, want %d", got, all)
	}

	// Screenshots, light then dark, for a person (and the README).
	light := run(t, bctx, chromedp.FullScreenshot(100))
	if _, err := chromedp.Call(bctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
	}); err != nil {
		t.Fatal(err)
	}
	dark := run(t, bctx, chromedp.FullScreenshot(100))
	for name, png := range map[string][]byte{"sample.png": light, "sample-dark.png": dark} {
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// A 100,000-row run's page (5,000 rows listed) opens in seconds, and
	// its filter answers.
	bigPath := filepath.Join(dir, "big.html")
	f, err := os.Create(bigPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(f, bigPage(100_000)); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	opened := time.Now()
	if err := chromedp.Do(bctx, chromedp.Navigate(srv.URL+"/big.html")); err != nil {
		t.Fatal(err)
	}
	load := time.Since(opened)
	// The page's own clock: from the request to the end of the load event,
	// and the time the filter takes to hide all but the failed rows.
	timing := run(t, bctx, chromedp.Evaluate[[]float64](`(() => {
		const nav = performance.getEntriesByType("navigation")[0];
		const sel = document.getElementById("status");
		const t0 = performance.now();
		sel.value = "failed";
		sel.dispatchEvent(new Event("change"));
		const t1 = performance.now();
		return [nav.loadEventEnd, t1 - t0, document.getElementById("filter").hidden ? 0 : 1];
	})()`))
	if timing[2] != 1 {
		t.Error("the big page's script did not show the filter")
	}
	if got := visible(); got != 1000 {
		t.Errorf("the big page's filter shows %d failed rows, want 1000", got)
	}
	t.Logf("a 100,000-row page loads in %.0f ms by its own clock (%v seen from here); its filter answers in %.0f ms",
		timing[0], load.Round(time.Millisecond), timing[1])
	// Generous: other tests share the machine. On an idle one it takes
	// well under a second.
	if load > 20*time.Second {
		t.Errorf("a 100,000-row page took %v to open", load)
	}

	if problems := b.Problems(); len(problems) > 0 {
		t.Errorf("script errors:\n%s", strings.Join(problems, "\n"))
	}
	// Nothing but the page itself was asked for, by the browser or of the
	// server.
	mu.Lock()
	defer mu.Unlock()
	for _, u := range b.Requested() {
		if u != url && u != srv.URL+"/big.html" {
			t.Errorf("the page fetched %s", u)
		}
	}
	if !slices.Equal(served, []string{"/sample.html", "/big.html"}) {
		t.Errorf("the server was asked for %v, want only /sample.html and /big.html", served)
	}
	t.Logf("browser test took %v; screenshots in %s", time.Since(begin).Round(time.Millisecond), dir)
}

// trafficMinutes lists, in order, the minutes (as the page writes them)
// in which the model's timeline had traffic.
func trafficMinutes(p *Page) []string {
	loc := zoneOf(p)
	seen := map[string]bool{}
	for _, pt := range p.Timeline {
		traffic := pt.Requests > 0 || pt.Throttled > 0
		for _, n := range pt.Rows {
			traffic = traffic || n > 0
		}
		if traffic {
			seen[pt.Time.In(loc).Truncate(time.Minute).Format(time.RFC3339)] = true
		}
	}
	var out []string
	for m := range seen {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

func run[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
