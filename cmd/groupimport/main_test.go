package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
	"github.com/capillary-tools/groupimport/report"
)

// cli runs one command in-process and returns its exit code and output.
type cli struct {
	env    map[string]string
	stdin  string
	stdout bytes.Buffer
	stderr bytes.Buffer
	// proxy, when set, is the proxy every request goes through.
	proxy func(*http.Request) (*url.URL, error)
	// program is os.Args[0] as the user typed it; empty means groupimport.
	program string
}

func (c *cli) run(t *testing.T, args ...string) int {
	t.Helper()
	c.stdout.Reset()
	c.stderr.Reset()
	env := &Env{
		Stdin:   strings.NewReader(c.stdin),
		Stdout:  &c.stdout,
		Stderr:  &c.stderr,
		Getenv:  func(k string) string { return c.env[k] },
		Proxy:   c.proxy,
		Program: c.program,
	}
	return Main(context.Background(), args, env)
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func readResults(t *testing.T, path string) []importer.Result {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []importer.Result
	if err := report.ReadResults(f, func(r importer.Result) error { out = append(out, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSampleAgainstBuiltInSandbox(t *testing.T) {
	out := filepath.Join(t.TempDir(), "results.csv")
	sum := filepath.Join(t.TempDir(), "summary.json")
	var c cli
	code := c.run(t, "import", "--sandbox", "--rate", "unlimited", "--out", out, "--summary-json", sum, "../../samples/fleets.csv")
	if code != exitRowsFailed {
		t.Fatalf("exit %d, want 1 (the sample has invalid rows)\n%s", code, c.stderr.String())
	}
	res := readResults(t, out)
	if len(res) != 38 {
		t.Fatalf("%d result lines, want 38", len(res))
	}
	counts := map[importer.Status]int{}
	for _, r := range res {
		counts[r.Status]++
	}
	want := map[importer.Status]int{importer.Created: 29, importer.CreatedWithWarnings: 2, importer.Conflict: 1, importer.Invalid: 5, importer.Duplicate: 1}
	for s, n := range want {
		if counts[s] != n {
			t.Errorf("%s: %d, want %d (all: %v)", s, counts[s], n, counts)
		}
	}
	var js struct {
		Rows   int            `json:"rows"`
		Counts map[string]int `json:"counts"`
		OK     bool           `json:"ok"`
	}
	raw, err := os.ReadFile(sum)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &js); err != nil || js.Rows != 38 || js.Counts["created"] != 29 || js.OK {
		t.Errorf("summary JSON %s (%v)", raw, err)
	}
}

func TestValidateSendsNothingAndExitsByOutcome(t *testing.T) {
	var c cli
	clean := writeFile(t, "clean.csv", "externalId,maxGroupSize\na,1\nb,2\n")
	if code := c.run(t, "validate", clean); code != exitOK {
		t.Fatalf("clean file: exit %d\n%s", code, c.stderr.String())
	}
	res := readResults(t, strings.TrimSuffix(clean, ".csv")+".validation.csv")
	if len(res) != 2 || res[0].Status != importer.Valid {
		t.Fatalf("results %+v", res)
	}
	bad := writeFile(t, "bad.csv", "externalId,maxGroupSize\na,1\nb,x\n")
	if code := c.run(t, "import", "--dry-run", "--out", bad+".out", bad); code != exitRowsFailed {
		t.Fatalf("bad file: exit %d\n%s", code, c.stderr.String())
	}
}

func TestUsageErrorsExit2BeforeAnyRequest(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{})
	defer srv.Close()
	good := writeFile(t, "good.csv", "externalId,maxGroupSize\na,1\n")
	env := map[string]string{"CAP_TILL": sandbox.DefaultTill, "CAP_PASSWORD": sandbox.DefaultTillPassword}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"no command", env, nil, "Usage"},
		{"unknown flag", env, []string{"import", "--bogus", good}, "bogus"},
		{"no file", env, []string{"import", "--host", srv.URL}, "one input FILE"},
		{"missing file", env, []string{"import", "--host", srv.URL, "/nonexistent.csv"}, "cannot open it"},
		{"empty file", env, []string{"import", "--host", srv.URL, writeFile(t, "empty.csv", "")}, "is empty"},
		{"damaged zip", env, []string{"import", "--host", srv.URL, writeFile(t, "x.csv", "PK\x03\x04\x00\x00binary")}, "damaged zip"},
		{"binary file", env, []string{"import", "--host", srv.URL, writeFile(t, "x.bin", "\x00\x01\x02\x03\xff\xfe\x00\x00\x10")}, "does not look like a CSV text file"},
		{"missing column", env, []string{"import", "--host", srv.URL, writeFile(t, "cols.csv", "id,name,size\na,b,1\n")}, `no header row found in the first 20 non-empty rows: the header names the externalId and maxGroupSize columns; the first row with cells (row 1) reads "id", "name", "size"`},
		{"no host", env, []string{"import", good}, "no API host"},
		{"bad cluster", env, []string{"import", "--cluster", "mars", good}, "not one of"},
		{"plain http to a remote host", env, []string{"import", "--host", "http://eu.api.capillarytech.com", good}, "plain http"},
		{"credentials in the URL", env, []string{"import", "--host", "https://u:hunter2@example.com", good}, "must not carry credentials"},
		{"no credentials", nil, []string{"import", "--host", srv.URL, good}, "no credentials"},
		{"bad rate", env, []string{"import", "--host", srv.URL, "--rate", "fast", good}, "--rate"},
		{"stdin without --out", env, []string{"import", "--host", srv.URL, "-"}, "--out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cli{env: tt.env}
			if code := c.run(t, tt.args...); code != exitUsage {
				t.Fatalf("exit %d, want 2\n%s", code, c.stderr.String())
			}
			if !strings.Contains(c.stderr.String(), tt.want) {
				t.Errorf("stderr %q does not say %q", c.stderr.String(), tt.want)
			}
			if strings.Contains(c.stderr.String(), "hunter2") {
				t.Errorf("stderr leaks a password: %s", c.stderr.String())
			}
		})
	}
	if n := srv.Stats().Requests; n != 0 {
		t.Errorf("%d requests sent by runs that should not start", n)
	}
}

