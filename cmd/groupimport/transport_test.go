package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// blippingTokens serves a sandbox behind a token endpoint that blips: once
// five groups are made, every token is revoked (as when tokens expire
// mid-run) and the next three token calls fail, one each way: a 503 and a
// 429 with the API's JSON error body, and one that never answers.
func blippingTokens(t *testing.T) (*httptest.Server, *sandbox.Server, *atomic.Int64) {
	sb := sandbox.New(sandbox.Config{})
	var posts, blips atomic.Int64
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == sandbox.TokenPath {
			switch blips.Add(-1) {
			case 2:
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusServiceUnavailable)
				fmt.Fprint(w, `{"data":null,"errors":[{"code":503,"message":"Service temporarily unavailable"}]}`)
				return
			case 1:
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
				fmt.Fprint(w, `{"data":null,"errors":[{"code":429,"message":"Too many requests"}]}`)
				return
			case 0:
				// Until the client gives up on it: the body is read first,
				// so that the server notices the connection closing.
				io.Copy(io.Discard, r.Body)
				select {
				case <-r.Context().Done():
				case <-done:
				}
				return
			}
			blips.Store(-1 << 30)
		}
		sb.ServeHTTP(w, r)
		if r.Method == http.MethodPost && r.URL.Path == sandbox.GroupPath && posts.Add(1) == 5 {
			blips.Store(3)
			sb.RevokeTokens()
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(sb.Close)
	t.Cleanup(func() { close(done) }) // runs first
	blips.Store(-1 << 30)
	return srv, sb, &blips
}

// TestTokenBlipIsRetried: a token endpoint that answers 503, 429 or
// nothing for a while is not a refused key: the rows that needed a token
// wait and retry, and the run ends with every row created, exit 0.
func TestTokenBlipIsRetried(t *testing.T) {
	srv, sb, blips := blippingTokens(t)
	const rows = 20
	in := hostFaultInput(t, rows)
	out := filepath.Join(t.TempDir(), "results.csv")
	c := cli{env: map[string]string{"CAP_CLIENT_KEY": sandbox.DefaultOAuthKey, "CAP_CLIENT_SECRET": sandbox.DefaultOAuthSecret}}
	code := c.run(t, "import", "--host", srv.URL, "--rate", "unlimited", "--workers", "4", "--timeout", "1s", "--no-progress", "--out", out, in)
	if code != exitOK {
		t.Fatalf("exit %d, want 0\n%s", code, c.stderr.String())
	}
	if n := blips.Load(); n > 0 {
		t.Fatalf("%d token blips never happened: the test did not test", n)
	}
	for _, r := range readResults(t, out) {
		if r.Status != importer.Created || sb.Creations(r.ExternalID) != 1 {
			t.Errorf("row %d: %s %q; %d creations", r.Row, r.Status, r.Message, sb.Creations(r.ExternalID))
		}
	}
	if n := len(sb.Groups()); n != rows {
		t.Errorf("%d groups on the server, want %d", n, rows)
	}
}

// TestMalformedHostRefusedWhenFlagsAreRead: a --host that cannot be an API
// base URL is refused as the flags are read (the input is never opened),
// exit 2, naming what is wrong; CAP_HOST is held to the same rules.
func TestMalformedHostRefusedWhenFlagsAreRead(t *testing.T) {
	env := map[string]string{"CAP_TILL": sandbox.DefaultTill, "CAP_PASSWORD": "hunter2"}
	missing := filepath.Join(t.TempDir(), "not-there.csv")
	tests := []struct{ host, want string }{
		{"http://127.0.0.1:99999", "port 99999 is out of range"},
		{"https://eu.api.capillarytech.com:0", "port 0 is out of range"},
		{"https://eu.api.capillarytech.com:https", "port"},
		{"eu.api.capillarytech.com", "no scheme"},
		{"127.0.0.1:8080", "no scheme"},
		{"localhost:8080", "no scheme"},
		{"ftp://eu.api.capillarytech.com", `scheme "ftp"`},
		{"https://eu.api.capillarytech.com/v2/userGroup2", "a path"},
		{"https://eu.api.capillarytech.com/?x=1", "a query"},
		{"https://eu.api.capillarytech.com#top", "a fragment"},
		{"https://u:hunter2@eu.api.capillarytech.com", "must not carry credentials"},
		{"https://", "no host"},
		{"https://eu.api.capillarytech.com:", "no port after the colon"},
	}
	for _, tt := range tests {
		for _, cmd := range []string{"import", "diff", "check"} {
			t.Run(cmd+" "+tt.host, func(t *testing.T) {
				args := []string{cmd, "--host", tt.host}
				if cmd != "check" {
					args = append(args, missing)
				}
				c := cli{env: env}
				if code := c.run(t, args...); code != exitUsage {
					t.Fatalf("exit %d, want 2\n%s", code, c.stderr.String())
				}
				msg := c.stderr.String()
				if !strings.Contains(msg, "--host") || !strings.Contains(msg, tt.want) || strings.Contains(msg, "cannot open") {
					t.Errorf("stderr does not say %q about --host before the input is read:\n%s", tt.want, msg)
				}
				if strings.Contains(msg, "hunter2") {
					t.Errorf("stderr leaks a password: %s", msg)
				}
			})
		}
	}
	t.Run("CAP_HOST", func(t *testing.T) {
		c := cli{env: map[string]string{"CAP_TILL": "t", "CAP_PASSWORD": "p", "CAP_HOST": "http://127.0.0.1:99999"}}
		if code := c.run(t, "import", missing); code != exitUsage || !strings.Contains(c.stderr.String(), "port 99999 is out of range") {
			t.Fatalf("exit %d\n%s", code, c.stderr.String())
		}
	})
}

