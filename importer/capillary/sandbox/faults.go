package sandbox

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// faultState holds the current faults and the random source behind their
// decisions. One locked source, rather than a per-goroutine one, keeps a
// seeded run reproducible for a given order of requests.
type faultState struct {
	active atomic.Bool // any fault set: lets the common, fault-free path skip the lock

	mu  sync.Mutex
	f   Faults
	rng *rand.Rand
}

// decision is what the faults make of one request.
type decision struct {
	drop     bool
	status   int // an injected 5xx, or 0
	throttle bool
	wait     time.Duration // what a throttled answer asks the client to wait
	delay    time.Duration
}

// SetFaults replaces the faults injected from now on. A non-zero Seed
// reseeds the random source; Seed 0 keeps the current one. It panics if f is
// invalid (see Faults.Validate).
func (s *Server) SetFaults(f Faults) {
	if err := f.Validate(); err != nil {
		panic("sandbox: " + err.Error())
	}
	s.faults.set(f.withDefaults())
}

func (fs *faultState) set(f Faults) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.f = f
	switch {
	case f.Seed != 0:
		fs.rng = rand.New(rand.NewPCG(uint64(f.Seed), uint64(f.Seed)>>1^0x9e3779b97f4a7c15))
	case fs.rng == nil:
		now := uint64(time.Now().UnixNano())
		fs.rng = rand.New(rand.NewPCG(now, now>>1^0x9e3779b97f4a7c15))
	}
	fs.active.Store(f.Latency > 0 || f.Jitter > 0 || f.Error5xx > 0 || f.Drop > 0 ||
		f.Throttle > 0 || f.TimeoutAfterCreate > 0 || f.TimeoutAfterDelete > 0)
}

// decide draws only for the faults that are switched on, so switching one
// on or off does not reshuffle the others' draws for a fixed seed.
func (fs *faultState) decide() decision {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f := fs.f
	var d decision
	if f.Drop > 0 && fs.rng.Float64() < f.Drop {
		d.drop = true
		return d
	}
	if f.Error5xx > 0 && fs.rng.Float64() < f.Error5xx {
		d.status = [...]int{500, 502, 503, 504}[fs.rng.IntN(4)]
		return d
	}
	if f.Throttle > 0 && fs.rng.Float64() < f.Throttle {
		d.throttle = true
		d.wait = f.ThrottleRetryAfter
		if d.wait == 0 {
			d.wait = time.Second
		}
		return d
	}
	d.delay = f.Latency
	if f.Jitter > 0 {
		d.delay += time.Duration(fs.rng.Int64N(int64(f.Jitter) + 1))
	}
	return d
}

// hangAfterCreate decides whether a successful create goes unanswered, and
// for how long at most.
func (fs *faultState) hangAfterCreate() (time.Duration, bool) {
	return fs.hangAfter(func(f *Faults) float64 { return f.TimeoutAfterCreate })
}

// hangAfterDelete is hangAfterCreate for a successful delete.
func (fs *faultState) hangAfterDelete() (time.Duration, bool) {
	return fs.hangAfter(func(f *Faults) float64 { return f.TimeoutAfterDelete })
}

// hangAfter draws against the share that share picks, only when that share
// is on, so switching one after-work fault on leaves the other's draws as
// they were.
func (fs *faultState) hangAfter(share func(*Faults) float64) (time.Duration, bool) {
	if !fs.active.Load() {
		return 0, false
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if p := share(&fs.f); p > 0 && fs.rng.Float64() < p {
		return fs.f.HangFor, true
	}
	return 0, false
}

// injectFaults applies the pre-work faults to r and reports whether they
// answered it (or dropped it), in which case nothing else may happen.
func (s *Server) injectFaults(w http.ResponseWriter, r *http.Request) bool {
	if !s.faults.active.Load() {
		return false
	}
	d := s.faults.decide()
	switch {
	case d.drop:
		s.stats.drops.Add(1)
		s.drop(w)
		return true
	case d.status != 0:
		s.stats.faults5xx.Add(1)
		s.write5xx(w, d.status)
		return true
	case d.throttle:
		s.writeThrottled(w, s.now(), d.wait, "Too many requests.")
		return true
	case d.delay > 0:
		if !s.sleep(r.Context(), d.delay) {
			// The client left or the sandbox is closing: nobody reads an answer.
			s.drop(w)
			return true
		}
	}
	return false
}

// sleep waits for d in real time and reports false if ctx ended or the
// sandbox closed first.
func (s *Server) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	if s.hookWait != nil {
		s.hookWait()
	}
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.done:
		return false
	}
}

// hang holds a request whose work was done (a group created or deleted)
// without answering, until the client gives up, d passes or the sandbox
// closes, then drops the connection: the client cannot tell this from a
// request that never arrived.
func (s *Server) hang(w http.ResponseWriter, r *http.Request, d time.Duration) {
	s.stats.hangs.Add(1)
	s.sleep(r.Context(), d)
	s.drop(w)
}

// drop closes the connection without a byte of response.
func (s *Server) drop(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	// HTTP/2 and wrapped writers cannot hijack; aborting the handler makes
	// net/http reset the stream or close the connection instead.
	panic(http.ErrAbortHandler)
}

// write5xx mimics where such errors come from: 500 and 503 from the API
// itself (JSON, the docs' "all requests failed" and "authorization status
// unavailable"), 502 and 504 from the proxy in front of it (an HTML page).
func (s *Server) write5xx(w http.ResponseWriter, status int) {
	switch status {
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		text := strconv.Itoa(status) + " " + http.StatusText(status)
		body := "<html>\r\n<head><title>" + text + "</title></head>\r\n<body>\r\n<center><h1>" + text +
			"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
		h := w.Header()
		h.Set("Content-Type", "text/html")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		w.Write([]byte(body))
	case http.StatusServiceUnavailable:
		s.writeError(w, status, status, "Authorization status unavailable.")
	default:
		s.writeError(w, status, status, "All requests failed.")
	}
}
