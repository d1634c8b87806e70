package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// TestNightlyReRunIsAnUpsert runs the same load twice, the second time
// with a changed row, as a nightly job does.
func TestNightlyReRunIsAnUpsert(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{})
	defer srv.Close()
	dir := t.TempDir()
	in := filepath.Join(dir, "fleets.csv")
	os.WriteFile(in, []byte("externalId,groupName,maxGroupSize\na,Alpha,10\nb,Beta,20\n"), 0o644)
	c := cli{env: sandboxEnv()}
	if code := c.run(t, "import", "--host", srv.URL, "--on-conflict", "update", "--out", filepath.Join(dir, "day1.csv"), in); code != exitOK {
		t.Fatalf("day 1: exit %d\n%s", code, c.stderr.String())
	}
	os.WriteFile(in, []byte("externalId,groupName,maxGroupSize\na,Alpha,10\nb,Beta,25\nc,Gamma,5\n"), 0o644)
	if code := c.run(t, "import", "--host", srv.URL, "--on-conflict", "update", "--out", filepath.Join(dir, "day2.csv"), in); code != exitOK {
		t.Fatalf("day 2: exit %d\n%s", code, c.stderr.String())
	}
	res := readResults(t, filepath.Join(dir, "day2.csv"))
	want := []importer.Status{importer.Exists, importer.Updated, importer.Created}
	if len(res) != len(want) {
		t.Fatalf("day 2: %d lines, want %d", len(res), len(want))
	}
	for i, r := range res {
		if r.Status != want[i] {
			t.Errorf("row %d: %s (%s), want %s", r.Row, r.Status, r.Message, want[i])
		}
	}
	if g, _ := srv.Group("b"); g.MaxGroupSize != 25 {
		t.Errorf("b not updated: %+v", g)
	}
}

func TestFailedOutHoldsTheRowsToFix(t *testing.T) {
	dir := t.TempDir()
	fix := filepath.Join(dir, "fix.csv")
	c := cli{}
	code := c.run(t, "import", "--sandbox", "--rate", "unlimited", "--out", filepath.Join(dir, "r.csv"), "--failed-out", fix, "../../samples/fleets.csv")
	if code != exitRowsFailed {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	raw, err := os.ReadFile(fix)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(string(raw), "\ufeff")), "\r\n")
	if lines[0] != "externalId,groupName,maxGroupSize,ext.platinum,ext.tier,ext.colour,groupimport_error" {
		t.Errorf("header %q is not the input's", lines[0])
	}
	// 5 invalid, 1 duplicate, the 1633 conflict and the 2 rows created
	// without some extended fields.
	if len(lines) != 1+9 || !strings.Contains(string(raw), "FLT-2001,Existing Fleet (already in the API),100,,,,conflict 1633: ") {
		t.Errorf("failed-out:\n%s", raw)
	}
	if !strings.Contains(c.stderr.String(), "9 rows to fix") {
		t.Errorf("stderr does not point at the file: %s", c.stderr.String())
	}
	if !strings.Contains(c.stderr.String(), "Problems") {
		t.Errorf("no problem table: %s", c.stderr.String())
	}
}

