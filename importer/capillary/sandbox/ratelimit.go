package sandbox

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// limiter is one token bucket per credential. It is written here rather
// than taken from golang.org/x/time/rate because the sandbox must say, in
// Retry-After, exactly when the next token appears on its injectable clock.
type limiter struct {
	mu      sync.Mutex
	perSec  float64
	burst   float64
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(perMinute, burst int) *limiter {
	return &limiter{
		perSec:  float64(perMinute) / 60,
		burst:   float64(burst),
		buckets: make(map[string]*bucket),
	}
}

// take spends one token of cred's bucket at now. When none is left it
// reports how long until one is.
func (l *limiter) take(cred string, now time.Time) (wait time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
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
