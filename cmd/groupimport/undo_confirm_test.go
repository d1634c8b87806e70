package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// importForUndo imports n groups to s and returns the import's record.
func importForUndo(t *testing.T, s *undoServer, n int) string {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	writeFileAt(t, in, undoCSV(n))
	c := cli{env: sandboxEnv()}
	if code := c.run(t, "import", "--host", s.URL, "--rate", "unlimited", "--no-progress", in); code != exitRowsFailed {
		t.Fatalf("import: exit %d, want 1 (PRE-1 is a conflict)\n%s", code, c.stderr.String())
	}
	return filepath.Join(dir, "in.results.csv")
}

// inTerminal runs a command as if stderr were a terminal, with answer
// typed on stdin.
func inTerminal(t *testing.T, answer string, args ...string) (int, string) {
	t.Helper()
	var stderr bytes.Buffer
	env := &Env{
		Stdin: strings.NewReader(answer), Stdout: io.Discard, Stderr: &stderr,
		Getenv:     func(k string) string { return sandboxEnv()[k] },
		IsTerminal: func() bool { return true }, Width: func() int { return 100 },
	}
	return Main(context.Background(), args, env), stderr.String()
}

// TestUndoAsksInATerminal: in a terminal, undo asks "Delete N groups from
// HOST? [y/N]". Only y (or yes) deletes; an empty answer, n, anything
// else or no answer at all sends no DELETE and ends with exit 2.
func TestUndoAsksInATerminal(t *testing.T) {
	s := newUndoServer(t, sandbox.APICurrent)
	s.Seed(sandbox.Group{ExternalID: "PRE-1", GroupName: "Before", MaxGroupSize: 5})
	res := importForUndo(t, s, 3)
	question := "Delete 3 groups from " + s.URL + "? [y/N]"
	for _, answer := range []string{"", "\n", "n\n", "no\n", "N\n", "yy\n", "ok\n"} {
		code, stderr := inTerminal(t, answer, "undo", "--host", s.URL, "--rate", "unlimited", "--no-progress", res)
		if code != exitUsage || !strings.Contains(stderr, question) || !strings.Contains(stderr, "not confirmed") {
			t.Fatalf("answer %q: exit %d, want 2 after the question %q\n%s", answer, code, question, stderr)
		}
		if n := s.deletes.Load(); n != 0 {
			t.Fatalf("answer %q: %d DELETEs sent", answer, n)
		}
	}
	code, stderr := inTerminal(t, "y\n", "undo", "--host", s.URL, "--rate", "unlimited", "--no-progress", res)
	if code != exitOK || !strings.Contains(stderr, question) {
		t.Fatalf("answer y: exit %d, want 0 after the question\n%s", code, stderr)
	}
	if n := s.deletes.Load(); n != 3 {
		t.Errorf("answer y: %d DELETEs, want 3", n)
	}
	for i := 1; i <= 3; i++ {
		id := "U-0" + string(rune('0'+i))
		if g, _ := s.Group(id); g.GroupStatus != sandbox.StatusDeleted {
			t.Errorf("%s is %s after y", id, g.GroupStatus)
		}
	}
}

// TestUndoSettlesALostDeleteByLookup: every DELETE deletes its group and
// then loses its answer. The lookup that follows shows the group DELETED,
// so each line is deleted, with the answer_lost reason, and undo ends 0.
func TestUndoSettlesALostDeleteByLookup(t *testing.T) {
	for _, api := range contracts {
		t.Run(api, func(t *testing.T) {
			s := newUndoServer(t, api)
			s.Seed(sandbox.Group{ExternalID: "PRE-1", GroupName: "Before", MaxGroupSize: 5})
			res := importForUndo(t, s, 4)
			s.SetFaults(sandbox.Faults{TimeoutAfterDelete: 1, HangFor: 10 * time.Second, Seed: 3})
			c := cli{env: sandboxEnv()}
			if code := c.run(t, "undo", "--host", s.URL, "--rate", "unlimited", "--timeout", "300ms", "--no-progress", "--yes", res); code != exitOK {
				t.Fatalf("undo: exit %d, want 0\n%s", code, c.stderr.String())
			}
			lines := readResults(t, filepath.Join(filepath.Dir(res), "in.undo.csv"))
			if len(lines) != 5 {
				t.Fatalf("%d undo lines, want 5", len(lines))
			}
			deleted := 0
			for _, r := range lines {
				if r.ExternalID == "PRE-1" {
					continue
				}
				deleted++
				if r.Status != importer.Deleted || !r.Has(importer.AnswerLost) || !strings.Contains(r.Message, "answer was lost") {
					t.Errorf("row %d %s: %s %v %q, want deleted with answer_lost", r.Row, r.ExternalID, r.Status, r.Reasons, r.Message)
				}
				if g, _ := s.Group(r.ExternalID); g.GroupStatus != sandbox.StatusDeleted {
					t.Errorf("%s is %s", r.ExternalID, g.GroupStatus)
				}
			}
			if deleted != 4 {
				t.Errorf("%d groups deleted, want 4", deleted)
			}
		})
	}
}
