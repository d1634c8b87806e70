package sandbox

import (
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// waitSignal returns a hook for Server.hookWait and a function that blocks
// until the hook has fired.
func waitSignal(t *testing.T) (func(*Server), func()) {
	ch := make(chan struct{}, 16)
	set := func(s *Server) { s.hookWait = func() { ch <- struct{}{} } }
	wait := func() {
		t.Helper()
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			t.Fatal("no handler started waiting")
		}
	}
	return set, wait
}

func TestDrop(t *testing.T) {
	s := start(t, Config{Faults: Faults{Drop: 1}})
	// No credentials: a drop comes before authentication.
	req := call{body: createBody("a"), auth: "-"}.request(t, s)
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got HTTP %d, want a connection error", resp.StatusCode)
	}
	if st := s.Stats(); st.Drops != 1 || st.AuthFailures != 0 || st.Creates != 0 {
		t.Errorf("Stats = %+v, want 1 drop and nothing else", st)
	}
	// The token endpoint is not subject to faults.
	if r := generate(t, s, `{"key":"demo-key","secret":"demo-secret"}`); r.status != 200 {
		t.Errorf("token under Drop=1: HTTP %d", r.status)
	}
}

func TestError5xx(t *testing.T) {
	s := start(t, Config{Faults: Faults{Error5xx: 1, Seed: 7}})
	seen := map[int]bool{}
	for range 40 {
		r := call{body: createBody("a"), auth: basic("x", "y")}.do(t, s)
		seen[r.status] = true
		switch r.status {
		case 502, 504:
			if ct := r.header.Get("Content-Type"); ct != "text/html" || !strings.Contains(r.raw, "<html>") {
				t.Errorf("HTTP %d from the proxy: Content-Type %q, body %q", r.status, ct, r.raw)
			}
		case 500, 503:
			r.wantError(t, r.status, r.status, "")
		default:
			t.Fatalf("HTTP %d %s, want 5xx", r.status, r.raw)
		}
	}
	if len(seen) != 4 {
		t.Errorf("statuses seen %v, want 500, 502, 503 and 504", seen)
	}
	if st := s.Stats(); st.Faults5xx != 40 || st.Creates != 0 || st.AuthFailures != 0 {
		t.Errorf("Stats = %+v, want 40 injected 5xx before any work", st)
	}
}

func TestFaultsReproducible(t *testing.T) {
	run := func() []int {
		s := start(t, Config{Faults: Faults{Error5xx: 0.5, Seed: 42}})
		var statuses []int
		for range 20 {
			statuses = append(statuses, call{method: http.MethodGet, path: GroupPath + "?id=1"}.do(t, s).status)
		}
		return statuses
	}
	a, b := run(), run()
	if !slices.Equal(a, b) {
		t.Errorf("same seed, different faults:\n%v\n%v", a, b)
	}
	if !slices.Contains(a, 400) || !slices.ContainsFunc(a, func(s int) bool { return s >= 500 }) {
		t.Errorf("statuses %v: want both faults and real answers at 50%%", a)
	}
}

func TestThrottleFault(t *testing.T) {
	for _, tt := range []struct{ mode, want string }{
		{RetryAfterSeconds, "1"},
		{RetryAfterHTTPDate, "Mon, 27 Sep 2021 09:37:23 GMT"},
		{RetryAfterNone, ""},
	} {
		t.Run(tt.mode, func(t *testing.T) {
			clk := newClock()
			s := start(t, Config{Now: clk.Now, RetryAfter: tt.mode, Faults: Faults{Throttle: 1}})
			r := call{body: createBody("a")}.do(t, s)
			r.wantError(t, 429, 429, "")
			if got := r.header.Get("Retry-After"); got != tt.want {
				t.Errorf("Retry-After = %q, want %q", got, tt.want)
			}
			if s.Creations("a") != 0 || s.Stats().Throttled != 1 {
				t.Errorf("Creations = %d, Stats = %+v", s.Creations("a"), s.Stats())
			}
			s.SetFaults(Faults{})
			if r := (call{body: createBody("a")}).do(t, s); r.status != 200 {
				t.Errorf("faults off: HTTP %d", r.status)
			}
		})
	}
}

