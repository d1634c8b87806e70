package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// messyCSV has a row with broken quoting, a ragged row, a cell over two
// lines, blank lines and a row of empty cells between good rows, and n good
// rows after them.
func messyCSV(n int) string {
	var b strings.Builder
	b.WriteString("externalId,groupName,maxGroupSize\n")
	b.WriteString("m1,One,1\n")
	b.WriteString("m2,\"bad\"quote,2\n")   // broken quoting
	b.WriteString("\n")                    // blank line
	b.WriteString("m3,\"two\nlines\",3\n") // one row over two lines
	b.WriteString("m4,Ragged,4,extra\n")   // a cell too many
	b.WriteString(",,\n")                  // empty cells: not data
	b.WriteString("b\"are,Bare quote,5\n") // a bare quote
	b.WriteString("m5,Five,0\n")           // invalid size
	b.WriteString("m1,Again,6\n")          // duplicate
	b.WriteString(groupsCSV(n)[len("externalId,groupName,maxGroupSize\n"):])
	return b.String()
}

// TestResumeAfterMalformedRows: an input with malformed, ragged,
// multi-line and blank rows is resumed after a first run with failures, and
// every line stays lined up with its row.
func TestResumeAfterMalformedRows(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{Faults: sandbox.Faults{Error5xx: 0.3, Seed: 3}})
	defer srv.Close()
	in := writeFile(t, "in.csv", messyCSV(60))
	c, out, args, first, _ := firstRunWithFailures(t, srv, in)
	if code := c.run(t, append([]string{"import", "--resume"}, args[1:]...)...); code != exitRowsFailed {
		t.Fatalf("resume: exit %d\n%s", code, c.stderr.String())
	}
	second := readResults(t, out)
	if len(second) != len(first) {
		t.Fatalf("%d lines after resume, %d before", len(second), len(first))
	}
	want := map[int]importer.Status{3: importer.Invalid, 6: importer.Invalid, 8: importer.Invalid, 9: importer.Invalid, 10: importer.Duplicate}
	for i, r := range second {
		if r.Row != first[i].Row || r.ExternalID != first[i].ExternalID {
			t.Fatalf("line %d: row %d %q, was row %d %q", i, r.Row, r.ExternalID, first[i].Row, first[i].ExternalID)
		}
		if st, ok := want[r.Row]; ok {
			if r.Status != st {
				t.Errorf("row %d: %s, want %s", r.Row, r.Status, st)
			}
		} else if r.Status != importer.Created {
			t.Errorf("row %d: %s %s", r.Row, r.Status, r.Message)
		}
	}
	for _, g := range srv.Groups() {
		if n := srv.Creations(g.ExternalID); n != 1 {
			t.Errorf("%s created %d times", g.ExternalID, n)
		}
	}
}

// TestResumeSendsRowsFixedSince: rows that were invalid, malformed or
// duplicate and have been fixed in the input are sent by the resumed run.
func TestResumeSendsRowsFixedSince(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{})
	defer srv.Close()
	in := writeFile(t, "in.csv", messyCSV(3))
	out := strings.TrimSuffix(in, ".csv") + ".results.csv"
	c := cli{env: sandboxEnv()}
	args := []string{"import", "--host", srv.URL, "--rate", "unlimited", in}
	if code := c.run(t, args...); code != exitRowsFailed {
		t.Fatalf("first run: exit %d\n%s", code, c.stderr.String())
	}
	fixed := strings.NewReplacer(
		"m2,\"bad\"quote,2", "m2,Fixed quote,2",
		"m5,Five,0", "m5,Five,5",
		"m1,Again,6", "m6,Again,6",
	).Replace(messyCSV(3))
	os.WriteFile(in, []byte(fixed), 0o644)
	before := srv.Stats().Requests
	if code := c.run(t, append([]string{"import", "--resume"}, args[1:]...)...); code != exitRowsFailed {
		t.Fatalf("resume: exit %d\n%s", code, c.stderr.String())
	}
	if !strings.Contains(c.stderr.String(), "3 rows to do") {
		t.Errorf("stderr does not announce the 3 fixed rows: %s", c.stderr.String())
	}
	res := readResults(t, out)
	byRow := map[int]importer.Result{}
	for _, r := range res {
		byRow[r.Row] = r
	}
	for row, id := range map[int]string{3: "m2", 9: "m5", 10: "m6"} {
		r := byRow[row]
		if r.Status != importer.Created || r.ExternalID != id || r.Message != "" {
			t.Errorf("row %d: %+v, want %s created", row, r, id)
		}
	}
	if r := byRow[6]; r.Status != importer.Invalid {
		t.Errorf("row 6, still ragged: %+v", r)
	}
	if sent := srv.Stats().Requests - before; sent != 3 {
		t.Errorf("resume sent %d requests for 3 fixed rows", sent)
	}
}

