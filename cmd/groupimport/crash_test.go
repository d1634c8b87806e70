//go:build unix

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
	"github.com/capillary-tools/groupimport/report"
)

// TestKillLosesOnlyRowsInFlight: one request hangs while hundreds of later
// rows finish; once they are on disk, which the running process does by
// itself (no exit flushes them), a kill -9 loses only the hung row, and the
// resumed run merges what the killed one recorded and finishes the job
// with one line per row, in order.
func TestKillLosesOnlyRowsInFlight(t *testing.T) {
	// Closed by Cleanup, after the process is killed: a server closing
	// while the hung request waits for its client would wait for ever.
	srv := sandbox.NewServer(sandbox.Config{})
	t.Cleanup(srv.Close)
	const n, hung = 400, "g00003" // row 5
	var hang atomic.Bool
	hang.Store(true)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if hang.Load() && strings.Contains(string(body), `"`+hung+`"`) {
			<-r.Context().Done() // until the client goes away
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	in := writeFile(t, "in.csv", groupsCSV(n))
	out := strings.TrimSuffix(in, ".csv") + ".results.csv"
	args := []string{"import", "--host", front.URL, "--rate", "unlimited", "--workers", "4", "--timeout", "10m", "--no-progress"}
	p := start(t, srv, append(args, in)...)
	waitFor(t, "every other row created", 60*time.Second, func() bool { return srv.Stats().Creates == n-1 })
	// The README allows a crash to lose the last second: the periodic
	// flush puts the finished rows on disk while the process runs.
	waitFor(t, "the finished rows on disk", 30*time.Second, func() bool { return len(onDisk(t, out)) == n-1 })
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.wait(t, 10*time.Second)

	got := onDisk(t, out)
	lost := 0
	for i := range n {
		id := groupID(i)
		g, _ := srv.Group(id)
		r, ok := got[i+2]
		switch {
		case id == hung:
			if ok {
				t.Errorf("the hung row has a line: %+v", r)
			}
		case !ok:
			lost++
		case r.Status != importer.Created || r.ExternalID != id || r.EntityID != g.ID:
			t.Errorf("row %d: %+v; server has %+v", i+2, r, g)
		}
	}
	if lost > 0 {
		t.Fatalf("the kill lost %d finished rows", lost)
	}

	hang.Store(false)
	p = start(t, srv, append(args, "--resume", in)...)
	if code := p.wait(t, 60*time.Second); code != exitOK {
		t.Fatalf("resume: exit %d\n%s", code, p.stderr.String())
	}
	res := readResults(t, out)
	if len(res) != n {
		t.Fatalf("%d lines for %d rows", len(res), n)
	}
	for i, r := range res {
		g, _ := srv.Group(r.ExternalID)
		if r.Row != i+2 || r.Status != importer.Created || r.EntityID != g.ID || srv.Creations(r.ExternalID) != 1 {
			t.Errorf("line %d: %+v, created %d times", i, r, srv.Creations(r.ExternalID))
		}
	}
	for _, s := range []string{".journal", ".partial"} {
		if _, err := os.Stat(out + s); err == nil {
			t.Errorf("%s left behind", s)
		}
	}
}

// onDisk reads what a run has on disk: the in-order lines and the journal
// beside them, a line cut short by a write under way left out.
func onDisk(t *testing.T, out string) map[int]importer.Result {
	t.Helper()
	got := map[int]importer.Result{}
	for _, name := range []string{out, out + ".journal"} {
		f, err := os.Open(name)
		if err != nil {
			continue
		}
		err = report.ReadResults(f, func(r importer.Result) error { got[r.Row] = r; return nil })
		f.Close()
		if err != nil && !errors.Is(err, report.ErrTruncated) {
			t.Fatalf("%s: %v", name, err)
		}
	}
	return got
}

func groupID(i int) string { return fmt.Sprintf("g%05d", i) }