func TestExtFieldsCatalogueInDryRun(t *testing.T) {
	dir := t.TempDir()
	cat := filepath.Join(dir, "fields.json")
	os.WriteFile(cat, []byte(`{"entity":{"USERGROUP2":[{"id":1,"name":"platinum","entityType":"USERGROUP2","baseEntityType":"usergroup2","dataType":"INTEGER"},{"id":2,"name":"tier","entityType":"USERGROUP2","baseEntityType":"usergroup2","dataType":"STANDARD_ENUM"}],"CUSTOMER":[{"id":3,"name":"gender","entityType":"CUSTOMER","baseEntityType":"customer","dataType":"STANDARD_ENUM"}]},"warnings":[],"errors":[],"success":true}`), 0o644)
	in := filepath.Join(dir, "in.csv")
	os.WriteFile(in, []byte("externalId,maxGroupSize,ext.platinum,ext.gender\na,1,25,\nb,2,gold,\nc,3,,f\n"), 0o644)
	c := cli{}
	// Warnings predict lost data: the rows are counted apart and the run
	// does not pass.
	if code := c.run(t, "validate", "--ext-fields", cat, in); code != exitRowsFailed {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	res := readResults(t, filepath.Join(dir, "in.validation.csv"))
	codes := []int{0, 91017, 91016}
	statuses := []importer.Status{importer.Valid, importer.ValidWithWarnings, importer.ValidWithWarnings}
	if len(res) != len(statuses) {
		t.Fatalf("%d lines, want %d", len(res), len(statuses))
	}
	for i, r := range res {
		if r.Status != statuses[i] {
			t.Errorf("row %d: %s, want %s", r.Row, r.Status, statuses[i])
		}
		got := 0
		if len(r.Warnings) > 0 {
			got = r.Warnings[0].Code
		}
		if got != codes[i] {
			t.Errorf("row %d: warnings %+v, want %d", r.Row, r.Warnings, codes[i])
		}
	}
	lines := filepath.Join(dir, "fields.txt")
	os.WriteFile(lines, []byte("# catalogue\nplatinum=INTEGER\nbad line\n"), 0o644)
	if code := c.run(t, "validate", "--overwrite", "--ext-fields", lines, in); code != exitUsage || !strings.Contains(c.stderr.String(), "line 3") {
		t.Errorf("exit %d: %s", code, c.stderr.String())
	}
}

func TestLogFormatJSON(t *testing.T) {
	in := writeFile(t, "in.csv", "externalId,maxGroupSize,colour\na,1,x\nb,0,y\n")
	c := cli{}
	c.run(t, "import", "--sandbox", "--log-format", "json", in)
	var sawSummary bool
	for _, line := range strings.Split(strings.TrimSpace(c.stderr.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		if rec["time"] == nil || rec["level"] == nil || rec["msg"] == nil {
			t.Errorf("record without time/level/msg: %s", line)
		}
		if rec["msg"] == "summary" {
			sawSummary = rec["results"] != nil && rec["counts"] != nil
		}
	}
	if !sawSummary {
		t.Errorf("no summary record:\n%s", c.stderr.String())
	}
}

// TestWorkbookInWorkbookOut imports the sample workbook (header on row 3
// below a title) and gets the rows to fix back as a workbook.
func TestWorkbookInWorkbookOut(t *testing.T) {
	dir := t.TempDir()
	out, fix := filepath.Join(dir, "r.csv"), filepath.Join(dir, "fix.xlsx")
	c := cli{}
	if code := c.run(t, "import", "--sandbox", "--rate", "unlimited", "--out", out, "--failed-out", fix, "../../samples/fleets.xlsx"); code != exitRowsFailed {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	res := readResults(t, out)
	if len(res) != 38 || res[0].Row != 4 || res[0].ExternalID != "FLT-1001" || res[0].Status != importer.Created {
		t.Fatalf("%d results, first %+v", len(res), res[0])
	}
	// The fix file reads back as input: its rows are exactly the ones to fix.
	c2 := cli{}
	c2.run(t, "validate", "--out", filepath.Join(dir, "v.csv"), fix)
	back := readResults(t, filepath.Join(dir, "v.csv"))
	bad := 0
	for _, r := range res {
		if !r.Status.OK() || r.Status == importer.CreatedWithWarnings {
			bad++
		}
	}
	if len(back) != bad || back[0].Row != 2 {
		t.Errorf("fix workbook has %d rows (first %+v), want %d", len(back), back[0], bad)
	}
}

func TestEuropeanExcelCSV(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.csv")
	c := cli{}
	c.run(t, "validate", "--out", out, "../../samples/fleets-excel-eu.csv")
	if !strings.Contains(c.stderr.String(), `windows-1252, delimiter ";"`) {
		t.Errorf("detection not reported: %s", c.stderr.String())
	}
	res := readResults(t, out)
	if len(res) < 30 {
		t.Fatalf("%d rows", len(res))
	}
	for _, r := range res {
		if strings.ContainsRune(r.ExternalID, '\ufffd') || strings.ContainsRune(r.Message, '\ufffd') {
			t.Errorf("row %d: mojibake %q %q", r.Row, r.ExternalID, r.Message)
		}
	}
}
