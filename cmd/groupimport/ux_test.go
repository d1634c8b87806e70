package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
	"github.com/capillary-tools/groupimport/report"
)

// resumeLine is the command the run suggests to carry on, or "".
func resumeLine(stderr string) string {
	m := regexp.MustCompile(`(?m)to carry on, run: (.*)$`).FindStringSubmatch(stderr)
	if m == nil {
		return ""
	}
	return m[1]
}

// shellWords is what a POSIX shell makes of line.
func shellWords(t *testing.T, line string) []string {
	t.Helper()
	out, err := exec.Command("sh", "-c", `set -- `+line+`; printf '%s\n' "$@"`).Output()
	if err != nil {
		t.Fatalf("the shell cannot parse %s: %v", line, err)
	}
	return strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
}

// TestResumeCommandStartsWithTheProgramAsTyped: a user who ran
// "./bin/my groupimport" pastes a command that runs that program again.
func TestResumeCommandStartsWithTheProgramAsTyped(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{Faults: sandbox.Faults{Error5xx: 1}})
	defer srv.Close()
	in := writeFile(t, "in.csv", "externalId,maxGroupSize\na,1\n")
	c := cli{env: sandboxEnv(), program: "./bin/my groupimport"}
	if code := c.run(t, "import", "--host", srv.URL, "--max-attempts", "1", in); code != exitRowsFailed {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	line := resumeLine(c.stderr.String())
	if line == "" {
		t.Fatalf("no resume command:\n%s", c.stderr.String())
	}
	if got := shellWords(t, line); got[0] != "./bin/my groupimport" || got[1] != "import" {
		t.Errorf("the pasted command runs %q, want ./bin/my groupimport import ...", got)
	}
}

// TestFailedOutHoldsOnlyRowsToFix: rows a stopped run did not reach belong
// to --resume, not to the fix file, and the end of the run says how many
// were left for it.
func TestFailedOutHoldsOnlyRowsToFix(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{Faults: sandbox.Faults{Error5xx: 1}})
	defer srv.Close()
	in := writeFile(t, "in.csv", groupsCSV(50))
	fix := filepath.Join(filepath.Dir(in), "fix.csv")
	c := cli{env: sandboxEnv()}
	code := c.run(t, "import", "--host", srv.URL, "--workers", "1", "--max-attempts", "1", "--max-errors", "0", "--failed-out", fix, in)
	if code != exitAborted {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	res := readResults(t, strings.TrimSuffix(in, ".csv")+".results.csv")
	failed, skipped := 0, 0
	for _, r := range res {
		switch r.Status {
		case importer.Failed:
			failed++
		case importer.Skipped:
			skipped++
		}
	}
	if skipped == 0 {
		t.Fatalf("no row skipped; the test needs some:\n%s", c.stderr.String())
	}
	raw, err := os.ReadFile(fix)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\r\n")
	if len(lines) != 1+failed || strings.Contains(string(raw), "skipped") {
		t.Errorf("fix file has %d rows, want the %d failed ones:\n%s", len(lines)-1, failed, raw)
	}
	if want := importer.Plural(skipped, "skipped row") + " left for --resume"; !strings.Contains(c.stderr.String(), want) {
		t.Errorf("stderr does not say %q:\n%s", want, c.stderr.String())
	}
}

// TestFailedOutKeepsEveryCell: a row with too many cells comes back whole,
// its reason in the reason column and its extra cells after it.
func TestFailedOutKeepsEveryCell(t *testing.T) {
	in := writeFile(t, "in.csv", "externalId,maxGroupSize\na,1,extra,extra2\nb,2\n")
	fix := filepath.Join(filepath.Dir(in), "fix.csv")
	c := cli{}
	if code := c.run(t, "validate", "--failed-out", fix, in); code != exitRowsFailed {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	raw, _ := os.ReadFile(fix)
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(raw), "\ufeff")))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil || len(recs) != 2 {
		t.Fatalf("fix file %q: %v", raw, err)
	}
	got := recs[1]
	if len(got) != 5 || got[0] != "a" || got[1] != "1" || !strings.HasPrefix(got[2], "invalid") || got[3] != "extra" || got[4] != "extra2" {
		t.Errorf("row back as %q, want a, 1, the reason, extra, extra2", got)
	}
}

