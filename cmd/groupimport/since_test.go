package main

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// nightRows writes a fleet file of n rows, row i as "gNNNNN,Group i,size";
// change gives some rows another size, skip leaves some out, and extra
// rows are added at the end.
func nightRows(t *testing.T, path string, n int, change, skip map[int]bool, extra int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("externalId,groupName,maxGroupSize\n")
	for i := range n {
		if skip[i] {
			continue
		}
		size := i%500 + 1
		if change[i] {
			size += 1000
		}
		fmt.Fprintf(&b, "g%05d,Group %d,%d\n", i, i, size)
	}
	for i := range extra {
		fmt.Fprintf(&b, "new%05d,New %d,7\n", i, i)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// statusCounts counts a record's lines by status.
func statusCounts(t *testing.T, path string) map[importer.Status]int {
	t.Helper()
	n := map[importer.Status]int{}
	for _, r := range readResults(t, path) {
		n[r.Status]++
	}
	return n
}

// deleteGroup deletes a group on the sandbox as another hand would.
func deleteGroup(t *testing.T, srv *sandbox.Server, externalID string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodDelete, srv.URL+"/v2/userGroup2?externalId="+externalID, nil)
	sum := md5.Sum([]byte(sandbox.DefaultTillPassword))
	req.SetBasicAuth(sandbox.DefaultTill, hex.EncodeToString(sum[:]))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if g, _ := srv.Group(externalID); g.GroupStatus != sandbox.StatusDeleted {
		t.Fatalf("delete %s: HTTP %d, group %+v", externalID, resp.StatusCode, g)
	}
}

// TestSinceNights runs three nights of a load under both lookup
// contracts: night 2 spends a request per changed or new row, night 3
// none, and each night's results are the next night's --since.
func TestSinceNights(t *testing.T) {
	for _, api := range []string{sandbox.APICurrent, sandbox.APILegacy} {
		t.Run(api, func(t *testing.T) {
			srv := sandbox.NewServer(sandbox.Config{API: api})
			defer srv.Close()
			dir := t.TempDir()
			in := filepath.Join(dir, "fleets.csv")
			last, tonight := filepath.Join(dir, "last.results.csv"), filepath.Join(dir, "tonight.results.csv")
			c := cli{env: sandboxEnv()}
			base := []string{"import", "--host", srv.URL, "--rate", "unlimited", "--no-progress", "--on-conflict", "update"}
			const n = 300

			nightRows(t, in, n, nil, nil, 0)
			if code := c.run(t, append(base, "--out", last, in)...); code != exitOK {
				t.Fatalf("night 1: exit %d\n%s", code, c.stderr.String())
			}
			if got := statusCounts(t, last)[importer.Created]; got != n {
				t.Fatalf("night 1: %d created, want %d", got, n)
			}

			// Night 2: 7 rows changed, 4 new, 5 gone.
			changed := map[int]bool{3: true, 50: true, 51: true, 120: true, 200: true, 250: true, 299: true}
			gone := map[int]bool{10: true, 11: true, 12: true, 100: true, 298: true}
			nightRows(t, in, n, changed, gone, 4)
			before := srv.Stats().Requests
			if code := c.run(t, append(base, "--since", last, "--out", tonight, in)...); code != exitOK {
				t.Fatalf("night 2: exit %d\n%s", code, c.stderr.String())
			}
			if spent := srv.Stats().Requests - before; spent != len(changed)+4 {
				t.Errorf("night 2 spent %d requests, want %d (one per changed or new row)", spent, len(changed)+4)
			}
			counts := statusCounts(t, tonight)
			want := map[importer.Status]int{importer.Unchanged: n - len(changed) - len(gone), importer.Updated: len(changed), importer.Created: 4}
			for st, w := range want {
				if counts[st] != w {
					t.Errorf("night 2: %d %s, want %d (all: %v)", counts[st], st, w, counts)
				}
			}
			if g, _ := srv.Group("g00050"); g.MaxGroupSize != 50%500+1+1000 {
				t.Errorf("g00050 not updated: %+v", g)
			}
			if !strings.Contains(c.stderr.String(), "5 groups of the last results are not in this file; nothing was done with them") {
				t.Errorf("night 2 does not count the gone groups:\n%s", c.stderr.String())
			}
			for _, r := range readResults(t, tonight) {
				if r.EntityID == 0 || r.Fingerprint == "" {
					t.Fatalf("night 2 line without id or fingerprint: %+v", r)
				}
			}
			if err := os.Rename(tonight, last); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(tonight+".meta", last+".meta"); err != nil {
				t.Fatal(err)
			}

			// Night 3: nothing changed.
			before = srv.Stats().Requests
			if code := c.run(t, append(base, "--since", last, "--out", tonight, in)...); code != exitOK {
				t.Fatalf("night 3: exit %d\n%s", code, c.stderr.String())
			}
			if spent := srv.Stats().Requests - before; spent != 0 {
				t.Errorf("night 3 spent %d requests, want 0", spent)
			}
			if got := statusCounts(t, tonight)[importer.Unchanged]; got != n-len(gone)+4 {
				t.Errorf("night 3: %d unchanged, want %d", got, n-len(gone)+4)
			}
		})
	}
}

// TestSinceDeletedGroup: a group deleted on the server whose row then
// changes is not reported updated: the PUT by its known id finds it gone,
// and the row takes the normal path, which finds it DELETED.
func TestSinceDeletedGroup(t *testing.T) {
	for _, api := range []string{sandbox.APICurrent, sandbox.APILegacy} {
		t.Run(api, func(t *testing.T) {
			srv := sandbox.NewServer(sandbox.Config{API: api})
			defer srv.Close()
			dir := t.TempDir()
			in := filepath.Join(dir, "fleets.csv")
			last, tonight := filepath.Join(dir, "last.csv"), filepath.Join(dir, "tonight.csv")
			c := cli{env: sandboxEnv()}
			base := []string{"import", "--host", srv.URL, "--rate", "unlimited", "--no-progress", "--on-conflict", "update"}
			nightRows(t, in, 3, nil, nil, 0)
			if code := c.run(t, append(base, "--out", last, in)...); code != exitOK {
				t.Fatalf("night 1: exit %d\n%s", code, c.stderr.String())
			}
			deleteGroup(t, srv, "g00001")
			nightRows(t, in, 3, map[int]bool{1: true}, nil, 0)
			code := c.run(t, append(base, "--since", last, "--out", tonight, in)...)
			res := readResults(t, tonight)
			r := res[1]
			if r.Status == importer.Updated || r.Status == importer.Unchanged || !r.Has(importer.SinceIDGone) || code != exitRowsFailed {
				t.Errorf("deleted group's row: exit %d, %s %v %q; want not updated, since_id_gone, exit 1", code, r.Status, r.Reasons, r.Message)
			}
			if g, _ := srv.Group("g00001"); g.GroupStatus != sandbox.StatusDeleted || g.MaxGroupSize == 1002 {
				t.Errorf("the deleted group was changed: %+v", g)
			}
		})
	}
}

// TestSinceRefusesOtherRecords: results of another server, a diff's
// record and a missing file are refused before anything is sent.
func TestSinceRefusesOtherRecords(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{})
	defer srv.Close()
	other := sandbox.NewServer(sandbox.Config{})
	defer other.Close()
	dir := t.TempDir()
	in := filepath.Join(dir, "fleets.csv")
	nightRows(t, in, 3, nil, nil, 0)
	c := cli{env: sandboxEnv()}
	elsewhere := filepath.Join(dir, "other.csv")
	if code := c.run(t, "import", "--host", other.URL, "--rate", "unlimited", "--no-progress", "--out", elsewhere, in); code != exitOK {
		t.Fatalf("import: exit %d\n%s", code, c.stderr.String())
	}
	diffRec := filepath.Join(dir, "diff.csv")
	if code := c.run(t, "diff", "--host", srv.URL, "--rate", "unlimited", "--no-progress", "--out", diffRec, in); code > exitRowsFailed {
		t.Fatalf("diff: exit %d\n%s", code, c.stderr.String())
	}
	for _, tc := range []struct{ name, since, want string }{
		{"another server", elsewhere, "was made against"},
		{"a diff", diffRec, "a diff record"},
		{"missing", filepath.Join(dir, "nope.csv"), "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := srv.Stats().Requests
			code := c.run(t, "import", "--host", srv.URL, "--rate", "unlimited", "--no-progress", "--since", tc.since, "--out", filepath.Join(dir, tc.name+".results.csv"), in)
			if code != exitUsage || !strings.Contains(c.stderr.String(), tc.want) {
				t.Errorf("exit %d, want %d naming %q:\n%s", code, exitUsage, tc.want, c.stderr.String())
			}
			if n := srv.Stats().Requests - before; n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}

// TestSinceBeforeFingerprints: a record without the fingerprint column
// sends every row the normal way, with one warning.
func TestSinceBeforeFingerprints(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{})
	defer srv.Close()
	dir := t.TempDir()
	in := filepath.Join(dir, "fleets.csv")
	nightRows(t, in, 3, nil, nil, 0)
	c := cli{env: sandboxEnv()}
	last := filepath.Join(dir, "last.csv")
	if code := c.run(t, "import", "--host", srv.URL, "--rate", "unlimited", "--no-progress", "--out", last, in); code != exitOK {
		t.Fatalf("night 1: exit %d\n%s", code, c.stderr.String())
	}
	// The header and lines as an older version wrote them: no fingerprint.
	var b strings.Builder
	b.WriteString("row,externalId,status,entityId,code,message\n")
	for _, r := range readResults(t, last) {
		fmt.Fprintf(&b, "%d,%s,%s,%d,,created\n", r.Row, r.ExternalID, r.Status, r.EntityID)
	}
	os.WriteFile(last, []byte(b.String()), 0o644)
	tonight := filepath.Join(dir, "tonight.csv")
	code := c.run(t, "import", "--host", srv.URL, "--rate", "unlimited", "--no-progress", "--on-conflict", "update", "--since", last, "--out", tonight, in)
	if code != exitOK || strings.Count(c.stderr.String(), "no fingerprint") != 1 {
		t.Fatalf("exit %d, want 0 and one warning:\n%s", code, c.stderr.String())
	}
	if got := statusCounts(t, tonight)[importer.Exists]; got != 3 {
		t.Errorf("%d exists, want 3 (the normal path)", got)
	}
}

// TestResumeRefusesEditedRow: a row the earlier run settled, whose values
// were edited in the input since, is refused by --resume (exit 2, naming
// the row), never kept as it was.
func TestResumeRefusesEditedRow(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{})
	defer srv.Close()
	dir := t.TempDir()
	in := filepath.Join(dir, "fleets.csv")
	out := filepath.Join(dir, "fleets.results.csv")
	nightRows(t, in, 3, nil, nil, 0)
	c := cli{env: sandboxEnv()}
	if code := c.run(t, "import", "--host", srv.URL, "--rate", "unlimited", "--no-progress", "--out", out, in); code != exitOK {
		t.Fatalf("import: exit %d\n%s", code, c.stderr.String())
	}
	nightRows(t, in, 3, map[int]bool{2: true}, nil, 0)
	before := srv.Stats().Requests
	code := c.run(t, "import", "--host", srv.URL, "--rate", "unlimited", "--no-progress", "--resume", "--out", out, in)
	if code != exitUsage || !strings.Contains(c.stderr.String(), `row 4 (externalId "g00002")`) {
		t.Errorf("exit %d, want %d naming row 4:\n%s", code, exitUsage, c.stderr.String())
	}
	if n := srv.Stats().Requests - before; n != 0 {
		t.Errorf("%d requests sent", n)
	}
	if g, _ := srv.Group("g00002"); g.MaxGroupSize != 3 {
		t.Errorf("g00002 changed: %+v", g)
	}
}

