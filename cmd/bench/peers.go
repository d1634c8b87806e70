package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// The versions installed when a tool is missing. Debian's packages come
// at the version of the release.
const (
	vegetaModule = "github.com/tsenart/vegeta/v12@v12.13.0"
	newmanPkg    = "newman@6"
)

// sample is one measured run of one tool.
type sample struct {
	rows    int           // rows the run sent
	elapsed time.Duration // the time the rows took
	use     usage
	created int           // groups the sandbox created
	srvCPU  time.Duration // the sandbox's CPU time
	partial bool          // rows is a subset of the file; rows/s is extrapolated
	note    string
}

func (s sample) rate() float64 { return float64(s.rows) / s.elapsed.Seconds() }

// peer is a tool measured against groupimport on the same sandbox and file.
type peer struct {
	name     string
	inFlight int // requests it keeps in flight
	// prepare installs the tool and writes its inputs, before any
	// sandbox starts; an error skips it.
	prepare func(b *bench) error
	run     func(b *bench, srv *server) (sample, error)
}

// lookTool finds a tool on PATH or in the harness's own tool directory.
func (b *bench) lookTool(name string) string {
	for _, p := range []string{filepath.Join(b.tools, "bin", name), filepath.Join(b.tools, "npm", "node_modules", ".bin", name)} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return ""
}

// aptInstall installs Debian packages when the harness runs as root.
func aptInstall(pkgs ...string) error {
	if _, err := exec.LookPath("apt-get"); err != nil || os.Geteuid() != 0 {
		return fmt.Errorf("not installed, and apt-get is unavailable or needs root: apt-get install %s", strings.Join(pkgs, " "))
	}
	args := append([]string{"install", "-y", "--no-install-recommends"}, pkgs...)
	if err := quiet("", []string{"DEBIAN_FRONTEND=noninteractive"}, "apt-get", args...); err == nil {
		return nil
	}
	if err := quiet("", nil, "apt-get", "update"); err != nil {
		return err
	}
	return quiet("", []string{"DEBIAN_FRONTEND=noninteractive"}, "apt-get", args...)
}

func (b *bench) needTool(name string, install func() error) (string, error) {
	if p := b.lookTool(name); p != "" {
		return p, nil
	}
	if err := install(); err != nil {
		return "", err
	}
	if p := b.lookTool(name); p != "" {
		return p, nil
	}
	return "", errors.New(name + " still not found after installing it")
}

// peers lists the tools compared with groupimport, in the order of the
// table, keeping those -peers asks for.
func (b *bench) peers() []peer {
	var out []peer
	for _, bin := range strings.Split(b.compare, ",") {
		if bin != "" {
			out = append(out, peer{name: "groupimport " + bin, inFlight: concurrency, prepare: func(*bench) error { return nil },
				run: func(b *bench, srv *server) (sample, error) { return b.runCompare(bin, srv) }})
		}
	}
	for _, p := range allPeers() {
		switch b.peerList {
		case "all":
			out = append(out, p)
		case "none":
		default:
			for _, name := range strings.Split(b.peerList, ",") {
				if name != "" && strings.HasPrefix(p.name, name) {
					out = append(out, p)
					break
				}
			}
		}
	}
	return out
}

func allPeers() []peer {
	return []peer{
		{name: "minimal Go client (cmd/bench/goclient)", inFlight: concurrency, prepare: func(*bench) error { return nil }, run: (*bench).runGoClient},
		{name: "wrk + Lua, unique bodies", inFlight: concurrency, prepare: (*bench).prepareWrk, run: (*bench).runWrk},
		{name: "vegeta, max rate", inFlight: concurrency, prepare: (*bench).prepareVegeta, run: (*bench).runVegeta},
		{name: "curl --parallel (one process)", inFlight: concurrency, prepare: (*bench).prepareCurl, run: (*bench).runCurlParallel},
		{name: "xargs -P curl (a process per row)", inFlight: concurrency, prepare: (*bench).prepareXargs, run: (*bench).runXargs},
		{name: "newman -d rows.csv", inFlight: 1, prepare: (*bench).prepareNewman, run: (*bench).runNewman},
	}
}

