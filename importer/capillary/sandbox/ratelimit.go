package sandbox

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// limiter is one token bucket per credential, or with a window one count
// per credential and window. It is written here rather than taken from
// golang.org/x/time/rate because the sandbox must say, in Retry-After,
// exactly when the next token appears on its injectable clock.
type limiter struct {
	mu      sync.Mutex
	perSec  float64 // 0: unlimited once the quota is no longer spent
	burst   float64
	buckets map[string]*bucket

	start      time.Time     // when the server started: windows count from it
	window     time.Duration // a fixed window, or 0 for the bucket
	perWindow  int
	spentUntil time.Time // every quota is spent until then; zero for never
}

type bucket struct {
	tokens float64
	last   time.Time
	win    int64 // the window used counts, with a fixed window
	used   int
}

func newLimiter(cfg Config, start time.Time) *limiter {
	l := &limiter{
		perSec:  float64(cfg.RatePerMinute) / 60,
		burst:   float64(cfg.RateBurst),
		buckets: make(map[string]*bucket),
		start:   start,
		window:  cfg.QuotaWindow,
	}
	if cfg.QuotaSpentFor > 0 {
		l.spentUntil = start.Add(cfg.QuotaSpentFor)
	}
	if l.window > 0 {
		l.perWindow = max(int(int64(cfg.RatePerMinute)*int64(l.window)/int64(time.Minute)), 1)
	}
	return l
}

// take spends one request of cred's quota at now. When none is left it
// reports how long until one is.
func (l *limiter) take(cred string, now time.Time) (wait time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Before(l.spentUntil) {
		return l.spentUntil.Sub(now), false
	}
	if l.perSec == 0 {
		return 0, true
	}
	if l.window > 0 {
		return l.takeWindow(cred, now)
	}
	b := l.buckets[cred]
	if b == nil {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[cred] = b
	}
	// A clock moved backwards refills nothing instead of draining the bucket.
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = min(l.burst, b.tokens+elapsed.Seconds()*l.perSec)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return time.Duration((1 - b.tokens) / l.perSec * float64(time.Second)), false
}

// takeWindow counts cred's requests in the window now falls in; when the
// window's share is spent, the wait is until the window ends.
func (l *limiter) takeWindow(cred string, now time.Time) (time.Duration, bool) {
	b := l.buckets[cred]
	if b == nil {
		b = &bucket{}
		l.buckets[cred] = b
	}
	w := int64(max(now.Sub(l.start), 0) / l.window)
	if w != b.win {
		b.win, b.used = w, 0
	}
	if b.used < l.perWindow {
		b.used++
		return 0, true
	}
	return l.start.Add(time.Duration(w+1) * l.window).Sub(now), false
}

// writeThrottled answers 429, telling the client to come back after wait in
// the way Config.RetryAfter selects. The hint is rounded up to whole seconds,
// the header's resolution, so a client that obeys it exactly is let through.
func (s *Server) writeThrottled(w http.ResponseWriter, now time.Time, wait time.Duration, message string) {
	s.stats.throttled.Add(1)
	switch s.cfg.RetryAfter {
	case RetryAfterSeconds:
		secs := max(int64((wait+time.Second-1)/time.Second), 1)
		if wait < 0 {
			secs = 0
		}
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	case RetryAfterHTTPDate:
		at := now.Add(wait)
		if wait >= 0 {
			at = now.Add(max(wait, time.Second))
		}
		if t := at.Truncate(time.Second); !t.Equal(at) {
			at = t.Add(time.Second)
		}
		w.Header().Set("Retry-After", at.UTC().Format(http.TimeFormat))
	}
	s.writeError(w, http.StatusTooManyRequests, http.StatusTooManyRequests, message)
}
