package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// summary is the median of a tool's runs.
type summary struct {
	name     string
	rows     int
	rate     float64 // rows/s, median
	cpu      float64 // CPU seconds, median
	rss      int64   // peak RSS, the highest of the runs
	srvCPU   float64 // the sandbox's CPU seconds, median
	created  int     // groups the sandbox created, lowest of the runs
	partial  bool
	inFlight int // requests in flight
	note     string
	skipped  string
}

func summarize(name string, ss []sample) summary {
	s := summary{name: name, created: -1, rss: -1}
	var rates, cpus, srv []float64
	for _, x := range ss {
		rates = append(rates, x.rate())
		cpus = append(cpus, x.use.cpu.Seconds())
		srv = append(srv, x.srvCPU.Seconds())
		s.rss = max(s.rss, x.use.rss)
		if s.created < 0 || x.created < s.created {
			s.created = x.created
		}
		s.rows, s.partial, s.note = x.rows, x.partial, x.note
	}
	s.rate, s.cpu, s.srvCPU = median(rates), median(cpus), median(srv)
	return s
}

func importArgs(out, in string, workers int, rate string) []string {
	return []string{"import", "--rate", rate, "--workers", strconv.Itoa(workers), "--no-progress", "--overwrite", "--out", out, in}
}

// throughput: groupimport on 10k/100k/1M rows, then every peer on the
// peer file, runs interleaved so that noise on the machine spreads over
// all tools.
func (b *bench) throughput() error {
	sizes := []int{10_000, 100_000}
	if !b.quick {
		sizes = append(sizes, 1_000_000)
	}
	b.printf("## Throughput: no latency, no rate limit\n\n")
	b.printf("groupimport: `groupimport import --host SANDBOX --rate unlimited --workers %d --no-progress --overwrite --out OUT FILE`; "+
		"peers on the %s-row file, each with %d requests in flight where it can be told (newman sends one at a time); "+
		"a fresh `groupimport sandbox` process per run. Inputs (CSV, vegeta targets, curl config, bodies) are written before any sandbox starts. "+
		"Sandbox CPU µs/row is the sandbox process's user+system CPU from /proc/PID/stat (10 ms ticks) while the client ran, over the groups it created.\n\n",
		concurrency, rowsLabel(b.peerRows), concurrency)
	skipped := map[string]string{}
	for _, n := range sizes {
		b.file(n)
	}
	b.file(b.peerRows)
	for _, p := range b.peers() {
		if err := p.prepare(b); err != nil {
			skipped[p.name] = err.Error()
			fmt.Fprintf(os.Stderr, "%s: skipped: %v\n", p.name, err)
		}
	}
	gi := map[int][]sample{}
	ps := map[string][]sample{}
	for run := range b.runs {
		for _, n := range sizes {
			s, err := b.throughputRun(n)
			if err != nil {
				return err
			}
			gi[n] = append(gi[n], s)
			fmt.Fprintf(os.Stderr, "run %d: groupimport %s rows: %.0f rows/s\n", run+1, rowsLabel(n), s.rate())
		}
		for _, p := range b.peers() {
			if skipped[p.name] != "" {
				continue
			}
			s, err := b.peerRun(p)
			if err != nil {
				if errors.Is(err, errSandbox) {
					return err
				}
				skipped[p.name] = "failed: " + err.Error()
				fmt.Fprintf(os.Stderr, "%s: skipped: %v\n", p.name, err)
				continue
			}
			ps[p.name] = append(ps[p.name], s)
			fmt.Fprintf(os.Stderr, "run %d: %s: %.0f rows/s\n", run+1, p.name, s.rate())
		}
	}
	client := b.throughputTable(sizes, gi, ps, skipped)
	return b.throughputChecks(sizes, gi, ps, client)
}

