package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// undoServer is a sandbox behind a handler that counts DELETE requests
// and sends lookups without a Date header, so that an import whose create
// answer was lost cannot prove the group its own: it ends exists with the
// answer_lost reason ("may be this run's").
type undoServer struct {
	*sandbox.Server
	URL     string
	deletes atomic.Int64
}

func newUndoServer(t *testing.T, api string) *undoServer {
	t.Helper()
	u := &undoServer{Server: sandbox.New(sandbox.Config{API: api})}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodDelete:
			u.deletes.Add(1)
		case http.MethodGet:
			w = noDate{w}
		}
		u.ServeHTTP(w, r)
	}))
	u.URL = ts.URL
	t.Cleanup(func() { ts.Close(); u.Close() })
	return u
}

// noDate sends an answer without the Date header, whoever set it.
type noDate struct{ http.ResponseWriter }

func (w noDate) WriteHeader(code int) {
	w.Header()["Date"] = nil
	w.ResponseWriter.WriteHeader(code)
}

func (w noDate) Write(b []byte) (int, error) {
	w.Header()["Date"] = nil
	return w.ResponseWriter.Write(b)
}

func undoCSV(n int) string {
	var b strings.Builder
	b.WriteString("externalId,groupName,maxGroupSize,ext.tier\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "U-%02d,Undo %d,10,gold\n", i, i)
	}
	b.WriteString("PRE-1,Before,5,\n")
	return b.String()
}

