package importer_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
	"github.com/capillary-tools/groupimport/importer/input"
)

// harness runs importer.Run against a sandbox over loopback HTTP.
type harness struct {
	t   *testing.T
	srv *sandbox.Server
	cfg importer.Config
}

func newHarness(t *testing.T, sc sandbox.Config) *harness {
	t.Helper()
	srv := sandbox.NewServer(sc)
	t.Cleanup(srv.Close)
	client, err := capillary.New(srv.URL, capillary.NewBasic(sandbox.DefaultTill, sandbox.DefaultTillPassword), capillary.NewHTTPClient(8))
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, srv: srv, cfg: importer.Config{
		API:     client,
		Workers: 8,
		Policy:  importer.Policy{MaxAttempts: 5, MaxThrottled: 50, BaseBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond},
		Timeout: 5 * time.Second,
	}}
}

func (h *harness) run(ctx context.Context, csv string) ([]importer.Result, importer.Summary, error) {
	h.t.Helper()
	recs := input.NewCSVRecords(strings.NewReader(csv), 0)
	header, row, err := recs.Next()
	if err != nil {
		h.t.Fatal(err)
	}
	cols, err := importer.ParseHeader(append([]string(nil), header...), row, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	cfg := h.cfg
	if cfg.Validator == nil {
		cfg.Validator = &importer.Validator{Cols: cols, MaxGroupSize: importer.DefaultMaxGroupSize}
	}
	var mu sync.Mutex
	var out []importer.Result
	cfg.Sink = func(r importer.Result) error {
		mu.Lock()
		defer mu.Unlock()
		out = append(out, r)
		return nil
	}
	sum, err := importer.Run(ctx, recs, cfg)
	return out, sum, err
}

// TestRunClassifiesEveryOutcome covers the outcomes a healthy server gives.
func TestRunClassifiesEveryOutcome(t *testing.T) {
	h := newHarness(t, sandbox.Config{MaxGroupSize: 1000})
	h.srv.Seed(sandbox.Group{ExternalID: "exists", GroupName: "old", MaxGroupSize: 5})
	csv := "externalId,groupName,maxGroupSize,ext.platinum,ext.gender\n" +
		"ok,Fine,10,,\n" +
		"warn-type,Typed,10,gold,\n" +
		"warn-name,Named,10,,f\n" +
		"exists,Again,10,,\n" +
		"too-big,Big,5000,,\n" + // valid locally (30000), refused by this org (1639)
		"bad,,abc,,\n" +
		"ok,Dup,10,,\n"
	res, sum, err := h.run(context.Background(), csv)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		row    int
		status importer.Status
		code   int
		warn   int
	}{
		{2, importer.Created, 0, 0},
		{3, importer.CreatedWithWarnings, 0, 91017},
		{4, importer.CreatedWithWarnings, 0, 91016},
		{5, importer.Conflict, 1633, 0},
		{6, importer.Rejected, 1639, 0},
		{7, importer.Invalid, 0, 0},
		{8, importer.Duplicate, 0, 0},
	}
	if len(res) != len(want) {
		t.Fatalf("got %d results, want %d: %+v", len(res), len(want), res)
	}
	for i, w := range want {
		r := res[i]
		if r.Row != w.row || r.Status != w.status || r.Code != w.code {
			t.Errorf("row %d: got row %d %s code %d (%s), want %s code %d", w.row, r.Row, r.Status, r.Code, r.Message, w.status, w.code)
		}
		if w.warn != 0 && (len(r.Warnings) != 1 || r.Warnings[0].Code != w.warn) {
			t.Errorf("row %d: warnings %+v, want %d", w.row, r.Warnings, w.warn)
		}
		if r.Status == importer.Created || r.Status == importer.CreatedWithWarnings {
			g, ok := h.srv.Group(r.ExternalID)
			if !ok || g.ID != r.EntityID {
				t.Errorf("row %d: entity %d, server has %+v", w.row, r.EntityID, g)
			}
		}
		if r.Status != importer.Invalid && r.Status != importer.Duplicate && r.RequestID == "" {
			t.Errorf("row %d: no request id", w.row)
		}
	}
	if sum.Counts[importer.Created] != 1 || sum.Rows != 7 || sum.OK() {
		t.Errorf("summary %+v", sum)
	}
}