// TestFailedOutWorkbookIsNotExecutable: a workbook fix file has the
// permissions of any other file the tool writes.
func TestFailedOutWorkbookIsNotExecutable(t *testing.T) {
	in := writeFile(t, "in.csv", "externalId,maxGroupSize\na,x\n")
	fix := filepath.Join(filepath.Dir(in), "fix.xlsx")
	c := cli{}
	if code := c.run(t, "validate", "--failed-out", fix, in); code != exitRowsFailed {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	fi, err := os.Stat(fix)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o111 != 0 {
		t.Errorf("fix workbook is %v", fi.Mode())
	}
}

// TestNoFixFileWhenNothingToFix: a run with nothing to fix leaves no
// empty fix file behind.
func TestNoFixFileWhenNothingToFix(t *testing.T) {
	for _, name := range []string{"fix.csv", "fix.xlsx"} {
		in := writeFile(t, "in.csv", "externalId,maxGroupSize\na,1\n")
		fix := filepath.Join(filepath.Dir(in), name)
		c := cli{}
		if code := c.run(t, "validate", "--failed-out", fix, in); code != exitOK {
			t.Fatalf("exit %d\n%s", code, c.stderr.String())
		}
		if _, err := os.Stat(fix); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s left behind (%v)", name, err)
		}
		if !strings.Contains(c.stderr.String(), "no rows to fix") {
			t.Errorf("stderr does not say there was nothing to fix:\n%s", c.stderr.String())
		}
	}
}

// TestRowsCreatedWithoutExtendedFieldsAreCollected: a row created without
// some extended fields (91016/91017) goes to --failed-out with the reason,
// and importing that file with --on-conflict update once the org has the
// fields completes it.
func TestRowsCreatedWithoutExtendedFieldsAreCollected(t *testing.T) {
	dir := t.TempDir()
	fix := filepath.Join(dir, "fix.csv")
	c := cli{}
	c.run(t, "import", "--sandbox", "--rate", "unlimited", "--out", filepath.Join(dir, "r.csv"), "--failed-out", fix, "../../samples/fleets.csv")
	res := readResults(t, filepath.Join(dir, "r.csv"))
	raw, _ := os.ReadFile(fix)
	for _, r := range res {
		if r.Status == importer.CreatedWithWarnings && !strings.Contains(string(raw), r.ExternalID+",") {
			t.Errorf("%s (created_with_warnings) not in the fix file:\n%s", r.ExternalID, raw)
		}
	}
	if !strings.Contains(string(raw), "created_with_warnings") {
		t.Errorf("the reason does not say created_with_warnings:\n%s", raw)
	}
	if !strings.Contains(c.stderr.String(), "--on-conflict update") {
		t.Errorf("the end of the run does not say how to complete them:\n%s", c.stderr.String())
	}
}

// jsonLines decodes every line of out as a JSON record, failing on one
// that is not.
func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("not JSON: %q", line)
			continue
		}
		recs = append(recs, m)
	}
	return recs
}