// TestOutputsNeverNameEachOther: --out, --failed-out and --summary-json
// that name the input or each other (by any path: symbolic or hard link)
// are refused before anything is written, and so are existing
// --failed-out and --summary-json files without --overwrite.
func TestOutputsNeverNameEachOther(t *testing.T) {
	const content = "externalId,maxGroupSize\na,1\nb,x\n"
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	link := filepath.Join(dir, "link.csv")
	hard := filepath.Join(dir, "hard.csv")
	summary := filepath.Join(dir, "old-summary.json")
	results := filepath.Join(dir, "r.csv")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"failed-out is the input", []string{"validate", "--failed-out", in, in}, "--failed-out " + in + " is the input"},
		{"failed-out is a symlink to the input", []string{"validate", "--failed-out", link, in}, "is the input"},
		{"failed-out is a hard link to the input", []string{"validate", "--failed-out", hard, in}, "is the input"},
		{"out is a hard link to the input", []string{"validate", "--out", hard, in}, "is the input"},
		{"summary-json is the input", []string{"validate", "--summary-json", link, in}, "is the input"},
		{"summary-json is the results", []string{"import", "--sandbox", "--out", results, "--summary-json", results, in}, "are the same file"},
		{"summary-json is the failed-out", []string{"validate", "--out", results, "--failed-out", filepath.Join(dir, "x"), "--summary-json", filepath.Join(dir, "sub", "..", "x"), in}, "are the same file"},
		{"existing summary-json", []string{"validate", "--out", results, "--summary-json", summary, in}, "already exists"},
		{"existing failed-out", []string{"validate", "--out", results, "--failed-out", summary, in}, "already exists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os.WriteFile(in, []byte(content), 0o644)
			os.WriteFile(summary, []byte("{}\n"), 0o644)
			os.Remove(link)
			os.Remove(hard)
			os.Remove(results)
			os.Remove(filepath.Join(dir, "in.validation.csv"))
			os.Remove(filepath.Join(dir, "x"))
			os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
			if err := os.Symlink(in, link); err != nil {
				t.Skip("no symbolic links here:", err)
			}
			if err := os.Link(in, hard); err != nil {
				t.Skip("no hard links here:", err)
			}
			c := cli{env: sandboxEnv()}
			if code := c.run(t, tt.args...); code != exitUsage {
				t.Fatalf("exit %d, want 2\n%s", code, c.stderr.String())
			}
			if !strings.Contains(c.stderr.String(), tt.want) {
				t.Errorf("stderr %q does not say %q", c.stderr.String(), tt.want)
			}
			if b, _ := os.ReadFile(in); string(b) != content {
				t.Errorf("the input was changed: %q", b)
			}
			if b, _ := os.ReadFile(summary); string(b) != "{}\n" {
				t.Errorf("the existing summary was changed: %q", b)
			}
			for _, f := range []string{results, filepath.Join(dir, "in.validation.csv"), filepath.Join(dir, "x")} {
				if _, err := os.Stat(f); err == nil {
					t.Errorf("%s was written", f)
				}
			}
		})
	}
}

