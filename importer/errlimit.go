package importer

import (
	"fmt"
	"sync"
)

// errorLimit decides when a run is hopeless: every row failing the same way
// (a wrong host, an org that refuses the file) should stop the run rather
// than grind through hours of quota. The workers share it, each telling it
// of a row as the row finishes.
type errorLimit struct {
	mu        sync.Mutex
	stopAt    int
	rate      float64
	min       int
	sent, bad int
}

func (l *errorLimit) observe(r Result) error {
	if l.stopAt <= 0 && l.rate <= 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch r.Status {
	case Rejected, Failed:
		l.bad++
		l.sent++
	case Created, CreatedWithWarnings, Conflict:
		l.sent++
	default:
		return nil
	}
	if l.stopAt > 0 && l.bad >= l.stopAt {
		return fmt.Errorf("%w: %w: %d rows rejected or failed, more than the limit of %d", ErrAborted, ErrTooManyErrors, l.bad, l.stopAt-1)
	}
	if l.rate > 0 && l.sent >= l.min && float64(l.bad) > l.rate*float64(l.sent) {
		return fmt.Errorf("%w: %w: %d of the %d rows sent were rejected or failed, over the limit of %g%%", ErrAborted, ErrTooManyErrors, l.bad, l.sent, l.rate*100)
	}
	return nil
}
