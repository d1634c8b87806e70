package main

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"io"
	"log"
	"net"
	"net/http"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// server is a sandbox served in this process on a loopback port. A fresh
// one per measured run keeps every run's creates new and its store small.
type server struct {
	api *sandbox.Server
	hs  *http.Server
	URL string
	rec *arrivals // nil unless the run's pace is measured
	cpu time.Duration
}

func startSandbox(cfg sandbox.Config, record bool) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &server{api: sandbox.New(cfg), URL: "http://" + ln.Addr().String(), cpu: selfCPU()}
	var h http.Handler = s.api
	if record {
		s.rec = &arrivals{start: time.Now()}
		h = s.rec.wrap(s.api)
	}
	s.hs = &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	go s.hs.Serve(ln)
	return s, nil
}

// close stops the server and returns its counters; s.cpu is then the CPU
// time the harness used while it ran, which is the sandbox's.
func (s *server) close() sandbox.Stats {
	s.hs.Close()
	s.api.Close()
	s.cpu = selfCPU() - s.cpu
	return s.api.Stats()
}

// basicAuth is the Authorization header for the sandbox's demo till.
func basicAuth() string {
	sum := md5.Sum([]byte(sandbox.DefaultTillPassword))
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(sandbox.DefaultTill+":"+hex.EncodeToString(sum[:])))
}

// arrivals records when each group request reached the server, before any
// injected latency: the pace a client really sends at.
type arrivals struct {
	start time.Time
	mu    sync.Mutex
	at    []time.Duration
}

func (a *arrivals) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == sandbox.GroupPath {
			t := time.Since(a.start)
			a.mu.Lock()
			a.at = append(a.at, t)
			a.mu.Unlock()
		}
		h.ServeHTTP(w, r)
	})
}

// times returns the arrivals, sorted, relative to the first.
func (a *arrivals) times() []time.Duration {
	a.mu.Lock()
	at := slices.Clone(a.at)
	a.mu.Unlock()
	slices.Sort(at)
	if len(at) > 0 {
		first := at[0]
		for i := range at {
			at[i] -= first
		}
	}
	return at
}

// windowStats slides a window of length win over the arrivals, starting
// skip after the first one and stopping where the window would pass the
// last, in steps of step. It returns the worst relative deviation of a
// window's rate from want (per second), the lowest and highest window
// rates, and how many windows were looked at.
func windowStats(at []time.Duration, want float64, skip, win, step time.Duration) (worst, lo, hi float64, n int) {
	if len(at) == 0 {
		return 0, 0, 0, 0
	}
	last := at[len(at)-1]
	lo = -1
	for t := skip; t+win <= last; t += step {
		i := sort.Search(len(at), func(k int) bool { return at[k] >= t })
		j := sort.Search(len(at), func(k int) bool { return at[k] >= t+win })
		r := float64(j-i) / win.Seconds()
		if d := abs(r/want - 1); d > worst {
			worst = d
		}
		if lo < 0 || r < lo {
			lo = r
		}
		hi = max(hi, r)
		n++
	}
	return worst, max(lo, 0), hi, n
}

// perInterval counts arrivals in consecutive intervals of length d.
func perInterval(at []time.Duration, d time.Duration) []int {
	if len(at) == 0 {
		return nil
	}
	out := make([]int, int(at[len(at)-1]/d)+1)
	for _, t := range at {
		out[int(t/d)]++
	}
	return out
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}
