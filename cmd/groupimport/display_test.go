package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// TestDryRunShowsPredictedWarnings: rows that would lose extended fields
// are counted apart, shown in the problems table, fail the exit code, and
// survive the README's filter for the rows that need a look.
func TestDryRunShowsPredictedWarnings(t *testing.T) {
	dir := t.TempDir()
	cat := filepath.Join(dir, "f.txt")
	os.WriteFile(cat, []byte("platinum=INTEGER\n"), 0o644)
	in := filepath.Join(dir, "in.csv")
	os.WriteFile(in, []byte("externalId,maxGroupSize,ext.platinum,ext.gender\na,1,25,\nb,2,gold,\nc,3,,f\n"), 0o644)
	c := cli{}
	code := c.run(t, "validate", "--ext-fields", cat, in)
	stderr := c.stderr.String()
	if code != exitRowsFailed {
		t.Fatalf("exit %d, want 1: sending would lose data\n%s", code, stderr)
	}
	for _, want := range []string{
		"valid_with_warnings  2", // the summary counts them apart
		"91017 Extended field value for platinum does not match the data type INTEGER",
		"91016 Extended field name gender is invalid.",
		"2 rows would lose extended fields",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr)
		}
	}
	if !regexp.MustCompile(`(?m)^\s+valid\s+1$`).MatchString(stderr) {
		t.Errorf("summary does not count 1 plain valid row:\n%s", stderr)
	}
	// The README's recipe: grep -v ',valid,,,,,0,,,,[0-9a-f]*,,$' shows every row but
	// the clean ones.
	raw, _ := os.ReadFile(filepath.Join(dir, "in.validation.csv"))
	clean := regexp.MustCompile(`,valid,,,,,0,,,,[0-9a-f]*,,$`)
	var shown []string
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n")[1:] {
		if !clean.MatchString(line) {
			shown = append(shown, line[:strings.IndexByte(line, ',')])
		}
	}
	if !slices.Equal(shown, []string{"3", "4"}) {
		t.Errorf("the recipe shows rows %v, want 3 and 4:\n%s", shown, raw)
	}
}

// TestHeaderOnlyInputIsNotASuccess: an empty file exits 2 and says so,
// unless --allow-empty says it is normal.
func TestHeaderOnlyInputIsNotASuccess(t *testing.T) {
	in := writeFile(t, "in.csv", "externalId,maxGroupSize\n")
	c := cli{}
	if code := c.run(t, "import", "--sandbox", in); code != exitUsage || !strings.Contains(c.stderr.String(), "no data rows") {
		t.Fatalf("exit %d, want 2 and \"no data rows\":\n%s", code, c.stderr.String())
	}
	if code := c.run(t, "validate", in); code != exitUsage {
		t.Fatalf("validate: exit %d, want 2:\n%s", code, c.stderr.String())
	}
	if code := c.run(t, "import", "--sandbox", "--overwrite", "--allow-empty", in); code != exitOK || !strings.Contains(c.stderr.String(), "no data rows") {
		t.Fatalf("--allow-empty: exit %d, want 0:\n%s", code, c.stderr.String())
	}
}

// TestFlagsRefusedBeforeTheInputIsRead: bad values are refused at parse
// time; the input named does not exist, so a flag reported after opening
// it would be reported as a missing file instead.
func TestFlagsRefusedBeforeTheInputIsRead(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nonexistent.csv")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--rate", "100"}, "say 100/min or 100/s"},
		{[]string{"--rate", "0"}, "--rate"},
		{[]string{"--rate", "0/min"}, "--rate"},
		{[]string{"--delimiter", "x"}, "--delimiter"},
		{[]string{"--header-row", "0"}, "--header-row"},
		{[]string{"--max-errors", "abc"}, "--max-errors"},
		{[]string{"--on-conflict", "merge"}, "--on-conflict"},
		{[]string{"--log-format", "xml"}, "--log-format"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			c := cli{}
			code := c.run(t, append(append([]string{"import", "--sandbox"}, tt.args...), missing)...)
			stderr := c.stderr.String()
			if code != exitUsage || !strings.Contains(stderr, tt.want) || strings.Contains(stderr, "nonexistent") {
				t.Errorf("exit %d, want 2 naming %q before the file:\n%s", code, tt.want, stderr)
			}
			if n := strings.Count(stderr, "\n"); n != 1 {
				t.Errorf("%d lines, want 1:\n%s", n, stderr)
			}
		})
	}
	c := cli{}
	code := c.run(t, "import", "--bogus", missing)
	if stderr := c.stderr.String(); code != exitUsage || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "--bogus") || !strings.Contains(stderr, "see groupimport import --help") {
		t.Errorf("unknown flag: exit %d:\n%s", code, stderr)
	}
	// Explicitly given and valid, --header-row still works.
	in := writeFile(t, "in.csv", "title\nexternalId,maxGroupSize\na,1\n")
	if code := c.run(t, "validate", "--header-row", "2", in); code != exitOK {
		t.Errorf("--header-row 2: exit %d:\n%s", code, c.stderr.String())
	}
}