func (b *bench) runGoClient(srv *server) (sample, error) {
	u, _, errOut, err := measure(command{
		name: filepath.Join(b.tools, "bin", "goclient"),
		args: []string{"-url", srv.URL + sandbox.GroupPath, "-auth", basicAuth(), "-workers", strconv.Itoa(concurrency),
			"-out", filepath.Join(b.results, "goclient.results.csv"), b.file(b.peerRows)},
	})
	if err == nil && u.code != 0 {
		err = fmt.Errorf("exit %d: %s", u.code, tail(errOut, 2000))
	}
	return sample{rows: b.peerRows, elapsed: u.wall, use: u}, err
}

func (b *bench) prepareWrk() error {
	p, err := b.needTool("wrk", func() error { return aptInstall("wrk") })
	b.wrk = p
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(b.tools, "post.lua"), postLua, 0o644)
}

var wrkRate = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)

// runWrk measures the loopback ceiling: wrk runs for a fixed time, so its
// rows/s is its own count over that time.
func (b *bench) runWrk(srv *server) (sample, error) {
	d := b.wrkDuration
	u, out, errOut, err := measure(command{
		name: b.wrk,
		args: []string{"-t2", "-c" + strconv.Itoa(concurrency), "-d" + strconv.Itoa(int(d.Seconds())) + "s", "--timeout", "10s",
			"-s", filepath.Join(b.tools, "post.lua"), srv.URL + sandbox.GroupPath, "--", basicAuth()},
	})
	if err != nil {
		return sample{}, err
	}
	m := wrkRate.FindStringSubmatch(out)
	if u.code != 0 || m == nil {
		return sample{}, fmt.Errorf("wrk: exit %d: %s %s", u.code, tail(out, 300), tail(errOut, 2000))
	}
	rate, _ := strconv.ParseFloat(m[1], 64)
	rows := int(rate * d.Seconds())
	s := sample{rows: rows, elapsed: d, use: u, note: "runs for a fixed time; rows are generated bodies of the same shape"}
	if strings.Contains(out, "Non-2xx") {
		s.note += "; " + strings.TrimSpace(regexp.MustCompile(`Non-2xx[^\n]*`).FindString(out))
	}
	return s, nil
}

func (b *bench) prepareVegeta() error {
	p, err := b.needTool("vegeta", func() error {
		return quiet("", []string{"GOBIN=" + filepath.Join(b.tools, "bin")}, "go", "install", vegetaModule)
	})
	b.vegeta = p
	if err != nil {
		return err
	}
	return b.writeFresh("vegeta.targets", func(path string) error {
		return writeVegetaTargets(path, b.groupURL(), basicAuth(), b.peerRows)
	})
}

// groupURL is where every sandbox of this run answers creates.
func (b *bench) groupURL() string {
	return "http://127.0.0.1:" + strconv.Itoa(b.port) + sandbox.GroupPath
}

// writeFresh writes a data file that names this run's port, replacing one
// from an earlier run.
func (b *bench) writeFresh(name string, write func(path string) error) error {
	path := filepath.Join(b.data, name)
	os.Remove(path)
	return write(path)
}

// runVegeta: -rate=0 sends as fast as the workers allow; -workers and
// -max-workers pin the requests in flight to groupimport's.
func (b *bench) runVegeta(srv *server) (sample, error) {
	w := strconv.Itoa(concurrency)
	u, _, errOut, err := measure(command{
		name: b.vegeta,
		args: []string{"attack", "-format=json", "-lazy", "-targets=" + filepath.Join(b.data, "vegeta.targets"), "-rate=0",
			"-workers=" + w, "-max-workers=" + w, "-output=" + filepath.Join(b.results, "vegeta.bin")},
	})
	if err == nil && u.code != 0 {
		err = fmt.Errorf("exit %d: %s", u.code, tail(errOut, 2000))
	}
	return sample{rows: b.peerRows, elapsed: u.wall, use: u}, err
}

func (b *bench) prepareCurl() error {
	p, err := b.needTool("curl", func() error { return aptInstall("curl") })
	b.curl = p
	if err != nil {
		return err
	}
	return b.writeFresh("curl.config", func(path string) error {
		return writeCurlConfig(path, b.groupURL(), basicAuth(), b.peerRows)
	})
}

