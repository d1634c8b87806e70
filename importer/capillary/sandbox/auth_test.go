package sandbox

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The docs' test vector: till store.server, password server123.
const docsVector = "Basic c3RvcmUuc2VydmVyOjhhMTZhNmI3MDUwNWViMWYxZmY3Y2RjMGNkNTU1OWE3"

func TestBasicAuth(t *testing.T) {
	if got := basic("store.server", "server123"); got != docsVector {
		t.Fatalf("test helper builds %q, docs say %q", got, docsVector)
	}
	upper := "Basic " + base64.StdEncoding.EncodeToString([]byte("store.server:8A16A6B70505EB1F1FF7CDC0CD5559A7"))
	plain := "Basic " + base64.StdEncoding.EncodeToString([]byte("store.server:server123"))
	tests := []struct {
		name   string
		auth   string
		status int
	}{
		{"docs test vector", docsVector, 200},
		{"scheme in lower case", "basic " + strings.TrimPrefix(docsVector, "Basic "), 200},
		{"wrong password", basic("store.server", "server124"), 401},
		{"unknown till", basic("other.till", "server123"), 401},
		{"upper-case digest", upper, 401},
		{"plaintext password", plain, 401},
		{"no header", "-", 401},
		{"bearer", "Bearer abc", 401},
		{"not base64", "Basic !!!", 401},
		{"no colon", "Basic " + base64.StdEncoding.EncodeToString([]byte("store.server")), 401},
	}
	s := start(t, Config{Tills: map[string]string{"store.server": "server123"}})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call{method: http.MethodGet, path: GroupPath + "?id=x", auth: tt.auth}.do(t, s)
			if tt.status == 200 {
				// Authenticated: the lookup itself runs and finds nothing.
				r.wantError(t, 400, 1632, "")
				return
			}
			r.wantError(t, 401, 401, "")
		})
	}
	if got := s.Stats().AuthFailures; got != len(tests)-2 {
		t.Errorf("Stats().AuthFailures = %d, want %d", got, len(tests)-2)
	}
}

// generate asks the sandbox for an OAuth token and returns the response.
func generate(t *testing.T, s *Server, body string) response {
	t.Helper()
	return call{path: TokenPath, body: body, auth: "-"}.do(t, s)
}

func TestOAuth(t *testing.T) {
	clk := newClock()
	s := start(t, Config{Now: clk.Now, TokenTTL: 10 * time.Second})

	r := generate(t, s, `{"key":"demo-key","secret":"demo-secret"}`)
	if r.status != 200 || r.body.token() == nil || r.body.token().TTLSeconds != 10 || !strings.HasSuffix(r.raw, `"errors":null}`) {
		t.Fatalf("token: HTTP %d %s", r.status, r.raw)
	}
	tok := r.body.token().AccessToken
	if strings.Count(tok, ".") != 2 {
		t.Errorf("token %q is not shaped like a JWT", tok)
	}
	lookup := call{method: http.MethodGet, path: GroupPath + "?id=x", token: tok}
	lookup.do(t, s).wantError(t, 400, 1632, "")

	// A bad OAuth token is not rescued by a good Basic header.
	call{method: http.MethodGet, path: GroupPath + "?id=x", token: "nope", auth: demoAuth}.do(t, s).wantError(t, 401, 401, "")

	clk.Advance(9 * time.Second)
	lookup.do(t, s).wantError(t, 400, 1632, "")
	clk.Advance(time.Second)
	lookup.do(t, s).wantError(t, 401, 401, "OAuth token expired.")
	lookup.do(t, s).wantError(t, 401, 401, "Invalid OAuth token.")

	tok = generate(t, s, `{"key":"demo-key","secret":"demo-secret"}`).body.token().AccessToken
	lookup.token = tok
	lookup.do(t, s).wantError(t, 400, 1632, "")
	s.RevokeTokens()
	lookup.do(t, s).wantError(t, 401, 401, "")

	if st := s.Stats(); st.TokensIssued != 2 {
		t.Errorf("Stats().TokensIssued = %d, want 2", st.TokensIssued)
	}
}

func TestTokenRefused(t *testing.T) {
	s := start(t, Config{OAuthClients: map[string]string{"k": "s"}})
	tests := []struct {
		name, body string
		status     int
	}{
		{"wrong secret", `{"key":"k","secret":"x"}`, 401},
		{"unknown key", `{"key":"demo-key","secret":"demo-secret"}`, 401},
		{"no secret", `{"key":"k"}`, 400},
		{"not JSON", `k:s`, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := generate(t, s, tt.body)
			if r.status != tt.status || r.code() != tt.status || r.body.token() != nil || !strings.HasPrefix(r.raw, `{"data":null,"errors":[`) {
				t.Errorf("got HTTP %d %s, want %d with an errors array", r.status, r.raw, tt.status)
			}
		})
	}
	r := call{method: http.MethodGet, path: TokenPath, auth: "-"}.do(t, s)
	r.wantError(t, 405, 405, "")
}

func TestCredentialsChangeMidRun(t *testing.T) {
	s := start(t, Config{})
	tok := generate(t, s, `{"key":"demo-key","secret":"demo-secret"}`).body.token().AccessToken
	lookup := call{method: http.MethodGet, path: GroupPath + "?id=x"}
	lookup.do(t, s).wantError(t, 400, 1632, "")

	s.SetTills(map[string]string{DefaultTill: "rotated"})
	lookup.do(t, s).wantError(t, 401, 401, "")
	lookup.auth = basic(DefaultTill, "rotated")
	lookup.do(t, s).wantError(t, 400, 1632, "")

	s.SetOAuthClients(map[string]string{"demo-key": "rotated"})
	if r := generate(t, s, `{"key":"demo-key","secret":"demo-secret"}`); r.status != 401 {
		t.Errorf("old secret after rotation: HTTP %d", r.status)
	}
	// Issued tokens outlive a secret rotation until revoked.
	call{method: http.MethodGet, path: GroupPath + "?id=x", token: tok}.do(t, s).wantError(t, 400, 1632, "")
}