// throughputRun imports the n-row file once into a fresh sandbox.
func (b *bench) throughputRun(n int) (sample, error) {
	srv, err := b.startSandbox(sandboxOpts{})
	if err != nil {
		return sample{}, err
	}
	u, errOut, err := b.gi(srv, importArgs(filepath.Join(b.results, "groupimport.results.csv"), b.file(n), concurrency, "unlimited")...)
	if cerr := srv.close(); err == nil {
		err = cerr
	}
	if err != nil || u.code != 0 {
		return sample{}, fmt.Errorf("groupimport on %d rows: exit %d, %v: %s", n, u.code, err, tail(errOut, 2000))
	}
	return sample{rows: n, elapsed: u.wall, use: u, created: srv.stats.creates, srvCPU: srv.cpu}, nil
}

// errSandbox marks a sandbox that would not start: the whole section
// fails, where a peer that fails is only skipped.
var errSandbox = errors.New("sandbox")

// peerRun runs peer p once against a fresh sandbox.
func (b *bench) peerRun(p peer) (sample, error) {
	srv, err := b.startSandbox(sandboxOpts{})
	if err != nil {
		return sample{}, fmt.Errorf("%w: %w", errSandbox, err)
	}
	s, err := p.run(b, srv)
	srv.clientDone()
	if cerr := srv.close(); err == nil {
		err = cerr
	}
	if err != nil {
		return sample{}, err
	}
	s.created, s.srvCPU = srv.stats.creates, srv.cpu
	return s, nil
}

// throughputTable prints a row per size of groupimport and per peer, and
// returns the minimal Go client's figures, the table's yardstick.
func (b *bench) throughputTable(sizes []int, gi map[int][]sample, ps map[string][]sample, skipped map[string]string) summary {
	var rows []summary
	for _, n := range sizes {
		r := summarize("groupimport "+rowsLabel(n)+" rows", gi[n])
		r.inFlight = concurrency
		rows = append(rows, r)
	}
	for _, p := range b.peers() {
		if why := skipped[p.name]; why != "" {
			rows = append(rows, summary{name: p.name, skipped: why})
			continue
		}
		r := summarize(p.name, ps[p.name])
		r.inFlight = p.inFlight
		rows = append(rows, r)
	}
	client := summarize("", ps[allPeers()[0].name])
	b.printf("| tool | in flight | rows | rows/s | vs Go client | CPU s | CPU µs/row | peak RSS MB | sandbox CPU µs/row | groups created | notes |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		if r.skipped != "" {
			b.printf("| %s | | | | | | | | | | skipped: %s |\n", r.name, strings.ReplaceAll(tail(r.skipped, 200), "\n", " "))
			continue
		}
		ratio := "n/a"
		if client.rate > 0 {
			ratio = fmt.Sprintf("%.2fx", r.rate/client.rate)
		}
		perRow := r.cpu / float64(r.rows) * 1e6
		rate := fmt.Sprintf("%.0f", r.rate)
		if r.partial {
			rate += " (extrapolated)"
		}
		srvPerRow := r.srvCPU / float64(r.created) * 1e6
		b.printf("| %s | %d | %s | %s | %s | %.2f | %.1f | %s | %.1f | %d | %s |\n", r.name, r.inFlight, rowsLabel(r.rows), rate, ratio, r.cpu, perRow, mb(r.rss), srvPerRow, r.created, r.note)
	}
	b.printf("\n")
	return client
}