// TestUndoTakesBackWhatTheImportCreated: an import of 40 rows, some of
// whose creates lose their answer, then one group renamed by hand. A dry
// run and an undo without --yes send no DELETE; an undo against another
// server is refused; an undo with --yes deletes every created group but
// the renamed one, which it names; groups that existed before, groups not
// in the file and groups whose answer was lost stay ACTIVE; a second undo
// deletes nothing more.
func TestUndoTakesBackWhatTheImportCreated(t *testing.T) {
	for _, api := range contracts {
		t.Run(api, func(t *testing.T) {
			s := newUndoServer(t, api)
			s.Seed(sandbox.Group{ExternalID: "PRE-1", GroupName: "Before", MaxGroupSize: 5},
				sandbox.Group{ExternalID: "OUT-1", GroupName: "Not in the file", MaxGroupSize: 5})
			s.SetFaults(sandbox.Faults{TimeoutAfterCreate: 0.15, HangFor: 10 * time.Second, Seed: 7})
			dir := t.TempDir()
			in := filepath.Join(dir, "in.csv")
			writeFileAt(t, in, undoCSV(40))
			res := filepath.Join(dir, "in.results.csv")
			c := cli{env: sandboxEnv()}
			if code := c.run(t, "import", "--host", s.URL, "--rate", "unlimited", "--timeout", "300ms", "--no-progress", in); code != exitRowsFailed {
				t.Fatalf("import: exit %d, want 1 (PRE-1 is a conflict)\n%s", code, c.stderr.String())
			}
			s.SetFaults(sandbox.Faults{})
			created, uncertain := map[string]int64{}, map[string]bool{}
			for _, r := range readResults(t, res) {
				switch cand, unc := importer.UndoCandidate(r); {
				case unc:
					uncertain[r.ExternalID] = true
				case cand:
					created[r.ExternalID] = r.EntityID
				}
			}
			if len(uncertain) == 0 || len(created) < 20 {
				t.Fatalf("%d created, %d uncertain: want some of each (the fault's seed)", len(created), len(uncertain))
			}
			renamed := ""
			for id := range created {
				renamed = id
				break
			}
			ren := filepath.Join(dir, "rename.csv")
			writeFileAt(t, ren, "externalId,groupName,maxGroupSize,ext.tier\n"+renamed+",Changed by hand,10,gold\n")
			if code := c.run(t, "import", "--host", s.URL, "--rate", "unlimited", "--on-conflict", "update", "--no-progress", "--out", filepath.Join(dir, "rename.results.csv"), ren); code != exitOK {
				t.Fatalf("rename: exit %d\n%s", code, c.stderr.String())
			}
			statsBefore := s.Stats().Deletes

			// A dry run looks up and deletes nothing.
			if code := c.run(t, "undo", "--host", s.URL, "--rate", "unlimited", "--no-progress", "--dry-run", res); code != exitRowsFailed {
				t.Fatalf("dry run: exit %d, want 1 (one group changed)\n%s", code, c.stderr.String())
			}
			if !strings.Contains(c.stderr.String(), "would be deleted") || !strings.Contains(c.stderr.String(), fmt.Sprint(len(created)-1)) {
				t.Errorf("the plan does not count %d groups to delete:\n%s", len(created)-1, c.stderr.String())
			}
			// Without a terminal and without --yes: refused.
			if code := c.run(t, "undo", "--host", s.URL, "--rate", "unlimited", "--no-progress", res); code != exitUsage {
				t.Fatalf("no --yes: exit %d, want 2\n%s", code, c.stderr.String())
			}
			// Against another server: refused.
			other := newUndoServer(t, api)
			if code := c.run(t, "undo", "--host", other.URL, "--yes", "--no-progress", res); code != exitUsage || !strings.Contains(c.stderr.String(), "was made against") {
				t.Fatalf("another server: exit %d, want 2\n%s", code, c.stderr.String())
			}
			if n := s.deletes.Load() + other.deletes.Load(); n != 0 || s.Stats().Deletes != statsBefore || other.Stats().Requests != 0 {
				t.Fatalf("%d DELETEs sent before the confirmed undo, %d requests to the other server", n, other.Stats().Requests)
			}

			if code := c.run(t, "undo", "--host", s.URL, "--rate", "unlimited", "--no-progress", "--yes", res); code != exitRowsFailed {
				t.Fatalf("undo: exit %d, want 1 (the renamed group is kept)\n%s", code, c.stderr.String())
			}
			for id := range created {
				g, _ := s.Group(id)
				switch {
				case id == renamed && g.GroupStatus != sandbox.StatusActive:
					t.Errorf("%s, renamed by hand, is %s", id, g.GroupStatus)
				case id != renamed && g.GroupStatus != sandbox.StatusDeleted:
					t.Errorf("%s, created by the import, is %s", id, g.GroupStatus)
				}
			}
			for id := range uncertain {
				if g, _ := s.Group(id); g.GroupStatus != sandbox.StatusActive {
					t.Errorf("%s, whose answer was lost, is %s", id, g.GroupStatus)
				}
			}
			for _, id := range []string{"PRE-1", "OUT-1"} {
				if g, _ := s.Group(id); g.GroupStatus != sandbox.StatusActive {
					t.Errorf("%s, there before the import, is %s", id, g.GroupStatus)
				}
			}
			want := fmt.Sprintf(`groupName: "Undo %s" -> "Changed by hand"`, strings.TrimLeft(strings.TrimPrefix(renamed, "U-"), "0"))
			if !strings.Contains(c.stderr.String(), want) {
				t.Errorf("stderr does not name the change %s:\n%s", want, c.stderr.String())
			}
			undo := readResults(t, filepath.Join(dir, "in.undo.csv"))
			if len(undo) != 41 {
				t.Fatalf("%d undo lines, want one per line of the import's record (41)", len(undo))
			}
			for _, r := range undo {
				var wantStatus importer.Status
				switch {
				case r.ExternalID == renamed:
					wantStatus = importer.KeptChanged
					if !strings.Contains(r.Message, want) || r.Diff == nil {
						t.Errorf("the renamed group's line: %+v", r)
					}
				case uncertain[r.ExternalID]:
					wantStatus = importer.KeptUncertain
				case created[r.ExternalID] != 0:
					wantStatus = importer.Deleted
					if r.EntityID != created[r.ExternalID] || r.RequestID == "" {
						t.Errorf("line %d: id %d (want %d), request id %q", r.Row, r.EntityID, created[r.ExternalID], r.RequestID)
					}
				default:
					wantStatus = importer.NotCreated
				}
				if r.Status != wantStatus {
					t.Errorf("row %d %s: %s, want %s (%s)", r.Row, r.ExternalID, r.Status, wantStatus, r.Message)
				}
			}

			// Again: nothing more is deleted.
			sent := s.deletes.Load()
			if code := c.run(t, "undo", "--host", s.URL, "--rate", "unlimited", "--no-progress", "--yes", res); code != exitRowsFailed {
				t.Fatalf("second undo: exit %d, want 1\n%s", code, c.stderr.String())
			}
			if n := s.deletes.Load(); n != sent {
				t.Errorf("the second undo sent %d DELETEs", n-sent)
			}
			if want := fmt.Sprintf("%d (all by an earlier undo; nothing sent now)", len(created)-1); !strings.Contains(c.stderr.String(), want) {
				t.Errorf("the second undo's summary does not say %q:\n%s", want, c.stderr.String())
			}
			// Afresh (--overwrite): every deleted group is gone; still none deleted.
			if code := c.run(t, "undo", "--host", s.URL, "--rate", "unlimited", "--no-progress", "--yes", "--overwrite", res); code != exitRowsFailed {
				t.Fatalf("undo afresh: exit %d, want 1\n%s", code, c.stderr.String())
			}
			if n := s.deletes.Load(); n != sent {
				t.Errorf("the undo afresh sent %d DELETEs", n-sent)
			}
			// --force deletes the renamed group; then every created group is deleted or gone.
			if code := c.run(t, "undo", "--host", s.URL, "--rate", "unlimited", "--no-progress", "--yes", "--overwrite", "--force", res); code != exitOK {
				t.Fatalf("undo --force: exit %d, want 0\n%s", code, c.stderr.String())
			}
			if g, _ := s.Group(renamed); g.GroupStatus != sandbox.StatusDeleted {
				t.Errorf("--force left %s %s", renamed, g.GroupStatus)
			}
		})
	}
}

// TestUndoRefusesARecordOfAnotherKind: a validation record is not an
// import's: exit 2, nothing sent.
func TestUndoRefusesARecordOfAnotherKind(t *testing.T) {
	s := newUndoServer(t, sandbox.APICurrent)
	in := filepath.Join(t.TempDir(), "in.csv")
	writeFileAt(t, in, undoCSV(3))
	c := cli{env: sandboxEnv()}
	if code := c.run(t, "validate", in); code != exitOK {
		t.Fatalf("validate: exit %d\n%s", code, c.stderr.String())
	}
	code := c.run(t, "undo", "--host", s.URL, "--yes", strings.TrimSuffix(in, ".csv")+".validation.csv")
	if code != exitUsage || !strings.Contains(c.stderr.String(), "not of an import") {
		t.Fatalf("exit %d, want 2\n%s", code, c.stderr.String())
	}
	if n := s.Stats().Requests; n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func writeFileAt(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
