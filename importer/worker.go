package importer

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/capillary-tools/groupimport/importer/capillary"
)

// process sends one row until it has a final status, the attempts run out,
// or the run stops. The error is non-nil only for a fault of the whole run.
func (r *runner) process(j job) (Result, error) {
	if r.cfg.Diff != nil {
		return r.diff(j)
	}
	if r.cfg.Undo != nil {
		return r.undo(j)
	}
	if j.knownID != 0 {
		return r.putKnown(j)
	}
	res := j.res
	p := r.cfg.Policy
	// A 1633 is looked up when an earlier attempt (of this run or a
	// resumed one) may have created the group, or when the user asked.
	lookUp := j.mayExist || r.cfg.OnConflict == ConflictLookup || r.cfg.OnConflict == ConflictUpdate
	x := r.exchange(&res, true, func(ctx context.Context) (*capillary.Response, error) {
		return r.cfg.API.Create(ctx, &j.group)
	}, func(resp *capillary.Response, err error, attempt, throttled int, sent bool) decision {
		return decide(resp, err, attempt, throttled, p, lookUp || sent, jitter())
	})
	mayExist := j.mayExist || x.sent
	if x.stopped {
		return r.unfinished(res, mayExist, x.d.msg), nil
	}
	switch x.d.act {
	case actAbort:
		return r.abort(res, "not created", x)
	case actLookup:
		var since time.Time
		if x.sent {
			since = x.started
		}
		unproven := ""
		if x.d.unproven {
			unproven = x.d.msg
		}
		return r.settle(j, res, mayExist, since, unproven)
	}
	res.Status, res.Message = x.d.status, x.d.msg
	if resp := x.resp; resp != nil {
		res.Code = resp.Code()
		if resp.HasEntity {
			res.EntityID = resp.Entity
		}
		res.Warnings = notices(resp.Warnings)
	}
	return res, nil
}

// exchanged is how one request of a row, with its retries, ended.
type exchanged struct {
	resp    *capillary.Response // the last answer, or nil
	d       decision            // what judge made of it
	sent    bool                // some attempt may have reached the server and acted
	stopped bool                // the run stopped before a final decision
	started time.Time           // when the first attempt left (our clock)
	// fault, with d.act actAbort, is a problem of the host that every
	// other row would meet too; nil when the credentials were rejected.
	fault *capillary.HostFault
}

// exchange sends call until judge decides anything but a retry: each
// request waits for the pacer, runs under the per-request timeout, has its
// request id recorded (and, with count, its attempt), and tells the pacer
// how the server took it; retries back off as judge says. judge gets the
// attempt number within its budget, the 429s so far and whether an
// earlier attempt may have reached the server.
func (r *runner) exchange(res *Result, count bool, call func(context.Context) (*capillary.Response, error),
	judge func(resp *capillary.Response, err error, attempt, throttled int, sent bool) decision) exchanged {
	var x exchanged
	tries, throttles := 0, 0
	r.stall.begin()
	defer r.stall.end()
	for {
		if r.stopped.Err() != nil || r.pace() != nil {
			x.stopped = true
			return x
		}
		if x.started.IsZero() {
			x.started = time.Now()
		}
		resp, err := r.send(call)
		if count {
			res.Attempts++
		}
		if err != nil && r.reqCtx.Err() != nil {
			// Killed, or out of drain time, while the request was out.
			x.stopped, x.sent = true, true
			x.d.msg = "interrupted while a request was in flight"
			return x
		}
		if resp != nil {
			res.RequestID = resp.RequestID
		}
		d := judge(resp, err, tries+1, throttles, x.sent)
		// A create answered 2xx may have been done, whatever the body
		// says: the lookup that settles it tells whether the host is the
		// API.
		if f := r.hostFault(resp, err); f != nil && (!d.unproven || f.Problem == capillary.ProxyAuth) {
			x.resp, x.fault = resp, f
			x.d = decision{act: actAbort, msg: f.Error()}
			return x
		}
		r.feedback(resp, d)
		if d.throttled {
			throttles++
		} else {
			tries++
		}
		x.resp, x.d, x.sent = resp, d, x.sent || d.sent
		if d.act != actRetry {
			return x
		}
		if !r.sleep(d.wait) {
			x.stopped = true
			return x
		}
	}
}