// throughputChecks judges the figures against the README's promises.
func (b *bench) throughputChecks(sizes []int, gi map[int][]sample, ps map[string][]sample, client summary) error {
	g := summarize("", gi[b.peerRows])
	if client.rate > 0 {
		b.check("throughput vs the minimal Go client ("+rowsLabel(b.peerRows)+" rows)", "≥ 90%",
			fmt.Sprintf("%.0f%% (%.0f vs %.0f rows/s)", 100*g.rate/client.rate, g.rate, client.rate), g.rate >= 0.9*client.rate)
	}
	if v := ps[allPeers()[2].name]; len(v) > 0 {
		vs := summarize("", v)
		b.check(fmt.Sprintf("throughput vs vegeta, both %d in flight", concurrency), "faster", fmt.Sprintf("%.0f vs %.0f rows/s (%.2fx)", g.rate, vs.rate, g.rate/vs.rate), g.rate > vs.rate)
	}
	var worst int64
	for _, n := range sizes {
		worst = max(worst, summarize("", gi[n]).rss)
	}
	if worst < 0 {
		return nil // no peak RSS without GNU time: said at the top
	}
	b.check("peak RSS, every size", "< 30 MB", mb(worst)+" MB", worst < 30<<20)
	if !b.quick {
		lo, hi := summarize("", gi[sizes[0]]).rss, summarize("", gi[sizes[len(sizes)-1]]).rss
		b.check("peak RSS 1M rows vs 10k rows", "≤ 1.3x", fmt.Sprintf("%.2fx (%s vs %s MB)", float64(hi)/float64(lo), mb(hi), mb(lo)), float64(hi) <= 1.3*float64(lo))
	}
	return nil
}

// dryRun compares groupimport validate with a bare encoding/csv read of
// the same 1M-row file, in pairs run back to back so that a busy moment on
// the machine hits both sides of a ratio; the order within a pair
// alternates.
func (b *bench) dryRun() error {
	const n = 1_000_000
	runs := max(b.runs, 7)
	in := b.file(n)
	out := filepath.Join(b.results, "groupimport.validation.csv")
	var vs, cs []sample
	var ratios, cpuRatios []float64
	for i := range runs {
		var v, c sample
		for k := range 2 {
			if (i+k)%2 == 0 {
				u, errOut, err := b.gi(nil, "validate", "--no-progress", "--overwrite", "--out", out, in)
				if err != nil || u.code != 0 {
					return fmt.Errorf("validate: exit %d, %v: %s", u.code, err, tail(errOut, 2000))
				}
				v = sample{rows: n, elapsed: u.wall, use: u}
				continue
			}
			cu, stdout, _, err := measure(command{name: filepath.Join(b.tools, "bin", "csvread"), args: []string{in}})
			if err != nil || cu.code != 0 || strings.TrimSpace(stdout) != strconv.Itoa(n) {
				return fmt.Errorf("csvread: exit %d, %v, %q", cu.code, err, stdout)
			}
			c = sample{rows: n, elapsed: cu.wall, use: cu}
		}
		vs, cs = append(vs, v), append(cs, c)
		ratios = append(ratios, v.rate()/c.rate())
		cpuRatios = append(cpuRatios, c.use.cpu.Seconds()/v.use.cpu.Seconds())
		fmt.Fprintf(os.Stderr, "dry run %d: validate %.0f rows/s, bare read %.0f rows/s: %.3fx\n", i+1, v.rate(), c.rate(), ratios[len(ratios)-1])
	}
	v, c := summarize("", vs), summarize("", cs)
	ratio := median(ratios)
	b.printf("## Dry run: %s rows, as a share of a bare encoding/csv read\n\n", rowsLabel(n))
	b.printf("`groupimport validate --no-progress --overwrite --out OUT FILE` (validation, duplicate detection, the results file) against "+
		"`csvread FILE` (cmd/bench/csvread: encoding/csv, ReuseRecord, rows counted, nothing else), on the same file; "+
		"%d pairs run back to back, medians reported. The ratio is validate's rows/s over the bare read's, per pair.\n\n", runs)
	b.printf("| tool | rows/s | wall s | CPU s | peak RSS MB |\n|---|---|---|---|---|\n")
	b.printf("| groupimport validate | %.0f | %.2f | %.2f | %s |\n", v.rate, float64(n)/v.rate, v.cpu, mb(v.rss))
	b.printf("| bare encoding/csv read | %.0f | %.2f | %.2f | %s |\n\n", c.rate, float64(n)/c.rate, c.cpu, mb(c.rss))
	b.printf("**Dry-run ratio (validate / bare read): %.3fx** (median of %d pairs; lowest %.3fx, highest %.3fx; by CPU time %.3fx).\n\n",
		ratio, runs, slices.Min(ratios), slices.Max(ratios), median(cpuRatios))
	b.check("dry run (1M rows) vs a bare encoding/csv read", "≥ 0.25x", fmt.Sprintf("%.3fx (%.0f vs %.0f rows/s)", ratio, v.rate, c.rate), ratio >= 0.25)
	return nil
}

