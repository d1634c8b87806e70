package importer

import (
	"container/heap"
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// clock is a fake time source for the Limiter: tests move it by hand, so
// nothing depends on how fast the machine is.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

var epoch = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// slot reserves a slot at now and returns its time.
func slot(l *Limiter, now time.Time) time.Time {
	t, _ := l.reserve(now)
	return t
}

func newTestLimiter(limit rate.Limit, burst int) (*Limiter, *clock) {
	c := &clock{t: epoch}
	l := NewLimiter(limit, burst)
	l.now = c.now
	return l, c
}

func TestLimiterSpacesRequestsAtTheRate(t *testing.T) {
	tests := []struct {
		limit rate.Limit
		burst int
		want  []time.Duration // slots of requests all asking at epoch
	}{
		{10, 1, []time.Duration{0, 100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond}},
		{10, 3, []time.Duration{0, 0, 0, 100 * time.Millisecond, 200 * time.Millisecond}},
		{100.0 / 60, 1, []time.Duration{0, 600 * time.Millisecond, 1200 * time.Millisecond}},
		{rate.Inf, 1, []time.Duration{0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v/s burst %d", tt.limit, tt.burst), func(t *testing.T) {
			l, c := newTestLimiter(tt.limit, tt.burst)
			for i, want := range tt.want {
				if got := slot(l, c.now()).Sub(epoch); got != want {
					t.Errorf("request %d at %v, want %v", i, got, want)
				}
			}
		})
	}
}

// TestLimiterDoesNotSaveUpIdleTime: a bucket holds burst tokens, no more,
// so after a quiet spell requests do not rush to catch up.
func TestLimiterDoesNotSaveUpIdleTime(t *testing.T) {
	l, c := newTestLimiter(10, 1)
	slot(l, c.now())
	c.advance(time.Minute)
	if got := slot(l, c.now()); !got.Equal(c.now()) {
		t.Fatalf("after a pause: %v, want now", got.Sub(c.now()))
	}
	if got := slot(l, c.now()).Sub(c.now()); got != 100*time.Millisecond {
		t.Fatalf("next one after %v, want 100ms", got)
	}
}

func TestLimiterHoldsEveryWorkerForRetryAfter(t *testing.T) {
	l, c := newTestLimiter(10, 1)
	early, cuts := l.reserve(c.now()) // a slot taken before the 429 arrives
	l.Throttled(3 * time.Second)
	if l.valid(cuts, early) {
		t.Fatal("a slot reserved before the 429 is not held back")
	}
	during, cuts := l.reserve(c.now())
	if during.Sub(epoch) != 3*time.Second {
		t.Fatalf("a slot asked for during the pause is at %v, want its end, 3s", during.Sub(epoch))
	}
	c.advance(3 * time.Second)
	if l.valid(cuts, c.now()) {
		t.Fatal("a slot reserved before the cut was settled is still valid")
	}
	first, cuts := l.reserve(c.now())
	if !first.Equal(c.now()) || !l.valid(cuts, first) {
		t.Fatalf("first request after the pause at %v, want at its end", first.Sub(epoch))
	}
	if second := slot(l, c.now()); !second.After(first) {
		t.Fatalf("second request at %v: the pause let requests pile up", second.Sub(epoch))
	}
}

// TestLimiterCountsAnswersThatArriveDuringThePause: a server answers 429s
// faster than it creates groups, so the creates sent before the first 429
// are answered after it, during the pause, and still tell the quota.
func TestLimiterCountsAnswersThatArriveDuringThePause(t *testing.T) {
	l, c := newTestLimiter(rate.Inf, 1)
	slot(l, c.now())
	c.advance(time.Millisecond)
	l.Throttled(time.Second)
	for range 10 {
		c.advance(time.Millisecond)
		l.Succeeded()
	}
	c.advance(time.Second)
	if got, want := l.Limit(), rate.Limit(10/minWindow.Seconds()*decrease); !near(got, want) {
		t.Fatalf("rate %v, want %v", got, want)
	}
}

func TestLimiterWithoutRetryAfterPausesASecond(t *testing.T) {
	l, c := newTestLimiter(rate.Inf, 1)
	l.Throttled(0)
	if got := slot(l, c.now()).Sub(epoch); got != defaultHold {
		t.Fatalf("paused %v, want %v", got, defaultHold)
	}
}

// TestLimiterCutsOncePerSignal: the requests in flight when the quota runs
// out come back 429 together; they lower the rate once.
func TestLimiterCutsOncePerSignal(t *testing.T) {
	l, c := newTestLimiter(20, 1)
	slot(l, c.now())
	c.advance(2 * time.Second)
	for range 40 {
		l.Succeeded()
	}
	for range 8 {
		l.Throttled(time.Second)
		c.advance(10 * time.Millisecond)
	}
	c.advance(time.Second)
	if got, want := l.Limit(), rate.Limit(20*decrease); !near(got, want) {
		t.Fatalf("rate %v after one burst of 429s, want one cut to %v", got, want)
	}
	l.Throttled(time.Second) // after the pause: a new signal
	c.advance(time.Second)
	if got := l.Limit(); got >= rate.Limit(20*decrease) {
		t.Fatalf("rate %v: a 429 after the pause did not lower it", got)
	}
}

// TestLimiterCutsToWhatTheServerAccepted: a rate told far above the quota
// drops to (a share of) what the server let through, not by half a step
// at a time.
func TestLimiterCutsToWhatTheServerAccepted(t *testing.T) {
	l, c := newTestLimiter(1000, 1)
	slot(l, c.now())
	for range 50 { // 50 accepted over 5 s: the quota is 10/s
		c.advance(100 * time.Millisecond)
		l.Succeeded()
	}
	l.Throttled(time.Second)
	c.advance(time.Second)
	if got, want := l.Limit(), rate.Limit(10*decrease); !near(got, want) {
		t.Fatalf("rate %v, want %v", got, want)
	}
}

// TestLimiterMeasuresOverAMinimumWindow: the burst a server's bucket
// allows at once is not its rate.
func TestLimiterMeasuresOverAMinimumWindow(t *testing.T) {
	l, c := newTestLimiter(rate.Inf, 1)
	slot(l, c.now())
	for range 10 { // a full bucket of 10 in 10ms
		c.advance(time.Millisecond)
		l.Succeeded()
	}
	l.Throttled(time.Second)
	c.advance(time.Second)
	if got, want := l.Limit(), rate.Limit(10/minWindow.Seconds()*decrease); !near(got, want) {
		t.Fatalf("rate %v, want %v", got, want)
	}
}

// TestLimiterMeasuresTheQuotaAfterAPause: still over the quota after a
// cut, the Limiter measures what the server accepted over a window that
// starts with the pause, in which the server's bucket refilled.
func TestLimiterMeasuresTheQuotaAfterAPause(t *testing.T) {
	l, c := newTestLimiter(30, 1)
	slot(l, c.now())
	c.advance(2 * time.Second)
	for range 40 {
		l.Succeeded()
	}
	l.Throttled(time.Second) // 20/s accepted: cut to 18/s
	c.advance(time.Second)   // the pause
	for range 20 {           // 20 accepted in the next second
		c.advance(50 * time.Millisecond)
		l.Succeeded()
	}
	l.Throttled(time.Second)
	c.advance(time.Second)
	// 20 over the 2s since the last cut.
	if got, want := l.Limit(), rate.Limit(10*decrease); !near(got, want) {
		t.Fatalf("rate %v, want %v", got, want)
	}
}

// TestLimiterProbesPastTheReference: a 429 after the rate climbed back past
// the last reference puts the next one between what the server was seen to
// accept and just under the rate the 429 interrupted: all the way there
// when the server's first burst was one request, a tenth of the way when
// it was ten, since a deep bucket answers 429 long after the quota is
// passed. The climb back then takes the long span.
func TestLimiterProbesPastTheReference(t *testing.T) {
	for _, burst := range []int{1, 10} {
		t.Run(fmt.Sprint("burst ", burst), func(t *testing.T) {
			l, c := newTestLimiter(rate.Inf, 1)
			slot(l, c.now())
			c.advance(time.Second)
			for range burst {
				l.Succeeded()
			}
			l.Throttled(time.Second)
			c.advance(time.Second)
			if l.Limit(); !near(l.ref, rate.Limit(burst)) || l.span != climbEstimated {
				t.Fatalf("ref %v span %d after the first cut, want %d and %d", l.ref, l.span, burst, climbEstimated)
			}
			n := 6 * climbEstimated // long enough for probeTime to let the rate past
			for range n {           // accepted at the reference rate
				c.advance(time.Duration(float64(time.Second) / float64(burst)))
				l.Succeeded()
			}
			interrupted := l.Limit()
			if interrupted <= rate.Limit(burst)/margin {
				t.Fatalf("rate %v: not past the reference after %d accepted", interrupted, n)
			}
			l.Throttled(time.Second)
			c.advance(time.Second)
			known := max(rate.Limit(n)/rate.Limit(c.now().Add(-time.Second).Sub(epoch.Add(time.Second)).Seconds()), rate.Limit(burst))
			want := known + (interrupted*margin-known)/rate.Limit(burst)
			if l.Limit(); !near(l.ref, want) || l.span != climb || !near(l.limit, want*decrease) {
				t.Fatalf("ref %v span %d rate %v, want ref %v span %d rate %v", l.ref, l.span, l.limit, want, climb, want*decrease)
			}
		})
	}
}

func TestLimiterClimbsBackToTheCeilingAndNoFurther(t *testing.T) {
	l, c := newTestLimiter(10, 1)
	slot(l, c.now())
	c.advance(2 * time.Second)
	for range 18 { // 9/s accepted
		l.Succeeded()
	}
	l.Throttled(time.Second)
	c.advance(time.Second)
	cut, ref := l.Limit(), l.ref
	if !near(ref, 9) || !near(cut, 9*decrease) {
		t.Fatalf("cut to %v with reference %v, want %v and 9", cut, ref, 9*decrease)
	}
	prev := cut
	for i := 1; i <= l.span; i++ {
		l.Succeeded()
		if got := l.Limit(); got < prev || got > ref {
			t.Fatalf("after %d accepted: %v, want rising from %v up to the reference %v", i, got, prev, ref)
		}
		prev = l.Limit()
	}
	if !near(prev, ref) {
		t.Fatalf("after %d accepted: %v, want back at the reference %v", l.span, prev, ref)
	}
	for range 10 * climb { // past the reference, the climb takes time too
		c.advance(100 * time.Millisecond)
		l.Succeeded()
	}
	if got := l.Limit(); got != 10 {
		t.Fatalf("rate %v, want at the ceiling 10", got)
	}
}

func TestLimiterNeverGoesBelowTheFloor(t *testing.T) {
	l, c := newTestLimiter(rate.Inf, 1)
	for range 100 {
		l.Throttled(time.Second)
		c.advance(time.Hour)
	}
	if got := l.Limit(); got < l.floor {
		t.Fatalf("rate %v below the floor %v", got, l.floor)
	}
}

func TestLimiterWaitStopsWithTheContext(t *testing.T) {
	l := NewLimiter(10, 1)
	l.Throttled(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Wait(ctx); err != context.Canceled {
		t.Fatalf("Wait on a cancelled context: %v", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- l.Wait(ctx) }()
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("Wait cancelled during a pause: %v", err)
	}
}

func TestLimiterWaitUnlimitedReturnsAtOnce(t *testing.T) {
	l := NewLimiter(rate.Inf, 1)
	for range 1000 {
		if err := l.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLimiterFindsTheQuota runs the Limiter against a simulated server
// with a per-minute quota (a token bucket that answers 429 with the
// seconds until its next token, as the sandbox does), W workers, a round
// trip of 2ms for a create and 1ms for a 429, all in simulated time. Told the quota, a run gets no
// 429 and takes N/Q; told nothing or too much, it adapts: fewer than 2%
// of requests are 429s and it takes within 10% of N/Q.
func TestLimiterFindsTheQuota(t *testing.T) {
	tests := []struct {
		quota   int        // per minute
		burst   int        // the server's bucket; 0 is quota/60
		told    rate.Limit // --rate
		workers int
		rows    int
		// the largest share of 429s and of time over N/Q allowed
		throttled, slower float64
	}{
		{quota: 600, told: 10, workers: 4, rows: 600, throttled: 0, slower: 0.02},
		{quota: 600, told: 10, workers: 32, rows: 600, throttled: 0, slower: 0.02},
		{quota: 600, told: rate.Inf, workers: 4, rows: 600, throttled: 0.02, slower: 0.10},
		{quota: 600, told: 2000.0 / 60, workers: 4, rows: 600, throttled: 0.02, slower: 0.10},
		{quota: 600, told: 660.0 / 60, workers: 4, rows: 600, throttled: 0.02, slower: 0.10},
		{quota: 600, told: 2000.0 / 60, workers: 32, rows: 600, throttled: 0.02, slower: 0.10},
		// Unpaced, every worker's first request may meet an empty bucket:
		// a cost paid once, small in a long run.
		{quota: 600, told: rate.Inf, workers: 32, rows: 3000, throttled: 0.02, slower: 0.10},
		{quota: 100, told: rate.Inf, workers: 4, rows: 500, throttled: 0.02, slower: 0.10},
		{quota: 100, told: 1000.0 / 60, workers: 4, rows: 500, throttled: 0.02, slower: 0.10},
		{quota: 1000, told: rate.Inf, workers: 8, rows: 2000, throttled: 0.02, slower: 0.10},
		{quota: 1000, told: 3000.0 / 60, workers: 8, rows: 2000, throttled: 0.02, slower: 0.10},
		{quota: 300, told: rate.Inf, workers: 4, rows: 1500, throttled: 0.02, slower: 0.10},
		{quota: 100, told: rate.Inf, workers: 4, rows: 3000, throttled: 0.02, slower: 0.10},
		{quota: 6000, told: rate.Inf, workers: 32, rows: 20000, throttled: 0.02, slower: 0.10},
		// A quota refilled a minute at a time.
		{quota: 600, burst: 600, told: rate.Inf, workers: 4, rows: 3000, throttled: 0.02, slower: 0.10},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("quota %d/min told %v/min %d workers %d rows", tt.quota, float64(tt.told)*60, tt.workers, tt.rows)
		t.Run(name, func(t *testing.T) {
			s := simulate(tt.quota, tt.burst, tt.told, tt.workers, tt.rows)
			ideal := time.Duration(float64(tt.rows) / float64(tt.quota) * float64(time.Minute))
			share := float64(s.throttled) / float64(s.requests)
			slower := s.elapsed.Seconds()/ideal.Seconds() - 1
			t.Logf("%d requests, %d 429s (%.2f%%), %v for N/Q %v (%+.1f%%), final rate %.2f/s",
				s.requests, s.throttled, 100*share, s.elapsed.Round(time.Millisecond), ideal, 100*slower, float64(s.final))
			if share > tt.throttled {
				t.Errorf("%.2f%% of requests were 429s, want at most %.0f%%", 100*share, 100*tt.throttled)
			}
			// A server's full bucket at the start lets a run beat N/Q
			// by that much.
			head := float64(max(tt.burst, tt.quota/60)) / float64(tt.rows)
			if slower > tt.slower || slower < -head-0.02 {
				t.Errorf("took %v, %+.1f%% off N/Q %v; want within %.0f%%", s.elapsed, 100*slower, ideal, 100*tt.slower)
			}
		})
	}
}

type simResult struct {
	requests, throttled int
	elapsed             time.Duration
	final               rate.Limit
}

// simulate imports rows through workers sharing one Limiter against a
// token-bucket server, in simulated time. Each worker does what Run's do:
// Wait (reserve a slot, sleep until it, take a new one if a 429 came
// meanwhile), send, report the answer to the Limiter, and after a 429
// wait Retry-After before trying the row again.
func simulate(quota, burst int, told rate.Limit, workers, rows int) simResult {
	if burst == 0 {
		burst = max(quota/60, 1)
	}
	return simulateAgainst(&tokenBucket{perSec: float64(quota) / 60, burst: float64(burst), tokens: float64(burst), last: epoch},
		sim{told: told, workers: workers, rows: rows, rtt: 2 * time.Millisecond})
}

// quotaModel is a simulated server's quota: take spends one request at
// now, or says when to come back.
type quotaModel interface {
	take(now time.Time) (ok bool, retryAfter time.Duration)
}

// tokenBucket refills continuously, as the sandbox does.
type tokenBucket struct {
	perSec, burst, tokens float64
	last                  time.Time
}

func (b *tokenBucket) take(now time.Time) (bool, time.Duration) {
	b.tokens = math.Min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.perSec)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration(math.Max(1, math.Ceil((1-b.tokens)/b.perSec))) * time.Second
}

// fixedWindow lets n requests through per window, counted from start;
// a 429 asks the client back when the window ends (whole seconds).
// spentUntil answers 429 to everything before it, as when another job
// has used the quota.
type fixedWindow struct {
	n          int
	window     time.Duration
	start      time.Time
	spentUntil time.Time
	cur        int64 // the window used counts
	used       int
}

func (f *fixedWindow) take(now time.Time) (bool, time.Duration) {
	if now.Before(f.spentUntil) {
		return false, ceilSecond(f.spentUntil.Sub(now))
	}
	w := int64(now.Sub(f.start) / f.window)
	if w != f.cur {
		f.cur, f.used = w, 0
	}
	if f.used < f.n {
		f.used++
		return true, 0
	}
	end := f.start.Add(time.Duration(w+1) * f.window)
	return false, ceilSecond(end.Sub(now))
}

func ceilSecond(d time.Duration) time.Duration {
	return max((d+time.Second-1)/time.Second*time.Second, time.Second)
}

// sim is how a simulated run is made.
type sim struct {
	told    rate.Limit
	workers int
	rows    int
	rtt     time.Duration
	// onAnswer, when set, sees every answer: at, and whether it was a 429.
	onAnswer func(at time.Time, throttled bool)
	limiter  func(*Limiter) // called on the new Limiter, when set
}

// simulateAgainst runs s against server q in simulated time.
func simulateAgainst(srv quotaModel, s sim) simResult {
	rtt := s.rtt
	c := &clock{t: epoch}
	l := NewLimiter(s.told, 1)
	l.now = c.now
	if s.limiter != nil {
		s.limiter(l)
	}
	var (
		q        events
		res      simResult
		nextRow  int
		finished int
	)
	for w := range s.workers {
		if nextRow < s.rows {
			nextRow++
			heap.Push(&q, event{at: epoch, worker: w, kind: evWait})
		}
	}
	for q.Len() > 0 {
		e := heap.Pop(&q).(event)
		c.t = e.at
		switch e.kind {
		case evWait:
			slot, cuts := l.reserve(c.t)
			heap.Push(&q, event{at: slot, worker: e.worker, kind: evSlot, cuts: cuts})
		case evSlot:
			if !l.valid(e.cuts, c.t) {
				heap.Push(&q, event{at: c.t, worker: e.worker, kind: evWait})
				continue
			}
			// The server takes a token when the request arrives, and
			// answers a 429 at once but a create after some work.
			arrive := c.t.Add(rtt / 4)
			res.requests++
			ev := event{at: c.t.Add(rtt), worker: e.worker, kind: evAccepted}
			if ok, wait := srv.take(arrive); !ok {
				ev.at, ev.kind, ev.retryAfter = arrive.Add(rtt/4), evThrottled, wait
			}
			heap.Push(&q, ev)
		case evAccepted:
			if s.onAnswer != nil {
				s.onAnswer(c.t, false)
			}
			l.Succeeded()
			finished++
			if finished == s.rows {
				res.elapsed = c.t.Sub(epoch)
			}
			if nextRow < s.rows {
				nextRow++
				heap.Push(&q, event{at: c.t, worker: e.worker, kind: evWait})
			}
		case evThrottled:
			if s.onAnswer != nil {
				s.onAnswer(c.t, true)
			}
			res.throttled++
			l.Throttled(e.retryAfter)
			heap.Push(&q, event{at: c.t.Add(e.retryAfter), worker: e.worker, kind: evWait})
		}
	}
	res.final = l.Limit()
	return res
}

type eventKind int

const (
	evWait      eventKind = iota // the worker calls Wait
	evSlot                       // its slot has come: send unless held
	evAccepted                   // the answer: created
	evThrottled                  // the answer: 429
)

type event struct {
	at         time.Time
	seq        int
	worker     int
	kind       eventKind
	retryAfter time.Duration
	cuts       int // the Limiter's cuts when the slot was reserved
}

// events is a queue of events by time, first in first out among equals.
type events struct {
	e   []event
	seq int
}

func (q *events) Len() int { return len(q.e) }
func (q *events) Less(i, j int) bool {
	if !q.e[i].at.Equal(q.e[j].at) {
		return q.e[i].at.Before(q.e[j].at)
	}
	return q.e[i].seq < q.e[j].seq
}
func (q *events) Swap(i, j int) { q.e[i], q.e[j] = q.e[j], q.e[i] }
func (q *events) Push(x any) {
	e := x.(event)
	e.seq = q.seq
	q.seq++
	q.e = append(q.e, e)
}
func (q *events) Pop() any {
	e := q.e[len(q.e)-1]
	q.e = q.e[:len(q.e)-1]
	return e
}

func near(a, b rate.Limit) bool {
	return math.Abs(float64(a-b)) < 1e-9*math.Max(1, math.Abs(float64(b)))
}

// TestLimiterReportsCuts: a 429 that lowers the pace is told to OnCut once,
// when the pause ends, with the rates before and after and the pause.
func TestLimiterReportsCuts(t *testing.T) {
	l, c := newTestLimiter(10, 1)
	var cuts []PaceCut
	l.OnCut(func(pc PaceCut) { cuts = append(cuts, pc) })
	for range 20 {
		c.advance(100 * time.Millisecond)
		slot(l, c.now())
		l.Succeeded()
	}
	l.Throttled(2 * time.Second)
	l.Throttled(2 * time.Second) // an echo: the same signal
	if len(cuts) != 0 {
		t.Fatalf("cut reported before the pause ended: %+v", cuts)
	}
	c.advance(2 * time.Second)
	got := l.Limit()
	if len(cuts) != 1 {
		t.Fatalf("%d cuts reported, want 1", len(cuts))
	}
	if cuts[0].From != 10 || cuts[0].To != got || got >= 10 || cuts[0].Hold != 2*time.Second {
		t.Errorf("cut %+v, limit now %v", cuts[0], got)
	}
}
