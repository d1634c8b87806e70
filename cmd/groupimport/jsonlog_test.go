package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// jsonLines decodes every line of out as a JSON record, failing on one
// that is not.
func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("not JSON: %q", line)
			continue
		}
		recs = append(recs, m)
	}
	return recs
}

// TestJSONLogsFromTheFirstByte: with --log-format json a refused flag is a
// JSON record too, wherever --log-format stands, and the resume command is
// a field of its own.
func TestJSONLogsFromTheFirstByte(t *testing.T) {
	in := writeFile(t, "in.csv", "externalId,maxGroupSize\na,1\n")
	for _, args := range [][]string{
		{"import", "--log-format", "json", "--rate", "100", in},
		{"import", "--rate", "100", "--log-format=json", in},
		{"validate", "--log-format", "json", "--timeout", "5", in},
	} {
		c := cli{env: sandboxEnv()}
		if code := c.run(t, args...); code != exitUsage {
			t.Fatalf("%q: exit %d\n%s", args, code, c.stderr.String())
		}
		recs := jsonLines(t, c.stderr.String())
		if len(recs) != 1 || recs[0]["level"] != "ERROR" {
			t.Errorf("%q: %s", args, c.stderr.String())
		}
	}

	srv := sandbox.NewServer(sandbox.Config{Faults: sandbox.Faults{Error5xx: 1}})
	defer srv.Close()
	c := cli{env: sandboxEnv()}
	if code := c.run(t, "import", "--log-format", "json", "--host", srv.URL, "--max-attempts", "1", in); code != exitRowsFailed {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	recs := jsonLines(t, c.stderr.String())
	last := recs[len(recs)-1]
	msg, _ := last["msg"].(string)
	hint, _ := last["hint"].(string)
	if strings.Contains(msg, "\n") || strings.Contains(msg, "carry on") || !strings.HasPrefix(hint, "to carry on, run: groupimport import --resume") {
		t.Errorf("last record %v: want the resume command in hint, not in msg", last)
	}
}

// TestOneNameForOneRate: progress records count rows a second, the summary
// requests a second, each under its own name.
func TestOneNameForOneRate(t *testing.T) {
	dir := t.TempDir()
	c := cli{}
	sum := filepath.Join(dir, "sum.json")
	c.run(t, "import", "--sandbox", "--rate", "unlimited", "--log-format", "json", "--summary-json", sum, "--out", filepath.Join(dir, "r.csv"), "../../samples/fleets.csv")
	raw, _ := os.ReadFile(sum)
	seen := map[string]bool{}
	for _, rec := range append(jsonLines(t, c.stderr.String()), jsonLines(t, string(bytes.ReplaceAll(raw, []byte("\n"), nil)))...) {
		if _, ok := rec["ratePerSecond"]; ok {
			t.Errorf("ratePerSecond in %v", rec)
		}
		if _, ok := rec["rowsPerSecond"]; ok {
			seen["progress"] = seen["progress"] || rec["msg"] == "progress"
		}
		if _, ok := rec["requestsPerSecond"]; ok {
			seen["summary"] = true
		}
	}
	if !seen["progress"] || !seen["summary"] {
		t.Errorf("want rowsPerSecond in progress records and requestsPerSecond in the summary; saw %v\n%s\n%s", seen, c.stderr.String(), raw)
	}
}

// TestInterruptUnderJSONLogsIsJSON: Ctrl-C's "stopping" line is a JSON
// record too under --log-format json, and the hint after it pastes.
func TestInterruptUnderJSONLogsIsJSON(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{})
	defer srv.Close()
	in := writeFile(t, "in.csv", groupsCSV(2000))
	out := strings.TrimSuffix(in, ".csv") + ".results.csv"
	p := start(t, srv, "import", "--log-format", "json", "--rate", "100/s", in)
	waitFor(t, "some results", 30*time.Second, func() bool { return lineCount(out) > 20 })
	p.cmd.Process.Signal(os.Interrupt)
	if code := p.wait(t, 30*time.Second); code != exitInterrupted {
		t.Fatalf("exit %d, want 130\n%s", code, p.stderr.String())
	}
	recs := jsonLines(t, strings.TrimLeft(p.stderr.String(), "\n"))
	hint, _ := recs[len(recs)-1]["hint"].(string)
	cmd, ok := strings.CutPrefix(hint, "to carry on, run: ")
	if words := shellWords(t, cmd); !ok || words[0] != binary(t) || words[2] != "--resume" {
		t.Errorf("hint %q does not paste", hint)
	}
}
