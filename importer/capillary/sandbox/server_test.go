package sandbox

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRouting(t *testing.T) {
	s := start(t, Config{})
	tests := []struct {
		name, method, path string
		status             int
		allow              string
	}{
		{"unknown path", http.MethodGet, "/v2/customers", 404, ""},
		{"root", http.MethodGet, "/", 404, ""},
		{"trailing slash", http.MethodPost, GroupPath + "/", 404, ""},
		{"patch a group", http.MethodPatch, GroupPath, 405, "GET, POST, PUT, DELETE"},
		{"delete the catalogue", http.MethodDelete, ExtendedFieldsPath, 405, "GET"},
		{"get a token", http.MethodGet, TokenPath, 405, "POST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call{method: tt.method, path: tt.path}.do(t, s)
			r.wantError(t, tt.status, tt.status, "")
			if got := r.header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
		})
	}
}

func TestRequestIDsUnique(t *testing.T) {
	a, b := start(t, Config{}), start(t, Config{})
	seen := map[string]bool{}
	for _, s := range []*Server{a, b, a, b} {
		for _, c := range []call{{body: createBody("x")}, {path: "/nope"}, {auth: "-"}} {
			id := c.do(t, s).header.Get("X-Cap-Requestid")
			if seen[id] {
				t.Fatalf("request id %q repeated", id)
			}
			seen[id] = true
		}
	}
}

func TestHandlerAfterClose(t *testing.T) {
	s := New(Config{})
	s.Close()
	s.Close()
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, GroupPath+"?id=1", nil))
	if rec.Code != 503 || rec.Header().Get("X-Cap-Requestid") == "" {
		t.Errorf("after Close: HTTP %d, headers %v", rec.Code, rec.Header())
	}
	if err := s.Serve(context.Background(), nopListener{}); err == nil {
		t.Error("Serve after Close succeeded")
	}
}

// nopListener is never accepted from: Serve must refuse it first.
type nopListener struct{ net.Listener }

func (nopListener) Close() error { return nil }

// banner records what ListenAndServe prints and hands over its first line,
// so the test learns the URL without polling.
type banner struct {
	mu    sync.Mutex
	out   strings.Builder
	first chan string
}

func (b *banner) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	had := strings.Contains(b.out.String(), "\n")
	b.out.Write(p)
	if s := b.out.String(); !had && strings.Contains(s, "\n") {
		b.first <- s[:strings.Index(s, "\n")]
	}
	return len(p), nil
}

func (b *banner) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.out.String()
}

func TestListenAndServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &banner{first: make(chan string, 1)}
	done := make(chan error, 1)
	go func() { done <- ListenAndServe(ctx, "127.0.0.1:0", Config{RatePerMinute: 100}, out) }()
	var first string
	select {
	case first = <-out.first:
	case err := <-done:
		t.Fatalf("ListenAndServe returned %v", err)
	}
	url := strings.TrimPrefix(first, "Capillary sandbox listening on ")
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("banner starts %q", first)
	}
	s := &Server{URL: url}
	if r := (call{body: createBody("a")}).do(t, s); r.status != 200 {
		t.Errorf("create through ListenAndServe: HTTP %d %s", r.status, r.raw)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("ListenAndServe after cancel = %v, want nil", err)
	}
	for _, want := range []string{`till "demo.till", password "demo-password"`, `key "demo-key", secret "demo-secret"`,
		"100 requests/minute", "groups created: 1", "Contract:   current"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestListenAndServeErrors(t *testing.T) {
	if err := ListenAndServe(context.Background(), "127.0.0.1:0", Config{RetryAfter: "later"}, io.Discard); err == nil {
		t.Error("invalid config accepted")
	}
	if err := ListenAndServe(context.Background(), "256.0.0.1:0", Config{}, io.Discard); err == nil {
		t.Error("bad address accepted")
	}
}

func TestServeUnspecifiedAddress(t *testing.T) {
	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Skip(err)
	}
	if got := baseURL(ln.Addr()); !strings.HasPrefix(got, "http://127.0.0.1:") {
		t.Errorf("baseURL(%v) = %q, want loopback", ln.Addr(), got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s := New(Config{})
	s.URL = baseURL(ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(ctx, ln) }()
	if r := (call{method: http.MethodGet, path: GroupPath + "?id=1"}).do(t, s); r.status != 400 {
		t.Errorf("HTTP %d", r.status)
	}
	s.Close()
	if err := <-errc; err != nil {
		t.Errorf("Serve after Close = %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	bad := []Config{
		{TokenTTL: -1},
		{RatePerMinute: -1},
		{RateBurst: -1},
		{RetryAfter: "minutes"},
		{ConflictStatus: 42},
		{MaxGroupSize: -1},
		{Fields: map[string]FieldType{"x": "list"}},
		{Fields: map[string]FieldType{"": String}},
		{Fields: map[string]FieldType{"x": ""}},
		{API: "v1"},
		{OtherFields: map[string]map[string]FieldType{EntityGroup: {"x": String}}},
		{OtherFields: map[string]map[string]FieldType{"customer": {"x": String}}},
		{OtherFields: map[string]map[string]FieldType{EntityCustomer: {"x": "enum"}}},
		{Faults: Faults{Drop: 2}},
	}
	for _, c := range bad {
		if c.Validate() == nil {
			t.Errorf("Config %+v validated", c)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New(%+v) did not panic", c)
				}
			}()
			New(c)
		}()
	}
	if err := (Config{}).Validate(); err != nil {
		t.Errorf("zero Config: %v", err)
	}
}

func TestConfigMapsCopied(t *testing.T) {
	tills := map[string]string{"t": "p"}
	s := start(t, Config{Tills: tills})
	tills["t"] = "changed"
	if r := (call{method: http.MethodGet, path: GroupPath + "?id=1", auth: basic("t", "p")}).do(t, s); r.status != 400 {
		t.Errorf("HTTP %d: the server must not share the caller's map", r.status)
	}
}
