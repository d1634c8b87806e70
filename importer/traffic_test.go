package importer_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// TestTrafficCountsWhatSlowsARun: 429s and 5xx answers are counted as they
// happen, and the retries a display derives from them match the attempts
// the rows record.
func TestTrafficCountsWhatSlowsARun(t *testing.T) {
	h := newHarness(t, sandbox.Config{RetryAfter: sandbox.RetryAfterNone, Faults: sandbox.Faults{Throttle: 0.2, Error5xx: 0.2, Seed: 5}})
	var traffic importer.Traffic
	h.cfg.API = traffic.Watch(h.cfg.API)
	var b strings.Builder
	b.WriteString("externalId,maxGroupSize\n")
	for i := range 100 {
		fmt.Fprintf(&b, "t%03d,5\n", i)
	}
	res, sum, err := h.run(context.Background(), b.String())
	if err != nil {
		t.Fatal(err)
	}
	st := h.srv.Stats()
	if got := int(traffic.Throttled.Load()); got != st.Throttled || got == 0 {
		t.Errorf("throttled %d, the server answered %d 429s", got, st.Throttled)
	}
	if got := int(traffic.Failed.Load()); got != st.Faults5xx || got == 0 {
		t.Errorf("failed %d, the server answered %d 5xx", got, st.Faults5xx)
	}
	if got := int(traffic.Requests.Load()); got != sum.Requests {
		t.Errorf("requests %d, the run sent %d", got, sum.Requests)
	}
	// Every request but the first of each row is a retry, except a
	// failed row's last failure, which was not retried.
	retries, failed := 0, 0
	for _, r := range res {
		retries += r.Attempts - 1
		if r.Status == importer.Failed {
			failed++
		}
	}
	if got := int(traffic.Throttled.Load()+traffic.Failed.Load()) - failed; got != retries {
		t.Errorf("derived retries %d, rows record %d", got, retries)
	}
}
