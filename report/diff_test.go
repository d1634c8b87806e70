package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
)

// TestDiffRecordRoundTrip: a diff's lines go through the one record
// format and come back with their plan, differences and reasons.
func TestDiffRecordRoundTrip(t *testing.T) {
	in := []importer.Result{
		{Row: 2, ExternalID: "a", Status: importer.Same, EntityID: 2000, Message: "the group matches the row", RequestID: "r1",
			Reasons: []importer.Reason{importer.SizeNotCompared}, Fingerprint: "00112233aabbccdd",
			Diff: &importer.DiffDetail{Plan: importer.Same, SizeUnknown: true}},
		{Row: 3, ExternalID: "=b", Status: importer.Differs, EntityID: 2001, Message: "-differs", RequestID: "+r2",
			Diff: &importer.DiffDetail{Plan: importer.Differs, Fields: []importer.FieldDiff{
				{Field: "groupName", Server: `"Old | x -> y"`, Row: `"=New, \"q\""`},
				{Field: "maxGroupSize", Server: "10", Row: "12"},
				{Field: "ext.tier", Server: "(none)", Row: `"gold"`, Absent: true},
			}}},
		{Row: 4, ExternalID: "c", Status: importer.Invalid, Message: "maxGroupSize: missing"},
		{Row: 5, ExternalID: "d", Status: importer.Mismatch, EntityID: 7, Message: "words that say nothing of the plan",
			Diff: &importer.DiffDetail{Plan: importer.Inactive}, Reasons: []importer.Reason{importer.StatusInactive}},
	}
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for _, r := range in {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if s := buf.String(); !strings.Contains(s, "\n3,'=b,differs,2001,") || !strings.Contains(s, ",'-differs,,0,'+r2,,update,,") {
		t.Errorf("formula cells not quoted:\n%s", s)
	}
	var out []importer.Result
	if err := ReadResults(bytes.NewReader(buf.Bytes()), func(r importer.Result) error { out = append(out, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(out) != len(in) {
		t.Fatalf("%d lines back, want %d", len(out), len(in))
	}
	for i, r := range out {
		w := in[i]
		if r.Row != w.Row || r.ExternalID != w.ExternalID || r.Status != w.Status || r.EntityID != w.EntityID || r.Message != w.Message ||
			r.RequestID != w.RequestID || r.Fingerprint != w.Fingerprint || !slices.Equal(r.Reasons, w.Reasons) {
			t.Errorf("line %d: %+v, want %+v", i, r, w)
		}
		if r.Diff.Differences() != w.Diff.Differences() || (w.Diff != nil && (r.Diff.Plan != w.Diff.Plan || r.Diff.SizeUnknown != w.Diff.SizeUnknown)) {
			t.Errorf("line %d: detail %+v, want %+v", i, r.Diff, w.Diff)
		}
	}

	// A crash cuts the last line: the lines before it still read.
	cut := buf.Bytes()[:buf.Len()-5]
	n := 0
	err := ReadResults(bytes.NewReader(cut), func(importer.Result) error { n++; return nil })
	if !errors.Is(err, ErrTruncated) || n != len(in)-1 {
		t.Errorf("cut file: %d lines, %v", n, err)
	}
}

// TestOldDiffFileReads: a diff file written before the record had one
// header (its own, without action or reason columns) reads by column
// name; a plan that was a status is kept, a mismatch's plan is unknown.
func TestOldDiffFileReads(t *testing.T) {
	old := "row,externalId,status,entityId,differences,message,requestId\n" +
		"2,a,same,2000,,the group matches the row,r1\n" +
		"3,b,differs,2001,\"groupName: \"\"Old\"\" -> \"\"New\"\"\",the group differs,r2\n" +
		"4,c,mismatch,7,,\"the results name group 8; the group matches the row\",r3\n" +
		"5,d,invalid,,,maxGroupSize: missing,\n"
	var out []importer.Result
	if err := ReadResults(strings.NewReader(old), func(r importer.Result) error { out = append(out, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(out) != 4 || out[0].Diff.Plan != importer.Same || out[1].Diff.Differences() != `groupName: "Old" -> "New"` ||
		out[2].Diff == nil || out[2].Diff.Plan != "" || out[3].Diff != nil || out[0].RequestID != "r1" {
		t.Fatalf("old diff read as %+v", out)
	}
	if importer.Keep(out[2], true) || !importer.Keep(out[0], true) {
		t.Errorf("an old mismatch line must be looked up again, a same line kept")
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

// TestDiffSummaryCountsUnverifiedApart: a row whose only differences are
// extended fields the group lacks, in a diff without the org's catalogue
// (ext_fields_unverified), is not one an update is sure to fix: the
// summary counts it apart from the updatable rows, in text and JSON. A row
// with another difference as well stays updatable.
func TestDiffSummaryCountsUnverifiedApart(t *testing.T) {
	sum := importer.Summary{Rows: 4, Counts: map[importer.Status]int{importer.Differs: 4}}
	tally := NewDiffTally()
	lacking := importer.FieldDiff{Field: "ext.colour", Server: "(none)", Row: `"red"`, Absent: true}
	unverified := []importer.Reason{importer.ExtFieldsUnverified}
	for _, r := range []importer.Result{
		{Status: importer.Differs, Reasons: unverified, Diff: &importer.DiffDetail{Plan: importer.Differs, Fields: []importer.FieldDiff{lacking}}},
		{Status: importer.Mismatch, Reasons: unverified, Diff: &importer.DiffDetail{Plan: importer.Differs, Fields: []importer.FieldDiff{lacking}}},
		{Status: importer.Differs, Reasons: unverified, Diff: &importer.DiffDetail{Plan: importer.Differs, Fields: []importer.FieldDiff{lacking, {Field: "groupName", Server: `"A"`, Row: `"B"`}}}},
		{Status: importer.Differs, Diff: &importer.DiffDetail{Plan: importer.Differs, Fields: []importer.FieldDiff{{Field: "groupName", Server: `"A"`, Row: `"B"`}}}},
	} {
		tally.Observe(r)
	}
	var b strings.Builder
	PrintDiffSummary(&b, sum, tally, "x.diff.csv")
	want := "with --on-conflict update it would update 2 and leave 0 as they are; 2 differ only in extended fields the org may refuse (91016/91017): --ext-fields server tells;"
	if !strings.Contains(b.String(), want) {
		t.Errorf("summary lacks %q:\n%s", want, b.String())
	}
	var doc struct {
		Plan struct {
			Update     int `json:"update"`
			Unverified int `json:"unverifiedExtFieldsOnly"`
		} `json:"plan"`
		UnverifiedRows int `json:"unverifiedFieldRows"`
	}
	path := filepath.Join(t.TempDir(), "s.json")
	if err := WriteDiffSummaryJSON(path, sum, tally, "x.diff.csv"); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Plan.Update != 2 || doc.Plan.Unverified != 2 || doc.UnverifiedRows != 3 {
		t.Errorf("JSON plan %+v, unverifiedFieldRows %d; want update 2, unverifiedExtFieldsOnly 2, unverifiedFieldRows 3:\n%s", doc.Plan, doc.UnverifiedRows, data)
	}
}
