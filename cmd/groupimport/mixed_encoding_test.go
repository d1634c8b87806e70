package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// TestMixedEncodingSendsNoMojibake: a small file in UTF-8 with one cell in
// Windows-1252 sends its UTF-8 names exactly as typed; only the row in the
// other encoding is invalid, and its message says why.
func TestMixedEncodingSendsNoMojibake(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{})
	defer srv.Close()
	in := writeFile(t, "mixed.csv", "externalId,groupName,maxGroupSize\nF-1,Café,1\nF-2,Caf\xe9,2\nF-3,Plain,3\n")
	out := filepath.Join(t.TempDir(), "results.csv")
	c := cli{env: sandboxEnv()}
	if code := c.run(t, "import", "--host", srv.URL, "--out", out, in); code != exitRowsFailed {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	if !strings.Contains(c.stderr.String(), "reading CSV in utf-8") {
		t.Errorf("detection not reported as utf-8:\n%s", c.stderr.String())
	}
	if g, ok := srv.Group("F-1"); !ok || g.GroupName != "Café" {
		t.Errorf("F-1 sent as %q (found %v), want %q", g.GroupName, ok, "Café")
	}
	if _, ok := srv.Group("F-2"); ok {
		t.Error("F-2, not valid UTF-8, was sent")
	}
	if g, ok := srv.Group("F-3"); !ok || g.GroupName != "Plain" {
		t.Errorf("F-3 sent as %q (found %v)", g.GroupName, ok)
	}
	res := readResults(t, out)
	if len(res) != 3 {
		t.Fatalf("%d results, want 3", len(res))
	}
	if r := res[1]; r.Row != 3 || r.Status != importer.Invalid ||
		!strings.Contains(r.Message, "groupName: not valid UTF-8") || !strings.Contains(r.Message, "mixes encodings") {
		t.Errorf("row 3: %d %s %q; want invalid, not valid UTF-8, the file mixes encodings", r.Row, r.Status, r.Message)
	}
	for _, i := range []int{0, 2} {
		if r := res[i]; r.Status == importer.Invalid {
			t.Errorf("row %d invalid: %q", r.Row, r.Message)
		}
	}
}

// TestMixedEncodingValidate: validate reads the same file the same way.
func TestMixedEncodingValidate(t *testing.T) {
	in := writeFile(t, "mixed.csv", "externalId,groupName,maxGroupSize\nF-1,Café,1\nF-2,Caf\xe9,2\n")
	c := cli{}
	if code := c.run(t, "validate", in); code != exitRowsFailed {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	res := readResults(t, strings.TrimSuffix(in, ".csv")+".validation.csv")
	if len(res) != 2 || res[0].Status != importer.Valid || res[1].Status != importer.Invalid ||
		!strings.Contains(res[1].Message, "not valid UTF-8") {
		t.Fatalf("results %+v", res)
	}
}