// TestRunKeepsInputOrder gives every request a random latency, so answers
// come back in any order, and checks the results do not.
func TestRunKeepsInputOrder(t *testing.T) {
	h := newHarness(t, sandbox.Config{Faults: sandbox.Faults{Jitter: 5 * time.Millisecond, Seed: 3}})
	h.cfg.Workers = 16
	h.cfg.Window = 32 // small, so the window wraps many times
	var b strings.Builder
	b.WriteString("externalId,maxGroupSize\n")
	for i := range 500 {
		if i%7 == 3 {
			fmt.Fprintf(&b, "bad%d,-1\n", i) // rows that skip the workers
			continue
		}
		fmt.Fprintf(&b, "id%d,5\n", i)
	}
	res, _, err := h.run(context.Background(), b.String())
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Row != i+2 {
			t.Fatalf("result %d is row %d", i, r.Row)
		}
	}
	if len(res) != 500 {
		t.Fatalf("%d results", len(res))
	}
}

func TestRunGivesUpOnPersistentFailures(t *testing.T) {
	h := newHarness(t, sandbox.Config{Faults: sandbox.Faults{Error5xx: 1}})
	h.cfg.Policy.MaxAttempts = 3
	res, sum, err := h.run(context.Background(), "externalId,maxGroupSize\na,1\nb,2\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Status != importer.Failed || r.Attempts != 3 || !strings.Contains(r.Message, "gave up after 3 attempts") {
			t.Errorf("row %d: %s after %d: %s", r.Row, r.Status, r.Attempts, r.Message)
		}
	}
	if sum.Counts[importer.Failed] != 2 {
		t.Errorf("summary %+v", sum.Counts)
	}
}

func TestRunAbortsOnRejectedCredentials(t *testing.T) {
	h := newHarness(t, sandbox.Config{Tills: map[string]string{sandbox.DefaultTill: "another-password"}})
	var b strings.Builder
	b.WriteString("externalId,maxGroupSize\n")
	for i := range 200 {
		fmt.Fprintf(&b, "id%d,5\n", i)
	}
	res, sum, err := h.run(context.Background(), b.String())
	if err == nil || !strings.Contains(err.Error(), "credentials") {
		t.Fatalf("err = %v, want a credentials error", err)
	}
	if len(res) != 200 || sum.Counts[importer.Skipped] != 200 {
		t.Fatalf("%d results, counts %v: every row must be there, skipped", len(res), sum.Counts)
	}
	if st := h.srv.Stats(); st.Requests > 2*h.cfg.Workers {
		t.Errorf("%d requests after the credentials were refused", st.Requests)
	}
}

func TestRunDryRunSendsNothing(t *testing.T) {
	h := newHarness(t, sandbox.Config{})
	h.cfg.DryRun = true
	res, sum, err := h.run(context.Background(), "externalId,maxGroupSize\na,1\nb,0\na,2\n")
	if err != nil {
		t.Fatal(err)
	}
	got := []importer.Status{res[0].Status, res[1].Status, res[2].Status}
	if got[0] != importer.Valid || got[1] != importer.Invalid || got[2] != importer.Duplicate {
		t.Errorf("statuses %v", got)
	}
	if st := h.srv.Stats(); st.Requests != 0 {
		t.Errorf("dry run sent %d requests", st.Requests)
	}
	if sum.Requests != 0 {
		t.Errorf("summary counts %d requests", sum.Requests)
	}
}

