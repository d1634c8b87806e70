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

// TestRunStopsWhenNothingIsAccepted: a server that answers 429 to every
// request, for ever, stops the run once no request has been accepted for
// StallTimeout: an error wrapping ErrAborted and ErrStalled, every row
// recorded, none created.
func TestRunStopsWhenNothingIsAccepted(t *testing.T) {
	h := newHarness(t, sandbox.Config{Faults: sandbox.Faults{Throttle: 1, ThrottleRetryAfter: -1}})
	h.cfg.Workers = 4
	h.cfg.Pacer = importer.NewLimiter(1000, 1)
	h.cfg.Policy.MaxThrottled = 1 << 30 // each row waits for ever: only the run can stop
	h.cfg.StallTimeout = 500 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, sum, err := h.run(ctx, "externalId,maxGroupSize\na,1\nb,2\nc,3\nd,4\ne,5\nf,6\n")
	if !errors.Is(err, importer.ErrStalled) || !errors.Is(err, importer.ErrAborted) {
		t.Fatalf("run ended with %v, want ErrStalled (after %v)", err, sum.Elapsed)
	}
	if ctx.Err() != nil {
		t.Fatal("the run did not stop by itself")
	}
	if !strings.Contains(err.Error(), "429") {
		t.Errorf("error %q does not say the API kept answering 429", err)
	}
	if len(res) != 6 {
		t.Fatalf("%d results for 6 rows", len(res))
	}
	for _, r := range res {
		if r.Status != importer.Skipped {
			t.Errorf("row %d: %s %q, want skipped", r.Row, r.Status, r.Message)
		}
	}
	if n := len(h.srv.Groups()); n != 0 {
		t.Errorf("%d groups created", n)
	}
}

// TestStallTimeoutIsNotTheRunTime: a run longer than StallTimeout whose
// requests are accepted, however slowly, is not stalled.
func TestStallTimeoutIsNotTheRunTime(t *testing.T) {
	h := newHarness(t, sandbox.Config{Faults: sandbox.Faults{Latency: 300 * time.Millisecond}})
	h.cfg.Workers = 1
	h.cfg.StallTimeout = 2 * time.Second
	_, sum, err := h.run(context.Background(), "externalId,maxGroupSize\na,1\nb,2\nc,3\nd,4\ne,5\nf,6\ng,7\nh,8\ni,9\nj,10\n")
	if err != nil {
		t.Fatal(err)
	}
	if sum.Counts[importer.Created] != 10 || sum.Elapsed < h.cfg.StallTimeout {
		t.Fatalf("%v in %v; want 10 created in more than the stall timeout", sum.Counts, sum.Elapsed)
	}
}

// TestStallIsNotResetByTheNextRow: rows that each give up on 429s, one
// after another, are no progress: a worker taking the next row does not
// start the stall timeout again.
func TestStallIsNotResetByTheNextRow(t *testing.T) {
	h := newHarness(t, sandbox.Config{Faults: sandbox.Faults{Throttle: 1, ThrottleRetryAfter: -1}})
	h.cfg.Workers = 1
	h.cfg.Policy.MaxThrottled = 2
	h.cfg.StallTimeout = 300 * time.Millisecond
	var b strings.Builder
	b.WriteString("externalId,maxGroupSize\n")
	for i := range 5000 {
		fmt.Fprintf(&b, "g%d,1\n", i)
	}
	_, sum, err := h.run(context.Background(), b.String())
	if !errors.Is(err, importer.ErrStalled) {
		t.Fatalf("run ended with %v after %v and %d requests, want ErrStalled", err, sum.Elapsed, sum.Requests)
	}
}
