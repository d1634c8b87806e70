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

	// Group is the group a lookup or update returned.
	Group *GroupInfo
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

// GroupInfo is a group as GET and PUT /v2/userGroup2 return it.
type GroupInfo struct {
	ID             int64             `json:"id"`
	ExternalID     string            `json:"externalId"`
	GroupName      string            `json:"groupName"`
	MaxGroupSize   int64             `json:"maxGroupSize"`
	GroupStatus    string            `json:"groupStatus"`
	CreatedOn      string            `json:"createdOn"`
	ExtendedFields map[string]string `json:"extendedFields"`
}

type createBody struct {
	Entity   *int64   `json:"entity"`
	Errors   []Notice `json:"errors"`
	Warnings []Notice `json:"warnings"`
}

type groupBody struct {
	GroupInfo
	Entity   *GroupInfo `json:"entity"` // some v2 endpoints wrap the object
	Errors   []Notice   `json:"errors"`
	Warnings []Notice   `json:"warnings"`
}

// decodeCreate fills r from a create response body.
func (r *Response) decodeCreate(body []byte) {
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

// decodeGroup fills r from a lookup or update response body.
func (r *Response) decodeGroup(body []byte) {
	var b groupBody
	if err := json.Unmarshal(body, &b); err != nil {
		r.BodyErr = bodyError(body, err)
		return
	}
	r.Errors, r.Warnings = b.Errors, b.Warnings
	g := &b.GroupInfo
	if b.Entity != nil {
		g = b.Entity
	}
	if r.Status == http.StatusOK && len(r.Errors) == 0 {
		if g.ID == 0 && g.ExternalID == "" {
			r.BodyErr = fmt.Errorf("response has no group")
			return
		}
		r.Group = g
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
