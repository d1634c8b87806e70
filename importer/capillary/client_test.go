package capillary_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/capillary-tools/groupimport/importer/capillary"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

func TestBasicMatchesTheDocumentedVector(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("Authorization")
		w.Write([]byte(`{"entity":1,"warnings":[]}`))
	}))
	defer srv.Close()
	c, err := capillary.New(srv.URL, capillary.NewBasic("store.server", "server123"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(context.Background(), &capillary.Group{ExternalID: "x", MaxGroupSize: 1}); err != nil {
		t.Fatal(err)
	}
	if want := "Basic c3RvcmUuc2VydmVyOjhhMTZhNmI3MDUwNWViMWYxZmY3Y2RjMGNkNTU1OWE3"; got != want {
		t.Fatalf("Authorization %q, want %q", got, want)
	}
}

func TestOAuthRenewsOnceAfter401(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{})
	defer srv.Close()
	c, err := capillary.New(srv.URL, capillary.NewOAuth(sandbox.DefaultOAuthKey, sandbox.DefaultOAuthSecret), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	resp, err := c.Create(ctx, &capillary.Group{ExternalID: "a", MaxGroupSize: 1})
	if err != nil || !resp.HasEntity {
		t.Fatalf("first create: %+v %v", resp, err)
	}
	srv.RevokeTokens() // as if the token expired early
	resp, err = c.Create(ctx, &capillary.Group{ExternalID: "b", MaxGroupSize: 1})
	if err != nil || !resp.HasEntity {
		t.Fatalf("create after revocation: %+v %v", resp, err)
	}
	if n := srv.Stats().TokensIssued; n != 2 {
		t.Errorf("%d tokens issued, want 2", n)
	}
}

func TestOAuthRenewsBeforeExpiry(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{TokenTTL: 2 * time.Second})
	defer srv.Close()
	c, _ := capillary.New(srv.URL, capillary.NewOAuth(sandbox.DefaultOAuthKey, sandbox.DefaultOAuthSecret), nil)
	ctx := context.Background()
	for i := 0; srv.Stats().TokensIssued < 2; i++ {
		// A 2 s token is renewed after 1.6 s: keep creating until it is,
		// and make sure no request ever meets a 401 on the way.
		resp, err := c.Create(ctx, &capillary.Group{ExternalID: fmt.Sprintf("id%d", i), MaxGroupSize: 1})
		if err != nil || resp.Status != 200 {
			t.Fatalf("create %d: %+v %v", i, resp, err)
		}
		if i > 100000 {
			t.Fatal("token never renewed")
		}
	}
	if f := srv.Stats().AuthFailures; f != 0 {
		t.Errorf("%d requests were refused: the token was not renewed before expiry", f)
	}
}

func TestOAuthBadSecretIsUnauthorized(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{})
	defer srv.Close()
	c, _ := capillary.New(srv.URL, capillary.NewOAuth(sandbox.DefaultOAuthKey, "not-the-secret"), nil)
	_, err := c.Create(context.Background(), &capillary.Group{ExternalID: "a", MaxGroupSize: 1})
	if !errors.Is(err, capillary.ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	if strings.Contains(err.Error(), "not-the-secret") {
		t.Fatalf("error leaks the secret: %v", err)
	}
}

func TestResponseShapes(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		entity  int64
		code    int
		bodyErr string
	}{
		{"created", 200, `{"entity": 2361, "warnings": []}`, 2361, 0, ""},
		{"conflict", 400, `{"errors":[{"status":false,"code":1633,"message":"Group external Id X already exists."}],"warnings":[]}`, 0, 1633, ""},
		{"proxy page", 502, `<html><body>Bad Gateway</body></html>`, 0, 0, "not JSON"},
		{"wrong shape", 200, `{"entity":"abc"}`, 0, 0, "unexpected JSON"},
		{"no entity", 200, `{"warnings":[]}`, 0, 0, "no entity"},
		{"empty", 500, ``, 0, 0, "empty body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Cap-Requestid", "req-1")
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			c, _ := capillary.New(srv.URL, capillary.NewBasic("t", "p"), nil)
			resp, err := c.Create(context.Background(), &capillary.Group{ExternalID: "x", MaxGroupSize: 1})
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != tt.status || resp.Entity != tt.entity || resp.Code() != tt.code || resp.RequestID != "req-1" {
				t.Errorf("resp %+v", resp)
			}
			if tt.bodyErr == "" && resp.BodyErr != nil || tt.bodyErr != "" && (resp.BodyErr == nil || !strings.Contains(resp.BodyErr.Error(), tt.bodyErr)) {
				t.Errorf("BodyErr %v, want %q", resp.BodyErr, tt.bodyErr)
			}
			if tt.bodyErr != "" && !strings.Contains(resp.Message(), "HTTP") {
				t.Errorf("message %q does not keep the HTTP status", resp.Message())
			}
		})
	}
}

