package capillary

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"
)

// redirectError is an answer that sent the request elsewhere (HTTP 3xx).
// The API never redirects, and following one would carry the credentials
// to another host, so the client stops there.
type redirectError struct {
	Status   int
	Location string // as the server gave it; may be empty
	From     string // the URL that was asked for, without its query
}

func (e *redirectError) Error() string {
	if e.Location == "" {
		return fmt.Sprintf("%s answered HTTP %d, a redirect with no Location", e.From, e.Status)
	}
	return fmt.Sprintf("%s redirects (HTTP %d) to %s", e.From, e.Status, e.Location)
}

// Base is the scheme and host the redirect points at, for a --host hint;
// empty when the Location cannot be read.
func (e *redirectError) Base() string {
	u, err := url.Parse(e.Location)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// redirected turns a 3xx answer into a redirectError, after draining what
// little body it has so the connection can be reused.
func redirected(hr *http.Response) error {
	if hr.StatusCode < 300 || hr.StatusCode > 399 || hr.StatusCode == http.StatusNotModified {
		return nil
	}
	io.Copy(io.Discard, io.LimitReader(hr.Body, maxBody))
	from := *hr.Request.URL
	from.RawQuery = ""
	return &redirectError{Status: hr.StatusCode, Location: hr.Header.Get("Location"), From: from.String()}
}

// Problem is a fault of the host rather than of one request: every other
// request of the run would meet it too.
type Problem int

// The kinds of Problem.
const (
	NoProblem   Problem = iota
	Refused             // nothing listens at the host's port
	NoSuchHost          // the name does not resolve
	Certificate         // the TLS certificate is not trusted or not for this host
	Redirect            // the host redirects
	Unreachable         // the network has no route
	NotTheAPI           // the host answers, but not as the API does (an HTML page, 404 on the API path)
	ProxyAuth           // a proxy on the way asks for credentials (HTTP 407)
)

// ProxyAuthError is a proxy refusing to open a tunnel to the host until it
// is given credentials (a 407 to CONNECT). Proxy names the proxy by host
// and port only: its URL may hold a password.
type ProxyAuthError struct {
	Proxy string
}

func (e *ProxyAuthError) Error() string {
	return "the proxy " + e.Proxy + " answered HTTP 407 Proxy Authentication Required"
}

// proxyConnectResponse is http.Transport.OnProxyConnectResponse: it turns
// a 407 to CONNECT into a ProxyAuthError, which says what it is; the
// transport's own error is the bare status text.
func proxyConnectResponse(_ context.Context, proxy *url.URL, _ *http.Request, resp *http.Response) error {
	if resp.StatusCode == http.StatusProxyAuthRequired {
		return &ProxyAuthError{Proxy: proxy.Host}
	}
	return nil
}

// HostProblem classifies a transport error. Refused and Unreachable are
// only faults of the whole run when nothing has answered yet; a
// certificate or a redirect always is.
func HostProblem(err error) Problem {
	if err == nil {
		return NoProblem
	}
	if f, ok := errors.AsType[*HostFault](err); ok {
		return f.Problem
	}
	if _, ok := errors.AsType[*redirectError](err); ok {
		return Redirect
	}
	if _, ok := errors.AsType[*ProxyAuthError](err); ok {
		return ProxyAuth
	}
	if errors.Is(err, http.ErrSchemeMismatch) {
		return NotTheAPI
	}
	if isCertError(err) {
		return Certificate
	}
	if de, ok := errors.AsType[*net.DNSError](err); ok && !de.IsTemporary {
		return NoSuchHost
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return Refused
	}
	if errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH) {
		return Unreachable
	}
	return NoProblem
}

func isCertError(err error) bool {
	if _, ok := errors.AsType[*tls.CertificateVerificationError](err); ok {
		return true
	}
	if _, ok := errors.AsType[x509.UnknownAuthorityError](err); ok {
		return true
	}
	if _, ok := errors.AsType[x509.HostnameError](err); ok {
		return true
	}
	if _, ok := errors.AsType[x509.CertificateInvalidError](err); ok {
		return true
	}
	return false
}

// Advice is one sentence on what to do about p.
func (p Problem) Advice() string {
	switch p {
	case Refused:
		return "nothing accepts connections there: check --host or --cluster, the port, and that the API is up"
	case NoSuchHost:
		return "the host name does not resolve: check the spelling of --host, or use --cluster"
	case Certificate:
		return "the host's TLS certificate is not trusted: if a proxy re-signs HTTPS, add its CA to the system certificate store or point SSL_CERT_FILE at a PEM file holding it"
	case Redirect:
		return "the API does not redirect, and groupimport does not follow redirects (they would carry the credentials elsewhere): use --host with the address the API really answers at"
	case Unreachable:
		return "there is no route to the host: check the network, a VPN or a proxy"
	case NotTheAPI:
		return "the host does not answer as the Capillary API: check --host (it is the API host, such as https://eu.api.capillarytech.com, not a web page)"
	case ProxyAuth:
		return "the proxy wants credentials: set them in HTTPS_PROXY (and HTTP_PROXY for a plain-http host) as http://user:pass@proxy:port, or check the ones set there"
	}
	return ""
}

// HostFault is a Problem met by a request, with the error or answer that
// showed it.
type HostFault struct {
	Problem Problem
	Detail  string // what came back
}

func (f *HostFault) Error() string { return f.Detail + "; " + f.Problem.Advice() }

// NotAPI reports why an answer shows that the host is not the Capillary
// API, or "" when it may be: a body that is not JSON (an HTML page) with a
// status below 500, or a 404 on the API's own path. A 5xx page from a
// proxy says nothing about what stands behind it.
func NotAPI(r *Response) string {
	switch {
	case r == nil:
		return ""
	case r.Status == http.StatusProxyAuthRequired:
		return "" // not the host's answer but a proxy's; see ProxyAuthRequired
	case r.Status == http.StatusNotFound:
		return fmt.Sprintf("HTTP 404 on %s: %s", GroupPathName, r.Message())
	case r.BodyErr != nil && r.Status < 500 && r.Status != http.StatusTooManyRequests:
		return r.Message()
	}
	return ""
}

// GroupPathName is the API path groupimport talks to.
const GroupPathName = "/v2/userGroup2"

// ProxyAuthRequired is the fault an answer shows when a proxy on the way
// (HTTP_PROXY, for a plain-http host) asks for credentials: every request
// would meet it. Nil for any other answer.
func ProxyAuthRequired(r *Response) *HostFault {
	if r == nil || r.Status != http.StatusProxyAuthRequired {
		return nil
	}
	return &HostFault{Problem: ProxyAuth, Detail: "a proxy answered HTTP 407 Proxy Authentication Required"}
}
