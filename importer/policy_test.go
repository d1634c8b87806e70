package importer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/capillary-tools/groupimport/importer/capillary"
)

func TestDecide(t *testing.T) {
	p := Policy{MaxAttempts: 3, MaxThrottled: 2, BaseBackoff: time.Second, MaxBackoff: 4 * time.Second}
	created := &capillary.Response{Status: 200, Entity: 7, HasEntity: true}
	warned := &capillary.Response{Status: 200, Entity: 7, HasEntity: true, Warnings: []capillary.Notice{{Code: 91016, Message: "bad name"}}}
	conflict := &capillary.Response{Status: 400, Errors: []capillary.Notice{{Code: 1633, Message: "exists"}}}
	conflict200 := &capillary.Response{Status: 200, Errors: []capillary.Notice{{Code: 1633, Message: "exists"}}}
	rejected := &capillary.Response{Status: 400, Errors: []capillary.Notice{{Code: 1639, Message: "too big"}}}
	unsupported := &capillary.Response{Status: 415}
	html4xx := &capillary.Response{Status: 400, BodyErr: errors.New(`body is not JSON (starts "<html>")`)}
	throttled := &capillary.Response{Status: 429, RetryAfter: 7 * time.Second}
	throttledBare := &capillary.Response{Status: 429}
	server := &capillary.Response{Status: 503}
	broken := &capillary.Response{Status: 200, BodyErr: errors.New("not JSON")}
	entity0 := &capillary.Response{Status: 200, Entity: 0, HasEntity: true}
	negative := &capillary.Response{Status: 200, Entity: -7, HasEntity: true}
	tokenBusy := fmt.Errorf("oauth: %w", &capillary.TokenError{Status: 503, Detail: "HTTP 503: busy"})
	tokenWait := &capillary.TokenError{Status: 503, RetryAfter: 9 * time.Second}
	tokenThrottled := &capillary.TokenError{Status: 429, RetryAfter: 6 * time.Second}
	unauthorized := &capillary.Response{Status: 401}
	forbidden := &capillary.Response{Status: 403}
	dialErr := &capillary.TransportError{Err: &url.Error{Op: "Post", Err: &net.OpError{Op: "dial", Err: errors.New("refused")}}, Sent: false}
	timeout := &capillary.TransportError{Err: context.DeadlineExceeded, Sent: true}

	tests := []struct {
		name      string
		resp      *capillary.Response
		err       error
		attempt   int
		throttled int
		mayExist  bool
		want      action
		status    Status
		sent      bool
		wait      time.Duration // checked when non-zero: the minimum wait
	}{
		{"created", created, nil, 1, 0, false, actDone, Created, false, 0},
		{"warnings", warned, nil, 1, 0, false, actDone, CreatedWithWarnings, false, 0},
		{"1633 first try", conflict, nil, 1, 0, false, actDone, Conflict, false, 0},
		{"1633 whatever the status", conflict200, nil, 1, 0, false, actDone, Conflict, false, 0},
		{"1633 after a lost attempt", conflict, nil, 2, 0, true, actLookup, "", false, 0},
		{"other 4xx code", rejected, nil, 1, 0, false, actDone, Rejected, false, 0},
		{"4xx without body", unsupported, nil, 1, 0, false, actDone, Rejected, false, 0},
		{"4xx page that is not JSON retried", html4xx, nil, 1, 0, false, actRetry, "", false, 0},
		{"4xx page that is not JSON is failed, never rejected", html4xx, nil, 3, 0, false, actDone, Failed, false, 0},
		{"429 honours Retry-After", throttled, nil, 1, 0, false, actRetry, "", false, 7 * time.Second},
		{"429 without Retry-After backs off", throttledBare, nil, 1, 0, false, actRetry, "", false, 500 * time.Millisecond},
		{"429 too often", throttled, nil, 1, 2, false, actDone, Failed, false, 0},
		{"5xx retried", server, nil, 1, 0, false, actRetry, "", true, 500 * time.Millisecond},
		{"5xx out of attempts", server, nil, 3, 0, false, actDone, Failed, true, 0},
		{"broken 200 looked up as maybe created", broken, nil, 1, 0, false, actLookup, "", true, 0},
		{"entity 0 looked up as maybe created", entity0, nil, 1, 0, false, actLookup, "", true, 0},
		{"negative entity looked up as maybe created", negative, nil, 1, 0, false, actLookup, "", true, 0},
		{"token endpoint 5xx retried, never sent", nil, tokenBusy, 1, 0, false, actRetry, "", false, 500 * time.Millisecond},
		{"token endpoint Retry-After honoured", nil, tokenWait, 1, 0, false, actRetry, "", false, 9 * time.Second},
		{"token endpoint 5xx out of attempts", nil, tokenBusy, 3, 0, false, actDone, Failed, false, 0},
		{"token endpoint 429 waits as asked", nil, tokenThrottled, 3, 0, false, actRetry, "", false, 6 * time.Second},
		{"timeout retried as maybe created", nil, timeout, 1, 0, false, actRetry, "", true, 0},
		{"connection refused never reached", nil, dialErr, 1, 0, false, actRetry, "", false, 0},
		{"timeout out of attempts", nil, timeout, 3, 0, false, actDone, Failed, true, 0},
		{"401 aborts", unauthorized, nil, 1, 0, false, actAbort, Skipped, false, 0},
		{"403 aborts", forbidden, nil, 1, 0, false, actAbort, Skipped, false, 0},
		{"token refused aborts", nil, capillary.ErrUnauthorized, 1, 0, false, actAbort, Skipped, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decide(tt.resp, tt.err, tt.attempt, tt.throttled, p, tt.mayExist, 0)
			if d.act != tt.want || d.status != tt.status || d.sent != tt.sent {
				t.Fatalf("decide = %+v, want act %v status %q sent %v", d, tt.want, tt.status, tt.sent)
			}
			if tt.wait > 0 && d.wait < tt.wait {
				t.Errorf("wait %s, want at least %s", d.wait, tt.wait)
			}
			if d.act == actDone && d.status != Created && d.msg == "" {
				t.Errorf("no message for %s", d.status)
			}
		})
	}
}

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	p := Policy{BaseBackoff: time.Second, MaxBackoff: 8 * time.Second}
	prev := time.Duration(0)
	for attempt := 1; attempt <= 4; attempt++ {
		lo, hi := backoff(attempt, p, 0), backoff(attempt, p, 0.999)
		if lo <= prev || hi < lo {
			t.Fatalf("attempt %d: [%s, %s] after %s", attempt, lo, hi, prev)
		}
		prev = lo
	}
	if got := backoff(20, p, 0.999); got > 8*time.Second {
		t.Fatalf("backoff not capped: %s", got)
	}
}

