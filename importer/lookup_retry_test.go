package importer_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary"
	"github.com/capillary-tools/groupimport/importer/input"
)

// scriptedServer answers /v2/userGroup2 by hand: each POST and each GET
// takes the next answer of its script (the last one repeats), and every
// request is counted. It exists for faults the sandbox does not make: a
// lookup cut mid-body, an older server's loose lookup.
type scriptedServer struct {
	mu          sync.Mutex
	posts, gets []func(w http.ResponseWriter, r *http.Request)
	sent        map[string]int // "POST", "GET", "PUT" -> requests
}

func newScriptedServer(t *testing.T, posts, gets []func(w http.ResponseWriter, r *http.Request)) (*scriptedServer, *capillary.Client) {
	t.Helper()
	s := &scriptedServer{posts: posts, gets: gets, sent: map[string]int{}}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c, err := capillary.New(srv.URL, capillary.NewBasic("till", "secret"), capillary.NewHTTPClient(4))
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

func (s *scriptedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	n := s.sent[r.Method]
	s.sent[r.Method]++
	script := s.posts
	if r.Method == http.MethodGet {
		script = s.gets
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if len(script) == 0 {
		w.WriteHeader(http.StatusMethodNotAllowed)
		fmt.Fprint(w, `{"errors":[{"code":405,"message":"not scripted"}],"warnings":[]}`)
		return
	}
	script[min(n, len(script)-1)](w, r)
}

func (s *scriptedServer) count(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent[method]
}

func answer(status int, body string, header ...string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}
}

// cutMidBody sends a 200 that promises more body than it sends, then
// closes the connection.
func cutMidBody(w http.ResponseWriter, _ *http.Request) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n")
	buf.WriteString(`{"pagination":{"limit":10,"offset":0,"total":1},"data":[{"groupId":5,`)
	buf.Flush()
}

const (
	exists1633 = `{"errors":[{"status":false,"code":1633,"message":"Group external Id fleet-1 already exists."}],"warnings":[]}`
	found      = `{"pagination":{"limit":10,"offset":0,"total":1},"data":[{"groupId":5,"groupExternalId":"fleet-1","groupName":"One","groupStatus":"ACTIVE","maxGroupSize":5}],"warnings":[],"errors":[]}`
)

