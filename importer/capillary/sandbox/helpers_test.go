package sandbox

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a settable Config.Now, so expiry and refills are tested by moving
// time rather than waiting for it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

// docsMoment is the docs' sample createdOn, 2021-09-27T15:07:22+05:30, in UTC.
var docsMoment = time.Date(2021, 9, 27, 9, 37, 22, 0, time.UTC)

func newClock() *clock { return &clock{t: docsMoment} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// basic builds a Basic header the documented way, independently of auth.go.
func basic(till, password string) string {
	sum := md5.Sum([]byte(password))
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(till+":"+hex.EncodeToString(sum[:])))
}

var demoAuth = basic(DefaultTill, DefaultTillPassword)

// start runs a sandbox for one test. prepare, if given, runs before it
// listens, which is when unexported test hooks may be set without a race.
func start(t *testing.T, cfg Config, prepare ...func(*Server)) *Server {
	t.Helper()
	s := New(cfg)
	for _, p := range prepare {
		p(s)
	}
	s.start()
	t.Cleanup(s.Close)
	return s
}

// call is one request to the sandbox. An empty auth means the demo till's
// Basic header; "-" means no Authorization header.
type call struct {
	method, path, body string
	contentType        string // default application/json when there is a body
	auth               string
	token              string // X-CAP-API-OAUTH-TOKEN
}

type apiItem struct {
	Status  *bool  `json:"status"`
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// apiBody is every response shape the sandbox produces, merged.
type apiBody struct {
	Entity         *entityID         `json:"entity"`
	Errors         []apiItem         `json:"errors"`
	Warnings       []apiItem         `json:"warnings"`
	ID             int64             `json:"id"`
	ExternalID     string            `json:"externalId"`
	GroupStatus    string            `json:"groupStatus"`
	CreatedOn      string            `json:"createdOn"`
	GroupName      string            `json:"groupName"`
	MaxGroupSize   int               `json:"maxGroupSize"`
	Limit          *int              `json:"limit"`
	ExtendedFields map[string]string `json:"extendedFields"`
	// Data is a token's {"accessToken",...} or the search shape's groups:
	// read it with token or groups.
	Data       json.RawMessage `json:"data"`
	Pagination *struct {
		Limit  int `json:"limit"`
		Offset int `json:"offset"`
		Total  int `json:"total"`
	} `json:"pagination"`
}

// entityID is a create's entity, the new group's id. The catalogue's
// "entity" is an object of fields, read from the raw body instead.
type entityID int64

func (e *entityID) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '{' {
		return nil
	}
	return json.Unmarshal(b, (*int64)(e))
}

type tokenData struct {
	AccessToken string `json:"accessToken"`
	TTLSeconds  int    `json:"ttlSeconds"`
}

// token is a token answer's data, or nil.
func (b apiBody) token() *tokenData {
	if len(b.Data) == 0 || b.Data[0] != '{' {
		return nil
	}
	var d tokenData
	if json.Unmarshal(b.Data, &d) != nil {
		return nil
	}
	return &d
}

// searchGroup is an entry of the search shape's data.
type searchGroup struct {
	GroupID         int64             `json:"groupId"`
	GroupName       string            `json:"groupName"`
	GroupStatus     string            `json:"groupStatus"`
	GroupExternalID string            `json:"groupExternalId"`
	PrimaryMemberID *int64            `json:"primaryMemberId"`
	TotalMembers    *int              `json:"totalMembers"`
	ExtendedFields  map[string]string `json:"extendedFields"`
}

// groups is the search shape's data, or nil.
func (b apiBody) groups(t *testing.T) []searchGroup {
	t.Helper()
	if len(b.Data) == 0 || b.Data[0] != '[' {
		return nil
	}
	var gs []searchGroup
	if err := json.Unmarshal(b.Data, &gs); err != nil {
		t.Fatalf("data %s: %v", b.Data, err)
	}
	return gs
}

type response struct {
	status int
	header http.Header
	raw    string
	body   apiBody
}

// code is the first error's code, or 0.
func (r response) code() int {
	if len(r.body.Errors) == 0 {
		return 0
	}
	return r.body.Errors[0].Code
}

func (c call) request(t *testing.T, s *Server) *http.Request {
	t.Helper()
	method := c.method
	if method == "" {
		method = http.MethodPost
	}
	path := c.path
	if path == "" {
		path = GroupPath
	}
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case c.contentType != "":
		req.Header.Set("Content-Type", c.contentType)
	case c.body != "":
		req.Header.Set("Content-Type", "application/json")
	}
	switch c.auth {
	case "":
		if c.token == "" {
			req.Header.Set("Authorization", demoAuth)
		}
	case "-":
	default:
		req.Header.Set("Authorization", c.auth)
	}
	if c.token != "" {
		req.Header.Set(OAuthHeader, c.token)
	}
	return req
}

// do sends c and checks what every sandbox answer must carry.
func (c call) do(t *testing.T, s *Server) response {
	t.Helper()
	return c.send(t, c.request(t, s))
}

// send is do for a request built by c.request and then adjusted.
func (c call) send(t *testing.T, req *http.Request) response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", c.method, c.path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := response{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if !strings.HasPrefix(resp.Header.Get("X-Cap-Requestid"), "sbx-") {
		t.Errorf("X-Cap-Requestid = %q, want sbx-...", resp.Header.Get("X-Cap-Requestid"))
	}
	if resp.Header.Get("Content-Type") == "text/html" {
		return r
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	if err := json.Unmarshal(raw, &r.body); err != nil {
		t.Fatalf("body %q is not JSON: %v", raw, err)
	}
	for _, it := range append(r.body.Errors, r.body.Warnings...) {
		if it.Status == nil || *it.Status {
			t.Errorf("item %+v: status must be false", it)
		}
	}
	return r
}

// wantError checks an error response: HTTP status, code and, when given,
// the exact message.
func (r response) wantError(t *testing.T, status, code int, message string) {
	t.Helper()
	if r.status != status || r.code() != code {
		t.Errorf("got HTTP %d code %d (%s), want HTTP %d code %d", r.status, r.code(), r.raw, status, code)
	}
	if message != "" && r.code() == code && r.body.Errors[0].Message != message {
		t.Errorf("message = %q, want %q", r.body.Errors[0].Message, message)
	}
	if !strings.Contains(r.raw, `"warnings":[`) {
		t.Errorf("error body %s has no warnings array", r.raw)
	}
}

func createBody(ext string) string {
	return `{"externalId":"` + ext + `","groupName":"name_` + ext + `","maxGroupSize":110}`
}