// TestSinceRecordIsCheckedByDiff: the weekly diff --results checks the
// group ids of unchanged lines too, which --since itself never looks up.
func TestSinceRecordIsCheckedByDiff(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{})
	defer srv.Close()
	dir := t.TempDir()
	in := filepath.Join(dir, "fleets.csv")
	nightRows(t, in, 3, nil, nil, 0)
	c := cli{env: sandboxEnv()}
	last, tonight := filepath.Join(dir, "last.csv"), filepath.Join(dir, "tonight.csv")
	base := []string{"import", "--host", srv.URL, "--rate", "unlimited", "--no-progress", "--on-conflict", "update"}
	if code := c.run(t, append(base, "--out", last, in)...); code != exitOK {
		t.Fatalf("night 1: exit %d\n%s", code, c.stderr.String())
	}
	if code := c.run(t, append(base, "--since", last, "--out", tonight, in)...); code != exitOK {
		t.Fatalf("night 2: exit %d\n%s", code, c.stderr.String())
	}
	b, _ := os.ReadFile(tonight)
	g, _ := srv.Group("g00001")
	edited := strings.Replace(string(b), fmt.Sprintf("g00001,unchanged,%d,", g.ID), "g00001,unchanged,99999,", 1)
	if edited == string(b) {
		t.Fatalf("no unchanged line for g00001 in\n%s", b)
	}
	os.WriteFile(tonight, []byte(edited), 0o644)
	out := filepath.Join(dir, "weekly.diff.csv")
	code := c.run(t, "diff", "--host", srv.URL, "--rate", "unlimited", "--no-progress", "--results", tonight, "--out", out, in)
	if code != exitRowsFailed || readResults(t, out)[1].Status != importer.Mismatch {
		t.Errorf("diff of a since record with a wrong id: exit %d, %v; want 1 and mismatch\n%s", code, readResults(t, out)[1], c.stderr.String())
	}
}

