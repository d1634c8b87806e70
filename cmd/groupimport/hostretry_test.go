package main

import (
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// closedPort is a loopback address that nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "http://" + ln.Addr().String()
	ln.Close()
	return addr
}

// TestResumeWithTheCorrectedHost: a run against a host where nothing
// listens stops with exit 3 and says that nothing reached it; resuming the
// same record with the right --host creates every row, and the record then
// names the host its rows are on.
func TestResumeWithTheCorrectedHost(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{})
	defer srv.Close()
	in := hostFaultInput(t, 30)
	out := filepath.Join(t.TempDir(), "r.csv")
	dead := closedPort(t)
	c := cli{env: sandboxEnv()}
	if code := c.run(t, "import", "--host", dead, "--rate", "unlimited", "--no-progress", "--out", out, in); code != exitAborted {
		t.Fatalf("dead host: exit %d, want 3\n%s", code, c.stderr.String())
	}
	if want := "nothing reached " + dead + "; fix --host and carry on with:"; !strings.Contains(c.stderr.String(), want) {
		t.Errorf("stderr does not say %q:\n%s", want, c.stderr.String())
	}
	if code := c.run(t, "import", "--resume", "--host", srv.URL, "--rate", "unlimited", "--no-progress", "--out", out, in); code != exitOK {
		t.Fatalf("resume with the right host: exit %d, want 0\n%s", code, c.stderr.String())
	}
	for _, r := range readResults(t, out) {
		if r.Status != importer.Created {
			t.Errorf("row %d %s: %s", r.Row, r.Status, r.Message)
		}
	}
	if n := srv.Stats().Creates; n != 30 {
		t.Errorf("%d groups created, want 30", n)
	}
	// The record now belongs to the sandbox's host: a resume against the
	// dead one is refused.
	if code := c.run(t, "import", "--resume", "--host", dead, "--no-progress", "--out", out, in); code != exitUsage || !strings.Contains(c.stderr.String(), "another API") {
		t.Fatalf("resume against the old host: exit %d, want 2\n%s", code, c.stderr.String())
	}
}

// TestResumeElsewhereRefusedOnceARowReached: a record some of whose rows
// reached a server stays that server's, even after a later session found
// it gone (nothing listens at its address any more): resuming it against
// another host is refused (exit 2) and sends nothing there.
func TestResumeElsewhereRefusedOnceARowReached(t *testing.T) {
	first := sandbox.NewServer(sandbox.Config{MaxGroupSize: 400, Faults: sandbox.Faults{Error5xx: 0.3, Seed: 11}})
	defer first.Close()
	other := sandbox.NewServer(sandbox.Config{})
	defer other.Close()
	in := writeFile(t, "in.csv", groupsCSV(100))
	c, out, _, _, _ := firstRunWithFailures(t, first, in)
	first.Close()
	if code := c.run(t, "import", "--resume", "--host", first.URL, "--rate", "unlimited", "--no-progress", "--out", out, in); code != exitAborted {
		t.Fatalf("resume against a dead host: exit %d, want 3\n%s", code, c.stderr.String())
	}
	if strings.Contains(c.stderr.String(), "nothing reached") {
		t.Errorf("the hint says nothing reached, though the first run did:\n%s", c.stderr.String())
	}
	if code := c.run(t, "import", "--resume", "--host", other.URL, "--rate", "unlimited", "--no-progress", "--out", out, in); code != exitUsage || !strings.Contains(c.stderr.String(), "another API") {
		t.Fatalf("resume elsewhere: exit %d, want 2\n%s", code, c.stderr.String())
	}
	if n := other.Stats().Requests; n != 0 {
		t.Errorf("%d requests reached the other host", n)
	}
}
