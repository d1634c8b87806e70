package main

import (
	"bufio"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// sandboxOpts is what a measured run asks of its sandbox.
type sandboxOpts struct {
	quota   int           // requests per minute, 0 for none
	latency time.Duration // added to every request
	record  bool          // record when each group request arrived
}

// server is a sandbox running as a process of its own, started fresh for
// one measured run and stopped after it, so that its CPU time is its own
// and every run's creates are new. Without record it is "groupimport
// sandbox"; with record it is this harness re-executed with -serve, the
// same sandbox package behind a handler that notes each arrival, since
// groupimport sandbox does not report arrival times.
type server struct {
	URL      string
	cmd      *exec.Cmd
	stderr   *syncBuffer
	waited   chan struct{} // closed when the process has exited
	arrivals string        // file the recording sandbox writes on exit, or ""
	cpu0     time.Duration
	measured bool // clientDone was called

	cpu   time.Duration // the sandbox process's CPU while the client ran
	stats stats
	at    []time.Duration // arrivals, sorted, relative to the first
}

// stats are the sandbox's counters, from the line it prints on exit.
type stats struct{ requests, creates, conflicts, throttled int }

// syncBuffer is a goroutine-safe buffer for a child's stderr.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// startSandbox starts a fresh sandbox process on the harness's port and
// returns once it listens. The port is the same for every run, so that
// the peers' target files can name it before any sandbox starts.
func (b *bench) startSandbox(o sandboxOpts) (*server, error) {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(b.port))
	var cmd *exec.Cmd
	s := &server{URL: "http://" + addr, stderr: &syncBuffer{}}
	if o.record {
		self, err := os.Executable()
		if err != nil {
			return nil, err
		}
		f, err := os.CreateTemp("", "bench-arrivals-")
		if err != nil {
			return nil, err
		}
		f.Close()
		s.arrivals = f.Name()
		cmd = exec.Command(self, "-serve", addr, "-serve-quota", strconv.Itoa(o.quota),
			"-serve-latency", o.latency.String(), "-serve-arrivals", s.arrivals)
	} else {
		args := []string{"sandbox", "--addr", addr}
		if o.quota > 0 {
			args = append(args, "--quota", strconv.Itoa(o.quota))
		}
		if o.latency > 0 {
			args = append(args, "--latency", o.latency.String())
		}
		cmd = exec.Command(b.bin, args...)
	}
	pr, pw := io.Pipe()
	cmd.Stderr = io.MultiWriter(s.stderr, pw)
	ownGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s.cmd = cmd
	running.add(cmd.Process)
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		found := false
		for sc.Scan() {
			if !found && strings.Contains(sc.Text(), "listening on") {
				found = true
				ready <- true
			}
		}
		if !found {
			ready <- false
		}
	}()
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		pw.Close()
		close(exited)
	}()
	select {
	case ok := <-ready:
		if ok {
			break
		}
		<-exited
		running.remove(cmd.Process)
		return nil, fmt.Errorf("sandbox on %s did not start: %s", addr, tail(s.stderr.String(), 500))
	case <-time.After(15 * time.Second):
		killGroup(cmd.Process)
		<-exited
		running.remove(cmd.Process)
		return nil, fmt.Errorf("sandbox on %s: not listening after 15 s: %s", addr, tail(s.stderr.String(), 500))
	}
	s.waited = exited
	s.cpu0, _ = procCPU(cmd.Process.Pid)
	return s, nil
}

// clientDone marks the end of the measured client: the sandbox's CPU is
// counted up to here, so its start-up and shut-down are not.
func (s *server) clientDone() {
	if s.measured {
		return
	}
	s.measured = true
	if c, err := procCPU(s.cmd.Process.Pid); err == nil {
		s.cpu = c - s.cpu0
	}
}

var statRe = map[string]*regexp.Regexp{}

