package main

import (
	"os/exec"
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
