//go:build unix

package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// exited reports whether the process has ended, without waiting.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// TestHangUpDrains: SIGHUP, what a closed SSH session sends, stops the run
// as SIGTERM does: the requests in flight finish, every group made is in
// the record, and the summary and the resume command are printed.
func TestHangUpDrains(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{})
	defer srv.Close()
	front := holdAfter(t, srv, 20)
	const n = 100
	in := writeFile(t, "in.csv", groupsCSV(n))
	out := strings.TrimSuffix(in, ".csv") + ".results.csv"
	p := start(t, srv, "import", "--host", front.URL, "--rate", "unlimited", "--no-progress", in)
	waitFor(t, "requests held", 30*time.Second, func() bool { return front.held.Load() > 0 })
	p.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, "the run to stop", 10*time.Second, func() bool { return p.exited() || strings.Contains(p.stderr.String(), "stopping") })
	front.Release() // the requests in flight now finish: the server makes their groups
	if code := p.wait(t, 30*time.Second); code != exitInterrupted {
		t.Fatalf("exit %d, want %d\n%s", code, exitInterrupted, p.stderr.String())
	}
	checkRecord(t, srv, readResults(t, out), n)
	if st := srv.Stats(); st.Creates <= 20 {
		t.Errorf("%d groups made: the held requests did not finish", st.Creates)
	}
	for _, want := range []string{"Summary", "--resume"} {
		if !strings.Contains(p.stderr.String(), want) {
			t.Errorf("no %q in\n%s", want, p.stderr.String())
		}
	}
}

// TestClosedStderrDoesNotStopTheRun: stderr piped into a reader that goes
// away (| head) breaks the pipe; the run goes on to its end with a
// complete record and an exit code of its own, not a death by SIGPIPE.
// With --log-format json every invalid row is a line on stderr, written
// after the reader has gone.
func TestClosedStderrDoesNotStopTheRun(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{})
	defer srv.Close()
	front := holdAfter(t, srv, 0)
	const n = 300
	var b strings.Builder
	b.WriteString("externalId,groupName,maxGroupSize\n")
	for i := range n {
		size := "5"
		if i%3 == 2 {
			size = "x" // invalid
		}
		b.WriteString(groupID(i) + ",Group," + size + "\n")
	}
	in := writeFile(t, "in.csv", b.String())
	out := strings.TrimSuffix(in, ".csv") + ".results.csv"
	cmd := command(t, srv, "import", "--host", front.URL, "--rate", "unlimited", "--no-progress", "--log-format", "json", in)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = w
	p := startCmd(t, cmd)
	w.Close() // the child holds its own copy
	if _, err := bufio.NewReader(r).ReadString('\n'); err != nil {
		t.Fatalf("reading the first line: %v", err)
	}
	waitFor(t, "requests held", 30*time.Second, func() bool { return front.held.Load() > 0 })
	r.Close() // like head after its lines: every later write meets a broken pipe
	front.Release()
	if code := p.wait(t, 60*time.Second); code != exitRowsFailed {
		t.Fatalf("exit %d, want %d (the input has invalid rows)", code, exitRowsFailed)
	}
	res := readResults(t, out)
	checkRecord(t, srv, res, n)
	invalid := 0
	for _, r := range res {
		if r.Status == importer.Invalid {
			invalid++
		}
	}
	if invalid != n/3 || len(srv.Groups()) != n-n/3 {
		t.Errorf("%d invalid, %d groups made; want %d and %d", invalid, len(srv.Groups()), n/3, n-n/3)
	}
}

// TestResultsFolderDeletedStopsTheRun: the folder of the results deleted
// mid-run stops the run (exit 3) rather than letting it make groups with
// no record, and the rows recorded, all of them, are saved to a rescue
// file the message names. With the folder gone it lands in the working
// directory.
func TestResultsFolderDeletedStopsTheRun(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{})
	defer srv.Close()
	front := holdAfter(t, srv, 20)
	const n = 200
	in := writeFile(t, "in.csv", groupsCSV(n))
	dir := filepath.Join(t.TempDir(), "results")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "in.results.csv")
	work := t.TempDir()
	cmd := command(t, srv, "import", "--host", front.URL, "--rate", "unlimited", "--no-progress", "--out", out, in)
	cmd.Dir = work
	p := startCmd(t, cmd)
	waitFor(t, "requests held", 30*time.Second, func() bool { return front.held.Load() > 0 })
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the run to stop", 10*time.Second, func() bool { return p.exited() || strings.Contains(p.stderr.String(), "stopping") })
	front.Release()
	if code := p.wait(t, 30*time.Second); code != exitAborted {
		t.Fatalf("exit %d, want %d\n%s", code, exitAborted, p.stderr.String())
	}
	rescued, _ := filepath.Glob(filepath.Join(work, "*.csv"))
	if len(rescued) != 1 {
		t.Fatalf("rescue files %v in the working directory\n%s", rescued, p.stderr.String())
	}
	if !strings.Contains(p.stderr.String(), rescued[0]) {
		t.Errorf("the message does not name %s:\n%s", rescued[0], p.stderr.String())
	}
	checkRecord(t, srv, readResults(t, rescued[0]), n)

	// The resume command printed carries on from the rescue file.
	if !strings.Contains(p.stderr.String(), "--resume --out "+rescued[0]) {
		t.Fatalf("no resume command from the rescue file:\n%s", p.stderr.String())
	}
	p = start(t, srv, "import", "--resume", "--out", rescued[0], "--host", front.URL, "--rate", "unlimited", "--no-progress", in)
	if code := p.wait(t, 30*time.Second); code != exitOK {
		t.Fatalf("resume: exit %d\n%s", code, p.stderr.String())
	}
	for _, r := range readResults(t, rescued[0]) {
		if r.Status != importer.Created || srv.Creations(r.ExternalID) != 1 {
			t.Errorf("row %d: %s, created %d times", r.Row, r.Status, srv.Creations(r.ExternalID))
		}
	}
}
