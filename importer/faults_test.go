package importer_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// TestFaultSuite runs a few thousand rows against a server that answers
// 10% 5xx, 5% 429, drops 2% of connections, leaves 2% of creates
// unanswered after doing them, and adds random latency; then checks the
// three properties a user relies on:
//   - every input row has exactly one line, in order;
//   - every group the server holds was created once, and every created line
//     carries the server's id;
//   - no row is reported conflict or failed for a group this run created.
//
// It runs under both published lookup contracts. Under the legacy one the
// lookup gives createdOn, so a create whose answer was lost is proved this
// run's and ends created; the current one gives no creation time, so such
// a row ends exists, saying the group may be this run's.
func TestFaultSuite(t *testing.T) {
	for _, api := range []string{sandbox.APICurrent, sandbox.APILegacy} {
		t.Run(api, func(t *testing.T) { faultSuite(t, api) })
	}
}

func faultSuite(t *testing.T, api string) {
	rows := soakSize("SOAK_ROWS", 3000)
	if testing.Short() {
		rows = 500
	}
	h := newHarness(t, sandbox.Config{API: api, Faults: sandbox.Faults{
		Error5xx: 0.10, Throttle: 0.05, ThrottleRetryAfter: -1, Drop: 0.02, TimeoutAfterCreate: 0.02,
		HangFor: 10 * time.Second, Jitter: 3 * time.Millisecond, Seed: 42,
	}})
	h.cfg.Workers = 16
	h.cfg.Timeout = 250 * time.Millisecond
	h.cfg.Policy.MaxAttempts = 30 // at these rates no row should run out
	var b strings.Builder
	b.WriteString("externalId,groupName,maxGroupSize\n")
	for i := range rows {
		fmt.Fprintf(&b, "fleet-%05d,Fleet %d,%d\n", i, i, i%1000+1)
	}
	res, sum, err := h.run(context.Background(), b.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != rows {
		t.Fatalf("%d lines for %d rows", len(res), rows)
	}
	recovered := 0
	for i, r := range res {
		if r.Row != i+2 {
			t.Fatalf("line %d is row %d", i, r.Row)
		}
		g, ok := h.srv.Group(r.ExternalID)
		lost := r.Status == importer.Exists && r.Has(importer.AnswerLost)
		switch {
		case r.Status != importer.Created && !(lost && api == sandbox.APICurrent):
			t.Errorf("row %d: %s (%s) for a group this run created=%v", r.Row, r.Status, r.Message, ok)
		case !ok || g.ID != r.EntityID:
			t.Errorf("row %d: entity %d, server has %+v", r.Row, r.EntityID, g)
		}
		if r.Has(importer.AnswerLost) {
			recovered++
		}
	}
	for _, g := range h.srv.Groups() {
		if c := h.srv.Creations(g.ExternalID); c != 1 {
			t.Errorf("%s created %d times", g.ExternalID, c)
		}
	}
	st := h.srv.Stats()
	if st.Faults5xx == 0 || st.Throttled == 0 || st.Drops == 0 || st.Hangs == 0 || recovered == 0 {
		t.Errorf("not every fault was exercised: %+v, %d recovered", st, recovered)
	}
	t.Logf("%d rows, %d requests, %+v, %d recovered by lookup, %s", rows, sum.Requests, st, recovered, sum.Elapsed)
}

// TestRetryAfterIsHonoured checks the wait a 429 asks for is kept: a
// lower bound on time, which a slow machine cannot break.
func TestRetryAfterIsHonoured(t *testing.T) {
	h := newHarness(t, sandbox.Config{Faults: sandbox.Faults{Throttle: 1, ThrottleRetryAfter: time.Second}})
	h.cfg.Policy.MaxThrottled = 1
	h.cfg.Pacer = importer.NewLimiter(1000, 1)
	start := time.Now()
	res, _, err := h.run(context.Background(), "externalId,maxGroupSize\na,1\n")
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < time.Second {
		t.Errorf("retried after %s; the server asked for 1s", el)
	}
	if r := res[0]; r.Status != importer.Failed || r.Attempts != 2 || !strings.Contains(r.Message, "429") {
		t.Errorf("result %+v", r)
	}
}

// soakSize reads a size from the environment, for "make soak": longer runs
// than CI can afford.
func soakSize(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
