package importer

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/capillary-tools/groupimport/importer/capillary"
)

// Policy bounds the retries of one row.
//
// Run gives a field left zero its DefaultPolicy value.
type Policy struct {
	MaxAttempts  int           // requests per row, the first included
	MaxThrottled int           // 429 answers tolerated per row; they do not use up attempts
	BaseBackoff  time.Duration // first wait after a failure; doubles each attempt
	MaxBackoff   time.Duration // the longest wait between attempts
}

// DefaultPolicy is what the command line starts from, and what Run gives a
// field of Config.Policy left zero.
func DefaultPolicy() Policy {
	return Policy{MaxAttempts: 5, MaxThrottled: 50, BaseBackoff: 500 * time.Millisecond, MaxBackoff: 30 * time.Second}
}

// withDefaults gives each field of p that is zero or negative its
// DefaultPolicy value and keeps the others: a caller that sets only
// MaxThrottled keeps it.
func (p Policy) withDefaults() Policy {
	d := DefaultPolicy()
	if p.MaxAttempts < 1 {
		p.MaxAttempts = d.MaxAttempts
	}
	if p.MaxThrottled < 1 {
		p.MaxThrottled = d.MaxThrottled
	}
	if p.BaseBackoff <= 0 {
		p.BaseBackoff = d.BaseBackoff
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = d.MaxBackoff
	}
	return p
}

type action int

const (
	actDone   action = iota // the row has its final status
	actRetry                // send it again after wait
	actLookup               // 1633 after an attempt that may have created it: look it up
	actAbort                // credentials rejected: stop the run
)

// decision is what to do after one response.
type decision struct {
	act       action
	status    Status
	wait      time.Duration
	throttled bool // a 429: counts against MaxThrottled, not MaxAttempts
	// sent is true when this attempt may have reached the server and acted,
	// so that a later 1633 may be this row's own doing.
	sent bool
	// unproven, with actLookup, is a 2xx answer to a create that does not
	// show the group (an unreadable body, an entity id that is not an id):
	// the create may have been done, so the row is settled by a lookup.
	unproven bool
	msg      string
}

// decide classifies one create attempt. attempt counts requests that used up
// the attempt budget so far, this one included; throttled counts 429s.
// jitter is in [0,1). It is a pure function so that the table of outcomes
// can be tested without a server.
func decide(resp *capillary.Response, err error, attempt, throttled int, p Policy, mayExist bool, jitter float64) decision {
	if err != nil {
		return noAnswer(err, attempt, throttled, p, jitter)
	}
	switch {
	case resp.Status == http.StatusUnauthorized || resp.Status == http.StatusForbidden:
		return decision{act: actAbort, status: Skipped, msg: fmt.Sprintf("HTTP %d: %s", resp.Status, resp.Message())}
	case resp.Status == http.StatusTooManyRequests:
		return rateLimited(resp, throttled, p, jitter)
	case resp.HasCode(1633):
		if mayExist {
			return decision{act: actLookup, msg: resp.Message()}
		}
		return decision{act: actDone, status: Conflict, msg: resp.Message()}
	case showsGroup(resp):
		if len(resp.Warnings) > 0 {
			return decision{act: actDone, status: CreatedWithWarnings, msg: "created; some extended fields were not saved"}
		}
		return decision{act: actDone, status: Created}
	case resp.Status >= 500 || resp.Status == http.StatusRequestTimeout:
		return retryOrFail(decision{act: actRetry, sent: true, msg: resp.Message()}, attempt, p, jitter, resp.RetryAfter)
	case resp.Status >= 200 && resp.Status < 300 && len(resp.Errors) == 0:
		// A success that does not show the group: its body cannot be read,
		// or its entity id is not an id. The create may well have been
		// done; only a lookup can tell.
		return decision{act: actLookup, sent: true, unproven: true, msg: unprovenAnswer(resp)}
	case resp.Status >= 200 && resp.Status < 300:
		return retryOrFail(decision{act: actRetry, sent: true, msg: resp.Message()}, attempt, p, jitter, 0)
	case resp.BodyErr != nil:
		// Not the API's answer (a proxy's or a firewall's page): nothing
		// says the row is wrong, so it is never rejected, which is final.
		return retryOrFail(decision{act: actRetry, msg: resp.Message()}, attempt, p, jitter, resp.RetryAfter)
	}
	return decision{act: actDone, status: Rejected, msg: resp.Message()}
}

