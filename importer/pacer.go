package importer

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Pacer spaces requests. All workers share one, because the API's quota is
// per key, not per connection.
type Pacer interface {
	// Wait blocks until a request may be sent or ctx is done.
	Wait(ctx context.Context) error
	// Throttled reports a 429; retryAfter is the server's wait, or 0.
	Throttled(retryAfter time.Duration)
	// Succeeded reports a request the server accepted without throttling.
	Succeeded()
}

// Tuning of the Limiter's answer to 429s. They were chosen by simulating
// runs against token-bucket quotas of 100 to 6,000 a minute, told the
// quota, nothing or too much, with 4 to 32 workers (TestLimiterFindsTheQuota).
const (
	// decrease is the multiplicative decrease: after a 429 the rate drops
	// to this share of the reference rate (see Throttled).
	decrease = 0.9
	// climb is how many accepted requests the rate takes to grow back to
	// the reference after a cut made when probing above it: the longer,
	// the rarer the 429s once the quota is found. A reference that was
	// only estimated is regained in half as many.
	climb, climbEstimated = 100, 50
	// margin puts the reference just under the rate a 429 interrupted.
	margin = 0.97
	// minWindow is the shortest time an accepted rate is measured over: a
	// server's bucket lets a burst through at once, which is not its rate.
	minWindow = 500 * time.Millisecond
	// minSamples is the fewest accepted requests a measured rate is
	// trusted on.
	minSamples = 10
	// defaultHold is the pause after a 429 that names no Retry-After.
	defaultHold = time.Second
	// climbTime bounds the climb back to the reference in time: however
	// slow the quota, and so however few requests a minute, a minute of
	// clean answers brings the rate back to it.
	climbTime = 45 * time.Second
	// probeTime bounds the climb past the reference in time: at most
	// (1-decrease)·(t/probeTime)³ above it, t after the cut. A quota
	// counted per window answers no 429 until the window's share is spent,
	// however far past the quota the rate has climbed: without this bound
	// the climb, counted in requests, outruns the quota it learnt by a
	// hundredfold within a window, and the next window's 429 comes back
	// to every worker at once.
	probeTime = 30 * time.Second
	// retryAfterGrain is the resolution of a Retry-After in seconds: the
	// server may accept again up to that much before the pause ends.
	retryAfterGrain = time.Second
)

// Limiter is the Pacer the command line uses: a token bucket at the rate
// the user set, which on a 429 holds every worker back for the server's
// Retry-After, lowers its rate (multiplicative decrease) and then creeps
// back up, never past the user's rate, so that a rate set too high, or not
// set, settles just under the server's quota.
//
// The bucket is an x/time/rate Limiter: each Wait reserves the next token,
// so requests leave 1/rate apart however many workers wait. A token
// reserved before a 429 is given up for one after the pause, at the new
// rate, from a bucket that starts again when the pause ends.
//
// A 429 before the server accepted anything (the quota was spent before
// the run began, by another job or by the run this one resumes) says
// nothing of the quota: it holds every worker for the Retry-After, and the
// run then goes on at the rate it was asked for.
//
// A cut is taken from a reference rate, which depends on what came before
// the 429. Rates are measured up to the end of the pause (less the grain
// of a Retry-After), when the server accepts again, so that a quota
// counted per minute is measured over its minute:
//
//   - the first 429 of the run: the rate the server let through so far;
//   - a 429 before the rate climbed back to the last reference (the cut was
//     not deep enough): the rate the server accepted since that cut, over a
//     window that starts with the pause, when the server's bucket refilled;
//   - a 429 after the rate climbed past the last reference: between the
//     rate known to be accepted and just under the rate the 429 interrupted,
//     the nearer the first the larger the burst the server allowed at the
//     start, since a deep bucket lets a client run past the quota for a
//     while before it answers 429.
//
// The climb back is a cubic, as in TCP's CUBIC: fast at first, flat around
// the reference, where a rate near the quota spends most of its time, then
// faster and faster, so that a quota higher than the reference is soon
// found. It counts accepted requests or time, whichever is further along,
// so that even a slow quota is regained within climbTime; past the
// reference it is bounded in time (probeTime), so that what was learnt
// holds for the next window of a quota counted per window. Only the first
// 429 of a pause counts: the requests in flight when the quota ran out all
// come back 429 together.
type Limiter struct {
	ceiling rate.Limit // the user's rate: never exceeded
	floor   rate.Limit
	burst   int
	now     func() time.Time

	mu        sync.Mutex
	limit     rate.Limit    // the current rate
	bucket    *rate.Limiter // paces requests at limit
	notBefore time.Time     // no request leaves before this: the server's Retry-After
	cutUntil  time.Time     // 429s before this are echoes of the last cut
	cuts      int           // slots reserved before the last cut are void
	since     time.Time     // start of the window the accepted rate is measured over
	accepted  int           // requests accepted since then
	ref       rate.Limit    // the last cut's reference; 0 before any 429
	span      int           // accepted requests the climb takes back to ref
	climbed   int           // requests accepted since the last cut
	climbFrom time.Time     // when the last cut took effect: the end of its pause
	past      bool          // the climb has reached ref since the last cut
	burstSeen int           // requests accepted before the first 429: about the server's burst
	pending   *cut          // a cut settled when its pause ends
	onCut     func(PaceCut)
}

