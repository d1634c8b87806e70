package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// changingHost serves srv over loopback and, when the nth create arrives,
// runs change before the sandbox answers it: the input changes while the
// run is sending, at a point the test knows, with no sleep.
func changingHost(t *testing.T, srv *sandbox.Server, n int64, change func()) string {
	t.Helper()
	var creates atomic.Int64
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == sandbox.GroupPath && creates.Add(1) == n {
			change()
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	return hs.URL
}

// appendTo writes s at the end of the file at path, as a program still
// writing it would.
func appendTo(t *testing.T, path, s string) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Error(err)
		return
	}
	if _, err := f.WriteString(s); err != nil {
		t.Error(err)
	}
	if err := f.Close(); err != nil {
		t.Error(err)
	}
}

var notReadFrom = regexp.MustCompile(`nothing from row (\d+) on was read`)

// changedStop checks that the run stopped as a changing input makes it
// stop: exit 3, a message that says the input changed and from which row
// nothing was read. It returns that row.
func changedStop(t *testing.T, c *cli, code int) int {
	t.Helper()
	stderr := c.stderr.String()
	if code != exitAborted {
		t.Fatalf("exit %d, want 3 (the input changed while it was read)\n%s", code, stderr)
	}
	for _, want := range []string{"changed while it was read", "Every row read is in the results", "to carry on, run: groupimport import --resume"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr)
		}
	}
	m := notReadFrom.FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("stderr does not say from which row nothing was read:\n%s", stderr)
	}
	row, _ := strconv.Atoi(m[1])
	return row
}

// recordedUpTo checks that the results hold one created line for each
// data row before row stop (data starting on row 2), and nothing else.
func recordedUpTo(t *testing.T, out string, stop int) {
	t.Helper()
	res := readResults(t, out)
	if len(res) != stop-2 {
		t.Fatalf("%d result lines, want %d (rows 2 to %d)", len(res), stop-2, stop-1)
	}
	for i, r := range res {
		if r.Row != i+2 || r.Status != importer.Created {
			t.Errorf("result %d: row %d %s %q, want row %d created", i, r.Row, r.Status, r.Message, i+2)
		}
	}
}

// TestInputRewrittenInPlaceMidRun: an editor saves over the input while
// it is sent (truncate, rewrite, one row inserted after the header). The
// run stops reading at the first block it has not read yet, sends none of
// the shifted bytes, records every row it read, and says so: exit 3.
func TestInputRewrittenInPlaceMidRun(t *testing.T) {
	// Rows of about 30 KB make the file span blocks of the reading that
	// checks it: the run has read only the first when the file changes.
	pad := strings.Repeat("x", 30_000)
	row := func(i int) string { return fmt.Sprintf("R-%03d,Fleet %d,%d,%s\n", i, i, 100+i, pad) }
	var b strings.Builder
	b.WriteString("externalId,groupName,maxGroupSize,notes\n")
	for i := 1; i <= 100; i++ {
		b.WriteString(row(i))
	}
	in := writeFile(t, "in.csv", b.String())
	edited := strings.Replace(b.String(), "\n", "\nR-NEW,Inserted,5,x\n", 1)

	srv := sandbox.New(sandbox.Config{})
	host := changingHost(t, srv, 3, func() {
		if err := os.WriteFile(in, []byte(edited), 0o644); err != nil {
			t.Error(err)
		}
	})
	out := in + ".results.csv"
	c := cli{env: sandboxEnv()}
	code := c.run(t, "import", "--host", host, "--rate", "unlimited", "--workers", "1", "--out", out, in)
	stop := changedStop(t, &c, code)
	if stop < 4 || stop > 100 {
		t.Fatalf("nothing read from row %d on; want a row past the first requests and before the end", stop)
	}
	recordedUpTo(t, out, stop)
	groups := srv.Groups()
	if len(groups) != stop-2 {
		t.Errorf("%d groups on the server, want %d", len(groups), stop-2)
	}
	for _, g := range groups {
		var i int
		if _, err := fmt.Sscanf(g.ExternalID, "R-%03d", &i); err != nil || i < 1 || i >= stop-1 ||
			g.GroupName != fmt.Sprintf("Fleet %d", i) || g.MaxGroupSize != 100+i {
			t.Errorf("group %q %q size %d is no row read before the change", g.ExternalID, g.GroupName, g.MaxGroupSize)
		}
		if n := srv.Creations(g.ExternalID); n != 1 {
			t.Errorf("group %q created %d times", g.ExternalID, n)
		}
	}
}