// showsGroup reports whether an answer to a create is a clean 200 that
// names the group made.
func showsGroup(resp *capillary.Response) bool {
	return resp.Status == http.StatusOK && resp.HasEntity && resp.Entity > 0 && resp.BodyErr == nil && len(resp.Errors) == 0
}

// noAnswer decides on a request that got no answer: rejected credentials
// stop the run; a busy token endpoint or a lost answer is tried again.
func noAnswer(err error, attempt, throttled int, p Policy, jitter float64) decision {
	if errors.Is(err, capillary.ErrUnauthorized) {
		return decision{act: actAbort, status: Skipped, msg: err.Error()}
	}
	if d, ok := tokenBlip(err, attempt, throttled, p, jitter); ok {
		return d
	}
	d := decision{act: actRetry, sent: capillary.MaybeSent(err), msg: "no response: " + err.Error()}
	return retryOrFail(d, attempt, p, jitter, 0)
}

// rateLimited decides on a 429: wait as the server asks, or back off, up
// to MaxThrottled times; the attempt budget is not used up.
func rateLimited(resp *capillary.Response, throttled int, p Policy, jitter float64) decision {
	if throttled >= p.MaxThrottled {
		return decision{act: actDone, status: Failed, msg: "rate limited (HTTP 429) " + Plural(throttled, "time") + ": the request rate is above the org's quota"}
	}
	wait := resp.RetryAfter
	if wait <= 0 {
		wait = backoff(throttled, p, jitter)
	}
	return decision{act: actRetry, throttled: true, wait: wait, msg: "rate limited (HTTP 429)"}
}

// unprovenAnswer says what a 2xx answer to a create held instead of the
// group's id.
func unprovenAnswer(resp *capillary.Response) string {
	switch {
	case resp.BodyErr != nil:
		return resp.Message()
	case resp.HasEntity:
		return fmt.Sprintf("HTTP %d with entity %d, which is not a group id", resp.Status, resp.Entity)
	}
	return fmt.Sprintf("HTTP %d with no entity id", resp.Status)
}

// tokenBlip decides on a request that could not be signed because the
// OAuth token endpoint was busy or down (5xx, 429, 408, no token): the
// key was not refused, so the row waits and is sent again, as after any
// such answer. A 429 uses up no attempt. The pacer is not told: the token
// endpoint's limit is not the group API's quota.
func tokenBlip(err error, attempt, throttled int, p Policy, jitter float64) (decision, bool) {
	te, ok := errors.AsType[*capillary.TokenError](err)
	if !ok {
		return decision{}, false
	}
	msg := "no token: " + te.Error()
	if te.Status == http.StatusTooManyRequests {
		if throttled >= p.MaxThrottled {
			return decision{act: actDone, status: Failed, msg: "the OAuth token endpoint answered 429 " + Plural(throttled, "time")}, true
		}
		wait := te.RetryAfter
		if wait <= 0 {
			wait = backoff(throttled, p, jitter)
		}
		return decision{act: actRetry, throttled: true, wait: wait, msg: msg}, true
	}
	return retryOrFail(decision{act: actRetry, msg: msg}, attempt, p, jitter, te.RetryAfter), true
}

func retryOrFail(d decision, attempt int, p Policy, jitter float64, retryAfter time.Duration) decision {
	if attempt >= p.MaxAttempts {
		d.act, d.status = actDone, Failed
		d.msg = "gave up after " + Plural(attempt, "attempt") + ": " + d.msg
		return d
	}
	d.wait = max(backoff(attempt, p, jitter), retryAfter)
	return d
}

// backoff is exponential with full jitter over its upper half, so workers
// that failed together do not come back together.
func backoff(attempt int, p Policy, jitter float64) time.Duration {
	d := p.BaseBackoff
	for i := 1; i < attempt && d < p.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, p.MaxBackoff)
	return d/2 + time.Duration(jitter*float64(d/2))
}

func jitter() float64 { return rand.Float64() }