func TestBodyIsCapped(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"entity":1,"x":"`))
		w.Write([]byte(strings.Repeat("a", 2<<20)))
		w.Write([]byte(`"}`))
	}))
	defer srv.Close()
	c, _ := capillary.New(srv.URL, capillary.NewBasic("t", "p"), nil)
	resp, err := c.Create(context.Background(), &capillary.Group{ExternalID: "x", MaxGroupSize: 1})
	if err != nil || resp.BodyErr == nil || !strings.Contains(resp.BodyErr.Error(), "larger than") {
		t.Fatalf("resp %+v err %v", resp, err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"3", 3 * time.Second, true},
		{" 1.5 ", 1500 * time.Millisecond, true},
		{"Wed, 25 Nov 2026 12:00:10 GMT", 10 * time.Second, true},
		{"Wed, 25 Nov 2026 11:00:00 GMT", 0, true},
		{"", 0, false},
		{"soon", 0, false},
	}
	for _, tt := range tests {
		got, ok := capillary.ParseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseRetryAfter(%q) = %s, %v; want %s, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	groups := []capillary.Group{
		{ExternalID: "purple_externalId", GroupName: "name_purple", MaxGroupSize: 110},
		{ExternalID: "natwest_16", GroupName: "natwest14", MaxGroupSize: 110, ExtendedFields: []capillary.Field{{Name: "platinum", Value: "25"}}},
		{ExternalID: "q\"uote\\back\nline\ttab\x01é€😀", MaxGroupSize: 1, Limit: 0, HasLimit: true},
		{ExternalID: "bad\xffutf8", MaxGroupSize: 3},
	}
	for _, g := range groups {
		var got map[string]any
		raw := g.AppendJSON(nil)
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		want := map[string]any{"externalId": strings.ToValidUTF8(g.ExternalID, "\ufffd"), "maxGroupSize": float64(g.MaxGroupSize)}
		if g.GroupName != "" {
			want["groupName"] = g.GroupName
		}
		if g.HasLimit {
			want["limit"] = float64(g.Limit)
		}
		if len(g.ExtendedFields) > 0 {
			ext := map[string]any{}
			for _, f := range g.ExtendedFields {
				ext[f.Name] = f.Value
			}
			want["extendedFields"] = ext
		}
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(want)
		if string(gb) != string(wb) {
			t.Errorf("got %s, want %s", gb, wb)
		}
	}
}

func FuzzAppendJSON(f *testing.F) {
	f.Add("purple_externalId", "name_purple", int64(110), "platinum", "25")
	f.Add("\x00\"\\", "\u2028", int64(-1), "", "\xff")
	f.Fuzz(func(t *testing.T, id, name string, size int64, ext, val string) {
		g := capillary.Group{ExternalID: id, GroupName: name, MaxGroupSize: size, ExtendedFields: []capillary.Field{{Name: ext, Value: val}}}
		var back struct {
			ExternalID     string            `json:"externalId"`
			GroupName      string            `json:"groupName"`
			MaxGroupSize   int64             `json:"maxGroupSize"`
			ExtendedFields map[string]string `json:"extendedFields"`
		}
		raw := g.AppendJSON(nil)
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Fatalf("invalid JSON %q: %v", raw, err)
		}
		// encoding/json is the reference for how invalid UTF-8 is replaced.
		viaStd := func(s string) string {
			b, _ := json.Marshal(s)
			var out string
			json.Unmarshal(b, &out)
			return out
		}
		if back.ExternalID != viaStd(id) || back.MaxGroupSize != size || back.ExtendedFields[viaStd(ext)] != viaStd(val) {
			t.Fatalf("round trip of %q lost data: %+v", raw, back)
		}
	})
}

// TestTokenBlipIsNotARefusal: a token endpoint that is busy (5xx, 429)
// gives a TokenError carrying its Retry-After, never ErrUnauthorized; one
// that refuses the key does.
func TestTokenBlipIsNotARefusal(t *testing.T) {
	for _, tt := range []struct {
		status  int
		refused bool
	}{{503, false}, {429, false}, {502, false}, {401, true}, {400, true}} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(tt.status)
			fmt.Fprintf(w, `{"data":null,"errors":[{"code":%d,"message":"no"}]}`, tt.status)
		}))
		c, _ := capillary.New(srv.URL, capillary.NewOAuth("k", "s"), nil)
		_, err := c.Create(context.Background(), &capillary.Group{ExternalID: "x", MaxGroupSize: 1})
		srv.Close()
		te, blip := errors.AsType[*capillary.TokenError](err)
		if errors.Is(err, capillary.ErrUnauthorized) != tt.refused || blip == tt.refused {
			t.Errorf("HTTP %d: %v", tt.status, err)
		}
		if blip && te.RetryAfter != 3*time.Second {
			t.Errorf("HTTP %d: Retry-After %s, want 3s", tt.status, te.RetryAfter)
		}
	}
}