// PaceCut is a Limiter lowering its rate after a 429, for the user to see
// why a run slowed down.
type PaceCut struct {
	From, To rate.Limit    // the rate before and after the cut
	Hold     time.Duration // how long every request was held: the server's Retry-After, or the default pause
}

// OnCut sets f to be told of every cut, when it takes effect (at the end
// of the pause the 429 started). f runs with the Limiter locked: it must
// be quick and must not call the Limiter. Set it before the first Wait.
func (l *Limiter) OnCut(f func(PaceCut)) { l.onCut = f }

// cut is what a 429 found, settled when the pause it started ends: the
// answers to requests sent before the 429 still arrive during the pause
// (a server answers 429s faster than creates), and count.
type cut struct {
	first    bool          // the run's first 429
	probing  bool          // the rate had climbed back past the last reference
	limit    rate.Limit    // the rate the 429 interrupted
	window   time.Duration // from the previous cut (or the first request) to the 429; 0 if nothing was sent
	accepted int           // requests accepted in that window, answers during the pause included
	hold     time.Duration // the pause
}

// NewLimiter paces at limit (rate.Inf for none) with the given burst.
func NewLimiter(limit rate.Limit, burst int) *Limiter {
	return &Limiter{
		ceiling: limit,
		limit:   limit,
		bucket:  rate.NewLimiter(limit, max(burst, 1)),
		floor:   1.0 / 60, // one a minute: below that, a run is hopeless anyway
		burst:   max(burst, 1),
		now:     time.Now,
	}
}

// Limit is the current rate.
func (l *Limiter) Limit() rate.Limit {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.settle(l.now())
	return l.limit
}

// Held is how much longer every request is held back by the last 429's
// pause; 0 when none is on.
func (l *Limiter) Held() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return max(l.notBefore.Sub(l.now()), 0)
}

// Wait implements Pacer.
func (l *Limiter) Wait(ctx context.Context) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		now := l.now()
		at, cuts := l.reserve(now)
		d := at.Sub(now)
		if d <= 0 {
			return nil
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
		// A 429 that came while this request waited holds it back too:
		// it takes a new slot, after the pause and at the new rate.
		if l.valid(cuts, l.now()) {
			return nil
		}
	}
}

// reserve takes the first free slot at or after now and returns its time,
// and the number of cuts so far, for valid.
func (l *Limiter) reserve(now time.Time) (time.Time, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.settle(now)
	if l.since.IsZero() {
		l.since = now // the first request starts the first window
	}
	at := now
	if at.Before(l.notBefore) {
		at = l.notBefore
	}
	if l.limit == rate.Inf || l.pending != nil {
		// During a pause whose cut is not settled, the slot is the end
		// of the pause; valid then sends the request for a new one.
		return at, l.cuts
	}
	at = at.Add(l.bucket.ReserveN(at, 1).DelayFrom(at))
	return at, l.cuts
}

// valid reports whether a slot reserved when cuts was the number of cuts
// may be used at now: no pause is on, and the rate it was reserved at has
// not been cut since. Slots reserved before a cut are spaced for a rate
// the server refused.
func (l *Limiter) valid(cuts int, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.settle(now)
	return cuts == l.cuts && !now.Before(l.notBefore)
}

