package importer_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// TestDiffUnderThrottlingAndFaults: a diff rides out 429s and 5xx like an
// import, keeps input order, and writes nothing.
func TestDiffUnderThrottlingAndFaults(t *testing.T) {
	for _, api := range []string{sandbox.APICurrent, sandbox.APILegacy} {
		t.Run(api, func(t *testing.T) {
			h := newHarness(t, sandbox.Config{API: api, Faults: sandbox.Faults{Throttle: 0.2, ThrottleRetryAfter: -1, Error5xx: 0.1, Seed: 7}})
			var b strings.Builder
			b.WriteString("externalId,groupName,maxGroupSize\n")
			for i := range 200 {
				fmt.Fprintf(&b, "g%03d,Group %d,%d\n", i, i, 10)
				if i%2 == 0 {
					h.srv.Seed(sandbox.Group{ExternalID: fmt.Sprintf("g%03d", i), GroupName: fmt.Sprintf("Group %d", i+i%4), MaxGroupSize: 10})
				}
			}
			h.cfg.Diff = &importer.DiffConfig{}
			h.cfg.Policy.MaxAttempts = 20
			res, sum, err := h.run(context.Background(), b.String())
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != 200 || sum.Rows != 200 {
				t.Fatalf("%d results of %d rows", len(res), sum.Rows)
			}
			for i, r := range res {
				want := importer.Missing
				switch {
				case i%4 == 0:
					want = importer.Same
				case i%2 == 0:
					want = importer.Differs
				}
				if r.Row != i+2 || r.Status != want {
					t.Errorf("row %d: %s (%s), want row %d %s", r.Row, r.Status, r.Message, i+2, want)
				}
			}
			st := h.srv.Stats()
			if st.Creates+st.Updates+st.Conflicts != 0 || st.Throttled == 0 || st.Faults5xx == 0 {
				t.Errorf("stats %+v: want throttling and faults met, no write", st)
			}
		})
	}
}

// TestDiffStopsOnRejectedCredentials: the run stops with ErrAborted and
// every row has a line.
func TestDiffStopsOnRejectedCredentials(t *testing.T) {
	h := newHarness(t, sandbox.Config{Tills: map[string]string{"other": "x"}})
	h.cfg.Diff = &importer.DiffConfig{}
	h.cfg.Timeout = time.Second
	res, _, err := h.run(context.Background(), "externalId,maxGroupSize\na,1\nb,2\nc,3\n")
	if !errors.Is(err, importer.ErrAborted) || len(res) != 3 {
		t.Fatalf("err %v, %d results", err, len(res))
	}
	for _, r := range res {
		if r.Status != importer.Skipped {
			t.Errorf("row %d: %s %s", r.Row, r.Status, r.Message)
		}
	}
}

// TestDiffWithoutCatalogueMarksLackingExtFields: without the org's
// catalogue, an extended field of the row that the group lacks may have
// been refused at create (91016/91017), which no update fixes. The diff
// itself marks such rows ext_fields_unverified: a row differing only so
// is not promised an update, one with another difference keeps that
// promise for it. With the catalogue the diff tells, and marks nothing.
func TestDiffWithoutCatalogueMarksLackingExtFields(t *testing.T) {
	h := newHarness(t, sandbox.Config{Fields: map[string]sandbox.FieldType{"tier": sandbox.String, "colour": sandbox.String}})
	h.srv.Seed(sandbox.Group{ExternalID: "a", GroupName: "Alpha", MaxGroupSize: 10, ExtendedFields: map[string]string{"tier": "gold"}})
	h.srv.Seed(sandbox.Group{ExternalID: "b", GroupName: "Beta", MaxGroupSize: 10, ExtendedFields: map[string]string{"tier": "gold"}})
	h.srv.Seed(sandbox.Group{ExternalID: "c", GroupName: "Gamma", MaxGroupSize: 10, ExtendedFields: map[string]string{"tier": "gold"}})
	csv := "externalId,groupName,maxGroupSize,ext.tier,ext.colour\na,Alpha,10,gold,red\nb,Beta,10,gold,\nc,Gamma Two,10,gold,blue\n"
	h.cfg.Diff = &importer.DiffConfig{}
	res, _, err := h.run(context.Background(), csv)
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := res[0], res[1], res[2]
	if a.Status != importer.Differs || !a.Has(importer.ExtFieldsUnverified) {
		t.Errorf("a: %s %q", a.Status, a.Reasons)
	}
	if strings.Contains(a.Message, "update the fields") || !strings.Contains(a.Message, "ext.colour") || !strings.Contains(a.Message, "91016") {
		t.Errorf("a's message promises an update or does not say why not: %q", a.Message)
	}
	if b.Status != importer.Same || b.Has(importer.ExtFieldsUnverified) {
		t.Errorf("b: %s %q", b.Status, b.Reasons)
	}
	if !c.Has(importer.ExtFieldsUnverified) || !strings.Contains(c.Message, "update the fields") || !strings.Contains(c.Message, "ext.colour") {
		t.Errorf("c: %q %q", c.Reasons, c.Message)
	}

	cols, err := importer.ParseHeader([]string{"externalId", "groupName", "maxGroupSize", "ext.tier", "ext.colour"}, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	h.cfg.Validator = &importer.Validator{Cols: cols, MaxGroupSize: importer.DefaultMaxGroupSize, ExtTypes: map[string]string{"tier": "STRING"}}
	res, _, err = h.run(context.Background(), csv)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Has(importer.ExtFieldsUnverified) {
			t.Errorf("row %d marked with the catalogue: %q %q", r.Row, r.Reasons, r.Message)
		}
	}
}