func TestGaveUpSaysAttemptsRight(t *testing.T) {
	p := Policy{MaxAttempts: 1, MaxThrottled: 1, BaseBackoff: time.Second, MaxBackoff: time.Second}
	d := decide(&capillary.Response{Status: 503}, nil, 1, 0, p, false, 0)
	if !strings.HasPrefix(d.msg, "gave up after 1 attempt: ") {
		t.Errorf("message %q", d.msg)
	}
}

func TestDecideLookup(t *testing.T) {
	p := Policy{MaxAttempts: 2, MaxThrottled: 3, BaseBackoff: time.Second, MaxBackoff: time.Second}
	found := &capillary.Response{Status: 200, Group: &capillary.GroupInfo{ID: 9}}
	// A lookup that finds no group is an answer: the client marks it
	// Missing. A 400 the client does not read as one is not.
	notFound := &capillary.Response{Status: 400, Missing: true, Errors: []capillary.Notice{{Code: capillary.CodeNotValid, Message: "Group id/externalId/primary userId passed is not valid"}}}
	plain400 := &capillary.Response{Status: 400, Errors: []capillary.Notice{{Code: 1636, Message: "bad request"}}}
	tests := []struct {
		name    string
		resp    *capillary.Response
		err     error
		attempt int
		act     action
		status  Status
	}{
		{"found", found, nil, 1, actDone, Created},
		{"not found", notFound, nil, 1, actDone, Created},
		{"plain 400", plain400, nil, 1, actDone, Failed},
		{"5xx retried", &capillary.Response{Status: 502}, nil, 1, actRetry, ""},
		{"5xx out of attempts", &capillary.Response{Status: 502}, nil, 2, actDone, Failed},
		{"429 retried", &capillary.Response{Status: 429}, nil, 1, actRetry, ""},
		{"network retried", nil, &capillary.TransportError{Err: errors.New("reset"), Sent: true}, 1, actRetry, ""},
		{"401 aborts", &capillary.Response{Status: 401}, nil, 1, actAbort, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decideLookup(tt.resp, tt.err, tt.attempt, 0, p, 0)
			if d.act != tt.act || d.status != tt.status {
				t.Fatalf("decideLookup = %+v, want %v %q", d, tt.act, tt.status)
			}
		})
	}
}

// TestConfigDefaultsPolicyFieldByField checks each field of a Policy left
// zero gets its default and each field set is kept: a caller that sets
// only MaxThrottled keeps it.
func TestConfigDefaultsPolicyFieldByField(t *testing.T) {
	d := DefaultPolicy()
	tests := []struct {
		name     string
		in, want Policy
	}{
		{"zero", Policy{}, d},
		{"throttled only", Policy{MaxThrottled: 2}, Policy{MaxAttempts: d.MaxAttempts, MaxThrottled: 2, BaseBackoff: d.BaseBackoff, MaxBackoff: d.MaxBackoff}},
		{"attempts only", Policy{MaxAttempts: 3}, Policy{MaxAttempts: 3, MaxThrottled: d.MaxThrottled, BaseBackoff: d.BaseBackoff, MaxBackoff: d.MaxBackoff}},
		{"backoff only", Policy{BaseBackoff: time.Millisecond, MaxBackoff: time.Second}, Policy{MaxAttempts: d.MaxAttempts, MaxThrottled: d.MaxThrottled, BaseBackoff: time.Millisecond, MaxBackoff: time.Second}},
		{"negative", Policy{MaxAttempts: -1, MaxThrottled: -1}, d},
		{"all set", Policy{MaxAttempts: 1, MaxThrottled: 1, BaseBackoff: 2, MaxBackoff: 3}, Policy{MaxAttempts: 1, MaxThrottled: 1, BaseBackoff: 2, MaxBackoff: 3}},
	}
	for _, tt := range tests {
		c := Config{Validator: &Validator{Cols: &Columns{}}, DryRun: true, Sink: func(Result) error { return nil }, Policy: tt.in}
		if err := c.defaults(); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if c.Policy != tt.want {
			t.Errorf("%s: defaults made %+v of %+v, want %+v", tt.name, c.Policy, tt.in, tt.want)
		}
	}
}