// Throttled implements Pacer.
func (l *Limiter) Throttled(retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.settle(now)
	hold := retryAfter
	if hold <= 0 {
		hold = defaultHold
	}
	if until := now.Add(hold); until.After(l.notBefore) {
		l.notBefore = until
	}
	// The requests in flight when the quota ran out all come back 429
	// together: that is one signal, so the rate is cut once, and the next
	// cut needs a 429 to a request sent after this pause.
	if now.Before(l.cutUntil) {
		return
	}
	l.cutUntil = now.Add(max(hold, minWindow))
	c := &cut{first: l.ref == 0, probing: l.ref != 0 && l.past, limit: l.limit, accepted: l.accepted, hold: hold}
	// The server accepts nothing before the pause ends, give or take the
	// Retry-After's grain: that time belongs to the window the quota was
	// spent in. A quota counted per minute that answers "come back in
	// 50 s" gave what it accepted over the whole minute, not over the
	// seconds the run took to spend it.
	dead := max(hold-retryAfterGrain, 0)
	if !l.since.IsZero() {
		c.window = now.Add(dead).Sub(l.since)
	}
	l.pending = c
	l.cuts++ // slots taken at the old rate are void
	l.since, l.accepted = now.Add(dead), 0
}

// settle applies a pending cut once its pause is over at now.
func (l *Limiter) settle(now time.Time) {
	c := l.pending
	if c == nil || now.Before(l.notBefore) {
		return
	}
	l.pending = nil
	l.cuts++
	if c.first && c.accepted == 0 {
		// Nothing was accepted yet (the quota was spent before the run
		// began): a rate measured now would be 0, which says nothing of
		// the quota. The pause was the answer; the run goes on at the
		// rate it was asked for, and learns the quota from the first
		// 429 that follows an accepted request.
		l.limit = l.ceiling
		l.bucket = rate.NewLimiter(l.limit, l.burst)
		return
	}
	measured := c.limit // nothing sent: nothing measured
	if c.window > 0 {
		measured = rate.Limit(c.accepted) / rate.Limit(max(c.window, minWindow).Seconds())
	}
	ref, span := c.limit, climbEstimated
	switch {
	case c.first:
		ref = min(c.limit, measured)
		l.burstSeen = max(c.accepted, 1)
	case c.probing:
		known := max(measured, l.ref)
		ref, span = c.limit*margin, climb
		if ref > known {
			ref = known + (ref-known)/rate.Limit(l.burstSeen)
		}
	case c.accepted >= minSamples:
		// A server whose bucket holds less than a pause's worth of
		// requests refills less than the pause suggests: never cut
		// below half the rate on that measure alone.
		ref = min(c.limit, max(measured, c.limit/2))
	}
	l.ref, l.span, l.climbed = max(ref, l.floor), span, 0
	l.climbFrom, l.past = l.notBefore, false
	l.limit = max(ref*decrease, l.floor)
	if l.onCut != nil {
		l.onCut(PaceCut{From: c.limit, To: l.limit, Hold: c.hold})
	}
	// The schedule starts again after the pause, at the new rate: tokens
	// reserved at the old rate are void.
	l.bucket = rate.NewLimiter(l.limit, l.burst)
}

// Succeeded implements Pacer.
func (l *Limiter) Succeeded() {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if l.pending != nil && now.Before(l.notBefore) {
		// Sent before the 429: part of what the cut measures.
		l.pending.accepted++
		return
	}
	l.settle(now)
	l.accepted++
	if l.ref == 0 {
		return
	}
	l.climbed++
	// ref·(1 + (1-decrease)·x³), through decrease·ref at x = -1 (the cut)
	// and ref at x = 0. Up to ref, x counts accepted requests or time,
	// whichever is further along: a slow quota is regained within
	// climbTime. Past ref, x is bounded in time too (see probeTime).
	t := float64(now.Sub(l.climbFrom))
	x := max(float64(l.climbed)/float64(l.span), t/float64(climbTime)) - 1
	if x >= 0 {
		x, l.past = min(x, t/float64(probeTime)), true
	}
	r := l.ref * rate.Limit(1+(1-decrease)*x*x*x)
	l.limit = min(max(r, l.floor), l.ceiling)
	l.bucket.SetLimitAt(now, l.limit)
}