// TestInputStillBeingWritten: the input ends in a line without a newline,
// and the program writing it appends the rest of that line and one more
// while the run sends. The unfinished line is not sent, the appended one
// not read, and the run does not end 0.
func TestInputStillBeingWritten(t *testing.T) {
	var b strings.Builder
	b.WriteString("externalId,groupName,maxGroupSize\n")
	for i := 1; i <= 20; i++ {
		fmt.Fprintf(&b, "Q-%03d,Fleet %d,10\n", i, i)
	}
	b.WriteString("Q-999,Last,1") // row 22, its size still being written
	in := writeFile(t, "in.csv", b.String())

	srv := sandbox.New(sandbox.Config{})
	host := changingHost(t, srv, 3, func() { appendTo(t, in, "50\nQ-1000,After,7\n") })
	out := in + ".results.csv"
	c := cli{env: sandboxEnv()}
	code := c.run(t, "import", "--host", host, "--rate", "unlimited", "--workers", "1", "--out", out, in)
	if stop := changedStop(t, &c, code); stop != 22 {
		t.Errorf("nothing read from row %d on, want 22 (Q-999)", stop)
	}
	recordedUpTo(t, out, 22)
	for _, id := range []string{"Q-999", "Q-1000"} {
		if g, ok := srv.Group(id); ok {
			t.Errorf("%s was sent: %+v", id, g)
		}
	}
	if n := len(srv.Groups()); n != 20 {
		t.Errorf("%d groups on the server, want 20", n)
	}
}

// TestDuplicateAppendedMidRunIsNotSent: under --on-conflict update, a row
// appended while the run sends repeats an externalId an earlier row
// created. It is never read, so it cannot overwrite that group.
func TestDuplicateAppendedMidRunIsNotSent(t *testing.T) {
	var b strings.Builder
	b.WriteString("externalId,groupName,maxGroupSize\n")
	for i := 1; i <= 10; i++ {
		fmt.Fprintf(&b, "U-%03d,Fleet %d,%d\n", i, i, 10+i)
	}
	in := writeFile(t, "in.csv", b.String())

	srv := sandbox.New(sandbox.Config{})
	host := changingHost(t, srv, 3, func() { appendTo(t, in, "U-005,Overwritten by appended row,999\n") })
	out := in + ".results.csv"
	c := cli{env: sandboxEnv()}
	code := c.run(t, "import", "--host", host, "--rate", "unlimited", "--workers", "1", "--on-conflict", "update", "--out", out, in)
	if stop := changedStop(t, &c, code); stop != 12 {
		t.Errorf("nothing read from row %d on, want 12 (the appended row)", stop)
	}
	recordedUpTo(t, out, 12)
	g, ok := srv.Group("U-005")
	if !ok || g.GroupName != "Fleet 5" || g.MaxGroupSize != 15 {
		t.Errorf("U-005 on the server: %+v, want Fleet 5 of size 15 as row 6 made it", g)
	}
	if n := len(srv.Groups()); n != 10 {
		t.Errorf("%d groups on the server, want 10", n)
	}
}

// TestInputGrowsAfterItsLastRowWasRead: the file grows only once its last
// row, a line without a newline, has been read and is being sent. That row
// went as it was read; the run still ends saying that the input changed,
// never with exit 0, and reads nothing of what was appended.
func TestInputGrowsAfterItsLastRowWasRead(t *testing.T) {
	var b strings.Builder
	b.WriteString("externalId,groupName,maxGroupSize\n")
	for i := 1; i <= 20; i++ {
		fmt.Fprintf(&b, "Q-%03d,Fleet %d,10\n", i, i)
	}
	b.WriteString("Q-999,Last,1") // row 22
	in := writeFile(t, "in.csv", b.String())

	srv := sandbox.New(sandbox.Config{})
	host := changingHost(t, srv, 21, func() { appendTo(t, in, "50\nQ-1000,After,7\n") })
	out := in + ".results.csv"
	c := cli{env: sandboxEnv()}
	code := c.run(t, "import", "--host", host, "--rate", "unlimited", "--workers", "1", "--out", out, in)
	if stop := changedStop(t, &c, code); stop != 23 {
		t.Errorf("nothing read from row %d on, want 23 (after Q-999)", stop)
	}
	recordedUpTo(t, out, 23)
	if _, ok := srv.Group("Q-1000"); ok {
		t.Error("Q-1000, appended after the last row was read, was sent")
	}
}
