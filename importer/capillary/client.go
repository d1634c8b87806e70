package capillary

import (
	"bytes"
	"context"
	"crypto/tls"
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

// maxRetryAfter caps the wait a Retry-After header can impose.
const maxRetryAfter = 5 * time.Minute

// Client talks to one Capillary host.
type Client struct {
	base     string
	groupURL string // base + GroupPathName
	http     *http.Client
	// rt, when set, sends requests without http.Client, which copies
	// every request's header in case of a redirect; see roundTrip.
	rt       http.RoundTripper
	auth     Auth
	now      func() time.Time
	contract contractState
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
	if u.User != nil {
		return nil, errors.New("host URL must not carry credentials; set them in the environment")
	}
	if hc == nil {
		hc = NewHTTPClient(8)
	}
	// A redirect is never followed: it would carry the credentials (and,
	// for a 307, the token request's secret) to another host. The copy
	// leaves the caller's client as it was.
	own := *hc
	own.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	hc = &own
	base := u.String()
	c := &Client{base: base, groupURL: base + GroupPathName, http: hc, auth: auth, now: time.Now}
	if hc.Jar == nil && hc.Timeout == 0 {
		// Nothing http.Client adds to a request applies, so the
		// transport is called directly: http.Client copies every
		// request's header in case of a redirect.
		c.rt = hc.Transport
		if c.rt == nil {
			c.rt = http.DefaultTransport
		}
	}
	return c, nil
}

// NewHTTPClient returns an HTTP client whose connection pool keeps a
// connection for each of conns concurrent requests; the default pool keeps
// two, and every other request would pay a new connection.
func NewHTTPClient(conns int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = conns * 2
	t.MaxIdleConnsPerHost = conns * 2
	t.MaxConnsPerHost = 0
	t.OnProxyConnectResponse = proxyConnectResponse
	return &http.Client{Transport: t}
}

// Host is the base URL requests go to.
func (c *Client) Host() string { return c.base }

// Request and response bodies are a few hundred bytes; buffers for them
// are pooled, as every row needs two. Buffers that grew past poolMax (a
// misbehaving server's body) are left to the garbage collector.
const poolMax = 64 << 10

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(bp *[]byte) {
	if bp != nil && cap(*bp) <= poolMax {
		*bp = (*bp)[:0]
		bufPool.Put(bp)
	}
}

// Header values every request carries, shared: net/http only reads a
// request's header (http.Client copies it before changing it).
var jsonValue = []string{"application/json"}

// Create sends POST /v2/userGroup2. err is non-nil only when no response
// arrived; see MaybeSent.
func (c *Client) Create(ctx context.Context, g *Group) (*Response, error) {
	bp := getBuf()
	defer putBuf(bp)
	*bp = g.AppendJSON((*bp)[:0])
	resp, body, err := c.do(ctx, http.MethodPost, c.groupURL, *bp)
	if err != nil {
		return nil, err
	}
	defer putBuf(body)
	if resp.BodyErr == nil {
		resp.decodeCreate(*body)
	}
	return resp, nil
}

// Update sends PUT /v2/userGroup2. Both contracts take g.ID (the group id,
// from a lookup), which the current one requires along with a groupName.
func (c *Client) Update(ctx context.Context, g *Group) (*Response, error) {
	bp := getBuf()
	defer putBuf(bp)
	*bp = g.AppendJSON((*bp)[:0])
	resp, body, err := c.do(ctx, http.MethodPut, c.groupURL, *bp)
	if err != nil {
		return nil, err
	}
	defer putBuf(body)
	if resp.BodyErr == nil {
		resp.decodeGroup(*body)
	}
	return resp, nil
}

// do sends one request, once more after a 401 when the credentials could
// be renewed. The body it returns is a pooled buffer (nil when there is
// none to read): the caller hands it back with putBuf once decoded.
func (c *Client) do(ctx context.Context, method, target string, payload []byte) (*Response, *[]byte, error) {
	resp, body, used, err := c.once(ctx, method, target, payload)
	if err != nil || resp.Status != http.StatusUnauthorized {
		return resp, body, err
	}
	// A 401 is answered before any work is done, so sending again is safe.
	if err := c.auth.renew(ctx, c, used); err != nil {
		if errors.Is(err, errNoRenew) || errors.Is(err, ErrUnauthorized) {
			return resp, body, nil
		}
		// No new token for now (the token endpoint blipped): the caller
		// sends the request again later, as after a transport error.
		putBuf(body)
		return nil, nil, err
	}
	putBuf(body)
	resp, body, _, err = c.once(ctx, method, target, payload)
	return resp, body, err
}

func (c *Client) once(ctx context.Context, method, target string, payload []byte) (*Response, *[]byte, string, error) {
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return nil, nil, "", err
	}
	req.Header["Accept"] = jsonValue
	if payload != nil {
		req.Header["Content-Type"] = jsonValue
	}
	used, err := c.auth.apply(ctx, c, req)
	if err != nil {
		return nil, nil, "", err
	}
	hr, err := c.roundTrip(req)
	if err != nil {
		return nil, nil, used, &TransportError{Err: err, Sent: !isDialError(err)}
	}
	defer hr.Body.Close()
	if err := redirected(hr); err != nil {
		return nil, nil, used, err
	}
	resp := &Response{Status: hr.StatusCode, RequestID: hr.Header.Get("X-Cap-Requestid"), Received: c.now(), Header: hr.Header}
	if h := hr.Header.Get("Retry-After"); h != "" {
		if d, ok := ParseRetryAfter(h, c.now()); ok {
			resp.RetryAfter = min(d, maxRetryAfter)
		}
	}
	body := getBuf()
	*body, err = readBody(hr.Body, *body, maxBody+1)
	if err != nil {
		putBuf(body)
		// The status line arrived, so the server did see the request.
		return nil, nil, used, &TransportError{Err: fmt.Errorf("reading response (HTTP %d): %w", hr.StatusCode, err), Sent: true}
	}
	if len(*body) > maxBody {
		putBuf(body)
		resp.BodyErr = fmt.Errorf("body larger than %d bytes", maxBody)
		return resp, nil, used, nil
	}
	return resp, body, used, nil
}

// roundTrip sends req as c.http.Do would, without following redirects.
func (c *Client) roundTrip(req *http.Request) (*http.Response, error) {
	if c.rt == nil {
		return c.http.Do(req)
	}
	hr, err := c.rt.RoundTrip(req)
	if err != nil {
		if re, ok := errors.AsType[tls.RecordHeaderError](err); ok && string(re.RecordHeader[:]) == "HTTP/" {
			err = http.ErrSchemeMismatch
		}
		return nil, &url.Error{Op: urlErrorOp(req.Method), URL: req.URL.String(), Err: err}
	}
	return hr, nil
}

// urlErrorOp is how http.Client names a method in its errors.
func urlErrorOp(method string) string {
	if method == "" {
		return "Get"
	}
	return method[:1] + strings.ToLower(method[1:])
}

// readBody appends r to buf until EOF or until buf holds limit bytes, as
// io.ReadAll(io.LimitReader(r, limit)) does, but into a reused buffer.
func readBody(r io.Reader, buf []byte, limit int) ([]byte, error) {
	for len(buf) < limit {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), limit)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
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
