package capillary

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Notice is one item of a response's errors or warnings array; the API uses
// one shape for both.
type Notice struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// Response is what the server answered to one request.
type Response struct {
	Status    int    // HTTP status
	RequestID string // X-Cap-Requestid, kept for support
	Entity    int64  // the created group's id, when HasEntity
	HasEntity bool
	Errors    []Notice
	Warnings  []Notice

	// RetryAfter is the wait the server asked for (429, 503), capped by the
	// client; zero when it asked for none.
	RetryAfter time.Duration

	// BodyErr is set when the body was not the JSON the API documents: a
	// proxy's HTML page, a truncated body, JSON of the wrong shape.
	BodyErr error

	// Group is the group a lookup or update returned. A lookup sets it only
	// to the group whose external id was asked for.
	Group *GroupInfo
	// Missing is true when a lookup's answer says that no group has the
	// external id asked for.
	Missing bool

	// Received is our clock when the answer arrived; with Date, it
	// judges a createdOn on the server's clock.
	Received time.Time

	// Header is the answer's header, for diagnostics.
	Header http.Header
}

// Date is the server's clock when it answered (its Date header), or zero.
// It is read only when asked for: most answers never need it.
func (r *Response) Date() time.Time {
	d, err := http.ParseTime(r.Header.Get("Date"))
	if err != nil {
		return time.Time{}
	}
	return d
}

// Code is the first error code in the body, or 0.
func (r *Response) Code() int {
	if len(r.Errors) == 0 {
		return 0
	}
	return r.Errors[0].Code
}

// Message is the error messages joined, or a description of a broken body.
func (r *Response) Message() string {
	switch {
	case len(r.Errors) == 1:
		return r.Errors[0].Message
	case len(r.Errors) > 1:
		parts := make([]string, len(r.Errors))
		for i, e := range r.Errors {
			parts[i] = strconv.Itoa(e.Code) + ": " + e.Message
		}
		return strings.Join(parts, " | ")
	case r.BodyErr != nil:
		return fmt.Sprintf("HTTP %d: %v", r.Status, r.BodyErr)
	}
	return fmt.Sprintf("HTTP %d %s", r.Status, http.StatusText(r.Status))
}

// HasCode reports whether any error item carries code.
func (r *Response) HasCode(code int) bool {
	for _, e := range r.Errors {
		if e.Code == code {
			return true
		}
	}
	return false
}

// GroupInfo is a group as GET and PUT /v2/userGroup2 return it, in either
// contract's shape.
type GroupInfo struct {
	ID              int64
	ExternalID      string
	GroupName       string
	MaxGroupSize    int64
	HasMaxGroupSize bool   // the answer carried maxGroupSize (the search shape need not)
	GroupStatus     string // ACTIVE, EXITED, ...; empty when not given
	CreatedOn       string // as the server wrote it; only the older shape has it
	ExtendedFields  map[string]string
}

// Active reports whether the group is live: its status is ACTIVE, or the
// answer did not say.
func (g *GroupInfo) Active() bool {
	return g.GroupStatus == "" || strings.EqualFold(g.GroupStatus, "ACTIVE")
}

type createBody struct {
	Entity   *int64   `json:"entity"`
	Errors   []Notice `json:"errors"`
	Warnings []Notice `json:"warnings"`
}

type groupBody struct {
	wireGroup
	Entity   *wireGroup `json:"entity"` // some v2 endpoints wrap the object
	Errors   []Notice   `json:"errors"`
	Warnings []Notice   `json:"warnings"`
}

// decodeCreate fills r from a create response body. The usual answer,
// {"entity":N,"warnings":[]}, is recognised by plainCreated without
// reflection; any other body goes through encoding/json, which decides
// what it means.
func (r *Response) decodeCreate(body []byte) {
	if id, ok := plainCreated(body); ok {
		// What encoding/json makes of that body: an empty, non-nil
		// warnings slice and no errors.
		r.Entity, r.HasEntity, r.Warnings = id, true, []Notice{}
		return
	}
	r.decodeCreateJSON(body)
}

