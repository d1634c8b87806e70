package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
	"github.com/capillary-tools/groupimport/report"
)

var contracts = []string{sandbox.APICurrent, sandbox.APILegacy}

// watched is a sandbox behind a handler that records every request's
// method and the externalIds looked up, and answers 500 to lookups of the
// ids in fail.
type watched struct {
	*sandbox.Server
	URL  string
	fail map[string]bool

	mu      sync.Mutex
	base    int // creates and updates before the last reset
	methods map[string]int
	looked  map[string]int
}

func newWatched(t *testing.T, api string, fail ...string) *watched {
	t.Helper()
	w := &watched{Server: sandbox.New(sandbox.Config{API: api}), fail: map[string]bool{}, methods: map[string]int{}, looked: map[string]int{}}
	for _, id := range fail {
		w.fail[id] = true
	}
	ts := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		id := q.Get("externalId") + q.Get("id")
		w.mu.Lock()
		w.methods[r.Method]++
		if r.Method == http.MethodGet && id != "" {
			w.looked[id]++
		}
		w.mu.Unlock()
		if w.fail[id] {
			rw.Header().Set("Content-Type", "application/json")
			rw.WriteHeader(http.StatusInternalServerError)
			rw.Write([]byte(`{"errors":[{"status":false,"code":500,"message":"all requests failed"}],"warnings":[]}`))
			return
		}
		w.ServeHTTP(rw, r)
	}))
	w.URL = ts.URL
	t.Cleanup(func() { ts.Close(); w.Close() })
	return w
}

// writes counts the requests that were not GETs, and the server's own
// count of creates and updates, since the last reset.
func (w *watched) writes() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for m, c := range w.methods {
		if m != http.MethodGet {
			n += c
		}
	}
	st := w.Stats()
	return n + st.Creates + st.Updates - w.base
}

func (w *watched) reset() {
	w.mu.Lock()
	defer w.mu.Unlock()
	clear(w.methods)
	clear(w.looked)
	st := w.Stats()
	w.base = st.Creates + st.Updates
}

