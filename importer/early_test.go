package importer_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// heldAPI holds the create of one externalId until release is closed.
type heldAPI struct {
	importer.API
	id      string
	release chan struct{}
}

func (a *heldAPI) Create(ctx context.Context, g *capillary.Group) (*capillary.Response, error) {
	if g.ExternalID == a.id {
		<-a.release
	}
	return a.API.Create(ctx, g)
}

// TestEarlyGetsRowsHeldBehindASlowOne: while one request hangs, the rows
// that finish after it reach Early at once, long before Sink can have
// them in order.
func TestEarlyGetsRowsHeldBehindASlowOne(t *testing.T) {
	h := newHarness(t, sandbox.Config{})
	const n = 200
	api := &heldAPI{API: h.cfg.API, id: "r001", release: make(chan struct{})}
	h.cfg.API = api
	var mu sync.Mutex
	early := map[int]bool{}
	h.cfg.Early = func(r importer.Result) error {
		mu.Lock()
		defer mu.Unlock()
		if r.Status != importer.Created {
			t.Errorf("early row %d: %s", r.Row, r.Status)
		}
		early[r.Row] = true
		if len(early) == n-2 { // every row but the first two
			close(api.release)
		}
		return nil
	}
	var b strings.Builder
	b.WriteString("externalId,maxGroupSize\n")
	for i := range n {
		fmt.Fprintf(&b, "r%03d,1\n", i)
	}
	res, _, err := h.run(context.Background(), b.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != n {
		t.Fatalf("%d results", len(res))
	}
	mu.Lock()
	defer mu.Unlock()
	if early[3] || !early[4] || !early[n+1] {
		t.Errorf("early rows: %d; row 3 (the slow one) %v, row 4 %v", len(early), early[3], early[4])
	}
}

// TestMaxErrorsJudgedAsRowsFinish: with every row refused, the run sends
// at most the limit plus one request per other worker.
func TestMaxErrorsJudgedAsRowsFinish(t *testing.T) {
	for _, workers := range []int{1, 4, 16} {
		h := newHarness(t, sandbox.Config{MaxGroupSize: 1})
		h.cfg.Workers = workers
		h.cfg.StopAfterErrors = 10
		var b strings.Builder
		b.WriteString("externalId,maxGroupSize\n")
		for i := range 2000 {
			fmt.Fprintf(&b, "r%04d,5\n", i)
		}
		_, sum, err := h.run(context.Background(), b.String())
		if err == nil || !strings.Contains(err.Error(), "too many") {
			t.Fatalf("workers %d: %v", workers, err)
		}
		if got, most := h.srv.Stats().Requests, 10+workers-1; got < 10 || got > most {
			t.Errorf("workers %d: %d requests, want 10 to %d", workers, got, most)
		}
		if sum.Counts[importer.Rejected] > 10+workers-1 {
			t.Errorf("workers %d: %d rows rejected", workers, sum.Counts[importer.Rejected])
		}
	}
}