// latency: with 20 ms added to every request, W workers should approach
// W/20ms. The rate is reported over the whole process (start-up, the
// first pass over the file and the last answers included) and at the
// sandbox, from the first request to the last: the pace the workers keep.
func (b *bench) latency() error {
	const lat = 20 * time.Millisecond
	secs := 6
	if b.quick {
		secs = 3
	}
	bins := []string{b.bin}
	for _, c := range strings.Split(b.compare, ",") {
		if c != "" {
			bins = append(bins, c)
		}
	}
	b.printf("## Latency hiding: 20 ms per request\n\n")
	b.printf("`groupimport import --rate unlimited --workers W --no-progress`, against a fresh recording sandbox process with 20 ms added to every request; each run sized to take about %d s at the ideal rate. "+
		"rows/s is over the whole process; the pace at the sandbox is from its first request to its last.\n\n", secs)
	b.printf("| workers | rows | rows/s | pace at the sandbox | ideal W/20ms | share of ideal (process / pace) | CPU s | peak RSS MB |\n|---|---|---|---|---|---|---|---|\n")
	for _, w := range []int{8, 32, 128} {
		ideal := float64(w) / lat.Seconds()
		n := int(ideal) * secs
		in := b.file(n)
		for _, bin := range bins {
			var ss []sample
			var paces []float64
			for range b.runs {
				srv, err := b.startSandbox(sandboxOpts{latency: lat, record: true})
				if err != nil {
					return err
				}
				u, _, errOut, err := measure(command{name: bin, args: append([]string{"import", "--host", srv.URL},
					importArgs(filepath.Join(b.results, "latency.results.csv"), in, w, "unlimited")[1:]...),
					env: []string{"CAP_TILL=demo.till", "CAP_PASSWORD=demo-password"}})
				if cerr := srv.close(); err == nil {
					err = cerr
				}
				at := srv.at
				if err != nil || u.code != 0 {
					return fmt.Errorf("latency W=%d: exit %d, %v: %s", w, u.code, err, tail(errOut, 2000))
				}
				ss = append(ss, sample{rows: n, elapsed: u.wall, use: u})
				if len(at) > 1 {
					paces = append(paces, float64(len(at)-1)/at[len(at)-1].Seconds())
				}
			}
			s, pace := summarize("", ss), median(paces)
			label := strconv.Itoa(w)
			if bin != b.bin {
				label += " (" + bin + ")"
			}
			b.printf("| %s | %d | %.0f | %.0f | %.0f | %.0f%% / %.0f%% | %.2f | %s |\n", label, n, s.rate, pace, ideal, 100*s.rate/ideal, 100*pace/ideal, s.cpu, mb(s.rss))
			if bin == b.bin {
				b.check(fmt.Sprintf("latency hiding, %d workers (pace at the sandbox; whole process)", w), "≥ 90% of W/20ms",
					fmt.Sprintf("%.0f%%; %.0f%% (%.0f, %.0f of %.0f rows/s)", 100*pace/ideal, 100*s.rate/ideal, pace, s.rate, ideal), pace >= 0.9*ideal)
			}
		}
	}
	b.printf("\n")
	return nil
}

