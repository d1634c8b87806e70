package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// faultyHost is a host that no import can work against, and what the
// command must say about it.
type faultyHost struct {
	name string
	url  string
	want string // in stderr
	hits *atomic.Int64
}

func faultyHosts(t *testing.T) []faultyHost {
	t.Helper()
	var hits [4]atomic.Int64

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()

	selfSigned := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits[0].Add(1)
		fmt.Fprint(w, `{"entity":1,"warnings":[]}`)
	}))
	t.Cleanup(selfSigned.Close)

	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits[1].Add(1)
		fmt.Fprint(w, `{"entity":1,"warnings":[]}`)
	}))
	t.Cleanup(elsewhere.Close)
	redirecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits[2].Add(1)
		http.Redirect(w, r, elsewhere.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirecting.Close)

	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits[3].Add(1)
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<!doctype html><html><body>Welcome to our website</body></html>")
	}))
	t.Cleanup(html.Close)

	return []faultyHost{
		{"closed port", closed, "nothing accepts connections", nil},
		{"self-signed TLS", selfSigned.URL, "SSL_CERT_FILE", &hits[0]},
		{"redirect", redirecting.URL, "does not follow redirects", &hits[1]},
		{"HTML page", html.URL, "does not answer as the Capillary API", &hits[3]},
	}
}

func hostFaultInput(t *testing.T, rows int) string {
	var b strings.Builder
	b.WriteString("externalId,groupName,maxGroupSize\n")
	for i := range rows {
		fmt.Fprintf(&b, "HF-%03d,Fleet %d,10\n", i, i)
	}
	return writeFile(t, "in.csv", b.String())
}

// TestImportStopsAtOnceOnAHostFault: a host that is not the API, or not
// reachable, stops the run at the first answer with exit 3 and one message
// saying what to do, instead of grinding every row through its attempts.
func TestImportStopsAtOnceOnAHostFault(t *testing.T) {
	for _, h := range faultyHosts(t) {
		t.Run(h.name, func(t *testing.T) {
			in := hostFaultInput(t, 200)
			out := filepath.Join(t.TempDir(), "results.csv")
			c := cli{env: map[string]string{"CAP_TILL": "t", "CAP_PASSWORD": "p"}}
			start := time.Now()
			code := c.run(t, "import", "--host", h.url, "--rate", "unlimited", "--workers", "4", "--no-progress", "--out", out, in)
			if code != exitAborted {
				t.Fatalf("exit %d, want 3\n%s", code, c.stderr.String())
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %s to stop", d)
			}
			if !strings.Contains(c.stderr.String(), h.want) {
				t.Errorf("stderr does not say %q:\n%s", h.want, c.stderr.String())
			}
			if h.name == "redirect" && h.hits.Load() != 0 {
				t.Errorf("%d requests reached the host the redirect named", h.hits.Load())
			} else if h.hits != nil && h.hits.Load() > 8 {
				t.Errorf("%d requests reached the host; the run should stop at the first answers", h.hits.Load())
			}
			res := readResults(t, out)
			if len(res) != 200 {
				t.Fatalf("%d lines for 200 rows", len(res))
			}
			for _, r := range res {
				if r.Status.OK() || r.Status == importer.Rejected {
					t.Fatalf("row %d recorded %s: %s", r.Row, r.Status, r.Message)
				}
			}
		})
	}
}

func TestImportStopsOnRejectedCredentials(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{})
	defer srv.Close()
	in := hostFaultInput(t, 200)
	c := cli{env: map[string]string{"CAP_TILL": sandbox.DefaultTill, "CAP_PASSWORD": "wrong"}}
	code := c.run(t, "import", "--host", srv.URL, "--rate", "unlimited", "--no-progress", "--out", filepath.Join(t.TempDir(), "r.csv"), in)
	if code != exitAborted || !strings.Contains(c.stderr.String(), "rejected the credentials") {
		t.Fatalf("exit %d\n%s", code, c.stderr.String())
	}
	if n := srv.Stats().Requests; n > 8 {
		t.Errorf("%d requests after the credentials were refused", n)
	}
}

// TestCheckNamesTheProblem: check is all green (no line warns or fails) against the sandbox, and
// against each faulty host names the problem and exits 3.
func TestCheckNamesTheProblem(t *testing.T) {
	for _, api := range []string{sandbox.APICurrent, sandbox.APILegacy} {
		srv := sandbox.NewServer(sandbox.Config{API: api})
		c := cli{env: map[string]string{"CAP_TILL": sandbox.DefaultTill, "CAP_PASSWORD": sandbox.DefaultTillPassword}}
		code := c.run(t, "check", "--host", srv.URL)
		srv.Close()
		if code != exitOK || strings.Contains(c.stdout.String(), "FAIL") || strings.Contains(c.stdout.String(), "warn") {
			t.Fatalf("%s: exit %d\n%s%s", api, code, c.stdout.String(), c.stderr.String())
		}
		if !strings.Contains(c.stdout.String(), api+" (GET") {
			t.Errorf("%s: the contract is not named:\n%s", api, c.stdout.String())
		}
	}

	srv := sandbox.NewServer(sandbox.Config{})
	defer srv.Close()
	hosts := append(faultyHosts(t), faultyHost{name: "wrong password", url: srv.URL, want: "refused them"})
	for _, h := range hosts {
		t.Run(h.name, func(t *testing.T) {
			c := cli{env: map[string]string{"CAP_TILL": sandbox.DefaultTill, "CAP_PASSWORD": "wrong"}}
			code := c.run(t, "check", "--host", h.url, "--timeout", "5s")
			if code != exitAborted {
				t.Fatalf("exit %d, want 3\n%s%s", code, c.stdout.String(), c.stderr.String())
			}
			if !strings.Contains(c.stdout.String(), "FAIL") || !strings.Contains(c.stdout.String(), "fix:") {
				t.Errorf("no failed line with a fix:\n%s", c.stdout.String())
			}
		})
	}
}
