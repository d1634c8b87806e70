package main

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
	"github.com/capillary-tools/groupimport/report"
)

func sandboxEnv() map[string]string {
	return map[string]string{"CAP_TILL": sandbox.DefaultTill, "CAP_PASSWORD": sandbox.DefaultTillPassword}
}

func groupsCSV(n int) string {
	var b strings.Builder
	b.WriteString("externalId,groupName,maxGroupSize\n")
	for i := range n {
		fmt.Fprintf(&b, "g%05d,Group %d,%d\n", i, i, i%500+1)
	}
	return b.String()
}

// firstRunWithFailures imports in against srv, whose faults make some rows
// fail at one attempt each, checks that some did, and clears the faults
// for the resume that follows. It returns the command, the results path,
// the arguments of the first run, its results and how many failed.
func firstRunWithFailures(t *testing.T, srv *sandbox.Server, in string) (c *cli, out string, args []string, first []importer.Result, failed int) {
	t.Helper()
	out = strings.TrimSuffix(in, ".csv") + ".results.csv"
	c = &cli{env: sandboxEnv()}
	args = []string{"import", "--host", srv.URL, "--rate", "unlimited", "--max-attempts", "1", in}
	if code := c.run(t, args...); code != exitRowsFailed {
		t.Fatalf("first run: exit %d\n%s", code, c.stderr.String())
	}
	first = readResults(t, out)
	for _, r := range first {
		if r.Status == importer.Failed {
			failed++
		}
	}
	if failed == 0 {
		t.Fatal("no row failed in the first run; the test needs some")
	}
	srv.SetFaults(sandbox.Faults{})
	return c, out, args, first, failed
}

// TestResumeSendsOnlyWhatIsLeft: a first run meets a failing server, the
// resumed run finishes the failed rows and leaves the settled ones alone.
func TestResumeSendsOnlyWhatIsLeft(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{MaxGroupSize: 400, Faults: sandbox.Faults{Error5xx: 0.3, Seed: 11}})
	defer srv.Close()
	in := writeFile(t, "in.csv", groupsCSV(200)+"bad,x,0\n")
	c, out, args, first, failed := firstRunWithFailures(t, srv, in)
	before := srv.Stats().Requests
	if code := c.run(t, append([]string{"import", "--resume"}, args[1:]...)...); code != exitRowsFailed {
		t.Fatalf("resume: exit %d\n%s", code, c.stderr.String())
	}
	if !strings.Contains(c.stderr.String(), fmt.Sprintf("%d rows to do", failed)) {
		t.Errorf("stderr does not announce %d rows to do: %s", failed, c.stderr.String())
	}
	second := readResults(t, out)
	if len(second) != len(first) {
		t.Fatalf("%d lines after resume, %d before", len(second), len(first))
	}
	for i, r := range second {
		prev := first[i]
		if r.Row != prev.Row || r.ExternalID != prev.ExternalID {
			t.Fatalf("line %d: row %d %q, was row %d %q", i, r.Row, r.ExternalID, prev.Row, prev.ExternalID)
		}
		if prev.Status.Final() && !reflect.DeepEqual(r, prev) {
			t.Errorf("row %d was %+v and became %+v", r.Row, prev, r)
		}
		if prev.Status == importer.Failed && r.Status != importer.Created && r.Status != importer.Rejected {
			t.Errorf("row %d: %s after resume: %s", r.Row, r.Status, r.Message)
		}
	}
	// A 5xx is answered before any work, so nothing was created twice and
	// the resumed run sent exactly the failed rows.
	if sent := srv.Stats().Requests - before; sent != failed {
		t.Errorf("resume sent %d requests for %d rows left", sent, failed)
	}
	for _, g := range srv.Groups() {
		if n := srv.Creations(g.ExternalID); n != 1 {
			t.Errorf("%s created %d times", g.ExternalID, n)
		}
	}
	if _, err := os.Stat(out + ".partial"); !os.IsNotExist(err) {
		t.Errorf("partial file left behind: %v", err)
	}
}