func TestRejectedCredentialsExit3(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{})
	defer srv.Close()
	in := writeFile(t, "in.csv", "externalId,maxGroupSize\na,1\nb,2\nc,3\n")
	c := cli{env: map[string]string{"CAP_TILL": sandbox.DefaultTill, "CAP_PASSWORD": "wrong-password-123"}}
	if code := c.run(t, "import", "--host", srv.URL, "--rate", "unlimited", in); code != exitAborted {
		t.Fatalf("exit %d, want 3\n%s", code, c.stderr.String())
	}
	if !strings.Contains(c.stderr.String(), "check CAP_TILL") {
		t.Errorf("stderr does not say what to check: %s", c.stderr.String())
	}
	res := readResults(t, strings.TrimSuffix(in, ".csv")+".results.csv")
	if len(res) != 3 {
		t.Fatalf("%d lines", len(res))
	}
	for _, r := range res {
		if r.Status != importer.Skipped {
			t.Errorf("row %d: %s", r.Row, r.Status)
		}
	}
}

// TestSecretsNeverLeak runs with both kinds of credentials, against a
// server that answers well, fails, drops connections and refuses, and greps
// every output stream and file for the secrets and for what travels in
// their place: the MD5 of the password, the Basic header's base64 value and
// the OAuth access token.
func TestSecretsNeverLeak(t *testing.T) {
	const password, clientSecret = "pa55-Word-that-leaks", "s3cret-that-leaks"
	srv := sandbox.New(sandbox.Config{
		Tills:        map[string]string{"till.one": password},
		OAuthClients: map[string]string{"key.one": clientSecret},
	})
	// Everything sent in a header that stands for a secret, as the
	// server saw it.
	var mu sync.Mutex
	sent := map[string]bool{}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if a := r.Header.Get("Authorization"); a != "" {
			sent[strings.TrimPrefix(a, "Basic ")] = true
		}
		if tok := r.Header.Get(sandbox.OAuthHeader); tok != "" {
			sent[tok] = true
		}
		mu.Unlock()
		srv.ServeHTTP(w, r)
	}))
	defer front.Close()
	sum := md5.Sum([]byte(password)) // what Basic auth sends is a credential too
	md5hex := hex.EncodeToString(sum[:])
	faults := []sandbox.Faults{{}, {Error5xx: 0.5, Drop: 0.4, Seed: 9}}
	for _, env := range []map[string]string{
		{"CAP_TILL": "till.one", "CAP_PASSWORD": password},
		{"CAP_CLIENT_KEY": "key.one", "CAP_CLIENT_SECRET": clientSecret},
		{"CAP_TILL": "till.one", "CAP_PASSWORD": "wrong-" + password},
		{"CAP_CLIENT_KEY": "key.one", "CAP_CLIENT_SECRET": "wrong-" + clientSecret},
	} {
		for _, f := range faults {
			srv.SetFaults(f)
			dir := t.TempDir()
			in := filepath.Join(dir, "in.csv")
			os.WriteFile(in, []byte("externalId,maxGroupSize\na,1\nb,0\nc,3\nd,4\ne,5\nf,6\n"), 0o644)
			c := cli{env: env}
			code := c.run(t, "import", "--host", front.URL, "--rate", "unlimited", "--max-attempts", "2", "--timeout", "2s",
				"--summary-json", filepath.Join(dir, "s.json"), "--failed-out", filepath.Join(dir, "fix.csv"), "--log-format", "json", "--overwrite", in)
			wrong := strings.HasPrefix(env["CAP_PASSWORD"]+env["CAP_CLIENT_SECRET"], "wrong-")
			switch {
			case wrong && code != exitAborted:
				t.Errorf("%v: exit %d with rejected credentials, want 3\n%s", keys(env), code, c.stderr.String())
			case !wrong && code != exitRowsFailed:
				t.Errorf("%v: exit %d, want 1 (row b is invalid)\n%s", keys(env), code, c.stderr.String())
			}
			everything := c.stdout.String() + c.stderr.String()
			files, _ := filepath.Glob(filepath.Join(dir, "*"))
			for _, f := range files {
				b, _ := os.ReadFile(f)
				everything += string(b)
			}
			mu.Lock()
			secrets := []string{password, clientSecret, md5hex}
			for s := range sent {
				secrets = append(secrets, s)
			}
			mu.Unlock()
			for _, secret := range secrets {
				if secret != "" && strings.Contains(everything, secret) {
					t.Errorf("a run with %v wrote the secret %q", keys(env), secret)
				}
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(sent) < 3 {
		t.Errorf("the server saw %d credentials in headers; the test did not exercise both kinds", len(sent))
	}
}

func keys(m map[string]string) []string {
	var k []string
	for key := range m {
		k = append(k, key)
	}
	return k
}

func TestOAuthImport(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{})
	defer srv.Close()
	in := writeFile(t, "in.csv", "externalId,maxGroupSize\na,1\nb,2\n")
	c := cli{env: map[string]string{"CAP_CLIENT_KEY": sandbox.DefaultOAuthKey, "CAP_CLIENT_SECRET_FILE": writeFile(t, "secret", sandbox.DefaultOAuthSecret+"\n")}}
	if code := c.run(t, "import", "--host", srv.URL, in); code != exitOK {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	if srv.Creations("a") != 1 || srv.Creations("b") != 1 {
		t.Errorf("groups not created")
	}
}

func TestRefusesToOverwriteResults(t *testing.T) {
	in := writeFile(t, "in.csv", "externalId,maxGroupSize\na,1\n")
	c := cli{env: sandboxEnv()}
	if code := c.run(t, "import", "--sandbox", in); code != exitOK {
		t.Fatal(c.stderr.String())
	}
	if code := c.run(t, "import", "--sandbox", in); code != exitUsage || !strings.Contains(c.stderr.String(), "--overwrite") {
		t.Fatalf("exit %d: %s", code, c.stderr.String())
	}
	if code := c.run(t, "import", "--sandbox", "--overwrite", in); code != exitOK {
		t.Fatal(c.stderr.String())
	}
}

func TestParseRate(t *testing.T) {
	for in, want := range map[string]float64{"100/min": 100.0 / 60, "5/s": 5, "6000/h": 6000.0 / 3600, "2.5/sec": 2.5} {
		got, _, err := parseRate(in)
		if err != nil || float64(got) < want*0.999 || float64(got) > want*1.001 {
			t.Errorf("parseRate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "fast", "-1/s", "10/day", "NaN/s", "100", "0", "0/min"} {
		if _, _, err := parseRate(bad); err == nil {
			t.Errorf("parseRate(%q) accepted", bad)
		}
	}
}
