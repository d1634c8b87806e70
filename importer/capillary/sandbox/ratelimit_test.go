package sandbox

import (
	"net/http"
	"slices"
	"testing"
	"time"
)

func TestRateLimitRetryAfter(t *testing.T) {
	tests := []struct {
		name       string
		mode       string
		perMinute  int
		start      time.Time
		retryAfter string // "" = no header
		refill     time.Duration
	}{
		{"default mode", "", 60, docsMoment, "1", time.Second},
		{"seconds", RetryAfterSeconds, 60, docsMoment, "1", time.Second},
		{"seconds rounded up", RetryAfterSeconds, 7, docsMoment, "9", 8572 * time.Millisecond},
		{"seconds, slow quota", RetryAfterSeconds, 6, docsMoment, "10", 10 * time.Second},
		{"http-date", RetryAfterHTTPDate, 60, docsMoment, "Mon, 27 Sep 2021 09:37:23 GMT", time.Second},
		{"http-date rounded up", RetryAfterHTTPDate, 60, docsMoment.Add(500 * time.Millisecond), "Mon, 27 Sep 2021 09:37:24 GMT", time.Second},
		{"none", RetryAfterNone, 60, docsMoment, "", time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := &clock{t: tt.start}
			s := start(t, Config{Now: clk.Now, RatePerMinute: tt.perMinute, RetryAfter: tt.mode})
			if r := (call{body: createBody("a")}).do(t, s); r.status != 200 {
				t.Fatalf("first request: HTTP %d %s", r.status, r.raw)
			}
			r := call{body: createBody("b")}.do(t, s)
			r.wantError(t, 429, 429, "")
			got, present := r.header.Get("Retry-After"), len(r.header.Values("Retry-After")) > 0
			if got != tt.retryAfter || present != (tt.retryAfter != "") {
				t.Errorf("Retry-After = %q (present %v), want %q", got, present, tt.retryAfter)
			}
			if s.Creations("b") != 0 {
				t.Error("a throttled create created the group")
			}
			clk.Advance(tt.refill - time.Millisecond)
			call{body: createBody("b")}.do(t, s).wantError(t, 429, 429, "")
			clk.Advance(time.Millisecond)
			if r := (call{body: createBody("b")}).do(t, s); r.status != 200 {
				t.Errorf("after the refill: HTTP %d %s", r.status, r.raw)
			}
			if st := s.Stats(); st.Throttled != 2 || st.Creates != 2 {
				t.Errorf("Stats = %+v, want 2 throttled, 2 creates", st)
			}
		})
	}
}

func TestRateLimitBurstAndCredentials(t *testing.T) {
	clk := newClock()
	s := start(t, Config{
		Now:           clk.Now,
		RatePerMinute: 600, // burst defaults to 10
		Tills:         map[string]string{"a": "pa", "b": "pb"},
	})
	lookup := func(auth string) int {
		return call{method: http.MethodGet, path: GroupPath + "?externalId=x", auth: auth}.do(t, s).status
	}
	for i := range 10 {
		if got := lookup(basic("a", "pa")); got != 400 {
			t.Fatalf("request %d within the burst: HTTP %d", i, got)
		}
	}
	if got := lookup(basic("a", "pa")); got != 429 {
		t.Errorf("request past the burst: HTTP %d, want 429", got)
	}
	// Failed authentication spends nobody's quota.
	if got := lookup(basic("b", "wrong")); got != 401 {
		t.Errorf("bad password: HTTP %d", got)
	}
	for i := range 10 {
		if got := lookup(basic("b", "pb")); got != 400 {
			t.Fatalf("till b request %d: HTTP %d; quotas are per credential", i, got)
		}
	}
	clk.Advance(time.Minute)
	for i := range 10 {
		if got := lookup(basic("a", "pa")); got != 400 {
			t.Fatalf("after a minute, request %d: HTTP %d; the bucket holds only the burst", i, got)
		}
	}
	if got := lookup(basic("a", "pa")); got != 429 {
		t.Errorf("request past the refilled burst: HTTP %d, want 429", got)
	}
}

func TestRateLimitOAuthKey(t *testing.T) {
	clk := newClock()
	s := start(t, Config{Now: clk.Now, RatePerMinute: 60, RateBurst: 2})
	tok := generate(t, s, `{"key":"demo-key","secret":"demo-secret"}`).body.token().AccessToken
	tok2 := generate(t, s, `{"key":"demo-key","secret":"demo-secret"}`).body.token().AccessToken
	statuses := []int{
		call{method: http.MethodGet, path: GroupPath + "?id=1", token: tok}.do(t, s).status,
		call{method: http.MethodGet, path: GroupPath + "?id=1", token: tok2}.do(t, s).status,
		call{method: http.MethodGet, path: GroupPath + "?id=1", token: tok}.do(t, s).status,
		call{method: http.MethodGet, path: GroupPath + "?id=1"}.do(t, s).status, // the till has its own bucket
	}
	if want := []int{400, 400, 429, 400}; !slices.Equal(statuses, want) {
		t.Errorf("statuses = %v, want %v: two tokens of one key share its quota", statuses, want)
	}
}

func TestLimiterClockBackwards(t *testing.T) {
	l := newLimiter(Config{RatePerMinute: 60, RateBurst: 1}, docsMoment)
	now := docsMoment
	if _, ok := l.take("k", now); !ok {
		t.Fatal("first take refused")
	}
	if wait, ok := l.take("k", now.Add(-time.Hour)); ok || wait != time.Second {
		t.Errorf("take after the clock went back = %v, %v; want refused, 1s", wait, ok)
	}
}

// TestLimiterWindowAndSpentQuota: with QuotaWindow the quota is counted
// per window from the server's start and a 429 asks back for the window's
// end; with QuotaSpentFor everything is refused until then.
func TestLimiterWindowAndSpentQuota(t *testing.T) {
	start := docsMoment
	l := newLimiter(Config{RatePerMinute: 120, QuotaWindow: 10 * time.Second, QuotaSpentFor: 5 * time.Second}, start)
	if wait, ok := l.take("k", start.Add(time.Second)); ok || wait != 4*time.Second {
		t.Fatalf("while spent: %v, %v; want refused, 4s", wait, ok)
	}
	for i := range 20 { // 120/min is 20 per 10 s window
		if _, ok := l.take("k", start.Add(6*time.Second)); !ok {
			t.Fatalf("request %d of the window refused", i+1)
		}
	}
	if wait, ok := l.take("k", start.Add(6*time.Second)); ok || wait != 4*time.Second {
		t.Fatalf("past the window's share: %v, %v; want refused until the window ends, 4s", wait, ok)
	}
	if _, ok := l.take("other", start.Add(6*time.Second)); !ok {
		t.Fatal("another credential's quota is its own")
	}
	if _, ok := l.take("k", start.Add(10*time.Second)); !ok {
		t.Fatal("the next window refused")
	}
	unlimited := newLimiter(Config{QuotaSpentFor: time.Second}, start)
	if _, ok := unlimited.take("k", start); ok {
		t.Fatal("spent quota accepted")
	}
	if _, ok := unlimited.take("k", start.Add(time.Second)); !ok {
		t.Fatal("no quota after the spent time, but refused")
	}
}
