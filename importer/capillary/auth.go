package capillary

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// ErrUnauthorized means the API rejected the credentials. Every later
// request would fail the same way, so it is a reason to stop a run.
var ErrUnauthorized = errors.New("credentials rejected")

// Auth signs requests.
type Auth interface {
	// apply sets the credential on req and returns what it set, so that a
	// 401 can tell whether the credential has changed since.
	apply(ctx context.Context, c *Client, req *http.Request) (string, error)
	// renew is called once after a 401 answered a request signed with used.
	// nil means a retry with a new credential is worthwhile; errNoRenew or
	// an error wrapping ErrUnauthorized, that the 401 stands; any other
	// error (a token endpoint that did not answer), that the request can
	// be sent again later.
	renew(ctx context.Context, c *Client, used string) error
}

// errNoRenew is renew's answer when the credential cannot change.
var errNoRenew = errors.New("the credential cannot be renewed")

// TokenError is an answer of the token endpoint that refuses nothing: a
// 5xx, a 429 or a 408, or a success that holds no token. A token blip is
// not a wrong key; the request that needed the token can be sent again,
// after RetryAfter when the endpoint asked for a wait.
type TokenError struct {
	Status     int
	RetryAfter time.Duration // the Retry-After asked for, capped; zero for none
	Detail     string
}

func (e *TokenError) Error() string { return "oauth token: " + e.Detail }

// Basic is till authentication: the till id and the MD5 of its password,
// as the API requires.
type Basic struct {
	header string
}

// NewBasic prepares Basic authentication for a till. The password itself is
// not kept.
func NewBasic(till, password string) *Basic {
	sum := md5.Sum([]byte(password))
	token := base64.StdEncoding.EncodeToString([]byte(till + ":" + hex.EncodeToString(sum[:])))
	return &Basic{header: "Basic " + token}
}

func (b *Basic) apply(_ context.Context, _ *Client, req *http.Request) (string, error) {
	req.Header["Authorization"] = []string{b.header}
	return b.header, nil
}

func (b *Basic) renew(context.Context, *Client, string) error { return errNoRenew }

// String hides the credential from logs and %v.
func (b *Basic) String() string { return "Basic(redacted)" }

// OAuth is client-key authentication: a token from /v3/oauth/token/generate,
// sent as X-CAP-API-OAUTH-TOKEN and renewed before it expires.
type OAuth struct {
	key, secret string

	mu      sync.Mutex
	token   string
	expires time.Time
	now     func() time.Time
}

// NewOAuth prepares OAuth authentication with a client key and secret.
func NewOAuth(key, secret string) *OAuth {
	return &OAuth{key: key, secret: secret, now: time.Now}
}

// String hides the credential from logs and %v.
func (o *OAuth) String() string { return "OAuth(redacted)" }

func (o *OAuth) apply(ctx context.Context, c *Client, req *http.Request) (string, error) {
	tok, err := o.current(ctx, c)
	if err != nil {
		return "", err
	}
	req.Header["X-Cap-Api-Oauth-Token"] = []string{tok}
	return tok, nil
}

func (o *OAuth) current(ctx context.Context, c *Client) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.token != "" && o.now().Before(o.expires) {
		return o.token, nil
	}
	return o.generateLocked(ctx, c)
}

func (o *OAuth) renew(ctx context.Context, c *Client, used string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.token != used && o.token != "" {
		return nil // another request renewed it already
	}
	// The server refused this token: no request may use it again, even if
	// no new one can be had for now.
	o.token = ""
	_, err := o.generateLocked(ctx, c)
	return err
}

// generateLocked fetches a new token. Holding the lock while it runs makes
// concurrent workers wait for one token instead of each asking for one.
func (o *OAuth) generateLocked(ctx context.Context, c *Client) (string, error) {
	body, _ := json.Marshal(struct {
		Key    string `json:"key"`
		Secret string `json:"secret"`
	}{o.key, o.secret})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/v3/oauth/token/generate", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("oauth token: %w", err)
	}
	defer resp.Body.Close()
	if err := redirected(resp); err != nil {
		return "", fmt.Errorf("oauth token: %w", err)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return "", fmt.Errorf("oauth token: reading response: %w", err)
	}
	switch status := resp.StatusCode; {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return "", fmt.Errorf("oauth token: HTTP %d: %w", status, ErrUnauthorized)
	case status == http.StatusProxyAuthRequired:
		return "", &HostFault{Problem: ProxyAuth, Detail: "oauth token: a proxy answered HTTP 407 Proxy Authentication Required"}
	case status >= 500 || status == http.StatusTooManyRequests || status == http.StatusRequestTimeout:
		// The endpoint is busy or down; it judged nothing.
		te := &TokenError{Status: status, Detail: fmt.Sprintf("HTTP %d: %s", status, tokenMessage(raw, status))}
		if d, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), c.now()); ok {
			te.RetryAfter = min(d, maxRetryAfter)
		}
		return "", te
	}
	var tb struct {
		Data *struct {
			AccessToken string `json:"accessToken"`
			TTLSeconds  int64  `json:"ttlSeconds"`
		} `json:"data"`
		Errors []Notice `json:"errors"`
	}
	if err := json.Unmarshal(raw, &tb); err != nil && (resp.StatusCode < 500 || resp.StatusCode == http.StatusNotFound) {
		// An HTML page, or JSON that is not an answer of this API.
		detail := fmt.Sprintf("oauth token: HTTP %d: %v", resp.StatusCode, bodyError(raw, err))
		return "", &HostFault{Problem: NotTheAPI, Detail: detail}
	}
	if tb.Data == nil || tb.Data.AccessToken == "" {
		if len(tb.Errors) > 0 {
			// An answer that judged the key and secret and refused them.
			return "", fmt.Errorf("oauth token: HTTP %d: %d %s: %w", resp.StatusCode, tb.Errors[0].Code, tb.Errors[0].Message, ErrUnauthorized)
		}
		return "", &TokenError{Status: resp.StatusCode, Detail: fmt.Sprintf("HTTP %d: no token in the response", resp.StatusCode)}
	}
	ttl := time.Duration(tb.Data.TTLSeconds) * time.Second
	if ttl <= 0 {
		ttl = 5 * time.Minute
	}
	// Renew at 80% of the lifetime so a request never leaves with a token
	// that expires on its way.
	o.token = tb.Data.AccessToken
	o.expires = o.now().Add(ttl * 8 / 10)
	return o.token, nil
}

// tokenMessage is what a failed token answer says: the first message of
// the API's error body, else the status text.
func tokenMessage(raw []byte, status int) string {
	var b struct {
		Errors []Notice `json:"errors"`
	}
	if json.Unmarshal(raw, &b) == nil && len(b.Errors) > 0 && b.Errors[0].Message != "" {
		return b.Errors[0].Message
	}
	return http.StatusText(status)
}
