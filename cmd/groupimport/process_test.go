//go:build unix

package main

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// These tests run the real binary and send it real signals.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "groupimport-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "groupimport")
		args := []string{"build", "-o", binPath, "."}
		if raceEnabled {
			args = append(args[:1], append([]string{"-race"}, args[1:]...)...)
		}
		out, err := exec.Command("go", args...).CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// syncBuffer is a bytes.Buffer that the child's stderr and the test can
// share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type proc struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan struct{}
	err    error
}

func start(t *testing.T, srv *sandbox.Server, args ...string) *proc {
	t.Helper()
	return startCmd(t, command(t, srv, args...))
}

// command is the binary run against srv with the sandbox's credentials,
// for a test that sets more of it (its directory, its stderr) before
// startCmd.
func command(t *testing.T, srv *sandbox.Server, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), "CAP_TILL="+sandbox.DefaultTill, "CAP_PASSWORD="+sandbox.DefaultTillPassword, "CAP_HOST="+srv.URL)
	return cmd
}

// startCmd starts cmd; its stderr goes to the proc's buffer unless the
// test set one.
func startCmd(t *testing.T, cmd *exec.Cmd) *proc {
	t.Helper()
	p := &proc{cmd: cmd, stderr: &syncBuffer{}, done: make(chan struct{})}
	if cmd.Stderr == nil {
		cmd.Stderr = p.stderr
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-p.done })
	return p
}

func (p *proc) wait(t *testing.T, limit time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(limit):
		t.Fatalf("still running after %s\n%s", limit, p.stderr.String())
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	if p.err != nil {
		t.Fatal(p.err)
	}
	return 0
}

// waitFor polls cond until it holds: the child's progress is only visible
// through its files and output.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func lineCount(path string) int {
	b, _ := os.ReadFile(path)
	return bytes.Count(b, []byte("\n"))
}

func TestInterruptFinishesInFlightAndSkipsTheRest(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{})
	defer srv.Close()
	in := writeFile(t, "in.csv", groupsCSV(2000))
	out := strings.TrimSuffix(in, ".csv") + ".results.csv"
	p := start(t, srv, "import", "--rate", "100/s", "--no-progress", in)
	waitFor(t, "some results", 30*time.Second, func() bool { return lineCount(out) > 20 })
	p.cmd.Process.Signal(os.Interrupt)
	if code := p.wait(t, 30*time.Second); code != exitInterrupted {
		t.Fatalf("exit %d, want 130\n%s", code, p.stderr.String())
	}
	if !strings.Contains(p.stderr.String(), "--resume") {
		t.Errorf("no resume hint: %s", p.stderr.String())
	}
	res := readResults(t, out)
	if len(res) != 2000 {
		t.Fatalf("%d lines, want 2000", len(res))
	}
	created := 0
	for _, r := range res {
		switch r.Status {
		case importer.Created:
			created++
		case importer.Skipped:
		default:
			t.Errorf("row %d: %s %s", r.Row, r.Status, r.Message)
		}
	}
	if st := srv.Stats(); st.Creates != created || created == 0 || created == 2000 {
		t.Errorf("results say %d created, server %d", created, st.Creates)
	}

	// The same command with --resume finishes the job.
	p = start(t, srv, "import", "--resume", "--rate", "unlimited", "--no-progress", in)
	if code := p.wait(t, 60*time.Second); code != exitOK {
		t.Fatalf("resume: exit %d\n%s", code, p.stderr.String())
	}
	res = readResults(t, out)
	if len(res) != 2000 {
		t.Fatalf("resumed: %d lines, want 2000", len(res))
	}
	for _, r := range res {
		if r.Status != importer.Created || srv.Creations(r.ExternalID) != 1 {
			t.Fatalf("row %d: %s, created %d times", r.Row, r.Status, srv.Creations(r.ExternalID))
		}
	}
}

func TestSecondInterruptStopsAtOnce(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{Faults: sandbox.Faults{Latency: 20 * time.Second}})
	defer srv.Close()
	in := writeFile(t, "in.csv", groupsCSV(50))
	out := strings.TrimSuffix(in, ".csv") + ".results.csv"
	p := start(t, srv, "import", "--rate", "unlimited", "--no-progress", "--timeout", "60s", in)
	waitFor(t, "requests in flight", 30*time.Second, func() bool { return srv.Stats().Requests >= 4 })
	p.cmd.Process.Signal(os.Interrupt)
	waitFor(t, "the first stop", 10*time.Second, func() bool { return strings.Contains(p.stderr.String(), "Ctrl-C again") })
	p.cmd.Process.Signal(os.Interrupt)
	if code := p.wait(t, 10*time.Second); code != exitInterrupted {
		t.Fatalf("exit %d\n%s", code, p.stderr.String())
	}
	res := readResults(t, out) // must parse: nothing half-written
	if len(res) != 50 {
		t.Fatalf("%d lines, want 50", len(res))
	}
	for _, r := range res {
		if r.Status != importer.Skipped {
			t.Errorf("row %d: %s", r.Row, r.Status)
		}
		if r.Attempts > 0 && !strings.Contains(r.Message, "may have") {
			t.Errorf("row %d was in flight but the message does not say it may exist: %s", r.Row, r.Message)
		}
	}
}

