// Command bench is the benchmark harness behind "make bench" and "make
// bench-quick". Against a fresh sandbox process per measured run, on one
// loopback port, it times groupimport on generated files and the peers on
// the same sandbox and file at the same concurrency, the dry run against a
// bare encoding/csv read (cmd/bench/csvread), latency hiding, the quota
// behaviour, the accuracy of --rate and the ETA at a slow rate. Wall and
// CPU time of every measured process come from wait4, its peak RSS from
// GNU time, the sandbox's CPU from /proc. Missing peers are installed from
// Debian's packages, the Go module proxy or npm, or skipped with the
// reason.
//
// It prints Markdown tables and writes them to OUT/results.md.
//
//	go run ./cmd/bench [-quick] [-runs N] [-only go,throughput,dryrun,latency,quota,rate,eta]
package main

import (
	_ "embed"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"
)

//go:embed post.lua
var postLua []byte

// concurrency is the requests in flight for groupimport and for every
// peer that can be told (newman sends one at a time).
const concurrency = 32

type bench struct {
	bin                       string // groupimport
	port                      int    // every sandbox listens on 127.0.0.1:port
	out, data, results, tools string
	quick                     bool
	runs                      int
	peerRows, subsetRows      int
	wrkDuration               time.Duration
	wrk, vegeta, curl, newman string
	peerList                  string
	compare                   string
	w                         io.Writer // stdout and results.md
	targets                   []target
}

// target is one of the goals the harness checks.
type target struct {
	what, want, got string
	met             bool
}

func main() {
	log.SetFlags(0)
	if len(os.Args) > 1 && os.Args[1] == "-serve" {
		serveMain(os.Args[1:])
		return
	}
	began := time.Now()
	b := &bench{}
	var only string
	flag.StringVar(&b.bin, "bin", "bin/groupimport", "the groupimport binary to measure")
	flag.StringVar(&b.out, "out", "bench-out", "work directory: data, results, installed tools, results.md")
	flag.BoolVar(&b.quick, "quick", false, "10k and 100k rows beside the peers, one run each, the 1M-row dry run and latency; no Go benchmarks, quota, rate or ETA sections")
	flag.IntVar(&b.runs, "runs", 0, "runs per measurement; the median is reported (default 3, 1 with -quick)")
	flag.StringVar(&b.compare, "compare", "", "other groupimport `binaries` (comma-separated) to measure beside -bin, as peers: an A/B of a change")
	flag.StringVar(&b.peerList, "peers", "all", "peers to measure: all, none, or a comma-separated list of names as in the table, matched by prefix")
	flag.StringVar(&only, "only", "", "comma-separated sections to run: go, throughput, dryrun, latency, quota, rate, eta")
	flag.Parse()
	if b.runs <= 0 {
		b.runs = 3
		if b.quick {
			b.runs = 1
		}
	}
	b.peerRows, b.subsetRows, b.wrkDuration = 100_000, 1000, 10*time.Second
	if b.quick {
		b.subsetRows, b.wrkDuration = 300, 5*time.Second
	}
	if err := b.setup(); err != nil {
		log.Fatal(err)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-stop
		running.killAll()
		log.Fatal("interrupted")
	}()
	sections := []struct {
		name string
		full bool // only in a full run unless asked for
		run  func() error
	}{
		{"go", true, b.goBenchmarks},
		{"throughput", false, b.throughput},
		{"dryrun", false, b.dryRun},
		{"latency", false, b.latency},
		{"quota", true, b.quota},
		{"rate", true, b.rateAccuracy},
		{"eta", true, b.eta},
	}
	want := strings.Split(only, ",")
	for _, s := range sections {
		switch {
		case only != "" && !slices.Contains(want, s.name):
			continue
		case only == "" && s.full && b.quick:
			continue
		}
		if err := s.run(); err != nil {
			log.Fatalf("%s: %v", s.name, err)
		}
	}
	b.printTargets()
	fmt.Fprintf(os.Stderr, "bench: finished in %s\n", time.Since(began).Round(time.Second))
}

