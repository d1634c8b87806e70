package importer

import (
	"fmt"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// TestLimiterResumesAtTheAskedRateAfterASpentQuota: when the first answer
// of a run is a 429 (another job spent the quota, or a resume right after a
// run that used it), nothing was accepted yet, so nothing says what the
// quota is: the run is held for the Retry-After and then goes on at the rate
// it was asked for, not at a rate measured from nothing.
func TestLimiterResumesAtTheAskedRateAfterASpentQuota(t *testing.T) {
	for _, asked := range []rate.Limit{100.0 / 60, 10, rate.Inf} {
		t.Run(fmt.Sprint(asked), func(t *testing.T) {
			l, c := newTestLimiter(asked, 1)
			slot(l, c.now())
			c.advance(5 * time.Millisecond)
			l.Throttled(30 * time.Second)
			l.Throttled(30 * time.Second) // the other workers' requests
			if got := slot(l, c.now()).Sub(c.now()); got != 30*time.Second {
				t.Fatalf("a request during the hold leaves after %v, want the Retry-After, 30s", got)
			}
			c.advance(30 * time.Second)
			if got := l.Limit(); got != asked {
				t.Fatalf("rate %v after the hold, want the asked %v", got, asked)
			}
			// Still spent: a second 429 with nothing accepted holds
			// again and still takes nothing off the rate.
			slot(l, c.now())
			l.Throttled(10 * time.Second)
			c.advance(10 * time.Second)
			if got := l.Limit(); got != asked {
				t.Fatalf("rate %v after a second hold, want the asked %v", got, asked)
			}
			start := c.now()
			first, second := slot(l, start), slot(l, start)
			if asked != rate.Inf {
				if want := time.Duration(float64(time.Second) / float64(asked)); second.Sub(first) != want {
					t.Fatalf("requests %v apart after the hold, want %v", second.Sub(first), want)
				}
			}
		})
	}
}

// TestLimiterSpentQuotaIsRegainedAtOnce runs 4 workers told 100/min
// against a server whose quota (1,000/min, refilled a minute at a time) is
// spent for the first 90 s: in the minute after it frees, the run sends at
// the asked pace.
func TestLimiterSpentQuotaIsRegainedAtOnce(t *testing.T) {
	free := epoch.Add(90 * time.Second)
	srv := &fixedWindow{n: 1000, window: time.Minute, start: epoch, spentUntil: free}
	accepted, throttledAfter := 0, 0
	simulateAgainst(srv, sim{told: 100.0 / 60, workers: 4, rows: 300, rtt: 20 * time.Millisecond,
		onAnswer: func(at time.Time, throttled bool) {
			switch {
			case throttled && !at.Before(free):
				throttledAfter++
			case !throttled && at.Before(free.Add(time.Minute)):
				accepted++
			}
		}})
	if accepted < 95 {
		t.Errorf("%d requests accepted in the minute after the quota freed, want about 100 (the asked 100/min)", accepted)
	}
	if throttledAfter > 0 {
		t.Errorf("%d 429s after the quota freed", throttledAfter)
	}
}

// TestLimiterClimbsBackWithinAMinute: after a cut, a minute of clean
// answers brings the rate back to the reference (the quota as measured),
// however slow the quota, after the run's first 429 and after one met
// while probing above the reference.
func TestLimiterClimbsBackWithinAMinute(t *testing.T) {
	for _, quota := range []rate.Limit{0.5, 2, 20} {
		t.Run(fmt.Sprintf("%v/s", quota), func(t *testing.T) {
			l, c := newTestLimiter(rate.Inf, 1)
			slot(l, c.now())
			accept := func(d time.Duration) {
				end := c.now().Add(d)
				for c.now().Before(end) {
					c.advance(time.Duration(float64(time.Second) / float64(min(l.Limit(), quota))))
					l.Succeeded()
				}
			}
			accept(20 * time.Second) // the quota, accepted
			l.Throttled(time.Second)
			c.advance(time.Second)
			if l.Limit() >= quota {
				t.Fatalf("rate %v after a 429, want under the quota %v", l.Limit(), quota)
			}
			ref := l.ref
			accept(time.Minute)
			if got := l.Limit(); got < ref {
				t.Fatalf("rate %v after a minute of clean answers, want back at %v", got, ref)
			}
			// Past the reference: the 429 of a probe.
			accept(time.Minute)
			l.Throttled(time.Second)
			c.advance(time.Second)
			ref = l.ref
			accept(time.Minute)
			if got := l.Limit(); got < ref {
				t.Fatalf("rate %v a minute after a probing cut, want back at %v", got, ref)
			}
		})
	}
}

// TestLimiterKeepsTheQuotaItLearnt runs many workers, told nothing, against
// a quota of 1,000 a minute refilled a minute at a time, for several
// minutes. The first minute costs about a 429 per worker: nothing says the
// quota before it runs out. After that the quota is known, and the next
// minutes cost no burst: at most one 429 per worker over the rest of the
// run, and a few at most in any one minute.
func TestLimiterKeepsTheQuotaItLearnt(t *testing.T) {
	for _, workers := range []int{32, 128} {
		for _, rtt := range []time.Duration{2 * time.Millisecond, 50 * time.Millisecond} {
			t.Run(fmt.Sprintf("%d workers rtt %v", workers, rtt), func(t *testing.T) {
				// The run starts 10 s into the server's minute.
				srv := &fixedWindow{n: 1000, window: time.Minute, start: epoch.Add(-10 * time.Second)}
				firstEnd := srv.start.Add(time.Minute)
				perWindow := map[int64]int{}
				later := 0
				s := simulateAgainst(srv, sim{told: rate.Inf, workers: workers, rows: 5000, rtt: rtt,
					onAnswer: func(at time.Time, throttled bool) {
						if throttled && !at.Before(firstEnd) {
							later++
							perWindow[int64(at.Sub(srv.start)/time.Minute)]++
						}
					}})
				t.Logf("%d requests, %d 429s, %d after the first minute %v, %v", s.requests, s.throttled, later, perWindow, s.elapsed)
				if later > workers {
					t.Errorf("%d 429s after the first minute, want at most %d (one per worker)", later, workers)
				}
				for w, n := range perWindow {
					if n > 4 {
						t.Errorf("minute %d: %d 429s, a burst", w, n)
					}
				}
				// 5,000 rows at 1,000 a minute, starting 10 s into one.
				if limit := 4*time.Minute + 50*time.Second + 10*time.Second; s.elapsed > limit {
					t.Errorf("took %v, want within %v: the quota is not used", s.elapsed, limit)
				}
			})
		}
	}
}