func TestResumeRefusesAnotherInputsResults(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	os.WriteFile(in, []byte("externalId,maxGroupSize\na,1\nb,2\nc,3\n"), 0o644)
	out := filepath.Join(dir, "in.results.csv")
	tests := map[string]string{
		"different ids":    "row,externalId,status,entityId,code,message,warnings,attempts,requestId\n2,a,created,1,,,,1,\n3,x,created,2,,,,1,\n",
		"rows beyond":      "row,externalId,status,entityId,code,message,warnings,attempts,requestId\n2,a,created,1,,,,1,\n3,b,created,2,,,,1,\n4,c,created,3,,,,1,\n5,d,created,4,,,,1,\n",
		"not results file": "externalId,maxGroupSize\na,1\n",
	}
	srv := sandbox.NewServer(sandbox.Config{})
	defer srv.Close()
	for name, content := range tests {
		t.Run(name, func(t *testing.T) {
			os.WriteFile(out, []byte(content), 0o644)
			c := cli{env: sandboxEnv()}
			if code := c.run(t, "import", "--resume", "--host", srv.URL, in); code != exitUsage {
				t.Fatalf("exit %d, want 2\n%s", code, c.stderr.String())
			}
			if !strings.Contains(c.stderr.String(), "--resume") {
				t.Errorf("stderr: %s", c.stderr.String())
			}
			if got, _ := os.ReadFile(out); string(got) != content {
				t.Errorf("the results file was changed")
			}
		})
	}
	if n := srv.Stats().Requests; n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// TestResumeMergesAPartialRecord: a resumed run that died left a partial
// record; the next resume keeps what it finished.
// oldResultsHeader is the header of results written before the reason,
// action, fingerprint and differences columns.
const oldResultsHeader = "row,externalId,status,entityId,code,message,warnings,attempts,requestId"

func TestResumeMergesAPartialRecord(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{})
	defer srv.Close()
	srv.Seed(sandbox.Group{ID: 500, ExternalID: "b", MaxGroupSize: 2})
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	os.WriteFile(in, []byte("externalId,maxGroupSize\na,1\nb,2\nc,3\n"), 0o644)
	out := filepath.Join(dir, "in.results.csv")
	// A record written before the reason, action, fingerprint and
	// differences columns: it resumes all the same.
	head := oldResultsHeader + "\n"
	os.WriteFile(out, []byte(head+"2,a,created,77,,,,1,\n3,b,failed,,,gave up,,5,\n4,c,skipped,,,not sent,,0,\n"), 0o644)
	os.WriteFile(out+".partial", []byte(head+"2,a,created,77,,,,1,\n3,b,created,500,,,,1,\n"), 0o644)
	c := cli{env: sandboxEnv()}
	if code := c.run(t, "import", "--resume", "--host", srv.URL, in); code != exitOK {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	res := readResults(t, out)
	if len(res) != 3 || res[1].Status != importer.Created || res[1].EntityID != 500 || res[2].Status != importer.Created {
		t.Fatalf("results %+v", res)
	}
	if st := srv.Stats(); st.Requests != 1 {
		t.Errorf("%d requests; only row 4 was left", st.Requests)
	}
}

// TestResumeRecoversRowsLostInFlight: rows missing from the results (a
// crash) that the server already holds come out with their id, as exists:
// the earlier run may have created them, but nothing proves it did.
func TestResumeRecoversRowsLostInFlight(t *testing.T) {
	for _, api := range []string{sandbox.APICurrent, sandbox.APILegacy} {
		t.Run(api, func(t *testing.T) {
			srv := sandbox.NewServer(sandbox.Config{API: api})
			defer srv.Close()
			srv.Seed(sandbox.Group{ID: 900, ExternalID: "b", GroupName: "B", MaxGroupSize: 2}, sandbox.Group{ID: 901, ExternalID: "c", GroupName: "other", MaxGroupSize: 3})
			dir := t.TempDir()
			in := filepath.Join(dir, "in.csv")
			os.WriteFile(in, []byte("externalId,groupName,maxGroupSize\na,A,1\nb,B,2\nc,C,3\n"), 0o644)
			out := filepath.Join(dir, "in.results.csv")
			// The crash cut the file in the middle of row 3's line.
			os.WriteFile(out, []byte(oldResultsHeader+"\n2,a,created,77,,,,1,\n3,b,crea"), 0o644)
			c := cli{env: sandboxEnv()}
			c.run(t, "import", "--resume", "--host", srv.URL, in)
			res := readResults(t, out)
			if len(res) != 3 {
				t.Fatalf("results %+v", res)
			}
			if r := res[1]; r.Status != importer.Exists || r.EntityID != 900 || !r.Has(importer.AnswerLost) || r.Fingerprint == "" {
				t.Errorf("row 3: %+v", r)
			}
			if r := res[2]; r.Status != importer.Conflict || !strings.Contains(r.Message, "groupName") {
				t.Errorf("row 4: %+v", r)
			}
			if srv.Creations("b") != 0 || srv.Creations("c") != 0 {
				t.Error("a group was created again")
			}
		})
	}
}

func TestSecondRunOnTheSameResultsIsRefused(t *testing.T) {
	in := writeFile(t, "in.csv", "externalId,maxGroupSize\na,1\n")
	out := strings.TrimSuffix(in, ".csv") + ".results.csv"
	unlock, err := report.Lock(out)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	c := cli{env: sandboxEnv()}
	if code := c.run(t, "import", "--sandbox", in); code != exitUsage || !strings.Contains(c.stderr.String(), "another groupimport run") {
		t.Fatalf("exit %d: %s", code, c.stderr.String())
	}
}

// TestMaxErrorsStopsAHopelessRun: the limit is judged as rows finish, so
// once it is met no request starts, and only the requests already under way
// on the other workers finish: the bound below follows from that, not from
// timing.
func TestMaxErrorsStopsAHopelessRun(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{MaxGroupSize: 1}) // every row but the first is refused with 1639
	defer srv.Close()
	in := writeFile(t, "in.csv", groupsCSV(500))
	const workers = 4
	for _, tt := range []struct {
		limit string
		rows  int // rows sent when the limit is met: the first row is created
	}{
		{"3", 1 + 4},    // more than 3 rejected
		{"10%", 1 + 49}, // judged after 50 rows sent; 49 of 50 is over 10%
	} {
		t.Run(tt.limit, func(t *testing.T) {
			before := srv.Stats().Requests
			c := cli{env: sandboxEnv()}
			code := c.run(t, "import", "--host", srv.URL, "--rate", "unlimited", "--workers", strconv.Itoa(workers), "--max-errors", tt.limit, "--overwrite", in)
			if code != exitAborted || !strings.Contains(c.stderr.String(), "--max-errors") || !strings.Contains(c.stderr.String(), "--resume") {
				t.Fatalf("exit %d: %s", code, c.stderr.String())
			}
			res := readResults(t, strings.TrimSuffix(in, ".csv")+".results.csv")
			if len(res) != 500 || res[len(res)-1].Status != importer.Skipped {
				t.Fatalf("%d lines, last %+v", len(res), res[len(res)-1])
			}
			if sent, most := srv.Stats().Requests-before, tt.rows+workers-1; sent < tt.rows || sent > most {
				t.Errorf("%d requests before stopping; want %d to %d", sent, tt.rows, most)
			}
		})
	}
}
