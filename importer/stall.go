package importer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrStalled is why a run stopped at Config.StallTimeout: rows waited to be
// sent and the API accepted none of their requests for that long (it kept
// answering 429, or failing). It comes wrapped with ErrAborted.
var ErrStalled = errors.New("no request accepted")

// stallWatch stops a run in which no request has been accepted for timeout
// while rows were waiting to be sent. A quota spent for good, or a server
// that throttles every request, would otherwise hold an unattended run for
// ever: each row tolerates many 429s, and there are many rows. Time in
// which no row waits (the input is slow to come) does not count.
type stallWatch struct {
	timeout  time.Duration
	mu       sync.Mutex
	busy     int       // rows being sent
	since    time.Time // the last request accepted, or when rows began to wait
	idleFrom time.Time // when busy last fell to 0
	refused  int       // 429s since then
}

// begin is a row starting to be sent; end, that row done.
func (s *stallWatch) begin() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.busy == 0 {
		// Time with no row waiting does not count; the time before it
		// still does, so that one worker taking row after row that
		// each gives up on 429s is no progress.
		now := time.Now()
		if s.since.IsZero() {
			s.since = now
		} else {
			s.since = s.since.Add(now.Sub(s.idleFrom))
		}
	}
	s.busy++
}

func (s *stallWatch) end() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.busy--; s.busy == 0 {
		s.idleFrom = time.Now()
	}
}

// answered records an answer: accepted, or a 429.
func (s *stallWatch) answered(throttled bool) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if throttled {
		s.refused++
		return
	}
	s.since, s.refused = time.Now(), 0
}

// left is how long until the run is stalled; 0 or less when it is.
func (s *stallWatch) left(now time.Time) (time.Duration, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.busy == 0 {
		return s.timeout, 0
	}
	return s.since.Add(s.timeout).Sub(now), s.refused
}

// watch calls stop once the run is stalled, or returns when ctx is done.
func (s *stallWatch) watch(ctx context.Context, stop func(error)) {
	t := time.NewTimer(s.timeout)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		d, refused := s.left(time.Now())
		if d > 0 {
			t.Reset(d)
			continue
		}
		why := "every request failed"
		if refused > 0 {
			why = "the API answered 429 (rate limited) " + Plural(refused, "time")
		}
		stop(fmt.Errorf("%w: %w for %v while rows waited to be sent: %s", ErrAborted, ErrStalled, s.timeout, why))
		return
	}
}