func statCount(line, key string) int {
	re, ok := statRe[key]
	if !ok {
		re = regexp.MustCompile(`(\d+) ` + key + `|` + key + `: (\d+)`)
		statRe[key] = re
	}
	m := re.FindStringSubmatch(line)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[1] + m[2])
	return n
}

// parseStats reads the counters from a sandbox's closing line, in either
// wording ("100 groups created" or "groups created: 100"); a count it
// cannot find is -1.
func parseStats(line string) stats {
	st := stats{statCount(line, "requests"), statCount(line, "groups created"), statCount(line, "conflicts"), statCount(line, "throttled")}
	if st.creates < 0 {
		st.creates = statCount(line, "created")
	}
	return st
}

// close stops the sandbox as Ctrl-C does, waits for it and reads its
// counters and, when recorded, the arrivals.
func (s *server) close() error {
	if !s.measured {
		s.clientDone()
	}
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.waited:
	case <-time.After(30 * time.Second):
		killGroup(s.cmd.Process)
		<-s.waited
	}
	running.remove(s.cmd.Process)
	out := s.stderr.String()
	i := strings.LastIndex(out, "sandbox stopped")
	if i < 0 {
		return fmt.Errorf("sandbox: no closing counters: %s", tail(out, 500))
	}
	s.stats = parseStats(lastLine(out[i:]))
	if s.arrivals != "" {
		defer os.Remove(s.arrivals)
		b, err := os.ReadFile(s.arrivals)
		if err != nil {
			return err
		}
		for _, f := range strings.Fields(string(b)) {
			ns, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				return fmt.Errorf("arrivals: %w", err)
			}
			s.at = append(s.at, time.Duration(ns))
		}
		slices.Sort(s.at)
		if len(s.at) > 0 {
			first := s.at[0]
			for i := range s.at {
				s.at[i] -= first
			}
		}
	}
	return nil
}

// serve is the recording sandbox process (-serve ADDR): the sandbox
// package behind a handler that notes when each group request arrived,
// before any injected latency, which is the pace a client really sends
// at. On SIGINT it writes the arrivals to file, one nanosecond offset a
// line, and the counters in groupimport sandbox's words.
func serve(addr string, quota int, latency time.Duration, file string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	api := sandbox.New(sandbox.Config{RatePerMinute: quota, Faults: sandbox.Faults{Latency: latency}})
	api.URL = "http://" + ln.Addr().String()
	rec := &arrivals{start: time.Now()}
	hs := &http.Server{Handler: rec.wrap(api), ReadHeaderTimeout: 30 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	api.WriteBanner(os.Stderr)
	go hs.Serve(ln)
	<-ctx.Done()
	hs.Close()
	api.Close()
	rec.mu.Lock()
	var sb strings.Builder
	for _, t := range rec.at {
		sb.WriteString(strconv.FormatInt(int64(t), 10))
		sb.WriteByte('\n')
	}
	rec.mu.Unlock()
	if err := os.WriteFile(file, []byte(sb.String()), 0o644); err != nil {
		return err
	}
	st := api.Stats()
	fmt.Fprintf(os.Stderr, "sandbox stopped: %d requests, %d groups created, %d conflicts, %d throttled\n",
		st.Requests, st.Creates, st.Conflicts, st.Throttled)
	return nil
}

// serveMain runs serve when the harness was started with -serve.
func serveMain(args []string) {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	addr := fs.String("serve", "", "")
	quota := fs.Int("serve-quota", 0, "")
	latency := fs.Duration("serve-latency", 0, "")
	file := fs.String("serve-arrivals", "", "")
	fs.Parse(args)
	if err := serve(*addr, *quota, *latency, *file); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

// freePort finds a loopback port no one listens on.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// basicAuth is the Authorization header for the sandbox's demo till.
func basicAuth() string {
	sum := md5.Sum([]byte(sandbox.DefaultTillPassword))
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(sandbox.DefaultTill+":"+hex.EncodeToString(sum[:])))
}

// arrivals records when each group request reached the server.
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
