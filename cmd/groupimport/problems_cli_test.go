package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// problemsTable is the problems table in stderr.
func problemsTable(stderr string) string {
	_, after, _ := strings.Cut(stderr, "Problems by kind")
	table, _, _ := strings.Cut(after, "Summary")
	return table
}

// TestProblemsTableReadsAndFits: in a file, nothing of the table is cut,
// and each example row reads on its own; on a terminal, the table fits
// its width.
func TestProblemsTableReadsAndFits(t *testing.T) {
	long := strings.Repeat("9", 30) + "x" + strings.Repeat("9", 30)
	in := writeFile(t, "in.csv", "externalId,maxGroupSize\nFLEET-1,\""+long+"\"\nFLEET-2,12.5\nFLEET-3,45000\n")
	c := cli{}
	if code := c.run(t, "validate", in); code != exitRowsFailed {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	table := problemsTable(c.stderr.String())
	if strings.Contains(table, "…\n") || !strings.Contains(table, long) {
		t.Errorf("the table is cut in a file:\n%s", table)
	}
	if !strings.Contains(table, `row 3, FLEET-2: "12.5" is not a whole number`) {
		t.Errorf("an example row does not read on its own:\n%s", table)
	}

	const width = 60
	var stderr bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &stderr, Getenv: func(string) string { return "" },
		IsTerminal: func() bool { return true }, Width: func() int { return width }}
	Main(context.Background(), []string{"validate", "--no-progress", "--overwrite", in}, env)
	table = problemsTable(stderr.String())
	if table == "" {
		t.Fatalf("no table:\n%s", stderr.String())
	}
	for _, line := range strings.Split(table, "\n") {
		if n := utf8.RuneCountInString(line); n > width && !strings.Contains(line, long[:20]) {
			t.Errorf("%d columns on a %d-column terminal: %q", n, width, line)
		}
	}
}

// TestSkippedRowsAreNoProblem: the rows a stopped run did not reach are a
// line of the summary, not a kind of problem.
func TestSkippedRowsAreNoProblem(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{Faults: sandbox.Faults{Error5xx: 1}})
	defer srv.Close()
	in := writeFile(t, "in.csv", groupsCSV(30))
	c := cli{env: sandboxEnv()}
	c.run(t, "import", "--host", srv.URL, "--workers", "1", "--max-attempts", "1", "--max-errors", "0", in)
	table := problemsTable(c.stderr.String())
	if strings.Contains(table, "skipped") || !strings.Contains(table, "failed") {
		t.Errorf("table:\n%s", table)
	}
	_, sum, _ := strings.Cut(c.stderr.String(), "Summary")
	if !regexp.MustCompile(`skipped +\d+`).MatchString(sum) {
		t.Errorf("no skipped line in the summary:\n%s", sum)
	}
}

// TestExistsAmongConflictsIsExplained: in the default mode, a row whose
// group was there before ends conflict, but one whose first attempt met a
// 5xx may have made the group itself, and ends exists (the current API
// gives no creation time to tell). The end of the run says why the two
// differ.
func TestExistsAmongConflictsIsExplained(t *testing.T) {
	sb := sandbox.New(sandbox.Config{})
	hourAgo := time.Now().Add(-time.Hour)
	sb.Seed(sandbox.Group{ID: 50, ExternalID: "old1", GroupName: "Old", MaxGroupSize: 3, CreatedOn: hourAgo})
	sb.Seed(sandbox.Group{ID: 51, ExternalID: "old2", GroupName: "Old", MaxGroupSize: 3, CreatedOn: hourAgo})
	var posts atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.Contains(r.URL.Path, "userGroup2") && posts.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		sb.ServeHTTP(w, r)
	}))
	defer srv.Close()
	in := writeFile(t, "in.csv", "externalId,groupName,maxGroupSize\nold1,Old,3\nold2,Old,3\n")
	c := cli{env: sandboxEnv()}
	c.run(t, "import", "--host", srv.URL, "--workers", "1", in)
	res := readResults(t, strings.TrimSuffix(in, ".csv")+".results.csv")
	if len(res) != 2 || res[0].Status != importer.Exists || res[1].Status != importer.Conflict {
		t.Fatalf("results %+v; the test needs one exists and one conflict", res)
	}
	if !strings.Contains(c.stderr.String(), "1 row ended exists, not conflict") {
		t.Errorf("the difference is not explained:\n%s", c.stderr.String())
	}
}