// abort ends a row, and the run, on a fault that every other row would
// meet too: the API refused the credentials, the host is not the API, or a
// proxy wants credentials.
func (r *runner) abort(res Result, what string, x exchanged) (Result, error) {
	if x.fault != nil {
		res.Status, res.Message = Skipped, what+": "+x.fault.Detail
		return res, fmt.Errorf("%w: %w", ErrAborted, x.fault)
	}
	res.Status, res.Message = Skipped, what+": the API rejected the credentials ("+x.d.msg+")"
	return res, fmt.Errorf("%w: the API rejected the credentials (%s): %w", ErrAborted, x.d.msg, capillary.ErrUnauthorized)
}

// hostFault reports a fault of the host rather than of the row: a
// redirect, an untrusted certificate or a proxy asking for credentials at
// any time; before the API has answered once, a host that refuses
// connections or does not resolve, or an answer that is not the API's (an
// HTML page, a 404 on the API path). Once the API has answered, such
// errors are taken as passing, and retried.
func (r *runner) hostFault(resp *capillary.Response, err error) *capillary.HostFault {
	if err != nil {
		switch p := capillary.HostProblem(err); p {
		case capillary.Redirect, capillary.Certificate, capillary.ProxyAuth:
			return &capillary.HostFault{Problem: p, Detail: err.Error()}
		case capillary.Refused, capillary.NoSuchHost, capillary.Unreachable, capillary.NotTheAPI:
			if !r.apiSeen.Load() {
				return &capillary.HostFault{Problem: p, Detail: err.Error()}
			}
		}
		return nil
	}
	if f := capillary.ProxyAuthRequired(resp); f != nil {
		return f // a proxy's answer, at any time: every request meets it
	}
	why := capillary.NotAPI(resp)
	if why == "" {
		if resp.BodyErr == nil {
			r.apiSeen.Store(true)
		}
		return nil
	}
	if r.apiSeen.Load() {
		return nil
	}
	return &capillary.HostFault{Problem: capillary.NotTheAPI, Detail: "the host answered " + why}
}

// send runs one request under the per-request timeout.
func (r *runner) send(call func(context.Context) (*capillary.Response, error)) (*capillary.Response, error) {
	ctx, cancel := context.WithTimeout(r.reqCtx, r.cfg.Timeout)
	defer cancel()
	r.requests.Add(1)
	return call(ctx)
}

// pace waits for the shared pacer; it fails once the run is stopping.
func (r *runner) pace() error {
	if r.cfg.Pacer == nil {
		return nil
	}
	return r.cfg.Pacer.Wait(r.stopped)
}

// feedback tells the pacer, and the stall watch, how the server took the
// request.
func (r *runner) feedback(resp *capillary.Response, d decision) {
	if resp == nil {
		return
	}
	// A 429 is a 429 even when it is the one that ends the row.
	throttled := d.throttled || resp.Status == http.StatusTooManyRequests
	if throttled || resp.Status < 500 {
		r.stall.answered(throttled)
	}
	if r.cfg.Pacer == nil {
		return
	}
	if throttled {
		r.cfg.Pacer.Throttled(resp.RetryAfter)
	} else if resp.Status < 500 {
		r.cfg.Pacer.Succeeded()
	}
}

// sleep waits d unless the run stops first.
func (r *runner) sleep(d time.Duration) bool {
	if d <= 0 {
		return r.stopped.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.stopped.Done():
		return false
	}
}

// unfinished marks a row the run stopped before settling.
func (r *runner) unfinished(res Result, mayExist bool, last string) Result {
	res.Status = Skipped
	res.Message = r.stopMessage(res.Attempts, mayExist)
	if last != "" && res.Attempts > 0 {
		res.Message += "; last: " + last
	}
	return res
}

func notices(ns []capillary.Notice) []Notice {
	if len(ns) == 0 {
		return nil
	}
	out := make([]Notice, len(ns))
	for i, n := range ns {
		out[i] = Notice{Code: n.Code, Message: n.Message}
	}
	return out
}