// quota: a sandbox enforcing 600 requests a minute; a run told the quota,
// and runs told nothing or too much, which must find it.
func (b *bench) quota() error {
	const q = 600 // per minute
	n := q        // a minute's worth
	in := b.file(n)
	ideal := time.Duration(float64(n) / q * float64(time.Minute))
	b.printf("## Quota: sandbox `--quota %d` (per minute, a token bucket with a burst of %d, 429 with Retry-After), %d rows, N/Q = %s\n\n", q, q/60, n, ideal)
	cases := []struct {
		label   string
		rate    string
		workers int
		told    bool
	}{
		{"told the quota", "600/min", 4, true},
		{"told nothing (unlimited)", "unlimited", 4, false},
		{"told too much (2000/min)", "2000/min", 4, false},
		{"told nothing (unlimited)", "unlimited", 32, false},
	}
	b.printf("| run | `--rate` | workers | time s | vs N/Q | requests | 429s | 429 share | created | requests per 10 s |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, c := range cases {
		srv, err := b.startSandbox(sandboxOpts{quota: q, record: true})
		if err != nil {
			return err
		}
		u, errOut, err := b.gi(srv, importArgs(filepath.Join(b.results, "quota.results.csv"), in, c.workers, c.rate)...)
		if cerr := srv.close(); err == nil {
			err = cerr
		}
		st, at := srv.stats, srv.at
		if err != nil || u.code != 0 {
			return fmt.Errorf("quota %s: exit %d, %v: %s", c.label, u.code, err, tail(errOut, 2000))
		}
		ratio := u.wall.Seconds() / ideal.Seconds()
		share := float64(st.throttled) / float64(max(st.requests, 1))
		var series []string
		for _, k := range perInterval(at, 10*time.Second) {
			series = append(series, strconv.Itoa(k))
		}
		b.printf("| %s | %s | %d | %.1f | %.3fx | %d | %d | %.1f%% | %d | %s |\n", c.label, c.rate, c.workers, u.wall.Seconds(), ratio,
			st.requests, st.throttled, 100*share, st.creates, strings.Join(series, " "))
		if c.told {
			b.check("quota, told --rate Q: time", "within 2% of N/Q", fmt.Sprintf("%.1f s vs %.0f s (%+.1f%%)", u.wall.Seconds(), ideal.Seconds(), 100*(ratio-1)), abs(ratio-1) <= 0.02)
			b.check("quota, told --rate Q: 429s", "(almost) none", strconv.Itoa(st.throttled), st.throttled <= n/100)
			worst, lo, hi, _ := windowStats(at, q/60.0, time.Second, 10*time.Second, 10*time.Millisecond)
			b.check("quota, told --rate Q: pace over any 10 s window past the first second", "within 1%",
				fmt.Sprintf("worst %.2f%% (%.2f to %.2f req/s for %.2f)", 100*worst, lo, hi, q/60.0), worst <= 0.01+1e-9)
			continue
		}
		b.check("quota, "+c.label+", "+strconv.Itoa(c.workers)+" workers: 429s", "< 2% of requests", fmt.Sprintf("%.1f%% (%d of %d)", 100*share, st.throttled, st.requests), share < 0.02)
		b.check("quota, "+c.label+", "+strconv.Itoa(c.workers)+" workers: time", "within 10% of N/Q", fmt.Sprintf("%.1f s vs %.0f s (%+.1f%%)", u.wall.Seconds(), ideal.Seconds(), 100*(ratio-1)), ratio <= 1.10)
	}
	b.printf("\n")
	return nil
}