// TestSinceIDOfAnotherGroup: when the id the last results give a row
// names another group, the PUT by it changes nothing: the row takes the
// normal path and the other group is left as it was.
func TestSinceIDOfAnotherGroup(t *testing.T) {
	for _, api := range []string{sandbox.APICurrent, sandbox.APILegacy} {
		t.Run(api, func(t *testing.T) {
			srv := sandbox.NewServer(sandbox.Config{API: api})
			defer srv.Close()
			dir := t.TempDir()
			in := filepath.Join(dir, "fleets.csv")
			last, tonight := filepath.Join(dir, "last.csv"), filepath.Join(dir, "tonight.csv")
			c := cli{env: sandboxEnv()}
			base := []string{"import", "--host", srv.URL, "--rate", "unlimited", "--no-progress", "--on-conflict", "update"}
			nightRows(t, in, 3, nil, nil, 0)
			if code := c.run(t, append(base, "--out", last, in)...); code != exitOK {
				t.Fatalf("night 1: exit %d\n%s", code, c.stderr.String())
			}
			g0, _ := srv.Group("g00000")
			g1, _ := srv.Group("g00001")
			b, _ := os.ReadFile(last)
			os.WriteFile(last, []byte(strings.Replace(string(b), fmt.Sprintf("g00001,created,%d,", g1.ID), fmt.Sprintf("g00001,created,%d,", g0.ID), 1)), 0o644)
			nightRows(t, in, 3, map[int]bool{1: true}, nil, 0)
			if code := c.run(t, append(base, "--since", last, "--out", tonight, in)...); code != exitOK {
				t.Fatalf("night 2: exit %d\n%s", code, c.stderr.String())
			}
			r := readResults(t, tonight)[1]
			if r.Status != importer.Updated || r.EntityID != g1.ID || !(r.Has(importer.SinceIDOther) || r.Has(importer.SinceIDGone)) {
				t.Errorf("row: %s id %d %v %q; want updated by the normal path, id %d, a since reason", r.Status, r.EntityID, r.Reasons, r.Message, g1.ID)
			}
			if g, _ := srv.Group("g00000"); g.MaxGroupSize != g0.MaxGroupSize || g.GroupName != g0.GroupName {
				t.Errorf("the other group was changed: %+v", g)
			}
			if g, _ := srv.Group("g00001"); g.MaxGroupSize != 1002 {
				t.Errorf("g00001 not updated: %+v", g)
			}
		})
	}
}