func (b *bench) setup() error {
	if _, err := os.Stat(b.bin); err != nil {
		return fmt.Errorf("%s: %w (run make build first)", b.bin, err)
	}
	bin, err := filepath.Abs(b.bin)
	if err != nil {
		return err
	}
	b.bin = bin
	if b.out, err = filepath.Abs(b.out); err != nil {
		return err
	}
	b.data, b.results, b.tools = filepath.Join(b.out, "data"), filepath.Join(b.out, "results"), filepath.Join(b.out, "tools")
	for _, d := range []string{b.data, b.results, filepath.Join(b.tools, "bin")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	for _, p := range []string{"goclient", "csvread"} {
		if err := quiet("", nil, "go", "build", "-o", filepath.Join(b.tools, "bin", p), "./cmd/bench/"+p); err != nil {
			return err
		}
	}
	if b.port, err = freePort(); err != nil {
		return err
	}
	b.findTime()
	f, err := os.Create(filepath.Join(b.out, "results.md"))
	if err != nil {
		return err
	}
	b.w = io.MultiWriter(os.Stdout, f)
	b.machine()
	if gnuTime == "" {
		b.printf("**No peak RSS in this run: /usr/bin/time is missing and could not be installed (apt-get install time).**\n\n")
	}
	return nil
}

// findTime finds GNU time, installing Debian's package when it is
// missing; without it peak RSS is not reported, loudly.
func (b *bench) findTime() {
	const p = "/usr/bin/time"
	if _, err := os.Stat(p); err != nil {
		if err := aptInstall("time"); err != nil {
			fmt.Fprintf(os.Stderr, "\n*** WARNING: %s is missing (%v).\n*** Peak RSS will NOT be reported: a child's own wait4 figure includes the harness's peak.\n\n", p, err)
			return
		}
	}
	if _, err := os.Stat(p); err == nil {
		gnuTime = p
	}
}

// machine records what the numbers were measured on.
func (b *bench) machine() {
	b.printf("# groupimport benchmarks, %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	if out, err := exec.Command("lscpu").Output(); err == nil {
		for _, l := range strings.Split(string(out), "\n") {
			for _, k := range []string{"Model name:", "CPU(s):", "Thread(s) per core:", "Hypervisor vendor:"} {
				if strings.HasPrefix(l, k) {
					b.printf("- %s\n", strings.Join(strings.Fields(l), " "))
				}
			}
		}
	}
	if out, err := os.ReadFile("/proc/meminfo"); err == nil {
		b.printf("- %s\n", strings.Join(strings.Fields(strings.SplitN(string(out), "\n", 2)[0]), " "))
	}
	if out, err := exec.Command("uname", "-sr").Output(); err == nil {
		b.printf("- kernel: %s\n", strings.TrimSpace(string(out)))
	}
	b.printf("- %s, GOMAXPROCS %d; the harness, the sandbox process and the measured process share the machine\n", runtime.Version(), runtime.GOMAXPROCS(0))
	if out, err := os.ReadFile("/proc/loadavg"); err == nil {
		b.printf("- load average at the start: %s\n", strings.Join(strings.Fields(string(out))[:3], " "))
	}
	b.printf("- %d run(s) per measurement, median reported\n\n", b.runs)
}

func (b *bench) printf(format string, args ...any) { fmt.Fprintf(b.w, format, args...) }

// file returns the generated input of n rows, writing it the first time.
func (b *bench) file(n int) string {
	p := filepath.Join(b.data, fmt.Sprintf("groups-%d.csv", n))
	if err := writeCSV(p, n); err != nil {
		log.Fatal(err)
	}
	return p
}

// gi runs groupimport with args against srv, with the sandbox's demo till.
func (b *bench) gi(srv *server, args ...string) (usage, string, error) {
	if srv != nil {
		args = append([]string{args[0], "--host", srv.URL}, args[1:]...)
	}
	u, _, errOut, err := measure(command{
		name: b.bin,
		args: args,
		env:  []string{"CAP_TILL=demo.till", "CAP_PASSWORD=demo-password"},
	})
	if srv != nil {
		srv.clientDone()
	}
	return u, errOut, err
}

func (b *bench) check(what, want, got string, met bool) {
	b.targets = append(b.targets, target{what, want, got, met})
}

func (b *bench) printTargets() {
	if len(b.targets) == 0 {
		return
	}
	b.printf("## Targets\n\n| target | wanted | measured | |\n|---|---|---|---|\n")
	for _, t := range b.targets {
		mark := "met"
		if !t.met {
			mark = "**missed**"
		}
		b.printf("| %s | %s | %s | %s |\n", t.what, t.want, t.got, mark)
	}
	b.printf("\n")
}

func mb(bytes int64) string {
	if bytes < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f", float64(bytes)/(1<<20))
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func rowsLabel(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}