// TestCrashAndResume kills the importer with SIGKILL at random points of a
// run against a faulty server, resumes after each, and checks that in the
// end every row has one line, every group was created once, every line has
// the server's id, and no group that existed before the run is reported
// created. It runs under both published lookup contracts.
func TestCrashAndResume(t *testing.T) {
	for _, api := range []string{sandbox.APICurrent, sandbox.APILegacy} {
		t.Run(api, func(t *testing.T) { crashAndResume(t, api) })
	}
}

func crashAndResume(t *testing.T, api string) {
	srv := sandbox.NewServer(sandbox.Config{API: api, Faults: sandbox.Faults{
		Error5xx: 0.05, Drop: 0.02, TimeoutAfterCreate: 0.03, HangFor: 5 * time.Second, Jitter: 3 * time.Millisecond, Seed: 5,
	}})
	defer srv.Close()
	n, kills := soakSize("SOAK_ROWS", 1500), soakSize("SOAK_KILLS", 4)
	// Every 50th group is in the org already, made an hour ago, as the
	// row has it: it must end exists, never created.
	var before []sandbox.Group
	for i := 0; i < n; i += 50 {
		before = append(before, sandbox.Group{ExternalID: fmt.Sprintf("g%05d", i), GroupName: fmt.Sprintf("Group %d", i),
			MaxGroupSize: i%500 + 1, CreatedOn: time.Now().Add(-time.Hour)})
	}
	srv.Seed(before...)
	in := writeFile(t, "in.csv", groupsCSV(n))
	out := strings.TrimSuffix(in, ".csv") + ".results.csv"
	args := []string{"import", "--rate", "400/s", "--workers", "8", "--timeout", "300ms", "--max-attempts", "20", "--no-progress", "--on-conflict", "lookup"}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range kills {
		a := append([]string(nil), args...)
		if i > 0 {
			a = append(a, "--resume")
		}
		before := srv.Stats().Requests
		p := start(t, srv, append(a, in)...)
		// Kill at a random point, spread over the run.
		target := 30 + rng.IntN(max(150, n/kills))
		waitFor(t, "requests", 60*time.Second, func() bool { return srv.Stats().Requests-before > target })
		p.cmd.Process.Signal(syscall.SIGKILL)
		p.wait(t, 10*time.Second)
	}
	p := start(t, srv, append(args, "--resume", in)...)
	if code := p.wait(t, 2*time.Minute+time.Duration(n/100)*time.Second); code != exitOK {
		t.Fatalf("final resume: exit %d\n%s", code, p.stderr.String())
	}
	res := readResults(t, out)
	if len(res) != n {
		t.Fatalf("%d lines for %d rows", len(res), n)
	}
	existed := map[string]bool{}
	for _, g := range before {
		existed[g.ExternalID] = true
	}
	var created, maybe int
	for i, r := range res {
		if r.Row != i+2 {
			t.Fatalf("line %d is row %d", i, r.Row)
		}
		g, ok := srv.Group(r.ExternalID)
		if !ok || g.ID != r.EntityID {
			t.Errorf("row %d: %s entity %d (%s); server has %+v", r.Row, r.Status, r.EntityID, r.Message, g)
		}
		switch {
		case existed[r.ExternalID]:
			if r.Status != importer.Exists {
				t.Errorf("row %d existed before the run but ended %s: %s", r.Row, r.Status, r.Message)
			}
		case r.Status == importer.Created:
			created++
		case r.Status == importer.Exists && r.Has(importer.AnswerLost):
			maybe++ // created by this run, but the answer and the evidence were lost
		default:
			t.Errorf("row %d: %s (%s)", r.Row, r.Status, r.Message)
		}
	}
	t.Logf("%s: %d created, %d exist with the answer lost, %d existed before", api, created, maybe, len(before))
	for _, g := range srv.Groups() {
		if c := srv.Creations(g.ExternalID); c != 1 && !existed[g.ExternalID] {
			t.Errorf("%s created %d times", g.ExternalID, c)
		}
	}
	if st := srv.Stats(); st.Hangs == 0 {
		t.Errorf("no create was left unanswered; the test did not exercise the dangerous case: %+v", st)
	}
}

// soakSize reads a size from the environment, for "make soak".
func soakSize(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
