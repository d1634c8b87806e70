package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
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