// rateAccuracy: --rate honoured over any 10 s window past the first
// second, measured at the sandbox.
func (b *bench) rateAccuracy() error {
	secs := 30
	b.printf("## Rate accuracy: requests per 10 s window at the sandbox, %d s runs, 32 workers\n\n", secs)
	b.printf("| `--rate` | per second | windows | lowest window | highest window | worst deviation |\n|---|---|---|---|---|---|\n")
	for _, c := range []struct {
		flag   string
		perSec float64
	}{{"3000/min", 50}, {"1000/s", 1000}} {
		n := int(c.perSec) * secs
		in := b.file(n)
		srv, err := b.startSandbox(sandboxOpts{record: true})
		if err != nil {
			return err
		}
		u, errOut, err := b.gi(srv, importArgs(filepath.Join(b.results, "rate.results.csv"), in, concurrency, c.flag)...)
		if cerr := srv.close(); err == nil {
			err = cerr
		}
		at := srv.at
		if err != nil || u.code != 0 {
			return fmt.Errorf("rate %s: exit %d, %v: %s", c.flag, u.code, err, tail(errOut, 2000))
		}
		worst, lo, hi, windows := windowStats(at, c.perSec, time.Second, 10*time.Second, 10*time.Millisecond)
		b.printf("| %s | %.0f | %d | %.2f/s | %.2f/s | %.2f%% |\n", c.flag, c.perSec, windows, lo, hi, 100*worst)
		b.check("--rate "+c.flag+" over any 10 s window past the first second", "within 1%", fmt.Sprintf("worst %.2f%%", 100*worst), worst <= 0.01+1e-9)
	}
	b.printf("\n")
	return nil
}

var etaRe = regexp.MustCompile(`eta=(\S+)`)

// eta: at 100/min a 30,000-row file takes five hours, and the status line
// must say so from the start.
func (b *bench) eta() error {
	const n = 30_000
	in := b.file(n)
	srv, err := b.startSandbox(sandboxOpts{})
	if err != nil {
		return err
	}
	defer srv.close()
	args := []string{"import", "--host", srv.URL, "--rate", "100/min", "--overwrite", "--out", filepath.Join(b.results, "eta.results.csv"), in}
	u, _, errOut, err := measure(command{
		name: b.bin, args: args, env: []string{"CAP_TILL=demo.till", "CAP_PASSWORD=demo-password"},
		started: func(p *os.Process) {
			// Two status lines come at 10 s and 20 s; then stop as Ctrl-C does.
			time.AfterFunc(21*time.Second, func() { p.Signal(os.Interrupt) })
		},
	})
	if err != nil {
		return err
	}
	var lines []string
	for _, l := range strings.Split(errOut, "\n") {
		if strings.Contains(l, " progress: ") {
			lines = append(lines, l)
		}
	}
	b.printf("## ETA at a slow rate: %d rows at `--rate 100/min` (N/Q = 5h), stderr not a terminal, stopped after %.0f s (exit %d)\n\n", n, u.wall.Seconds(), u.code)
	b.printf("```\n%s\n```\n\n", strings.Join(lines, "\n"))
	// The last periodic line; the one printed on the interrupt counts the
	// skipped rows as done.
	got := ""
	for _, l := range lines {
		if m := etaRe.FindStringSubmatch(l); m != nil && !strings.Contains(l, "skipped=") {
			got = m[1]
		}
	}
	d, perr := time.ParseDuration(got)
	b.check("ETA at 100/min, 30,000 rows", "about 5h", "eta="+got, perr == nil && d > 4*time.Hour && d < 6*time.Hour)
	return nil
}

// goBenchmarks runs the repository's testing.B benchmarks with -benchmem.
func (b *bench) goBenchmarks() error {
	out, err := exec.Command("go", "test", "-run", "^$", "-bench", ".", "-benchmem", "./...").CombinedOutput()
	if err != nil {
		return fmt.Errorf("go test -bench: %v: %s", err, tail(string(out), 2000))
	}
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "Benchmark") || strings.HasPrefix(l, "pkg: ") {
			lines = append(lines, l)
		}
	}
	b.printf("## Go benchmarks\n\n`go test -run '^$' -bench . -benchmem ./...`\n\n```\n%s\n```\n\n", strings.Join(lines, "\n"))
	return nil
}