// TestJSONLogsFromTheFirstByte: with --log-format json a refused flag is a
// JSON record too, wherever --log-format stands, and the resume command is
// a field of its own.
func TestJSONLogsFromTheFirstByte(t *testing.T) {
	in := writeFile(t, "in.csv", "externalId,maxGroupSize\na,1\n")
	for _, args := range [][]string{
		{"import", "--log-format", "json", "--rate", "100", in},
		{"import", "--rate", "100", "--log-format=json", in},
		{"validate", "--log-format", "json", "--timeout", "5", in},
	} {
		c := cli{env: sandboxEnv()}
		if code := c.run(t, args...); code != exitUsage {
			t.Fatalf("%q: exit %d\n%s", args, code, c.stderr.String())
		}
		recs := jsonLines(t, c.stderr.String())
		if len(recs) != 1 || recs[0]["level"] != "ERROR" {
			t.Errorf("%q: %s", args, c.stderr.String())
		}
	}

	srv := sandbox.NewServer(sandbox.Config{Faults: sandbox.Faults{Error5xx: 1}})
	defer srv.Close()
	c := cli{env: sandboxEnv()}
	if code := c.run(t, "import", "--log-format", "json", "--host", srv.URL, "--max-attempts", "1", in); code != exitRowsFailed {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	recs := jsonLines(t, c.stderr.String())
	last := recs[len(recs)-1]
	msg, _ := last["msg"].(string)
	hint, _ := last["hint"].(string)
	if strings.Contains(msg, "\n") || strings.Contains(msg, "carry on") || !strings.HasPrefix(hint, "to carry on, run: groupimport import --resume") {
		t.Errorf("last record %v: want the resume command in hint, not in msg", last)
	}
}

// TestDurationFlagsSayTheirFormat: --timeout 5 says what it wants.
func TestDurationFlagsSayTheirFormat(t *testing.T) {
	in := writeFile(t, "in.csv", "externalId,maxGroupSize\na,1\n")
	c := cli{}
	if code := c.run(t, "validate", "--timeout", "5", in); code != exitUsage {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	if got := c.stderr.String(); !strings.Contains(got, "duration such as 30s") || strings.Contains(got, "parse error") {
		t.Errorf("message: %s", got)
	}
}

// TestOneNameForOneRate: progress records count rows a second, the summary
// requests a second, each under its own name.
func TestOneNameForOneRate(t *testing.T) {
	dir := t.TempDir()
	c := cli{}
	sum := filepath.Join(dir, "sum.json")
	c.run(t, "import", "--sandbox", "--rate", "unlimited", "--log-format", "json", "--summary-json", sum, "--out", filepath.Join(dir, "r.csv"), "../../samples/fleets.csv")
	raw, _ := os.ReadFile(sum)
	seen := map[string]bool{}
	for _, rec := range append(jsonLines(t, c.stderr.String()), jsonLines(t, string(bytes.ReplaceAll(raw, []byte("\n"), nil)))...) {
		if _, ok := rec["ratePerSecond"]; ok {
			t.Errorf("ratePerSecond in %v", rec)
		}
		if _, ok := rec["rowsPerSecond"]; ok {
			seen["progress"] = seen["progress"] || rec["msg"] == "progress"
		}
		if _, ok := rec["requestsPerSecond"]; ok {
			seen["summary"] = true
		}
	}
	if !seen["progress"] || !seen["summary"] {
		t.Errorf("want rowsPerSecond in progress records and requestsPerSecond in the summary; saw %v\n%s\n%s", seen, c.stderr.String(), raw)
	}
}

// TestRunLeavesNoLock: a finished run leaves its results and no .lock.
func TestRunLeavesNoLock(t *testing.T) {
	in := writeFile(t, "in.csv", "externalId,maxGroupSize\na,1\n")
	c := cli{}
	if code := c.run(t, "import", "--sandbox", in); code != exitOK {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	out := strings.TrimSuffix(in, ".csv") + ".results.csv"
	if _, err := os.Stat(out + ".lock"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s.lock left behind (%v)", out, err)
	}
}

// TestRefusedConcurrentRunSaysNoImporting: a run refused because another
// holds the results does not first announce that it is importing.
func TestRefusedConcurrentRunSaysNoImporting(t *testing.T) {
	in := writeFile(t, "in.csv", "externalId,maxGroupSize\na,1\n")
	out := strings.TrimSuffix(in, ".csv") + ".results.csv"
	unlock, err := report.Lock(out)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	c := cli{}
	if code := c.run(t, "import", "--sandbox", in); code != exitUsage {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	if got := c.stderr.String(); strings.Contains(got, "importing") || !strings.Contains(got, "another groupimport run") {
		t.Errorf("stderr:\n%s", got)
	}
}

// TestRefusedEmptyInputLeavesNoResults: an input with a header and no rows
// is refused (exit 2) and leaves no header-only results file.
func TestRefusedEmptyInputLeavesNoResults(t *testing.T) {
	in := writeFile(t, "in.csv", "externalId,maxGroupSize\n")
	for _, args := range [][]string{{"validate"}, {"import", "--sandbox"}} {
		out := in + "." + args[0]
		c := cli{}
		if code := c.run(t, append(args, "--out", out, in)...); code != exitUsage {
			t.Fatalf("%s: exit %d\n%s", args[0], code, c.stderr.String())
		}
		for _, f := range []string{out, out + ".meta", out + ".lock"} {
			if _, err := os.Stat(f); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s left behind (%v)", filepath.Base(f), err)
			}
		}
	}
}

// TestResumedSummarySaysSo: the JSON summary of a resumed run says it was
// a resume, how many rows it kept, and what this run itself did, apart
// from the counts that cover every row.
func TestResumedSummarySaysSo(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{Faults: sandbox.Faults{Error5xx: 0.5, Seed: 3}})
	defer srv.Close()
	in := writeFile(t, "in.csv", groupsCSV(40))
	c, _, args, _, failed := firstRunWithFailures(t, srv, in)
	sum := filepath.Join(filepath.Dir(in), "sum.json")
	resume := append([]string{args[0], "--resume", "--summary-json", sum}, args[1:]...)
	if code := c.run(t, resume...); code != exitOK {
		t.Fatalf("resume: exit %d\n%s", code, c.stderr.String())
	}
	raw, err := os.ReadFile(sum)
	if err != nil {
		t.Fatal(err)
	}
	var js struct {
		Rows     int  `json:"rows"`
		Resumed  bool `json:"resumed"`
		KeptRows int  `json:"keptRows"`
		ThisRun  *struct {
			Rows   int            `json:"rows"`
			Counts map[string]int `json:"counts"`
		} `json:"thisRun"`
	}
	if err := json.Unmarshal(raw, &js); err != nil {
		t.Fatal(err)
	}
	if !js.Resumed || js.Rows != 40 || js.KeptRows != 40-failed || js.ThisRun == nil || js.ThisRun.Rows != failed || js.ThisRun.Counts["created"] != failed {
		t.Errorf("summary of a resume (%d rows failed first):\n%s", failed, raw)
	}
}

// TestCheckWithoutCredentialsPrintsTheChecklist: check with no credentials
// shows the checklist, with what is missing and what was not checked.
func TestCheckWithoutCredentialsPrintsTheChecklist(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{})
	defer srv.Close()
	c := cli{}
	if code := c.run(t, "check", "--host", srv.URL); code != exitUsage {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	out := c.stdout.String()
	for _, want := range []string{"[ FAIL ] credentials", "CAP_TILL", "CAP_CLIENT_KEY", "[ skip ] lookup contract"} {
		if !strings.Contains(out, want) {
			t.Errorf("checklist lacks %q:\n%s\nstderr:\n%s", want, out, c.stderr.String())
		}
	}
}

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

// TestHostFlagsRefusedBeforeTheInputIsRead: a wrong --cluster, or --host
// with --cluster, is refused before the input is opened, as the other
// flag values are.
func TestHostFlagsRefusedBeforeTheInputIsRead(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nonexistent.csv")
	for _, args := range [][]string{
		{"--cluster", "mars"},
		{"--host", "https://eu.api.capillarytech.com", "--cluster", "eu"},
	} {
		c := cli{env: sandboxEnv()}
		code := c.run(t, append(append([]string{"import"}, args...), missing)...)
		if got := c.stderr.String(); code != exitUsage || strings.Contains(got, "nonexistent") || !strings.Contains(got, "--cluster") {
			t.Errorf("%q: exit %d:\n%s", args, code, got)
		}
	}
}

// TestHelpSaysWhatTheToolDoes: the help texts match what the tool does.
func TestHelpSaysWhatTheToolDoes(t *testing.T) {
	c := cli{}
	if code := c.run(t, "version", "--help"); code != exitOK || !strings.Contains(c.stdout.String(), "Usage") {
		t.Errorf("version --help: exit %d, %q", code, c.stdout.String())
	}
	c.run(t, "import", "--help")
	help := strings.Join(strings.Fields(c.stdout.String()+c.stderr.String()), " ")
	for _, want := range []string{"server", "--failed-out", "--summary-json file"} {
		if !strings.Contains(help, want) {
			t.Errorf("import --help lacks %q", want)
		}
	}
	c.run(t, "help")
	if !strings.Contains(c.stdout.String(), "XLSX") {
		t.Errorf("the commands list does not say XLSX:\n%s", c.stdout.String())
	}
}

// TestInterruptUnderJSONLogsIsJSON: Ctrl-C's "stopping" line is a JSON
// record too under --log-format json, and the hint after it pastes.
func TestInterruptUnderJSONLogsIsJSON(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{})
	defer srv.Close()
	in := writeFile(t, "in.csv", groupsCSV(2000))
	out := strings.TrimSuffix(in, ".csv") + ".results.csv"
	p := start(t, srv, "import", "--log-format", "json", "--rate", "100/s", in)
	waitFor(t, "some results", 30*time.Second, func() bool { return lineCount(out) > 20 })
	p.cmd.Process.Signal(os.Interrupt)
	if code := p.wait(t, 30*time.Second); code != exitInterrupted {
		t.Fatalf("exit %d, want 130\n%s", code, p.stderr.String())
	}
	recs := jsonLines(t, strings.TrimLeft(p.stderr.String(), "\n"))
	hint, _ := recs[len(recs)-1]["hint"].(string)
	cmd, ok := strings.CutPrefix(hint, "to carry on, run: ")
	if words := shellWords(t, cmd); !ok || words[0] != binary(t) || words[2] != "--resume" {
		t.Errorf("hint %q does not paste", hint)
	}
}
