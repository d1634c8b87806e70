package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// TestDiffAfterWarnedCreatesNamesWhatNoUpdateFixes: straight after an
// import whose creates drew 91016 (the org's catalogue has no "colour"),
// a diff without the catalogue cannot tell a refused field from a lost
// one. It marks the rows (ext_fields_unverified), does not promise that an
// update would set the field, and suggests --ext-fields server; a
// difference an update does fix keeps saying so. With the catalogue, the
// refused field is no difference at all.
func TestDiffAfterWarnedCreatesNamesWhatNoUpdateFixes(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{Fields: map[string]sandbox.FieldType{"tier": sandbox.String}})
	defer srv.Close()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	writeFileAt(t, in, "externalId,groupName,maxGroupSize,ext.tier,ext.colour\na,Alpha,10,gold,red\nb,Beta,10,silver,\nc,Gamma,10,gold,blue\n")
	c := cli{env: sandboxEnv()}
	if code := c.run(t, "import", "--host", srv.URL, "--rate", "unlimited", "--no-progress", in); code != exitOK {
		t.Fatalf("import: exit %d\n%s", code, c.stderr.String())
	}
	if srv.Stats().Warned != 2 {
		t.Fatalf("%d creates warned, want 2", srv.Stats().Warned)
	}
	// Gamma is renamed since: that difference an update does fix.
	writeFileAt(t, in, "externalId,groupName,maxGroupSize,ext.tier,ext.colour\na,Alpha,10,gold,red\nb,Beta,10,silver,\nc,Gamma Two,10,gold,blue\n")
	out := filepath.Join(dir, "in.diff.csv")
	if code := c.run(t, "diff", "--host", srv.URL, "--rate", "unlimited", "--no-progress", in); code != exitRowsFailed {
		t.Fatalf("diff: exit %d\n%s", code, c.stderr.String())
	}
	got := readDiff(t, out)
	a := got["a"]
	if a.Status != importer.Differs || !a.Has(importer.ExtFieldsUnverified) {
		t.Errorf("a: %s %q", a.Status, a.Reasons)
	}
	if strings.Contains(a.Message, "update the fields") || !strings.Contains(a.Message, "91016") || !strings.Contains(a.Message, "--ext-fields server") || !strings.Contains(a.Message, "not compared") {
		t.Errorf("a's message promises an update or does not say why not: %q", a.Message)
	}
	if b := got["b"]; b.Status != importer.Same || b.Has(importer.ExtFieldsUnverified) {
		t.Errorf("b: %s %q", b.Status, b.Reasons)
	}
	g := got["c"]
	if !g.Has(importer.ExtFieldsUnverified) || !strings.Contains(g.Message, "update the fields") || !strings.Contains(g.Message, "ext.colour") {
		t.Errorf("c: %q %q", g.Reasons, g.Message)
	}
	// Alpha differs only in the field the org may have refused: not an
	// update the summary can promise. A resumed diff keeps the rows as
	// compared, reasons and all, and says the same.
	summary := "with --on-conflict update it would update 1 and leave 1 as they are; 1 differs only in extended fields the org may refuse (91016/91017): --ext-fields server tells"
	for _, resume := range []bool{false, true} {
		if resume {
			lookups := srv.Stats().Lookups
			if code := c.run(t, "diff", "--host", srv.URL, "--rate", "unlimited", "--no-progress", "--resume", in); code != exitRowsFailed {
				t.Fatalf("diff --resume: exit %d\n%s", code, c.stderr.String())
			}
			if n := srv.Stats().Lookups - lookups; n != 0 {
				t.Fatalf("the resumed diff looked up %d rows; want every row kept", n)
			}
			if got := readDiff(t, out); !got["a"].Has(importer.ExtFieldsUnverified) || !got["c"].Has(importer.ExtFieldsUnverified) {
				t.Errorf("resumed: a %q, c %q", got["a"].Reasons, got["c"].Reasons)
			}
		}
		if !strings.Contains(c.stderr.String(), summary) || !strings.Contains(c.stderr.String(), "2 rows have extended fields") {
			t.Errorf("resume %v: the summary does not count Alpha apart or suggest --ext-fields server:\n%s", resume, c.stderr.String())
		}
	}

	if code := c.run(t, "diff", "--host", srv.URL, "--rate", "unlimited", "--no-progress", "--overwrite", "--ext-fields", "server", in); code != exitRowsFailed {
		t.Fatalf("diff --ext-fields server: exit %d\n%s", code, c.stderr.String())
	}
	got = readDiff(t, out)
	if a := got["a"]; a.Status != importer.Same || !a.Has(importer.ExtFieldsRefused) || a.Has(importer.ExtFieldsUnverified) {
		t.Errorf("a with the catalogue: %s %q", a.Status, a.Reasons)
	}
	if strings.Contains(c.stderr.String(), "pass --ext-fields server") {
		t.Errorf("suggests --ext-fields server though it was given:\n%s", c.stderr.String())
	}
}