// runOne imports the CSV rows against c and returns their results.
func runOne(t *testing.T, c *capillary.Client, csv string, cfg importer.Config) []importer.Result {
	t.Helper()
	recs := input.NewCSVRecords(strings.NewReader(csv), 0)
	header, row, err := recs.Next()
	if err != nil {
		t.Fatal(err)
	}
	cols, err := importer.ParseHeader(append([]string(nil), header...), row, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.API = c
	cfg.Validator = &importer.Validator{Cols: cols, MaxGroupSize: importer.DefaultMaxGroupSize}
	cfg.Workers, cfg.Timeout = 1, 5*time.Second
	var out []importer.Result
	cfg.Sink = func(r importer.Result) error { out = append(out, r); return nil }
	if _, err := importer.Run(context.Background(), recs, cfg); err != nil {
		t.Fatal(err)
	}
	return out
}

var quickRetries = importer.Policy{MaxAttempts: 3, MaxThrottled: 50, BaseBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}

// TestUnreadableLookupIsRetried: a lookup whose answer cannot be read (a
// 200 whose JSON is cut short, a connection closed mid-body) says nothing
// about the group; it is sent again, and the row settles on the answer
// that can be read.
func TestUnreadableLookupIsRetried(t *testing.T) {
	for name, fault := range map[string]func(http.ResponseWriter, *http.Request){
		"truncated JSON": answer(200, `{"pagination":{"limit":10,"offset":0,"total":1},"data":[{"groupId":5,"groupExt`),
		"cut mid-body":   cutMidBody,
	} {
		t.Run(name, func(t *testing.T) {
			s, c := newScriptedServer(t,
				[]func(http.ResponseWriter, *http.Request){answer(400, exists1633)},
				[]func(http.ResponseWriter, *http.Request){fault, answer(200, found)})
			res := runOne(t, c, "externalId,groupName,maxGroupSize\nfleet-1,One,5\n",
				importer.Config{OnConflict: importer.ConflictLookup, Policy: quickRetries})
			if r := res[0]; r.Status != importer.Exists || r.EntityID != 5 {
				t.Fatalf("row: %s %q (entity %d); want exists, group 5", r.Status, r.Message, r.EntityID)
			}
			if n := s.count("GET"); n != 2 {
				t.Errorf("%d lookups, want 2", n)
			}
		})
	}
}

// TestThrottlesDoNotUseUpAttempts: 429s count against MaxThrottled, not
// MaxAttempts: with two attempts allowed, two 429s and a 503 still leave
// one attempt for the create.
func TestThrottlesDoNotUseUpAttempts(t *testing.T) {
	throttled := answer(429, `{"errors":[{"code":429,"message":"Too many requests."}],"warnings":[]}`, "Retry-After", "0")
	s, c := newScriptedServer(t, []func(http.ResponseWriter, *http.Request){
		throttled, throttled,
		answer(503, `{"errors":[{"code":503,"message":"Service unavailable"}],"warnings":[]}`),
		answer(200, `{"entity":77,"warnings":[]}`),
	}, nil)
	p := quickRetries
	p.MaxAttempts = 2
	res := runOne(t, c, "externalId,groupName,maxGroupSize\nfleet-1,One,5\n", importer.Config{Policy: p})
	if r := res[0]; r.Status != importer.Created || r.EntityID != 77 || r.Attempts != 4 {
		t.Fatalf("row: %s %q, entity %d, %d attempts; want created, 77, 4", r.Status, r.Message, r.EntityID, r.Attempts)
	}
	if n := s.count("POST"); n != 4 {
		t.Errorf("%d creates sent, want 4", n)
	}
}

// TestLegacyLookupOfAnotherGroupIsNotTheRow: an older server answers the
// lookup of fleet-1 with the group FLEET-1 (it compared without regard to
// case). That group is not the row's: the row is neither settled as it
// (exists, with its id) nor is that group updated.
func TestLegacyLookupOfAnotherGroupIsNotTheRow(t *testing.T) {
	for _, mode := range []importer.OnConflict{importer.ConflictLookup, importer.ConflictUpdate} {
		t.Run(string(mode), func(t *testing.T) {
			s, c := newScriptedServer(t,
				[]func(http.ResponseWriter, *http.Request){answer(400, exists1633)},
				[]func(http.ResponseWriter, *http.Request){func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Query().Get("externalId") == "" { // ?id=: an older server's "not a group id"
						w.WriteHeader(400)
						fmt.Fprint(w, `{"errors":[{"status":false,"code":1645,"message":"Group details not valid"}],"warnings":[]}`)
						return
					}
					fmt.Fprint(w, `{"id":9,"externalId":"FLEET-1","groupStatus":"ACTIVE","createdOn":"2026-11-29T10:00:00+05:30","groupName":"Other","maxGroupSize":5,"warnings":[]}`)
				}})
			res := runOne(t, c, "externalId,groupName,maxGroupSize\nfleet-1,One,5\n",
				importer.Config{OnConflict: mode, Policy: quickRetries})
			r := res[0]
			if r.EntityID == 9 || r.Status == importer.Exists || r.Status == importer.Updated {
				t.Fatalf("row settled with group FLEET-1: %s %q (entity %d)", r.Status, r.Message, r.EntityID)
			}
			if !strings.Contains(r.Message, "finds no group with this externalId") {
				t.Errorf("row: %s %q", r.Status, r.Message)
			}
			if n := s.count("PUT"); n != 0 {
				t.Errorf("%d updates sent to another group", n)
			}
		})
	}
}