// TestResumeIsTiedToItsOrigin: results made against one host, or with one
// credential, are not resumed against another; --sandbox results resume
// with --sandbox; results without the record resume after a warning.
func TestResumeIsTiedToItsOrigin(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{
		Tills: map[string]string{sandbox.DefaultTill: sandbox.DefaultTillPassword, "other.till": "pw"},
	})
	defer srv.Close()
	in := writeFile(t, "in.csv", "externalId,maxGroupSize\na,1\nb,2\n")
	out := strings.TrimSuffix(in, ".csv") + ".results.csv"
	c := cli{env: sandboxEnv()}
	if code := c.run(t, "import", "--sandbox", "--rate", "unlimited", in); code != exitOK {
		t.Fatalf("first run: exit %d\n%s", code, c.stderr.String())
	}
	made, _ := os.ReadFile(out)

	if code := c.run(t, "import", "--resume", "--host", srv.URL, in); code != exitUsage {
		t.Fatalf("sandbox results resumed against %s: exit %d\n%s", srv.URL, code, c.stderr.String())
	}
	if s := c.stderr.String(); !strings.Contains(s, "sandbox as till demo.till") || !strings.Contains(s, srv.URL+" as till demo.till") {
		t.Errorf("the refusal does not name both origins: %s", s)
	}
	if code := c.run(t, "import", "--resume", "--sandbox", in); code != exitOK {
		t.Fatalf("sandbox results resumed with --sandbox: exit %d\n%s", code, c.stderr.String())
	}

	// Results made against srv with one till, resumed with another.
	if code := c.run(t, "import", "--overwrite", "--host", srv.URL, in); code != exitOK {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	other := cli{env: map[string]string{"CAP_TILL": "other.till", "CAP_PASSWORD": "pw"}}
	if code := other.run(t, "import", "--resume", "--host", srv.URL, in); code != exitUsage || !strings.Contains(other.stderr.String(), "till other.till") {
		t.Fatalf("another till: exit %d\n%s", code, other.stderr.String())
	}
	if n := srv.Stats().Requests; n != 2 {
		t.Errorf("%d requests; the refused runs sent some", n)
	}

	// An older version's results: no record of the origin.
	os.WriteFile(out, made, 0o644)
	os.Remove(out + ".meta")
	if code := c.run(t, "import", "--resume", "--host", srv.URL, in); code != exitOK {
		t.Fatalf("results without an origin: exit %d\n%s", code, c.stderr.String())
	}
	if !strings.Contains(c.stderr.String(), "does not say which host") {
		t.Errorf("no warning about the missing origin: %s", c.stderr.String())
	}
}

// TestSecretAndItsFileTogetherAreRefused: neither the variable nor the
// file silently wins.
func TestSecretAndItsFileTogetherAreRefused(t *testing.T) {
	in := writeFile(t, "in.csv", "externalId,maxGroupSize\na,1\n")
	file := writeFile(t, "secret", "from-the-file\n")
	for _, env := range []map[string]string{
		{"CAP_TILL": sandbox.DefaultTill, "CAP_PASSWORD": sandbox.DefaultTillPassword, "CAP_PASSWORD_FILE": file},
		{"CAP_CLIENT_KEY": sandbox.DefaultOAuthKey, "CAP_CLIENT_SECRET": sandbox.DefaultOAuthSecret, "CAP_CLIENT_SECRET_FILE": file},
	} {
		srv := sandbox.NewServer(sandbox.Config{})
		c := cli{env: env}
		code := c.run(t, "import", "--host", srv.URL, "--overwrite", in)
		if code != exitUsage || !strings.Contains(c.stderr.String(), "_FILE are set") {
			t.Errorf("%v: exit %d\n%s", keys(env), code, c.stderr.String())
		}
		if n := srv.Stats().Requests; n != 0 {
			t.Errorf("%v: %d requests", keys(env), n)
		}
		srv.Close()
	}
}

// TestResumeAfterFixingAQuoteThatSwallowedRows: an unclosed quote makes
// one invalid row of several lines; once it is fixed, those lines are rows
// of their own and the rows after them keep the numbers the first run
// recorded, so the resumed run sends the new rows and keeps the rest.
func TestResumeAfterFixingAQuoteThatSwallowedRows(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{})
	defer srv.Close()
	broken := "externalId,groupName,maxGroupSize\na1,A,1\na2,\"open quote,2\na3,x,3\na4,\"y\",4\na5,A5,5\n"
	in := writeFile(t, "in.csv", broken)
	out := strings.TrimSuffix(in, ".csv") + ".results.csv"
	c := cli{env: sandboxEnv()}
	args := []string{"import", "--host", srv.URL, "--rate", "unlimited", in}
	if code := c.run(t, args...); code != exitRowsFailed {
		t.Fatalf("first run: exit %d\n%s", code, c.stderr.String())
	}
	os.WriteFile(in, []byte(strings.Replace(broken, `"open quote,2`, `"open quote",2`, 1)), 0o644)
	if code := c.run(t, append([]string{"import", "--resume"}, args[1:]...)...); code != exitOK {
		t.Fatalf("resume: exit %d\n%s", code, c.stderr.String())
	}
	res := readResults(t, out)
	var got []string
	for _, r := range res {
		got = append(got, fmt.Sprintf("%d %s %s", r.Row, r.ExternalID, r.Status))
	}
	if want := "2 a1 created|3 a2 created|4 a3 created|5 a4 created|6 a5 created"; strings.Join(got, "|") != want {
		t.Errorf("results %q, want %q", strings.Join(got, "|"), want)
	}
	for _, g := range srv.Groups() {
		if n := srv.Creations(g.ExternalID); n != 1 {
			t.Errorf("%s created %d times", g.ExternalID, n)
		}
	}
}