// decodeCreateJSON is decodeCreate for any body.
func (r *Response) decodeCreateJSON(body []byte) {
	var b createBody
	if err := json.Unmarshal(body, &b); err != nil {
		r.BodyErr = bodyError(body, err)
		return
	}
	r.Errors, r.Warnings = b.Errors, b.Warnings
	if b.Entity != nil {
		r.Entity, r.HasEntity = *b.Entity, true
	}
	if r.Status == http.StatusOK && !r.HasEntity && len(r.Errors) == 0 {
		r.BodyErr = fmt.Errorf("response has no entity id")
	}
}

// plainCreated reports whether body is exactly {"entity":N,"warnings":[]},
// with any JSON whitespace between the tokens and N an integer that fits
// an int64, and returns N.
func plainCreated(body []byte) (int64, bool) {
	sc := scanner{b: body}
	if !sc.lit("{") || !sc.lit(`"entity"`) || !sc.lit(":") {
		return 0, false
	}
	sc.space()
	start := sc.i
	if sc.i < len(body) && body[sc.i] == '-' {
		sc.i++
	}
	digits := sc.i
	for sc.i < len(body) && body[sc.i] >= '0' && body[sc.i] <= '9' {
		sc.i++
	}
	if sc.i == digits || body[digits] == '0' && sc.i-digits > 1 {
		return 0, false // no digits, or a leading zero JSON does not allow
	}
	id, err := strconv.ParseInt(string(body[start:sc.i]), 10, 64)
	if err != nil {
		return 0, false
	}
	if !sc.lit(",") || !sc.lit(`"warnings"`) || !sc.lit(":") || !sc.lit("[") || !sc.lit("]") || !sc.lit("}") {
		return 0, false
	}
	sc.space()
	return id, sc.i == len(body)
}

// scanner walks a JSON body token by token for plainCreated.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// lit skips whitespace and then the literal tok, reporting whether it was
// there.
func (s *scanner) lit(tok string) bool {
	s.space()
	if len(s.b)-s.i < len(tok) || string(s.b[s.i:s.i+len(tok)]) != tok {
		return false
	}
	s.i += len(tok)
	return true
}

// decodeGroup fills r from an update response body, which echoes the
// group.
func (r *Response) decodeGroup(body []byte) {
	var b groupBody
	if err := json.Unmarshal(body, &b); err != nil {
		r.BodyErr = bodyError(body, err)
		return
	}
	r.Errors, r.Warnings = b.Errors, b.Warnings
	g := &b.wireGroup
	if b.Entity != nil {
		g = b.Entity
	}
	if r.Status == http.StatusOK && len(r.Errors) == 0 {
		if g.ID == 0 && g.ExternalID == "" {
			r.BodyErr = fmt.Errorf("response has no group")
			return
		}
		r.Group = g.info()
	}
}

func bodyError(body []byte, err error) error {
	if len(body) == 0 {
		return fmt.Errorf("empty body")
	}
	if body[0] != '{' {
		return fmt.Errorf("body is not JSON (starts %q)", truncate(body, 24))
	}
	return fmt.Errorf("unexpected JSON: %v", err)
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	return string(b)
}

// ParseRetryAfter reads a Retry-After header, either delay-seconds or an
// HTTP date, relative to now. ok is false when the header is absent or
// unreadable.
func ParseRetryAfter(h string, now time.Time) (d time.Duration, ok bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(h, 64); err == nil {
		if secs < 0 {
			return 0, true
		}
		if secs > 1e6 {
			secs = 1e6
		}
		return time.Duration(secs * float64(time.Second)), true
	}
	t, err := http.ParseTime(h)
	if err != nil {
		return 0, false
	}
	if d = t.Sub(now); d < 0 {
		d = 0
	}
	return d, true
}
