package capillary

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// maxBody caps how much of a response body is read: a group response is a
// few hundred bytes, and a misbehaving proxy must not exhaust memory.
const maxBody = 1 << 20

// MaxRetryAfter caps the wait a Retry-After header can impose.
const MaxRetryAfter = 5 * time.Minute

// Client talks to one Capillary host.
type Client struct {
	base string
	http *http.Client
	auth Auth
	now  func() time.Time
}

// New returns a client for host (for example https://eu.api.capillarytech.com).
// hc may be nil for a client built by NewHTTPClient(8).
func New(host string, auth Auth, hc *http.Client) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(host, "/"))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("host %q is not an http(s) URL", host)
	}
	if auth == nil {
		return nil, errors.New("no credentials")
	}
	if hc == nil {
		hc = NewHTTPClient(8)
	}
	return &Client{base: u.String(), http: hc, auth: auth, now: time.Now}, nil
}

// NewHTTPClient returns an HTTP client whose connection pool keeps a
// connection for each of conns concurrent requests; the default pool keeps
// two, and every other request would pay a new connection.
func NewHTTPClient(conns int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = conns * 2
	t.MaxIdleConnsPerHost = conns * 2
	t.MaxConnsPerHost = 0
	return &http.Client{Transport: t}
}

// Host is the base URL requests go to.
func (c *Client) Host() string { return c.base }

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// Create sends POST /v2/userGroup2. err is non-nil only when no response
// arrived; see MaybeSent.
func (c *Client) Create(ctx context.Context, g *Group) (*Response, error) {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	*bp = g.AppendJSON((*bp)[:0])
	resp, body, err := c.do(ctx, http.MethodPost, "/v2/userGroup2", *bp)
	if err != nil {
		return nil, err
	}
	if resp.BodyErr == nil {
		resp.decodeCreate(body)
	}
	return resp, nil
}

// Lookup sends GET /v2/userGroup2?externalId=. A group that does not exist
// is an error in the body, not a transport error.
func (c *Client) Lookup(ctx context.Context, externalID string) (*Response, error) {
	resp, body, err := c.do(ctx, http.MethodGet, "/v2/userGroup2?externalId="+url.QueryEscape(externalID), nil)
	if err != nil {
		return nil, err
	}
	if resp.BodyErr == nil {
		resp.decodeGroup(body)
	}
	return resp, nil
}

// Update sends PUT /v2/userGroup2 for the group with g's externalId.
func (c *Client) Update(ctx context.Context, g *Group) (*Response, error) {
	resp, body, err := c.do(ctx, http.MethodPut, "/v2/userGroup2", g.AppendJSON(nil))
	if err != nil {
		return nil, err
	}
	if resp.BodyErr == nil {
		resp.decodeGroup(body)
	}
	return resp, nil
}

func (c *Client) do(ctx context.Context, method, path string, payload []byte) (*Response, []byte, error) {
	resp, body, used, err := c.once(ctx, method, path, payload)
	if err != nil || resp.Status != http.StatusUnauthorized {
		return resp, body, err
	}
	// A 401 is answered before any work is done, so sending again is safe.
	if !c.auth.renew(ctx, c, used) {
		return resp, body, nil
	}
	resp, body, _, err = c.once(ctx, method, path, payload)
	return resp, body, err
}

func (c *Client) once(ctx context.Context, method, path string, payload []byte) (*Response, []byte, string, error) {
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, nil, "", err
	}
	req.Header["Accept"] = []string{"application/json"}
	if payload != nil {
		req.Header["Content-Type"] = []string{"application/json"}
	}
	used, err := c.auth.apply(ctx, c, req)
	if err != nil {
		return nil, nil, "", err
	}
	hr, err := c.http.Do(req)
	if err != nil {
		return nil, nil, used, &TransportError{Err: err, Sent: !isDialError(err)}
	}
	defer hr.Body.Close()
	resp := &Response{Status: hr.StatusCode, RequestID: hr.Header.Get("X-Cap-Requestid")}
	if d, ok := ParseRetryAfter(hr.Header.Get("Retry-After"), c.now()); ok {
		resp.RetryAfter = min(d, MaxRetryAfter)
	}
	body, err := io.ReadAll(io.LimitReader(hr.Body, maxBody+1))
	if err != nil {
		// The status line arrived, so the server did see the request.
		return nil, nil, used, &TransportError{Err: fmt.Errorf("reading response (HTTP %d): %w", hr.StatusCode, err), Sent: true}
	}
	if len(body) > maxBody {
		resp.BodyErr = fmt.Errorf("body larger than %d bytes", maxBody)
		return resp, nil, used, nil
	}
	return resp, body, used, nil
}

// TransportError is a request that got no complete response.
type TransportError struct {
	Err error
	// Sent is false only when the request certainly never left (the
	// connection could not be made); otherwise the server may have acted on
	// it.
	Sent bool
}

func (e *TransportError) Error() string { return e.Err.Error() }
func (e *TransportError) Unwrap() error { return e.Err }

// MaybeSent reports whether a failed request may have reached the server,
// so that a later "already exists" could be this run's own doing.
func MaybeSent(err error) bool {
	var te *TransportError
	if errors.As(err, &te) {
		return te.Sent
	}
	return false
}

func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
