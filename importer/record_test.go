package importer_test

import (
	"context"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// TestFingerprintIsOfTheGroupSent: the fingerprint hashes the group a row
// sends, so the input's column order, the spaces the validator trims and
// the order of the extended fields do not change it; any sent field does.
// Rows that do not validate have none.
func TestFingerprintIsOfTheGroupSent(t *testing.T) {
	h := newHarness(t, sandbox.Config{})
	h.cfg.DryRun = true
	a, _, err := h.run(context.Background(), "externalId,groupName,maxGroupSize,ext.tier,ext.colour\ng1,Alpha,10,gold,red\ng2,Beta,5,,\ng3,Bad,0,,\n")
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := h.run(context.Background(), "ext.colour,maxGroupSize,ext.tier,groupName,externalId\nred,10,gold,  Alpha ,g1\n,5,,Beta,g2\n,0,,Bad,g3\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 3 || len(b) != 3 {
		t.Fatalf("%d and %d results", len(a), len(b))
	}
	for i := range 2 {
		if a[i].Fingerprint == "" || len(a[i].Fingerprint) != 16 || a[i].Fingerprint != b[i].Fingerprint {
			t.Errorf("row %d: fingerprints %q and %q", a[i].Row, a[i].Fingerprint, b[i].Fingerprint)
		}
	}
	if a[0].Fingerprint == a[1].Fingerprint {
		t.Error("two groups, one fingerprint")
	}
	if a[2].Status != importer.Invalid || a[2].Fingerprint != "" || b[2].Fingerprint != "" {
		t.Errorf("an invalid row has fingerprint %q", a[2].Fingerprint)
	}
	base := capillary.Group{ExternalID: "g", GroupName: "N", MaxGroupSize: 3, ExtendedFields: []capillary.Field{{Name: "a", Value: "1"}, {Name: "b", Value: "2"}}}
	swapped := base
	swapped.ExtendedFields = []capillary.Field{{Name: "b", Value: "2"}, {Name: "a", Value: "1"}}
	if importer.Fingerprint(&base) != importer.Fingerprint(&swapped) {
		t.Error("the extended fields' order changes the fingerprint")
	}
	for _, change := range []func(g *capillary.Group){
		func(g *capillary.Group) { g.ExternalID = "h" },
		func(g *capillary.Group) { g.GroupName = "M" },
		func(g *capillary.Group) { g.MaxGroupSize = 4 },
		func(g *capillary.Group) { g.Limit, g.HasLimit = 0, true },
		func(g *capillary.Group) { g.ExtendedFields = []capillary.Field{{Name: "a", Value: "12"}} },
		// Lengths are hashed too: no two field lists run together.
		func(g *capillary.Group) {
			g.ExtendedFields = []capillary.Field{{Name: "a", Value: "1b"}, {Name: "", Value: "2"}}
		},
	} {
		g := base
		change(&g)
		if importer.Fingerprint(&g) == importer.Fingerprint(&base) {
			t.Errorf("%+v and %+v share a fingerprint", g, base)
		}
	}
}

// TestKeepIsTheResumeRule: which earlier lines a resume keeps.
func TestKeepIsTheResumeRule(t *testing.T) {
	for _, c := range []struct {
		prior importer.Result
		ok    bool
		keep  bool
	}{
		{importer.Result{Status: importer.Created}, true, true},
		{importer.Result{Status: importer.Created}, false, false},
		{importer.Result{Status: importer.Failed}, true, false},
		{importer.Result{Status: importer.Skipped}, true, false},
		{importer.Result{Status: importer.Invalid}, true, false},
		{importer.Result{Status: importer.Duplicate}, true, false},
		{importer.Result{Status: importer.Same, Diff: &importer.DiffDetail{Plan: importer.Same}}, true, true},
		{importer.Result{Status: importer.Mismatch, Diff: &importer.DiffDetail{Plan: importer.Same}}, true, true},
		{importer.Result{Status: importer.Mismatch, Diff: &importer.DiffDetail{}}, true, false},
	} {
		if got := importer.Keep(c.prior, c.ok); got != c.keep {
			t.Errorf("Keep(%s, %v) = %v", c.prior.Status, c.ok, got)
		}
	}
}
