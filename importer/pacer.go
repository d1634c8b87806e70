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

// Limiter is the Pacer the command line uses: a token bucket at the rate the
// user set, which on a 429 holds every worker back for the server's
// Retry-After, halves its rate, and then creeps back up to the user's rate
// (additive increase, multiplicative decrease), so a rate set too high, or
// not set, settles just under the server's quota.
type Limiter struct {
	lim     *rate.Limiter
	ceiling rate.Limit // the user's rate: never exceeded
	floor   rate.Limit
	now     func() time.Time

	mu        sync.Mutex
	notBefore time.Time
	lastCut   time.Time
	step      rate.Limit // additive increase per accepted request
}

// NewLimiter paces at limit (rate.Inf for none) with the given burst.
func NewLimiter(limit rate.Limit, burst int) *Limiter {
	if burst < 1 {
		burst = 1
	}
	return &Limiter{
		lim:     rate.NewLimiter(limit, burst),
		ceiling: limit,
		floor:   1.0 / 60, // one a minute: below that, a run is hopeless anyway
		now:     time.Now,
	}
}

// Limit is the current rate.
func (l *Limiter) Limit() rate.Limit { return l.lim.Limit() }

// Wait implements Pacer.
func (l *Limiter) Wait(ctx context.Context) error {
	l.mu.Lock()
	hold := l.notBefore.Sub(l.now())
	l.mu.Unlock()
	if hold > 0 {
		t := time.NewTimer(hold)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
	return l.lim.Wait(ctx)
}

// Throttled implements Pacer.
func (l *Limiter) Throttled(retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if until := now.Add(retryAfter); until.After(l.notBefore) {
		l.notBefore = until
	}
	// The requests in flight when the quota ran out all come back 429
	// together: that is one signal, so the rate is cut once per window.
	if now.Sub(l.lastCut) < max(retryAfter, time.Second) {
		return
	}
	l.lastCut = now
	cur := l.lim.Limit()
	if cur == rate.Inf {
		// No rate was set: start from what is being achieved is unknown,
		// so start from a conservative guess and let increases find the
		// quota.
		cur = 100
	}
	next := max(cur/2, l.floor)
	l.lim.SetLimitAt(now, next)
	// Climb back over about a hundred accepted requests per halving.
	l.step = max(next/100, l.floor/10)
}

// Succeeded implements Pacer.
func (l *Limiter) Succeeded() {
	l.mu.Lock()
	defer l.mu.Unlock()
	cur := l.lim.Limit()
	if cur == l.ceiling || l.step == 0 {
		return
	}
	next := cur + l.step
	if l.ceiling != rate.Inf && next >= l.ceiling {
		next = l.ceiling
	}
	l.lim.SetLimitAt(l.now(), next)
}