// TestResumeCommandCanBePasted: the command printed after a run that left
// failed rows is the one given, quoted for the shell, with --resume and
// without --overwrite, and it works.
func TestResumeCommandCanBePasted(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{Faults: sandbox.Faults{Error5xx: 1}})
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "it's here")
	os.Mkdir(dir, 0o755)
	in := filepath.Join(dir, "my fleets.csv")
	os.WriteFile(in, []byte("externalId,maxGroupSize\na,1\nb,2\n"), 0o644)
	args := []string{"import", "--host", srv.URL, "--rate", "unlimited", "--overwrite", "--max-attempts", "1", in}
	c := cli{env: sandboxEnv()}
	if code := c.run(t, args...); code != exitRowsFailed {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	m := regexp.MustCompile(`(?m)to carry on, run: (.*)$`).FindStringSubmatch(c.stderr.String())
	if m == nil {
		t.Fatalf("no resume command:\n%s", c.stderr.String())
	}
	// What a POSIX shell makes of the line is the command line to run.
	out, err := exec.Command("sh", "-c", `set -- `+m[1]+`; printf '%s\n' "$@"`).Output()
	if err != nil {
		t.Fatalf("the shell cannot parse %s: %v", m[1], err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	want := []string{"groupimport", "import", "--resume", "--host", srv.URL, "--rate", "unlimited", "--max-attempts", "1", in}
	if !slices.Equal(got, want) {
		t.Fatalf("pasted command runs\n%q\nwant\n%q", got, want)
	}
	srv.SetFaults(sandbox.Faults{})
	if code := c.run(t, got[1:]...); code != exitOK {
		t.Fatalf("the pasted command: exit %d\n%s", code, c.stderr.String())
	}
	if strings.Contains(c.stderr.String(), "to carry on") {
		t.Errorf("a finished run offers a resume:\n%s", c.stderr.String())
	}

	// Rejected credentials: resuming would be rejected again.
	c = cli{env: map[string]string{"CAP_TILL": sandbox.DefaultTill, "CAP_PASSWORD": "wrong"}}
	c.run(t, "import", "--host", srv.URL, "--overwrite", in)
	if strings.Contains(c.stderr.String(), "--resume") {
		t.Errorf("resume offered after rejected credentials:\n%s", c.stderr.String())
	}
	// A sandbox is gone with the run.
	o := importOptions{useSandbox: true, command: "import", args: []string{"--sandbox", in}}
	if h := o.resumeHint(importer.Summary{Counts: map[importer.Status]int{importer.Failed: 1}}, nil); h != "" {
		t.Errorf("resume offered after a --sandbox run: %s", h)
	}
}

// TestMessagesSayWhatHappened: the small things that make a message true.
func TestMessagesSayWhatHappened(t *testing.T) {
	t.Run("output directory unusable", func(t *testing.T) {
		dir := t.TempDir()
		notDir := filepath.Join(dir, "file")
		os.WriteFile(notDir, nil, 0o644)
		in := writeFile(t, "in.csv", "externalId,maxGroupSize\na,1\n")
		c := cli{}
		code := c.run(t, "validate", "--out", filepath.Join(notDir, "r.csv"), in)
		if s := c.stderr.String(); code != exitUsage || !strings.Contains(s, "cannot create") || strings.Contains(s, "wait for it") {
			t.Errorf("exit %d:\n%s", code, s)
		}
		if os.Geteuid() == 0 {
			return // root writes anywhere
		}
		ro := filepath.Join(dir, "ro")
		os.Mkdir(ro, 0o555)
		code = c.run(t, "validate", "--out", filepath.Join(ro, "r.csv"), in)
		if s := c.stderr.String(); code != exitUsage || !strings.Contains(s, "cannot create") || !strings.Contains(s, "permission denied") {
			t.Errorf("read-only directory: exit %d:\n%s", code, s)
		}
	})
	t.Run("rate as written", func(t *testing.T) {
		in := writeFile(t, "in.csv", "externalId,maxGroupSize\na,1\n")
		c := cli{}
		c.run(t, "import", "--sandbox", "--rate", "100/min", in)
		if s := c.stderr.String(); !strings.Contains(s, " at 100/min ") {
			t.Errorf("rate not as written:\n%s", s)
		}
	})
	t.Run("unknown columns in one warning", func(t *testing.T) {
		in := writeFile(t, "in.csv", "externalId,maxGroupSize,colour,notes\na,1,x,y\n")
		c := cli{}
		c.run(t, "validate", in)
		s := c.stderr.String()
		if strings.Count(s, "warning:") != 1 || !strings.Contains(s, `columns "colour", "notes" are not known fields and are ignored`) {
			t.Errorf("want one warning naming both columns:\n%s", s)
		}
	})
	t.Run("plurals", func(t *testing.T) {
		dir := t.TempDir()
		in := writeFile(t, "in.csv", "externalId,maxGroupSize\na,1\nb,x\n")
		c := cli{}
		c.run(t, "validate", "--failed-out", filepath.Join(dir, "fix.csv"), in)
		if s := c.stderr.String(); !strings.Contains(s, "1 row to fix") {
			t.Errorf("want \"1 row to fix\":\n%s", s)
		}
	})
	t.Run("json row records", func(t *testing.T) {
		in := writeFile(t, "in.csv", "externalId,maxGroupSize\na,1\nb,x\nc,2\n")
		c := cli{}
		c.run(t, "import", "--sandbox", "--rate", "unlimited", "--log-format", "json", in)
		var rows []map[string]any
		for _, line := range strings.Split(strings.TrimSpace(c.stderr.String()), "\n") {
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("not JSON: %q", line)
			}
			if rec["msg"] == "row" {
				rows = append(rows, rec)
			}
		}
		if len(rows) != 1 || rows[0]["row"] != 3.0 || rows[0]["externalId"] != "b" || rows[0]["status"] != "invalid" ||
			!strings.Contains(rows[0]["message"].(string), "maxGroupSize") || rows[0]["code"] == nil || rows[0]["requestId"] == nil {
			t.Errorf("row records %v\n%s", rows, c.stderr.String())
		}
	})
}

func TestVersionFromBuildInfo(t *testing.T) {
	info := func(v string, settings ...string) func() (*debug.BuildInfo, bool) {
		return func() (*debug.BuildInfo, bool) {
			bi := &debug.BuildInfo{Main: debug.Module{Version: v}}
			for i := 0; i < len(settings); i += 2 {
				bi.Settings = append(bi.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
			}
			return bi, true
		}
	}
	tests := []struct {
		stamped string
		info    func() (*debug.BuildInfo, bool)
		want    string
	}{
		{"v1.4.0", info("v9.9.9"), "v1.4.0"},
		{"dev", info("v1.2.3"), "v1.2.3"},
		{"dev", info("(devel)", "vcs.revision", "0123456789abcdef0123", "vcs.time", "2026-11-28T10:00:00Z"), "dev (0123456789ab, 2026-11-28T10:00:00Z)"},
		{"dev", info("(devel)", "vcs.revision", "0123456789abcdef0123", "vcs.modified", "true"), "dev (0123456789ab-dirty)"},
		{"dev", func() (*debug.BuildInfo, bool) { return nil, false }, "dev"},
	}
	for _, tt := range tests {
		if got := versionString(tt.stamped, tt.info); got != tt.want {
			t.Errorf("versionString(%q) = %q, want %q", tt.stamped, got, tt.want)
		}
	}
}

// TestFailedOutRoundTrip: the --failed-out CSV says why each row is there,
// neutralises cells a spreadsheet would run, and imported again as it is
// sends exactly the values of the first run, with no warning about its
// extra column.
func TestFailedOutRoundTrip(t *testing.T) {
	dir := t.TempDir()
	first := sandbox.NewServer(sandbox.Config{MaxGroupSize: 10})
	defer first.Close()
	in := filepath.Join(dir, "in.csv")
	rows := [][]string{
		{"=cmd|' /C calc'!A0", "-5 fleet", "20", "+1"},
		{"@home", "'=already quoted", "20", "\tx"},
		{"plain", "Plain, with comma", "20", ""},
		{"fine", "created", "5", ""},
	}
	var b strings.Builder
	b.WriteString("externalId,groupName,maxGroupSize,ext.tier\n")
	for _, r := range rows {
		for i, c := range r {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"` + strings.ReplaceAll(c, `"`, `""`) + `"`)
		}
		b.WriteByte('\n')
	}
	os.WriteFile(in, []byte(b.String()), 0o644)
	fix := filepath.Join(dir, "fix.csv")
	c := cli{env: sandboxEnv()}
	if code := c.run(t, "import", "--host", first.URL, "--rate", "unlimited", "--failed-out", fix, in); code != exitRowsFailed {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	raw, _ := os.ReadFile(fix)
	text := string(raw)
	for _, want := range []string{`'=cmd|' /C calc'!A0`, `'-5 fleet`, `'@home`, `''=already quoted`, `'+1`, "groupimport_error", "rejected "} {
		if !strings.Contains(text, want) {
			t.Errorf("failed-out lacks %q:\n%s", want, text)
		}
	}
	for _, line := range strings.Split(text, "\r\n") {
		for _, cell := range strings.Split(line, ",") {
			if cell = strings.TrimPrefix(strings.Trim(cell, `"`), "\ufeff"); cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("live formula cell %q in %q", cell, line)
			}
		}
	}

	second := sandbox.NewServer(sandbox.Config{})
	defer second.Close()
	c2 := cli{env: sandboxEnv()}
	if code := c2.run(t, "import", "--host", second.URL, "--rate", "unlimited", "--out", filepath.Join(dir, "again.csv"), fix); code != exitOK {
		t.Fatalf("re-import: exit %d\n%s", code, c2.stderr.String())
	}
	if strings.Contains(c2.stderr.String(), "groupimport_error") || strings.Contains(c2.stderr.String(), "warning") {
		t.Errorf("the reason column draws a warning:\n%s", c2.stderr.String())
	}
	for _, r := range rows[:3] {
		g, ok := second.Group(r[0])
		if !ok {
			t.Errorf("%q not sent with its own externalId", r[0])
			continue
		}
		if g.GroupName != r[1] {
			t.Errorf("%q: groupName %q sent, want %q", r[0], g.GroupName, r[1])
		}
		if r[3] != "" && g.ExtendedFields["tier"] != r[3] {
			t.Errorf("%q: ext.tier %q sent, want %q", r[0], g.ExtendedFields["tier"], r[3])
		}
	}
	if n := len(second.Groups()); n != 3 {
		t.Errorf("%d groups created from the fix file, want 3", n)
	}
}

// TestPaceCutIsExplained: when the server's 429s make the pacer slow down,
// one line says so and why, and the status lines carry the retries, the
// 429s and the pace. The quota alone may or may not answer 429 at the pace
// a loaded machine reaches, so a share of 429s is forced too; its seed
// fixes which of the first requests get one.
func TestPaceCutIsExplained(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{RatePerMinute: 1200, RateBurst: 5,
		Faults: sandbox.Faults{Throttle: 0.05, ThrottleRetryAfter: 100 * time.Millisecond, Seed: 23}})
	defer srv.Close()
	in := writeFile(t, "in.csv", groupsCSV(40))
	c := cli{env: sandboxEnv()}
	code := c.run(t, "import", "--host", srv.URL, "--rate", "100/s", "--workers", "4", in)
	stderr := c.stderr.String()
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if srv.Stats().Throttled == 0 {
		t.Fatalf("the server never answered 429\n%s", stderr)
	}
	cuts := regexp.MustCompile(`(?m)server answered 429 \(every request held \S+\): pace cut from 100/s to \S+/(s|min)$`).FindAllString(stderr, -1)
	if len(cuts) == 0 {
		t.Errorf("no line explains the slower pace:\n%s", stderr)
	}
	last := regexp.MustCompile(`(?m)^.* progress: .*$`).FindAllString(stderr, -1)
	if len(last) == 0 || !regexp.MustCompile(` retries=[1-9]\d* throttled=[1-9]\d* pace=\S+ `).MatchString(last[len(last)-1]) {
		t.Errorf("the final status line does not show retries, 429s and pace:\n%s", stderr)
	}
	if !regexp.MustCompile(`requests\s+\d+ at \S+ \(\d+ retr(y|ies), [1-9]\d* answered 429\)`).MatchString(stderr) {
		t.Errorf("the summary does not count retries and 429s:\n%s", stderr)
	}
}

// TestWithOutReplacesTheResultsFlag: the command that resumes from a
// rescued record names it with --out, in place of the --out given in any
// of its spellings, and leaves the rest alone.
func TestWithOutReplacesTheResultsFlag(t *testing.T) {
	for _, args := range [][]string{
		{"--out", "r.csv", "--rate", "5/s", "in.csv"},
		{"-out=r.csv", "--rate", "5/s", "in.csv"},
		{"--rate", "5/s", "--out", "r.csv", "in.csv"},
		{"--rate", "5/s", "in.csv"},
	} {
		got := strings.Join(withOut(args, "/tmp/r.rescued.csv"), " ")
		if got != "--out /tmp/r.rescued.csv --rate 5/s in.csv" {
			t.Errorf("%q: %s", args, got)
		}
	}
	if got := strings.Join(withOut([]string{"--out", "r.csv", "--", "--out"}, "x"), " "); got != "--out x -- --out" {
		t.Errorf("after --: %s", got)
	}
}