func (b *bench) runCurlParallel(srv *server) (sample, error) {
	u, _, errOut, err := measure(command{
		name:   b.curl,
		args:   []string{"--parallel", "--parallel-immediate", "--parallel-max", strconv.Itoa(concurrency), "-s", "-K", filepath.Join(b.data, "curl.config")},
		stdout: filepath.Join(b.results, "curl-parallel.codes"),
	})
	if err == nil && u.code != 0 {
		err = fmt.Errorf("exit %d: %s", u.code, tail(errOut, 2000))
	}
	return sample{rows: b.peerRows, elapsed: u.wall, use: u}, err
}

func (b *bench) prepareXargs() error {
	if _, err := exec.LookPath("xargs"); err != nil {
		return err
	}
	p, err := b.needTool("curl", func() error { return aptInstall("curl") })
	b.curl = p
	if err != nil {
		return err
	}
	return writeBodies(filepath.Join(b.data, fmt.Sprintf("bodies-%d.txt", b.subsetRows)), b.subsetRows)
}

// runXargs starts one curl per row, so it is measured on the first
// subsetRows rows and its rate extrapolated.
func (b *bench) runXargs(srv *server) (sample, error) {
	u, _, errOut, err := measure(command{
		name: "xargs",
		args: []string{"-d", `\n`, "-P", strconv.Itoa(concurrency), "-I", "{}", b.curl, "-s", "-o", "/dev/null", "-w", `%{http_code}\n`,
			"-H", "Content-Type: application/json", "-H", "Authorization: " + basicAuth(), "--data-raw", "{}", srv.URL + sandbox.GroupPath},
		stdin:  filepath.Join(b.data, fmt.Sprintf("bodies-%d.txt", b.subsetRows)),
		stdout: filepath.Join(b.results, "xargs-curl.codes"),
	})
	if err == nil && u.code != 0 {
		err = fmt.Errorf("exit %d: %s", u.code, tail(errOut, 2000))
	}
	return sample{rows: b.subsetRows, elapsed: u.wall, use: u, partial: true,
		note: fmt.Sprintf("measured on the first %d rows; rate extrapolated", b.subsetRows)}, err
}

func (b *bench) prepareNewman() error {
	p, err := b.needTool("newman", func() error {
		if _, err := exec.LookPath("npm"); err != nil {
			return errors.New("npm is not installed")
		}
		dir := filepath.Join(b.tools, "npm")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		return quiet(dir, nil, "npm", "install", "--prefix", dir, "--no-audit", "--no-fund", "--loglevel=error", newmanPkg)
	})
	b.newman = p
	if err != nil {
		return err
	}
	if err := writeCSV(filepath.Join(b.data, fmt.Sprintf("rows-%d.csv", b.subsetRows)), b.subsetRows); err != nil {
		return err
	}
	return writeNewmanCollection(filepath.Join(b.data, "newman.collection.json"))
}

// runNewman runs the collection once per row of a subset of the file, one
// after the other, as newman iterates; its rate is extrapolated.
func (b *bench) runNewman(srv *server) (sample, error) {
	u, _, errOut, err := measure(command{
		name: b.newman,
		args: []string{"run", filepath.Join(b.data, "newman.collection.json"),
			"-d", filepath.Join(b.data, fmt.Sprintf("rows-%d.csv", b.subsetRows)),
			"--env-var", "baseUrl=" + srv.URL, "--env-var", "auth=" + basicAuth(), "-r", "cli"},
		stdout: filepath.Join(b.results, "newman.out"),
	})
	if err == nil && u.code != 0 {
		err = fmt.Errorf("exit %d: %s", u.code, tail(errOut, 2000))
	}
	return sample{rows: b.subsetRows, elapsed: u.wall, use: u, partial: true,
		note: fmt.Sprintf("measured on the first %d rows; rate extrapolated", b.subsetRows)}, err
}

// runCompare is -compare: another build of groupimport on the peer file.
func (b *bench) runCompare(bin string, srv *server) (sample, error) {
	bin, err := filepath.Abs(bin)
	if err != nil {
		return sample{}, err
	}
	u, _, errOut, err := measure(command{
		name: bin,
		args: append([]string{"import", "--host", srv.URL}, importArgs(filepath.Join(b.results, "compare.results.csv"), b.file(b.peerRows), 32, "unlimited")[1:]...),
		env:  []string{"CAP_TILL=demo.till", "CAP_PASSWORD=demo-password"},
	})
	if err == nil && u.code != 0 {
		err = fmt.Errorf("exit %d: %s", u.code, tail(errOut, 2000))
	}
	return sample{rows: b.peerRows, elapsed: u.wall, use: u}, err
}
