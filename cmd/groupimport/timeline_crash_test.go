//go:build unix

package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
	"github.com/capillary-tools/groupimport/report"
)

// TestTimelineSurvivesKillAndResume: a run killed with SIGKILL keeps the
// minutes it had written in RECORD.timeline, and the resume appends its own
// session; the page shows both sessions and every row in some minute. The
// killed run is held alive by one hung request until its first minute is
// on disk (a minute line is written when the minute is over: up to a
// minute's wait).
func TestTimelineSurvivesKillAndResume(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{})
	defer srv.Close()
	const n, hung = 120, "g00003"
	var hang atomic.Bool
	hang.Store(true)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if hang.Load() && strings.Contains(string(body), `"`+hung+`"`) {
			<-r.Context().Done()
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		srv.ServeHTTP(w, r)
	}))
	defer front.Close()
	in := writeFile(t, "in.csv", groupsCSV(n))
	out := strings.TrimSuffix(in, ".csv") + ".results.csv"
	args := []string{"import", "--host", front.URL, "--rate", "unlimited", "--workers", "4", "--timeout", "10m", "--no-progress"}
	p := start(t, srv, append(args, in)...)
	waitFor(t, "a minute line in the timeline", 90*time.Second, func() bool {
		b, _ := os.ReadFile(out + ".timeline")
		return bytes.Contains(b, []byte(`"minute"`))
	})
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.wait(t, 10*time.Second)
	killed, _ := os.ReadFile(out + ".timeline")

	hang.Store(false)
	p = start(t, srv, append(args, "--resume", "--report", out+".html", in)...)
	if code := p.wait(t, 60*time.Second); code != exitOK {
		t.Fatalf("resume: exit %d\n%s", code, p.stderr.String())
	}
	after, _ := os.ReadFile(out + ".timeline")
	if !bytes.HasPrefix(after, killed) {
		t.Fatalf("the resume did not append to the killed run's timeline:\nkilled:\n%s\nafter:\n%s", killed, after)
	}
	starts, ends, rows := 0, 0, 0
	for _, l := range readTimelineLines(t, out+".timeline") {
		switch l.Session {
		case "start":
			starts++
		case "end":
			ends++
		}
		for _, k := range l.Rows {
			rows += k
		}
	}
	if starts != 2 || ends != 1 || rows != n {
		t.Errorf("timeline: %d session starts, %d ends, %d rows; want 2, 1 (the killed one has none) and %d\n%s", starts, ends, rows, n, after)
	}
	pg, _, err := report.ReadPage(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(pg.Header.Sessions) != 2 || !pg.Header.Sessions[0].End.After(pg.Header.Sessions[0].Start) || pg.Header.Stopped != "" {
		t.Errorf("the page's sessions %+v, stopped %q: want two, the killed one ended by its last minute", pg.Header.Sessions, pg.Header.Stopped)
	}
	if _, err := os.Stat(out + ".html"); err != nil {
		t.Errorf("the resume's --report left no page: %v", err)
	}
}
