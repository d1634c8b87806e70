package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/capillary-tools/groupimport/report"
)

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
