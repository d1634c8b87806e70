package importer_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// TestDiffUnderThrottlingAndFaults: a diff rides out 429s and 5xx like an
// import, keeps input order, and writes nothing.
func TestDiffUnderThrottlingAndFaults(t *testing.T) {
	for _, api := range []string{sandbox.APICurrent, sandbox.APILegacy} {
		t.Run(api, func(t *testing.T) {
			h := newHarness(t, sandbox.Config{API: api, Faults: sandbox.Faults{Throttle: 0.2, ThrottleRetryAfter: -1, Error5xx: 0.1, Seed: 7}})
			var b strings.Builder
			b.WriteString("externalId,groupName,maxGroupSize\n")
			for i := range 200 {
				fmt.Fprintf(&b, "g%03d,Group %d,%d\n", i, i, 10)
				if i%2 == 0 {
					h.srv.Seed(sandbox.Group{ExternalID: fmt.Sprintf("g%03d", i), GroupName: fmt.Sprintf("Group %d", i+i%4), MaxGroupSize: 10})
				}
			}
			h.cfg.Diff = &importer.DiffConfig{}
			h.cfg.Policy.MaxAttempts = 20
			res, sum, err := h.run(context.Background(), b.String())
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != 200 || sum.Rows != 200 {
				t.Fatalf("%d results of %d rows", len(res), sum.Rows)
			}
			for i, r := range res {
				want := importer.Missing
				switch {
				case i%4 == 0:
					want = importer.Same
				case i%2 == 0:
					want = importer.Differs
				}
				if r.Row != i+2 || r.Status != want {
					t.Errorf("row %d: %s (%s), want row %d %s", r.Row, r.Status, r.Message, i+2, want)
				}
			}
			st := h.srv.Stats()
			if st.Creates+st.Updates+st.Conflicts != 0 || st.Throttled == 0 || st.Faults5xx == 0 {
				t.Errorf("stats %+v: want throttling and faults met, no write", st)
			}
		})
	}
}

// TestDiffStopsOnRejectedCredentials: the run stops with ErrAborted and
// every row has a line.
func TestDiffStopsOnRejectedCredentials(t *testing.T) {
	h := newHarness(t, sandbox.Config{Tills: map[string]string{"other": "x"}})
	h.cfg.Diff = &importer.DiffConfig{}
	h.cfg.Timeout = time.Second
	res, _, err := h.run(context.Background(), "externalId,maxGroupSize\na,1\nb,2\nc,3\n")
	if !errors.Is(err, importer.ErrAborted) || len(res) != 3 {
		t.Fatalf("err %v, %d results", err, len(res))
	}
	for _, r := range res {
		if r.Status != importer.Skipped {
			t.Errorf("row %d: %s %s", r.Row, r.Status, r.Message)
		}
	}
}
