package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
	"github.com/capillary-tools/groupimport/report"
)

// TestDamagedDiffResumedExits2: a diff file with one damaged quote, given
// to --resume, is refused with a message and exit 2, never a panic.
func TestDamagedDiffResumedExits2(t *testing.T) {
	srv := newWatched(t, sandbox.APILegacy)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	os.WriteFile(in, []byte(groupsCSV(4)), 0o644)
	out := filepath.Join(dir, "in.diff.csv")
	c := cli{env: sandboxEnv()}
	if code := c.run(t, "diff", "--host", srv.URL, "--rate", "unlimited", in); code != exitRowsFailed {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	raw, _ := os.ReadFile(out)
	lines := strings.SplitAfter(string(raw), "\n")
	lines[1] = `"2"x` + strings.TrimPrefix(lines[1], "2") // a quote damaged in the first cell
	os.WriteFile(out, []byte(strings.Join(lines, "")), 0o644)
	srv.reset()
	code := c.run(t, "diff", "--host", srv.URL, "--rate", "unlimited", "--resume", in)
	if code != exitUsage || !strings.Contains(c.stderr.String(), out) {
		t.Fatalf("damaged diff resumed: exit %d, want 2 and a message naming it\n%s", code, c.stderr.String())
	}
	if strings.Contains(c.stderr.String(), "panic") {
		t.Errorf("a panic:\n%s", c.stderr.String())
	}
	if srv.writes() != 0 || len(srv.looked) != 0 {
		t.Errorf("a refused resume sent requests: %v", srv.looked)
	}
}

// TestResumeCountsAFixedDuplicateToDo: the count of rows kept and to do
// shown before a resume follows the rule the run follows. A duplicate
// whose first row was fixed since is sent again, so it is to do, not kept.
func TestResumeCountsAFixedDuplicateToDo(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{})
	defer srv.Close()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	// Row 2 is invalid, and row 3 repeats its externalId.
	os.WriteFile(in, []byte("externalId,maxGroupSize\na,0\na,1\nb,2\n"), 0o644)
	c := cli{env: sandboxEnv()}
	if code := c.run(t, "import", "--host", srv.URL, in); code != exitRowsFailed {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	// Row 2 fixed under another id: row 3 is no longer a duplicate.
	os.WriteFile(in, []byte("externalId,maxGroupSize\nz,1\na,1\nb,2\n"), 0o644)
	if code := c.run(t, "import", "--host", srv.URL, "--resume", in); code != exitOK {
		t.Fatalf("resume: exit %d\n%s", code, c.stderr.String())
	}
	if !strings.Contains(c.stderr.String(), "1 row already settled") || !strings.Contains(c.stderr.String(), "kept; 2 rows to do") {
		t.Errorf("resume counts, want 1 kept and 2 to do:\n%s", c.stderr.String())
	}
	if srv.Creations("a") != 1 || srv.Creations("z") != 1 || srv.Creations("b") != 1 {
		t.Errorf("creations a=%d z=%d b=%d", srv.Creations("a"), srv.Creations("z"), srv.Creations("b"))
	}
}

// summaryFacts are the lines of a diff's summary that say what an import
// would do and what was not compared.
func summaryFacts(stderr string) []string {
	var out []string
	for _, l := range strings.Split(stderr, "\n") {
		for _, s := range []string{"An import would", "maxGroupSize", "name another group", "not ACTIVE", "would refuse"} {
			if strings.Contains(l, s) && !strings.Contains(l, "groupimport:") {
				out = append(out, strings.TrimSpace(l))
				break
			}
		}
	}
	return out
}

// rewriteMessages puts other words in the message column of every line of
// a record, and drops its last line, so that a resume has a row to do.
func rewriteMessages(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	msg := slices.Index(recs[0], "message")
	for i := 1; i < len(recs); i++ {
		recs[i][msg] = fmt.Sprintf("reworded message %d", i)
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.WriteAll(recs[:len(recs)-1])
	os.WriteFile(path, []byte(b.String()), 0o644)
}

// TestResumedDiffKeepsItsPlanWhenMessagesChange: a resumed diff reads its
// kept lines' plan and facts from the action and reason columns, never
// from the message: with every message reworded, the summary of the
// resumed diff is the same, mismatch lines included.
func TestResumedDiffKeepsItsPlanWhenMessagesChange(t *testing.T) {
	srv := newWatched(t, sandbox.APICurrent)
	srv.Seed(
		sandbox.Group{ExternalID: "same", GroupName: "Alpha", MaxGroupSize: 10},
		sandbox.Group{ExternalID: "name", GroupName: "Old", MaxGroupSize: 10},
		sandbox.Group{ExternalID: "gone", GroupName: "Gone", MaxGroupSize: 10, GroupStatus: sandbox.StatusExited},
	)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	os.WriteFile(in, []byte("externalId,groupName,maxGroupSize\nsame,Alpha,10\nname,New,10\ngone,Gone,10\nnew,Newest,5\nlast,Last,1\n"), 0o644)
	// An import's record that names another group for "same" and a
	// group for "new", which the server does not have: both mismatch.
	results := filepath.Join(dir, "in.results.csv")
	w, err := report.Create(results)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(importer.Result{Row: 2, ExternalID: "same", Status: importer.Created, EntityID: 99999, Attempts: 1})
	w.Write(importer.Result{Row: 5, ExternalID: "new", Status: importer.Created, EntityID: 4242, Attempts: 1})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "in.diff.csv")
	c := cli{env: sandboxEnv()}
	if code := c.run(t, "diff", "--host", srv.URL, "--rate", "unlimited", "--results", results, in); code != exitRowsFailed {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	before := summaryFacts(c.stderr.String())
	if len(before) < 3 {
		t.Fatalf("summary facts %q\n%s", before, c.stderr.String())
	}
	rewriteMessages(t, out)
	srv.reset()
	if code := c.run(t, "diff", "--host", srv.URL, "--rate", "unlimited", "--results", results, "--resume", in); code != exitRowsFailed {
		t.Fatalf("resume: exit %d\n%s", code, c.stderr.String())
	}
	if after := summaryFacts(c.stderr.String()); !slices.Equal(after, before) {
		t.Errorf("the resumed diff's summary changed:\n%q\nwant\n%q", after, before)
	}
	if len(srv.looked) != 1 || srv.looked["last"] == 0 {
		t.Errorf("the resume looked up %v; want only the row it lacked", srv.looked)
	}
	got := readDiff(t, out)
	if r := got["same"]; r.Status != importer.Mismatch || r.Diff.Plan != importer.Same || !r.Has(importer.SizeNotCompared) || r.Message != "reworded message 1" {
		t.Errorf("same, kept: %s %+v %q %q", r.Status, r.Diff, r.Reasons, r.Message)
	}
	if r := got["new"]; r.Status != importer.Mismatch || r.Diff.Plan != importer.Missing {
		t.Errorf("new, kept: %s %+v", r.Status, r.Diff)
	}
}

// TestOldDiffFileResumes: a diff file written before the record had one
// header resumes: its settled lines are kept, a mismatch line (whose plan
// only its message said) is looked up again, and the file is rewritten
// under the current header.
func TestOldDiffFileResumes(t *testing.T) {
	srv := newWatched(t, sandbox.APILegacy)
	srv.Seed(sandbox.Group{ExternalID: "a", GroupName: "A", MaxGroupSize: 1}, sandbox.Group{ExternalID: "c", GroupName: "C", MaxGroupSize: 3})
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	os.WriteFile(in, []byte("externalId,groupName,maxGroupSize\na,A,1\nb,B,2\nc,C,3\nd,D,4\n"), 0o644)
	out := filepath.Join(dir, "in.diff.csv")
	os.WriteFile(out, []byte("row,externalId,status,entityId,differences,message,requestId\n"+
		"2,a,same,1,,the group matches the row,r1\n"+
		"3,b,missing,,,no group has this externalId: an import would create it,r2\n"+
		"4,c,mismatch,3,,\"the results (row 4, created) name group 8, but the server's group with this externalId is 3; the group matches the row\",r3\n"), 0o644)
	c := cli{env: sandboxEnv()}
	if code := c.run(t, "diff", "--host", srv.URL, "--rate", "unlimited", "--resume", in); code != exitRowsFailed {
		t.Fatalf("resume: exit %d\n%s", code, c.stderr.String())
	}
	if len(srv.looked) != 2 || srv.looked["c"] == 0 || srv.looked["d"] == 0 {
		t.Errorf("the resume looked up %v; want c (an old mismatch line) and d", srv.looked)
	}
	raw, _ := os.ReadFile(out)
	if !strings.HasPrefix(string(raw), strings.Join(report.Header, ",")+"\n") {
		t.Errorf("resumed file's header: %q", strings.SplitN(string(raw), "\n", 2)[0])
	}
	got := readDiff(t, out)
	if len(got) != 4 || got["a"].Status != importer.Same || got["a"].RequestID != "r1" || got["b"].Diff.Plan != importer.Missing ||
		got["c"].Status != importer.Same || got["d"].Status != importer.Missing || got["d"].Fingerprint == "" {
		t.Errorf("resumed lines: %+v", got)
	}
}

// TestResumeRefusesARecordOfAnotherKind: a diff file given to an import's
// --resume (or a results file to a diff's) is refused, naming both kinds,
// before anything is sent.
func TestResumeRefusesARecordOfAnotherKind(t *testing.T) {
	srv := newWatched(t, sandbox.APILegacy)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	os.WriteFile(in, []byte(groupsCSV(3)), 0o644)
	c := cli{env: sandboxEnv()}
	diffOut := filepath.Join(dir, "in.diff.csv")
	if code := c.run(t, "diff", "--host", srv.URL, "--rate", "unlimited", in); code != exitRowsFailed {
		t.Fatalf("diff: exit %d\n%s", code, c.stderr.String())
	}
	srv.reset()
	code := c.run(t, "import", "--host", srv.URL, "--resume", "--out", diffOut, in)
	if code != exitUsage || !strings.Contains(c.stderr.String(), "is a diff record") || !strings.Contains(c.stderr.String(), "an import record") {
		t.Errorf("import --resume of a diff: exit %d\n%s", code, c.stderr.String())
	}
	if srv.writes() != 0 || len(srv.looked) != 0 {
		t.Errorf("a refused resume sent requests")
	}
	resOut := filepath.Join(dir, "in.results.csv")
	if code := c.run(t, "import", "--host", srv.URL, "--rate", "unlimited", in); code != exitOK {
		t.Fatalf("import: exit %d\n%s", code, c.stderr.String())
	}
	code = c.run(t, "diff", "--host", srv.URL, "--resume", "--out", resOut, in)
	if code != exitUsage || !strings.Contains(c.stderr.String(), "is an import record") || !strings.Contains(c.stderr.String(), "a diff record") {
		t.Errorf("diff --resume of results: exit %d\n%s", code, c.stderr.String())
	}
}

// TestImportRefusesAnOldDiffFile: a diff file of an older version has no
// .meta to say its kind; its lines do. An import given it to resume is
// refused before anything is sent, rather than keeping "missing" rows as
// settled and never creating them.
func TestImportRefusesAnOldDiffFile(t *testing.T) {
	srv := newWatched(t, sandbox.APILegacy)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	os.WriteFile(in, []byte("externalId,groupName,maxGroupSize\na,A,1\nb,B,2\n"), 0o644)
	out := filepath.Join(dir, "in.diff.csv")
	os.WriteFile(out, []byte("row,externalId,status,entityId,differences,message,requestId\n2,a,missing,,,m,r1\n"), 0o644)
	c := cli{env: sandboxEnv()}
	code := c.run(t, "import", "--host", srv.URL, "--resume", "--out", out, in)
	if code != exitUsage || !strings.Contains(c.stderr.String(), "not an import record") {
		t.Errorf("exit %d, want 2 naming the kind\n%s", code, c.stderr.String())
	}
	if srv.writes() != 0 {
		t.Errorf("a refused resume sent %d writes", srv.writes())
	}
}