// TestHostFormsTheREADMEDocuments: the forms of --host the README shows
// are accepted, as written or with a trailing slash or an explicit port.
func TestHostFormsTheREADMEDocuments(t *testing.T) {
	for host, want := range map[string]string{
		"https://eu.api.capillarytech.com":      "https://eu.api.capillarytech.com",
		"https://eu.api.capillarytech.com/":     "https://eu.api.capillarytech.com",
		"HTTPS://eu.api.capillarytech.com:443/": "https://eu.api.capillarytech.com:443",
		" https://api.capillarytech.cn ":        "https://api.capillarytech.cn",
		"http://127.0.0.1:8080":                 "http://127.0.0.1:8080",
		"http://localhost:65535/":               "http://localhost:65535",
		"http://[::1]:8080":                     "http://[::1]:8080",
	} {
		got, err := parseHost(host)
		if err != nil || got != want {
			t.Errorf("parseHost(%q) = %q, %v; want %q", host, got, err, want)
		}
	}
}

// authProxy is a proxy that wants credentials the request does not carry.
func authProxy(t *testing.T) (*url.URL, *atomic.Int64) {
	var hits atomic.Int64
	p := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Proxy-Authenticate", `Basic realm="corp"`)
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusProxyAuthRequired)
		fmt.Fprint(w, "<html><body>Proxy login required</body></html>")
	}))
	t.Cleanup(p.Close)
	u, _ := url.Parse(p.URL)
	u.User = url.UserPassword("corp", "s3cret-proxy-pass")
	return u, &hits
}

// TestProxyAuthStopsTheRun: a proxy answering 407 stops an import (and
// fails check) at once, exit 3, saying where proxy credentials go, and
// never prints them; it is not retried row by row.
func TestProxyAuthStopsTheRun(t *testing.T) {
	for _, host := range []string{"https://groups.api.invalid", "http://groups.api.invalid"} {
		t.Run(host, func(t *testing.T) {
			proxy, hits := authProxy(t)
			in := hostFaultInput(t, 40)
			out := filepath.Join(t.TempDir(), "results.csv")
			c := cli{env: map[string]string{"CAP_TILL": "t", "CAP_PASSWORD": "p"}, proxy: http.ProxyURL(proxy)}
			code := c.run(t, "import", "--host", host, "--insecure-http", "--rate", "unlimited", "--workers", "4",
				"--max-attempts", "2", "--no-progress", "--out", out, in)
			msg := c.stderr.String()
			if code != exitAborted || !strings.Contains(msg, "407") || !strings.Contains(msg, "HTTPS_PROXY") || !strings.Contains(msg, "http://user:pass@proxy:port") {
				t.Fatalf("exit %d, want 3 with the fix\n%s", code, msg)
			}
			if n := hits.Load(); n > 8 {
				t.Errorf("%d requests reached the proxy; the run should stop at the first answers", n)
			}
			for _, r := range readResults(t, out) {
				if r.Status != importer.Skipped {
					t.Errorf("row %d: %s %q", r.Row, r.Status, r.Message)
				}
			}

			code = c.run(t, "check", "--host", host, "--insecure-http", "--timeout", "5s")
			if code != exitAborted || !strings.Contains(c.stdout.String(), "HTTPS_PROXY") {
				t.Errorf("check: exit %d\n%s%s", code, c.stdout.String(), c.stderr.String())
			}
			msg += c.stdout.String() + c.stderr.String()
			if strings.Contains(msg, "s3cret-proxy-pass") {
				t.Errorf("the proxy's password is printed:\n%s", msg)
			}
		})
	}
}

// TestCheckGoesThroughTheProxy: behind a proxy, check reaches the API the
// way import does, through the proxy; it does not resolve or dial the host
// itself (here a name that resolves nowhere but at the proxy).
func TestCheckGoesThroughTheProxy(t *testing.T) {
	sb := sandbox.NewServer(sandbox.Config{})
	defer sb.Close()
	target, _ := url.Parse(sb.URL)
	var hits atomic.Int64
	forward := httputil.NewSingleHostReverseProxy(target)
	p := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		forward.ServeHTTP(w, r)
	}))
	defer p.Close()
	proxy, _ := url.Parse(p.URL)

	const host = "http://groups.api.invalid"
	c := cli{env: sandboxEnv(), proxy: http.ProxyURL(proxy)}
	if code := c.run(t, "check", "--host", host, "--insecure-http", "--timeout", "5s"); code != exitOK || strings.Contains(c.stdout.String(), "FAIL") {
		t.Fatalf("check: exit %d\n%s%s", code, c.stdout.String(), c.stderr.String())
	}
	if !strings.Contains(c.stdout.String(), "proxy") {
		t.Errorf("check does not say it went through the proxy:\n%s", c.stdout.String())
	}
	seen := hits.Load()
	if seen == 0 {
		t.Fatal("no request of check went through the proxy")
	}
	in := writeFile(t, "in.csv", "externalId,maxGroupSize\np1,1\np2,2\n")
	if code := c.run(t, "import", "--host", host, "--insecure-http", "--no-progress", in); code != exitOK {
		t.Fatalf("import: exit %d\n%s", code, c.stderr.String())
	}
	if hits.Load() == seen || sb.Creations("p1") != 1 || sb.Creations("p2") != 1 {
		t.Errorf("import did not go through the proxy: %d requests before, %d after", seen, hits.Load())
	}
}
