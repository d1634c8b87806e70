package importer_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
	"github.com/capillary-tools/groupimport/importer/input"
)

// changedAtEnd is the end of an input that changed while it was read: it
// reports the change, and closes reached the first time.
type changedAtEnd struct {
	reached chan struct{}
	once    atomic.Bool
}

func (c *changedAtEnd) Read([]byte) (int, error) {
	if c.once.CompareAndSwap(false, true) {
		close(c.reached)
	}
	return 0, fmt.Errorf("in.csv: %w: it grew", importer.ErrInputChanged)
}

// gate holds every request until it is opened, and counts the workers
// waiting at it.
type gate struct {
	open    chan struct{}
	waiting atomic.Int32
}

func (g *gate) Wait(ctx context.Context) error {
	g.waiting.Add(1)
	select {
	case <-g.open:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
func (g *gate) Throttled(time.Duration) {}
func (g *gate) Succeeded()              {}

// TestInputChangeFinishesTheRowsInFlight: when the input turns out to
// have changed, reading stops, but the rows read before it were what was
// validated: those handed to the workers are sent and recorded, not
// skipped, and Run says from which row nothing was read.
func TestInputChangeFinishesTheRowsInFlight(t *testing.T) {
	h := newHarness(t, sandbox.Config{})
	h.cfg.Workers = 4
	g := &gate{open: make(chan struct{})}
	h.cfg.Pacer = g
	end := &changedAtEnd{reached: make(chan struct{})}
	csv := "externalId,groupName,maxGroupSize\nC-1,One,1\nC-2,Two,2\nC-3,Three,3\nC-4,Four,4\n"
	recs := input.NewCSVRecords(io.MultiReader(strings.NewReader(csv), end), 0)
	header, row, err := recs.Next()
	if err != nil {
		t.Fatal(err)
	}
	cols, err := importer.ParseHeader(append([]string(nil), header...), row, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := h.cfg
	cfg.Validator = &importer.Validator{Cols: cols, MaxGroupSize: importer.DefaultMaxGroupSize}
	var res []importer.Result
	cfg.Sink = func(r importer.Result) error { res = append(res, r); return nil }

	type ended struct {
		sum importer.Summary
		err error
	}
	done := make(chan ended, 1)
	go func() {
		sum, err := importer.Run(context.Background(), recs, cfg)
		done <- ended{sum, err}
	}()
	// Every row is with a worker, and the reading has met the change.
	<-end.reached
	for deadline := time.Now().Add(10 * time.Second); g.waiting.Load() < 4; {
		if time.Now().After(deadline) {
			t.Fatalf("%d workers waiting, want 4", g.waiting.Load())
		}
		time.Sleep(time.Millisecond)
	}
	close(g.open)
	e := <-done

	var changed *importer.InputChangedError
	if !errors.As(e.err, &changed) || !errors.Is(e.err, importer.ErrInputChanged) || changed.Row != 6 {
		t.Fatalf("Run: %v, want an *InputChangedError from row 6", e.err)
	}
	if want := "in.csv: the input changed while it was read: it grew; nothing from row 6 on was read"; e.err.Error() != want || e.sum.Stopped != want {
		t.Errorf("error %q, summary %q; want %q", e.err, e.sum.Stopped, want)
	}
	if len(res) != 4 || e.sum.Rows != 4 || e.sum.Counts[importer.Created] != 4 {
		t.Fatalf("results %+v, summary %+v; want 4 rows created", res, e.sum)
	}
	for i, r := range res {
		if r.Row != i+2 || r.Status != importer.Created {
			t.Errorf("row %d: %s %q", r.Row, r.Status, r.Message)
		}
	}
}

// TestInputChangedBeforeThePreScanSendsNothing: a file that changes
// between its open and the duplicate pre-scan stops the run before any
// request, and Run says that no row was sent.
func TestInputChangedBeforeThePreScanSendsNothing(t *testing.T) {
	h := newHarness(t, sandbox.Config{})
	path := filepath.Join(t.TempDir(), "in.csv")
	if err := os.WriteFile(path, []byte("externalId,maxGroupSize\nP-1,1\nP-2,2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	in, err := input.Open(path, nil, input.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("P-3,3\n")
	f.Close()

	cfg := h.cfg
	cfg.Validator = &importer.Validator{Cols: in.Columns, MaxGroupSize: importer.DefaultMaxGroupSize}
	sent := 0
	cfg.Sink = func(importer.Result) error { sent++; return nil }
	sum, err := importer.Run(context.Background(), in.Records, cfg)
	var changed *importer.InputChangedError
	if !errors.As(err, &changed) || changed.Row != 0 || !strings.HasSuffix(err.Error(), "it grew from 36 to 42 bytes (is something still writing it?); no row was sent") {
		t.Fatalf("Run: %v, want an *InputChangedError before any row", err)
	}
	if sent != 0 || sum.Requests != 0 || len(h.srv.Groups()) != 0 {
		t.Errorf("%d results, %d requests, %d groups; want none", sent, sum.Requests, len(h.srv.Groups()))
	}
}

// verified is Records whose input reports a change once it was read.
type verified struct {
	*input.CSVRecords
	unchanged error
}

func (v verified) Unchanged() error { return v.unchanged }

// TestInputChangedAfterItWasReadEndsTheRun: the input was read to its end
// and every row was sent as read, but it changed while the last rows were
// sent. Run says so, from the row after the last one; a check that fails
// without finding a change is no change.
func TestInputChangedAfterItWasReadEndsTheRun(t *testing.T) {
	tests := []struct {
		name      string
		unchanged error
		want      string // "" for no error
	}{
		{"changed", fmt.Errorf("in.csv: %w: it grew", importer.ErrInputChanged), "in.csv: the input changed while it was read: it grew; nothing from row 4 on was read"},
		{"unchanged", nil, ""},
		{"the check failed", errors.New("in.csv: cannot read it: input/output error"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, sandbox.Config{})
			recs := input.NewCSVRecords(strings.NewReader("externalId,maxGroupSize\nA-1,1\nA-2,2"), 0)
			header, row, err := recs.Next()
			if err != nil {
				t.Fatal(err)
			}
			cols, err := importer.ParseHeader(append([]string(nil), header...), row, nil)
			if err != nil {
				t.Fatal(err)
			}
			cfg := h.cfg
			cfg.Validator = &importer.Validator{Cols: cols, MaxGroupSize: importer.DefaultMaxGroupSize}
			cfg.Sink = func(importer.Result) error { return nil }
			sum, err := importer.Run(context.Background(), verified{recs, tt.unchanged}, cfg)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Run: %v", err)
			case tt.want != "" && (err == nil || err.Error() != tt.want || !errors.Is(err, importer.ErrInputChanged)):
				t.Fatalf("Run: %v, want %q", err, tt.want)
			}
			if sum.Counts[importer.Created] != 2 {
				t.Errorf("counts %v, want both rows created", sum.Counts)
			}
		})
	}
}
