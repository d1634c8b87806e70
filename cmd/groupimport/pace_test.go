package main

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// TestEndlessThrottlingStopsAtTheStallTimeout: a server that answers 429
// to everything ends the run once no request has been accepted for
// --stall-timeout: exit 3, every row recorded, and the resume command.
func TestEndlessThrottlingStopsAtTheStallTimeout(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{Faults: sandbox.Faults{Throttle: 1}})
	defer srv.Close()
	in := writeFile(t, "in.csv", groupsCSV(20))
	c := cli{env: sandboxEnv()}
	code := c.run(t, "import", "--host", srv.URL, "--rate", "unlimited", "--stall-timeout", "2s", in)
	stderr := c.stderr.String()
	if code != exitAborted {
		t.Fatalf("exit %d, want 3\n%s", code, stderr)
	}
	for _, want := range []string{"no request accepted for 2s", "429", "--stall-timeout", "to carry on, run: groupimport import", "--resume"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr)
		}
	}
	res := readResults(t, strings.TrimSuffix(in, ".csv")+".results.csv")
	if len(res) != 20 {
		t.Fatalf("%d lines for 20 rows", len(res))
	}
	for _, r := range res {
		if r.Status != importer.Skipped {
			t.Errorf("row %d: %s, want skipped", r.Row, r.Status)
		}
	}
}

func TestStallTimeoutFlag(t *testing.T) {
	c := cli{env: sandboxEnv()}
	in := writeFile(t, "in.csv", groupsCSV(1))
	if code := c.run(t, "import", "--sandbox", "--stall-timeout", "-1s", in); code != exitUsage || !strings.Contains(c.stderr.String(), "--stall-timeout -1s: want") {
		t.Fatalf("a negative --stall-timeout: exit %d\n%s", code, c.stderr.String())
	}
}

// TestSpentQuotaIsRegained: the quota is spent when the run starts (another
// job used it) and frees 3 s in. The run holds, then goes on at the rate it
// was asked for: its creates come at that pace from the moment the quota
// frees, not at a rate measured from nothing.
func TestSpentQuotaIsRegained(t *testing.T) {
	const rows, perSec = 40, 10
	srv := sandbox.NewServer(sandbox.Config{RatePerMinute: 6000, QuotaWindow: 5 * time.Second, QuotaSpentFor: 3 * time.Second})
	defer srv.Close()
	freed := time.Now().Add(3 * time.Second) // at the latest: the server started before
	in := writeFile(t, "in.csv", groupsCSV(rows))
	// A run that stays slow is interrupted, not waited for.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stderr bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &stderr, Getenv: func(k string) string { return sandboxEnv()[k] }}
	if code := Main(ctx, []string{"import", "--host", srv.URL, "--rate", "10/s", "--workers", "4", in}, env); code != exitOK {
		t.Fatalf("exit %d (%d of %d created)\n%s", code, len(srv.Groups()), rows, stderr.String())
	}
	var at []time.Time
	for _, g := range srv.Groups() {
		at = append(at, g.CreatedOn)
	}
	slices.SortFunc(at, time.Time.Compare)
	if len(at) != rows {
		t.Fatalf("%d groups, want %d", len(at), rows)
	}
	if st := srv.Stats(); st.Throttled == 0 {
		t.Fatal("no 429: the quota was not spent at the start")
	}
	// At 10/s, 40 creates take 4 s; the slack is for a busy machine.
	if late := at[len(at)-1].Sub(freed); late > 4*time.Second+5*time.Second {
		t.Errorf("the last create came %v after the quota freed; at the asked 10/s it takes 4s", late)
	}
	if span := at[len(at)-1].Sub(at[0]); span > 4*time.Second+3*time.Second {
		t.Errorf("40 creates took %v once the quota freed, want about 4s (10/s)", span)
	}
}