// TestRunInterruptSkipsTheRest cancels a run while both of its workers
// have a request out, and checks that it finishes those two, starts no
// other and writes every other row as skipped. The server holds every
// create after the first ten until the cancel, so the rows in flight at
// that moment are known however loaded the machine is.
func TestRunInterruptSkipsTheRest(t *testing.T) {
	const first, workers = 10, 2
	h := newHarness(t, sandbox.Config{})
	h.cfg.Workers = workers
	var creates, held atomic.Int32
	release := make(chan struct{})
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && creates.Add(1) > first {
			held.Add(1)
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
		}
		h.srv.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	client, err := capillary.New(front.URL, capillary.NewBasic(sandbox.DefaultTill, sandbox.DefaultTillPassword), capillary.NewHTTPClient(8))
	if err != nil {
		t.Fatal(err)
	}
	h.cfg.API = client

	var b strings.Builder
	b.WriteString("externalId,maxGroupSize\n")
	for i := range 1000 {
		fmt.Fprintf(&b, "id%d,5\n", i)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		deadline := time.Now().Add(30 * time.Second)
		for held.Load() < workers && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		cancel()
		close(release)
	}()
	res, sum, err := h.run(ctx, b.String())
	if !errors.Is(err, importer.ErrInterrupted) {
		t.Fatalf("err = %v", err)
	}
	if n := held.Load(); n != workers {
		t.Fatalf("the server held %d requests at the cancel, want %d", n, workers)
	}
	if len(res) != 1000 {
		t.Fatalf("%d results, want one per row", len(res))
	}
	want := first + workers
	for i, r := range res {
		st := importer.Created
		if i >= want {
			st = importer.Skipped
		}
		if r.Status != st {
			t.Fatalf("row %d: %s (%s), want %s", r.Row, r.Status, r.Message, st)
		}
	}
	if created := sum.Counts[importer.Created]; created != want || sum.Counts[importer.Skipped] != 1000-want {
		t.Errorf("counts %v", sum.Counts)
	}
	if c := h.srv.Stats().Creates; c != want {
		t.Errorf("server created %d, want %d", c, want)
	}
	if n := creates.Load(); n != int32(want) {
		t.Errorf("%d creates sent, want %d", n, want)
	}
}

func TestRunOnConflict(t *testing.T) {
	csv := "externalId,groupName,maxGroupSize\nsame,Same,10\ndiffers,New name,20\nnew,New,5\n"
	tests := []struct {
		mode importer.OnConflict
		want []importer.Status
	}{
		{importer.ConflictReport, []importer.Status{importer.Conflict, importer.Conflict, importer.Created}},
		{importer.ConflictLookup, []importer.Status{importer.Exists, importer.Conflict, importer.Created}},
		{importer.ConflictUpdate, []importer.Status{importer.Exists, importer.Updated, importer.Created}},
	}
	for _, tt := range tests {
		t.Run(string(tt.mode), func(t *testing.T) {
			h := newHarness(t, sandbox.Config{})
			h.srv.Seed(
				sandbox.Group{ID: 100, ExternalID: "same", GroupName: "Same", MaxGroupSize: 10},
				sandbox.Group{ID: 101, ExternalID: "differs", GroupName: "Old name", MaxGroupSize: 20},
			)
			h.cfg.OnConflict = tt.mode
			res, sum, err := h.run(context.Background(), csv)
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range tt.want {
				if res[i].Status != want {
					t.Errorf("row %d: %s (%s), want %s", res[i].Row, res[i].Status, res[i].Message, want)
				}
			}
			if tt.mode != importer.ConflictReport && (res[0].EntityID != 100 || res[1].EntityID != 101) {
				t.Errorf("entity ids %d %d, want the existing groups' 100 101", res[0].EntityID, res[1].EntityID)
			}
			if tt.mode == importer.ConflictLookup && !strings.Contains(res[1].Message, `groupName: "Old name" -> "New name"`) {
				t.Errorf("conflict message does not name the field: %s", res[1].Message)
			}
			g, _ := h.srv.Group("differs")
			if updated := g.GroupName == "New name"; updated != (tt.mode == importer.ConflictUpdate) {
				t.Errorf("server group %+v after %s", g, tt.mode)
			}
			if tt.mode == importer.ConflictUpdate && !sum.OK() {
				t.Errorf("an upsert of existing groups should be a success: %v", sum.Counts)
			}
		})
	}
}

// TestRunMarksKeptRows: a resumed run delivers the rows it takes from the
// earlier results marked Kept, so that a display can leave them out of the
// pace; the rows it sends are not.
func TestRunMarksKeptRows(t *testing.T) {
	h := newHarness(t, sandbox.Config{})
	h.cfg.Prior = func(row int, id string) (importer.Result, bool, error) {
		if id == "kept" {
			return importer.Result{Row: row, ExternalID: id, Status: importer.Created, EntityID: 7, Attempts: 1}, true, nil
		}
		return importer.Result{}, false, nil
	}
	res, _, err := h.run(context.Background(), "externalId,maxGroupSize\nkept,1\nsent,2\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || !res[0].Kept || res[1].Kept || res[1].Status != importer.Created {
		t.Errorf("results %+v", res)
	}
}
