package report

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
)

func TestDiffFileRoundTrip(t *testing.T) {
	in := []importer.Result{
		{Row: 2, ExternalID: "a", Status: importer.Same, EntityID: 2000, Message: "the group matches the row; " + importer.SizeNotCompared, RequestID: "r1",
			Diff: &importer.DiffDetail{Plan: importer.Same, SizeUnknown: true}},
		{Row: 3, ExternalID: "=b", Status: importer.Differs, EntityID: 2001, Message: "-differs", RequestID: "+r2",
			Diff: &importer.DiffDetail{Plan: importer.Differs, Fields: []importer.FieldDiff{
				{Field: "groupName", Server: `"Old | x -> y"`, Row: `"=New, \"q\""`},
				{Field: "maxGroupSize", Server: "10", Row: "12"},
				{Field: "ext.tier", Server: "(none)", Row: `"gold"`, Absent: true},
			}}},
		{Row: 4, ExternalID: "c", Status: importer.Invalid, Message: "maxGroupSize: missing"},
		{Row: 5, ExternalID: "d", Status: importer.Mismatch, EntityID: 7, Message: "the results (row 5, created) name group 8, but the server's group with this externalId is 7; the group matches the row",
			Diff: &importer.DiffDetail{Plan: importer.Same}},
	}
	var buf bytes.Buffer
	w := NewDiffWriter(&buf)
	for _, r := range in {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if s := buf.String(); !strings.Contains(s, "\n3,'=b,differs,2001,") || !strings.Contains(s, ",'-differs,'+r2\n") {
		t.Errorf("formula cells not quoted:\n%s", s)
	}
	var out []importer.Result
	if err := ReadDiff(bytes.NewReader(buf.Bytes()), func(r importer.Result) error { out = append(out, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(out) != len(in) {
		t.Fatalf("%d lines back, want %d", len(out), len(in))
	}
	for i, r := range out {
		w := in[i]
		if r.Row != w.Row || r.ExternalID != w.ExternalID || r.Status != w.Status || r.EntityID != w.EntityID || r.Message != w.Message || r.RequestID != w.RequestID {
			t.Errorf("line %d: %+v, want %+v", i, r, w)
		}
		if r.Diff.Differences() != w.Diff.Differences() || (w.Diff != nil && (r.Diff.Plan != w.Diff.Plan || r.Diff.SizeUnknown != w.Diff.SizeUnknown)) {
			t.Errorf("line %d: detail %+v, want %+v", i, r.Diff, w.Diff)
		}
	}

	// A crash cuts the last line: the lines before it still read.
	cut := buf.Bytes()[:buf.Len()-5]
	n := 0
	err := ReadDiff(bytes.NewReader(cut), func(importer.Result) error { n++; return nil })
	if !errors.Is(err, ErrTruncated) || n != len(in)-1 {
		t.Errorf("cut file: %d lines, %v", n, err)
	}
	// A results file is not a diff.
	var res bytes.Buffer
	rw := NewWriter(&res)
	rw.Write(importer.Result{Row: 2, ExternalID: "a", Status: importer.Created, EntityID: 1})
	rw.Close()
	if err := ReadDiff(&res, func(importer.Result) error { return nil }); !errors.Is(err, ErrNotResults) {
		t.Errorf("results file read as a diff: %v", err)
	}
}

func TestDiffSummary(t *testing.T) {
	sum := importer.Summary{Rows: 6, Counts: map[importer.Status]int{importer.Same: 2, importer.Differs: 1, importer.Missing: 1, importer.Invalid: 1, importer.Duplicate: 1}}
	tally := NewDiffTally()
	for _, r := range []importer.Result{
		{Status: importer.Same, Diff: &importer.DiffDetail{Plan: importer.Same, SizeUnknown: true}},
		{Status: importer.Same, Diff: &importer.DiffDetail{Plan: importer.Same}},
		{Status: importer.Differs, Diff: &importer.DiffDetail{Plan: importer.Differs, Fields: []importer.FieldDiff{{Field: "ext.tier"}, {Field: "groupName"}}}},
		{Status: importer.Missing, Diff: &importer.DiffDetail{Plan: importer.Missing}},
		{Status: importer.Invalid},
	} {
		tally.Observe(r)
	}
	var b strings.Builder
	PrintDiffSummary(&b, sum, tally, "x.diff.csv")
	for _, want := range []string{
		"An import would create 1; with --on-conflict update it would update 1 and leave 2 as they are; 2 rows are invalid or duplicate.",
		"Differences by field: groupName 1, ext.tier 1.",
		"maxGroupSize was not compared for 1 group",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
}