func TestLatency(t *testing.T) {
	s := start(t, Config{Faults: Faults{Latency: 40 * time.Millisecond, Jitter: 10 * time.Millisecond}})
	begin := time.Now()
	if r := (call{body: createBody("a")}).do(t, s); r.status != 200 {
		t.Fatalf("HTTP %d", r.status)
	}
	if elapsed := time.Since(begin); elapsed < 40*time.Millisecond {
		t.Errorf("answered in %v, want at least the 40ms latency", elapsed)
	}
}

func TestTimeoutAfterCreate(t *testing.T) {
	hook, waiting := waitSignal(t)
	s := start(t, Config{Faults: Faults{TimeoutAfterCreate: 1}}, hook)
	client := &http.Client{Timeout: 300 * time.Millisecond}
	resp, err := client.Do(call{body: createBody("x")}.request(t, s))
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got HTTP %d, want a client timeout", resp.StatusCode)
	}
	if ne, ok := errors.AsType[net.Error](err); !ok || !ne.Timeout() {
		t.Errorf("err = %v, want a timeout", err)
	}
	waiting()
	if got := s.Creations("x"); got != 1 {
		t.Fatalf("Creations = %d, want 1: the group is created before the hang", got)
	}
	if _, ok := s.Group("x"); !ok {
		t.Fatal("group missing")
	}
	s.SetFaults(Faults{})
	call{body: createBody("x")}.do(t, s).wantError(t, 400, 1633, "")
	if r := (call{method: http.MethodGet, path: GroupPath + "?id=x"}).do(t, s); r.status != 200 ||
		len(r.body.groups(t)) != 1 || r.body.groups(t)[0].GroupID != FirstGroupID {
		t.Errorf("lookup after the hang: HTTP %d %s", r.status, r.raw)
	}
	if st := s.Stats(); st.Hangs != 1 || st.Creates != 1 || st.Conflicts != 1 {
		t.Errorf("Stats = %+v", st)
	}
}

func TestHangForElapses(t *testing.T) {
	s := start(t, Config{Faults: Faults{TimeoutAfterCreate: 1, HangFor: 20 * time.Millisecond}})
	resp, err := http.DefaultClient.Do(call{body: createBody("x")}.request(t, s))
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got HTTP %d, want the connection dropped after HangFor", resp.StatusCode)
	}
	if s.Creations("x") != 1 {
		t.Errorf("Creations = %d, want 1", s.Creations("x"))
	}
}

func TestCloseReleasesWaitingHandlers(t *testing.T) {
	for _, tt := range []struct {
		name   string
		faults Faults
	}{
		{"hang after create", Faults{TimeoutAfterCreate: 1, HangFor: time.Hour}},
		{"latency", Faults{Latency: time.Hour}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			hook, waiting := waitSignal(t)
			s := start(t, Config{Faults: tt.faults}, hook)
			errc := make(chan error, 1)
			go func() {
				resp, err := http.DefaultClient.Do(call{body: createBody("x")}.request(t, s))
				if err == nil {
					resp.Body.Close()
				}
				errc <- err
			}()
			waiting()
			closed := make(chan struct{})
			go func() {
				s.Close()
				close(closed)
			}()
			select {
			case <-closed:
			case <-time.After(5 * time.Second):
				t.Fatal("Close blocked on a waiting handler")
			}
			if err := <-errc; err == nil {
				t.Error("the waiting client got an answer, want a connection error")
			}
			s.Close()
		})
	}
}

func TestFaultsValidate(t *testing.T) {
	for _, f := range []Faults{{Drop: -0.1}, {Error5xx: 1.5}, {Throttle: 2}, {TimeoutAfterCreate: -1}, {TimeoutAfterDelete: 1.5}, {Latency: -1}} {
		if f.Validate() == nil {
			t.Errorf("Faults %+v validated", f)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("SetFaults(%+v) did not panic", f)
				}
			}()
			New(Config{}).SetFaults(f)
		}()
	}
}
