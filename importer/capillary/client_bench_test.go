package capillary

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// BenchmarkGroupAppendJSON is the request body of one row.
func BenchmarkGroupAppendJSON(b *testing.B) {
	for _, c := range []struct {
		name string
		g    Group
	}{
		{"plain", Group{ExternalID: "g0012345", GroupName: "Fleet 12345", MaxGroupSize: 110}},
		{"extended", Group{ExternalID: "g0012345", GroupName: "Fleet 12345", MaxGroupSize: 110, Limit: 3, HasLimit: true,
			ExtendedFields: []Field{{"platinum", "25"}, {"region", "North \"East\""}}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			buf := make([]byte, 0, 512)
			b.ReportAllocs()
			for b.Loop() {
				buf = c.g.AppendJSON(buf[:0])
			}
			b.SetBytes(int64(len(buf)))
		})
	}
}

// BenchmarkDecodeCreate is reading the answer to one create.
func BenchmarkDecodeCreate(b *testing.B) {
	for _, c := range []struct {
		name   string
		status int
		body   string
	}{
		{"created", 200, `{"entity":2361,"warnings":[]}`},
		{"created-spaced", 200, `{"entity": 2361, "warnings": []}`},
		{"warning", 200, `{"entity":2362,"warnings":[{"status":false,"code":91016,"message":"Extended field name gender is invalid."}]}`},
		{"conflict", 400, `{"errors":[{"status":false,"code":1633,"message":"Group external Id X already exists."}],"warnings":[]}`},
	} {
		b.Run(c.name, func(b *testing.B) {
			body := []byte(c.body)
			b.ReportAllocs()
			for b.Loop() {
				r := Response{Status: c.status}
				r.decodeCreate(body)
				if r.BodyErr != nil {
					b.Fatal(r.BodyErr)
				}
			}
		})
	}
}

// plainBodies are create answers around the shape plainCreated takes.
var plainBodies = []string{
	`{"entity":2361,"warnings":[]}`,
	`{"entity": 2361, "warnings": []}`,
	" \t{\n\"entity\" :\r-17 ,\"warnings\":[ ] }\n",
	`{"entity":0,"warnings":[]}`,
	`{"entity":-0,"warnings":[]}`,
	`{"entity":9223372036854775807,"warnings":[]}`,
	`{"entity":9223372036854775808,"warnings":[]}`,
	`{"entity":01,"warnings":[]}`,
	`{"entity":1.0,"warnings":[]}`,
	`{"entity":1e3,"warnings":[]}`,
	`{"entity":-,"warnings":[]}`,
	`{"entity":null,"warnings":[]}`,
	`{"entity":"5","warnings":[]}`,
	`{"Entity":5,"warnings":[]}`,
	`{"warnings":[],"entity":5}`,
	`{"entity":5,"warnings":[],"errors":[]}`,
	`{"entity":5,"warnings":[{"code":91016,"message":"x"}]}`,
	`{"entity":5,"warnings":[]}x`,
	`{"entity":5,"warnings":[]`,
	`{"entity":5}`,
	``,
}

// TestPlainCreatedMatchesEncodingJSON checks that the shortcut for the
// usual create answer decodes exactly what encoding/json does, and only
// bodies that encoding/json reads without error.
func TestPlainCreatedMatchesEncodingJSON(t *testing.T) {
	for _, body := range plainBodies {
		checkPlainCreated(t, []byte(body))
	}
}

func FuzzPlainCreated(f *testing.F) {
	for _, body := range plainBodies {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkPlainCreated(t, body) })
}

func checkPlainCreated(t *testing.T, body []byte) {
	t.Helper()
	for _, status := range []int{200, 400} {
		fast, slow := Response{Status: status}, Response{Status: status}
		fast.decodeCreate(body)
		slow.decodeCreateJSON(body)
		if _, ok := plainCreated(body); ok && (slow.BodyErr != nil || slow.Errors != nil || slow.Warnings == nil) {
			t.Fatalf("%q: taken as plain, but encoding/json reads %+v", body, slow)
		}
		if fmt.Sprint(fast.BodyErr) != fmt.Sprint(slow.BodyErr) || fast.Entity != slow.Entity || fast.HasEntity != slow.HasEntity ||
			(fast.Warnings == nil) != (slow.Warnings == nil) || len(fast.Warnings) != len(slow.Warnings) ||
			(fast.Errors == nil) != (slow.Errors == nil) || len(fast.Errors) != len(slow.Errors) {
			t.Fatalf("%q: decoded %+v, encoding/json %+v", body, fast, slow)
		}
	}
}

// TestRedirectsAreNeverFollowed: a 3xx on the API path or the token path
// stops at the first host, with either kind of http.Client, and nothing
// (no body, no credential) reaches the host it points at.
func TestRedirectsAreNeverFollowed(t *testing.T) {
	for _, code := range []int{301, 302, 303, 307, 308} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			var elsewhere atomic.Int64
			other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				elsewhere.Add(1)
				fmt.Fprint(w, `{"entity":1,"warnings":[],"data":{"accessToken":"t","ttlSeconds":300}}`)
			}))
			defer other.Close()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, other.URL+r.URL.Path, code)
			}))
			defer srv.Close()
			for _, hc := range []*http.Client{NewHTTPClient(1), {}} {
				for _, auth := range []Auth{NewBasic("t", "p"), NewOAuth("k", "s")} {
					c, err := New(srv.URL, auth, hc)
					if err != nil {
						t.Fatal(err)
					}
					_, err = c.Create(context.Background(), &Group{ExternalID: "x", MaxGroupSize: 1})
					re, ok := errors.AsType[*redirectError](err)
					if !ok || re.Status != code || re.Base() != other.URL {
						t.Fatalf("%T: err %v, want a redirectError to %s", auth, err, other.URL)
					}
					if HostProblem(err) != Redirect {
						t.Errorf("HostProblem(%v) = %v", err, HostProblem(err))
					}
				}
			}
			if n := elsewhere.Load(); n != 0 {
				t.Errorf("%d requests reached the host the redirect named", n)
			}
		})
	}
}

// BenchmarkCreate is one create over loopback HTTP against the sandbox,
// 32 at a time as the import's workers send them: the client's share of a
// row's cost next to the server's.
func BenchmarkCreate(b *testing.B) {
	srv := sandbox.NewServer(sandbox.Config{})
	defer srv.Close()
	c, err := New(srv.URL, NewBasic(sandbox.DefaultTill, sandbox.DefaultTillPassword), NewHTTPClient(32))
	if err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	b.SetParallelism(16)
	b.ReportAllocs()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		g := Group{GroupName: "Fleet", MaxGroupSize: 110}
		for pb.Next() {
			g.ExternalID = fmt.Sprintf("g%d", n.Add(1))
			resp, err := c.Create(context.Background(), &g)
			if err != nil || resp.Status != http.StatusOK || !resp.HasEntity {
				b.Fatalf("resp %+v, err %v", resp, err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}