func readDiff(t *testing.T, path string) map[string]importer.Result {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]importer.Result{}
	if err := report.ReadResults(f, func(r importer.Result) error {
		key := r.ExternalID
		if r.Status == importer.Duplicate || key == "" {
			key = key + "#" + string(r.Status)
		}
		out[key] = r
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func seedStatuses(s *sandbox.Server) {
	s.Seed(
		sandbox.Group{ExternalID: "same", GroupName: "Alpha", MaxGroupSize: 10, ExtendedFields: map[string]string{"tier": "gold"}},
		sandbox.Group{ExternalID: "name", GroupName: "Old", MaxGroupSize: 10},
		sandbox.Group{ExternalID: "size", GroupName: "Sized", MaxGroupSize: 10},
		sandbox.Group{ExternalID: "ext", GroupName: "Ext", MaxGroupSize: 10},
		sandbox.Group{ExternalID: "gone", GroupName: "Gone", MaxGroupSize: 10, GroupStatus: sandbox.StatusExited},
		sandbox.Group{ExternalID: "colour", GroupName: "Colour", MaxGroupSize: 10},
		sandbox.Group{ExternalID: "=cmd", GroupName: "Formula", MaxGroupSize: 10},
	)
}

const statusesCSV = `externalId,groupName,maxGroupSize,ext.tier,ext.colour
same,Alpha,10,gold,
name,New,10,,
size,Sized,12,,
ext,Ext,10,gold,
gone,Gone,10,,
new,Newest,5,,
bad,Bad,0,,
same,Again,10,,
colour,Colour,10,,red
=cmd,=1+1,10,,
fail,Failing,10,,
`

// TestDiffStatuses gives every status under both contracts, and proves
// that the server sees nothing but lookups.
func TestDiffStatuses(t *testing.T) {
	for _, api := range contracts {
		t.Run(api, func(t *testing.T) {
			srv := newWatched(t, api, "fail")
			seedStatuses(srv.Server)
			in := writeFile(t, "groups.csv", statusesCSV)
			out := filepath.Join(filepath.Dir(in), "groups.diff.csv")
			sum := filepath.Join(filepath.Dir(in), "summary.json")
			c := cli{env: sandboxEnv()}
			code := c.run(t, "diff", "--host", srv.URL, "--rate", "unlimited", "--workers", "1", "--max-attempts", "2", "--summary-json", sum, in)
			if code != exitRowsFailed {
				t.Fatalf("exit %d, want 1\n%s", code, c.stderr.String())
			}
			if n := srv.writes(); n != 0 {
				t.Errorf("the diff sent %d writes; want only GETs (%v)", n, srv.methods)
			}
			got := readDiff(t, out)
			sizeStatus, sizeDiff := importer.Differs, "maxGroupSize: 10 -> 12"
			if api == sandbox.APICurrent {
				sizeStatus, sizeDiff = importer.Same, ""
			}
			want := []struct {
				key    string
				status importer.Status
				diff   string
				msg    string
			}{
				{"same", importer.Same, "", "matches"},
				{"name", importer.Differs, `groupName: "Old" -> "New"`, "differs"},
				{"size", sizeStatus, sizeDiff, ""},
				{"ext", importer.Differs, `ext.tier: (none) -> "gold"`, ""},
				{"gone", importer.Inactive, "", "EXITED"},
				{"new", importer.Missing, "", "would create"},
				{"bad", importer.Invalid, "", "maxGroupSize"},
				{"same#duplicate", importer.Duplicate, "", "row 2"},
				{"colour", importer.Differs, `ext.colour: (none) -> "red"`, ""},
				{"=cmd", importer.Differs, `groupName: "Formula" -> "=1+1"`, ""},
				{"fail", importer.Failed, "", "lookup failed"},
			}
			for _, w := range want {
				r, ok := got[w.key]
				switch {
				case !ok:
					t.Errorf("%s: no line", w.key)
				case r.Status != w.status || r.Diff.Differences() != w.diff || !strings.Contains(r.Message, w.msg):
					t.Errorf("%s: %s %q (%s); want %s %q (%s)", w.key, r.Status, r.Diff.Differences(), r.Message, w.status, w.diff, w.msg)
				}
			}
			if g := got["same"]; g.EntityID == 0 || g.RequestID == "" {
				t.Errorf("same: no entity or request id: %+v", g)
			}
			if notes := got["same"].Has(importer.SizeNotCompared); notes != (api == sandbox.APICurrent) {
				t.Errorf("same under %s: reasons %q", api, got["same"].Reasons)
			}
			raw, _ := os.ReadFile(out)
			if !strings.Contains(string(raw), `'=cmd,differs`) || !strings.Contains(string(raw), `-> ""=1+1""`) {
				t.Errorf("formula cells not made safe:\n%s", raw)
			}
			if !strings.HasPrefix(string(raw), strings.Join(report.Header, ",")+"\n") {
				t.Errorf("header: %q", strings.SplitN(string(raw), "\n", 2)[0])
			}
			stderr := c.stderr.String()
			for _, s := range []string{"import would create 1; with --on-conflict update it would update", "2 rows are invalid or duplicate", "ext.tier 1", "1 group exists but is not ACTIVE", "1 row was not looked up"} {
				if !strings.Contains(stderr, s) {
					t.Errorf("summary lacks %q:\n%s", s, stderr)
				}
			}
			js, _ := os.ReadFile(sum)
			if !strings.Contains(string(js), `"create": 1`) || !strings.Contains(string(js), `"groupName": 2`) {
				t.Errorf("summary JSON:\n%s", js)
			}

			// With the org's catalogue, a field it would refuse is no
			// difference: the message says why.
			code = c.run(t, "diff", "--host", srv.URL, "--rate", "unlimited", "--max-attempts", "1", "--overwrite", "--ext-fields", "server", in)
			if code != exitRowsFailed {
				t.Fatalf("--ext-fields server: exit %d\n%s", code, c.stderr.String())
			}
			r := readDiff(t, out)["colour"]
			if r.Status != importer.Same || !r.Has(importer.ExtFieldsRefused) || !strings.Contains(r.Message, "ext.colour") {
				t.Errorf("colour with the catalogue: %s %q %q", r.Status, r.Reasons, r.Message)
			}
			if !strings.Contains(c.stderr.String(), "1 row has extended fields the org would refuse") {
				t.Errorf("summary does not count the refused field:\n%s", c.stderr.String())
			}
			if n := srv.writes(); n != 0 {
				t.Errorf("the diff sent %d writes", n)
			}
		})
	}
}

// TestDiffChecksResults holds a tampered results file against the server:
// a line naming another id, and one naming a group the server lacks.
func TestDiffChecksResults(t *testing.T) {
	for _, api := range contracts {
		t.Run(api, func(t *testing.T) {
			srv := newWatched(t, api)
			dir := t.TempDir()
			in := filepath.Join(dir, "fleets.csv")
			os.WriteFile(in, []byte("externalId,groupName,maxGroupSize\na,Alpha,10\nb,Beta,20\nc,Gamma,30\n"), 0o644)
			results := filepath.Join(dir, "fleets.results.csv")
			c := cli{env: sandboxEnv()}
			if code := c.run(t, "import", "--host", srv.URL, "--rate", "unlimited", in); code != exitOK {
				t.Fatalf("import: exit %d\n%s", code, c.stderr.String())
			}
			// An untouched results file checks out.
			if code := c.run(t, "diff", "--host", srv.URL, "--rate", "unlimited", "--results", results, in); code != exitOK {
				t.Fatalf("diff of a fresh import: exit %d\n%s", code, c.stderr.String())
			}
			res := readResults(t, results)
			realB := res[1].EntityID
			res[1].EntityID = 99999
			res = append(res, importer.Result{Row: 5, ExternalID: "ghost", Status: importer.Created, EntityID: 4242, Attempts: 1})
			w, err := report.Create(results)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res {
				w.Write(r)
			}
			w.Close()
			os.WriteFile(in, []byte("externalId,groupName,maxGroupSize\na,Alpha,10\nb,Beta,20\nc,Gamma,30\nghost,Ghost,5\n"), 0o644)
			srv.reset()
			code := c.run(t, "diff", "--host", srv.URL, "--rate", "unlimited", "--overwrite", "--results", results, in)
			if code != exitRowsFailed {
				t.Fatalf("tampered: exit %d\n%s", code, c.stderr.String())
			}
			got := readDiff(t, filepath.Join(dir, "fleets.diff.csv"))
			if r := got["b"]; r.Status != importer.Mismatch || !strings.Contains(r.Message, "name group 99999") ||
				!strings.Contains(r.Message, "is "+strconv.FormatInt(realB, 10)) || r.EntityID != realB {
				t.Errorf("b: %s %d %q", r.Status, r.EntityID, r.Message)
			}
			if r := got["ghost"]; r.Status != importer.Mismatch || !strings.Contains(r.Message, "name group 4242, but the server has no group") {
				t.Errorf("ghost: %s %q", r.Status, r.Message)
			}
			if got["a"].Status != importer.Same || got["c"].Status != importer.Same {
				t.Errorf("a, c: %+v %+v", got["a"], got["c"])
			}
			// A mismatch line still says what an import would do.
			if !strings.Contains(c.stderr.String(), "import would create 1;") || !strings.Contains(c.stderr.String(), "2 lines of the import's results name another group") {
				t.Errorf("summary:\n%s", c.stderr.String())
			}
			if n := srv.writes(); n != 0 {
				t.Errorf("the diff sent %d writes", n)
			}
		})
	}
}

// TestDiffNightly imports day 1, diffs day 2 (rows changed, one new),
// imports day 2 as an upsert and diffs again: everything is the same.
func TestDiffNightly(t *testing.T) {
	for _, api := range contracts {
		t.Run(api, func(t *testing.T) {
			srv := newWatched(t, api)
			dir := t.TempDir()
			day1 := filepath.Join(dir, "day1.csv")
			day2 := filepath.Join(dir, "day2.csv")
			os.WriteFile(day1, []byte("externalId,groupName,maxGroupSize,ext.tier\na,Alpha,10,gold\nb,Beta,20,silver\nc,Gamma,30,\n"), 0o644)
			os.WriteFile(day2, []byte("externalId,groupName,maxGroupSize,ext.tier\na,Alpha,10,gold\nb,Beta,25,bronze\nc,Gamma Two,30,\nd,Delta,5,gold\n"), 0o644)
			c := cli{env: sandboxEnv()}
			if code := c.run(t, "import", "--host", srv.URL, "--rate", "unlimited", "--on-conflict", "update", day1); code != exitOK {
				t.Fatalf("day 1 import: exit %d\n%s", code, c.stderr.String())
			}
			srv.reset()
			if code := c.run(t, "diff", "--host", srv.URL, "--rate", "unlimited", day2); code != exitRowsFailed {
				t.Fatalf("day 2 diff: exit %d\n%s", code, c.stderr.String())
			}
			if n := srv.writes(); n != 0 {
				t.Errorf("the diff sent %d writes", n)
			}
			got := readDiff(t, filepath.Join(dir, "day2.diff.csv"))
			wantB := `maxGroupSize: 20 -> 25 | ext.tier: "silver" -> "bronze"`
			if api == sandbox.APICurrent {
				wantB = `ext.tier: "silver" -> "bronze"`
			}
			for id, w := range map[string]struct {
				st   importer.Status
				diff string
			}{"a": {importer.Same, ""}, "b": {importer.Differs, wantB}, "c": {importer.Differs, `groupName: "Gamma" -> "Gamma Two"`}, "d": {importer.Missing, ""}} {
				if r := got[id]; r.Status != w.st || r.Diff.Differences() != w.diff {
					t.Errorf("%s: %s %q, want %s %q", id, r.Status, r.Diff.Differences(), w.st, w.diff)
				}
			}
			if !strings.Contains(c.stderr.String(), "import would create 1; with --on-conflict update it would update 2 and leave 1 as they are; 0 rows are invalid or duplicate") {
				t.Errorf("summary:\n%s", c.stderr.String())
			}
			if code := c.run(t, "import", "--host", srv.URL, "--rate", "unlimited", "--on-conflict", "update", day2); code != exitOK {
				t.Fatalf("day 2 import: exit %d\n%s", code, c.stderr.String())
			}
			srv.reset()
			code := c.run(t, "diff", "--host", srv.URL, "--rate", "unlimited", "--overwrite", "--results", filepath.Join(dir, "day2.results.csv"), day2)
			if code != exitOK {
				t.Fatalf("diff after the upsert: exit %d\n%s", code, c.stderr.String())
			}
			for id, r := range readDiff(t, filepath.Join(dir, "day2.diff.csv")) {
				if r.Status != importer.Same {
					t.Errorf("%s after the upsert: %s %q %s", id, r.Status, r.Diff.Differences(), r.Message)
				}
			}
			if n := srv.writes(); n != 0 {
				t.Errorf("the diff sent %d writes", n)
			}
		})
	}
}

// TestDiffResume keeps the rows an earlier diff compared and looks up only
// the rest.
func TestDiffResume(t *testing.T) {
	srv := newWatched(t, sandbox.APILegacy)
	srv.Seed(sandbox.Group{ExternalID: "g00001", GroupName: "Group 1", MaxGroupSize: 2})
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	os.WriteFile(in, []byte(groupsCSV(6)), 0o644)
	out := filepath.Join(dir, "in.diff.csv")
	c := cli{env: sandboxEnv()}
	if code := c.run(t, "diff", "--host", srv.URL, "--rate", "unlimited", in); code != exitRowsFailed {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	raw, _ := os.ReadFile(out)
	lines := strings.SplitAfter(string(raw), "\n")
	// Keep three rows, the last of them failed, and cut the fourth short.
	lines[3] = strings.Replace(lines[3], ",missing,", ",failed,", 1)
	os.WriteFile(out, []byte(strings.Join(lines[:4], "")+lines[4][:10]), 0o644)
	srv.reset()
	if code := c.run(t, "diff", "--host", srv.URL, "--rate", "unlimited", "--resume", in); code != exitRowsFailed {
		t.Fatalf("resume: exit %d\n%s", code, c.stderr.String())
	}
	after, _ := os.ReadFile(out)
	if string(after) == "" || strings.Count(string(after), "\n") != 7 {
		t.Fatalf("resumed diff:\n%s", after)
	}
	looked := slices.Sorted(func(yield func(string) bool) {
		for id := range srv.looked {
			if !yield(id) {
				return
			}
		}
	})
	if !slices.Equal(looked, []string{"g00002", "g00003", "g00004", "g00005"}) {
		t.Errorf("resume looked up %v; want the failed row and those after the kept ones", looked)
	}
	got := readDiff(t, out)
	if got["g00001"].Status != importer.Same || got["g00002"].Status != importer.Missing {
		t.Errorf("resumed lines: %+v", got)
	}
	// Another input is refused, and the diff is left as it was.
	other := filepath.Join(dir, "other.csv")
	os.WriteFile(other, []byte("externalId,maxGroupSize\nzzz,1\n"), 0o644)
	if code := c.run(t, "diff", "--host", srv.URL, "--rate", "unlimited", "--resume", "--out", out, other); code != exitUsage {
		t.Errorf("resume with another input: exit %d\n%s", code, c.stderr.String())
	}
	if again, _ := os.ReadFile(out); string(again) != string(after) {
		t.Errorf("refused resume changed the diff")
	}
}

func TestDiffStopsOnRejectedCredentials(t *testing.T) {
	srv := newWatched(t, sandbox.APICurrent)
	in := writeFile(t, "in.csv", "externalId,maxGroupSize\na,1\nb,2\n")
	c := cli{env: map[string]string{"CAP_TILL": sandbox.DefaultTill, "CAP_PASSWORD": "wrong"}}
	if code := c.run(t, "diff", "--host", srv.URL, "--rate", "unlimited", in); code != exitAborted {
		t.Fatalf("exit %d, want 3\n%s", code, c.stderr.String())
	}
	if !strings.Contains(c.stderr.String(), "credentials") {
		t.Errorf("stderr: %s", c.stderr.String())
	}
	c = cli{env: sandboxEnv()}
	if code := c.run(t, "diff", "--host", srv.URL, "--on-conflict", "update", in); code != exitUsage {
		t.Errorf("an import-only flag: exit %d", code)
	}
}

// TestDiffPassesWhenEveryValidRowIsSame: invalid and duplicate rows are
// reported, but a reconciliation of the valid rows passes.
func TestDiffPassesWhenEveryValidRowIsSame(t *testing.T) {
	srv := newWatched(t, sandbox.APILegacy)
	srv.Seed(sandbox.Group{ExternalID: "a", GroupName: "Alpha", MaxGroupSize: 10})
	in := writeFile(t, "in.csv", "externalId,groupName,maxGroupSize\na,Alpha,10\nb,Beta,0\na,Alpha again,10\n")
	sum := filepath.Join(filepath.Dir(in), "sum.json")
	c := cli{env: sandboxEnv()}
	if code := c.run(t, "diff", "--host", srv.URL, "--log-format", "json", "--summary-json", sum, in); code != exitOK {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	js, _ := os.ReadFile(sum)
	if !strings.Contains(string(js), `"ok": true`) || !strings.Contains(string(js), `"invalidOrDuplicate": 2`) {
		t.Errorf("summary JSON:\n%s", js)
	}
	if !strings.Contains(c.stderr.String(), `"msg":"summary"`) || !strings.Contains(c.stderr.String(), `"unchanged":1`) {
		t.Errorf("no JSON summary record:\n%s", c.stderr.String())
	}
	// A group that is not there fails the reconciliation.
	missing := writeFile(t, "missing.csv", "externalId,groupName,maxGroupSize\na,Alpha,10\nz,Zed,1\n")
	if code := c.run(t, "diff", "--host", srv.URL, missing); code != exitRowsFailed {
		t.Errorf("with a missing group: exit %d", code)
	}
}
