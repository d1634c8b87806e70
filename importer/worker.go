package importer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/capillary-tools/groupimport/importer/capillary"
)

// process sends one row until it has a final status, the attempts run out,
// or the run stops. The error is non-nil only for a fault of the whole run.
func (r *runner) process(j job) (Result, error) {
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
		return r.credentialsRejected(res, "not created", x.d.msg)
	case actLookup:
		return r.settle(j, res, mayExist)
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

// settle looks up the group behind a 1633. Either an earlier attempt of
// this row may have created it before its answer was lost (mayExist), or
// the user asked for existing groups to be checked (--on-conflict). The
// lookup is paced and retried like any request; if it cannot be done the
// row is failed, never guessed.
func (r *runner) settle(j job, res Result, mayExist bool) (Result, error) {
	x := r.exchange(&res, false, func(ctx context.Context) (*capillary.Response, error) {
		return r.cfg.API.Lookup(ctx, j.group.ExternalID)
	}, r.judgeLookup)
	switch {
	case x.stopped:
		return r.unfinished(res, true, "stopped while looking the existing group up"), nil
	case x.d.act == actAbort:
		return r.credentialsRejected(res, "not settled", x.d.msg)
	case x.d.status == Failed:
		res.Status, res.Code = Failed, 1633
		res.Message = "the API says the group exists (1633), and looking it up failed: " + x.d.msg
		return res, nil
	}
	found := x.resp.Group
	res.Code, res.EntityID = 0, found.ID
	diff := differences(&j.group, found)
	switch {
	case diff == "" && mayExist:
		res.Status = Created
		res.Message = "recovered: an earlier attempt whose answer was lost created the group (confirmed by lookup)"
	case diff == "":
		res.Status, res.Message = Exists, "already exists and matches the row"
	case r.cfg.OnConflict == ConflictUpdate:
		return r.update(j, res, diff)
	default:
		res.Status, res.Code = Conflict, 1633
		res.Message = "a different group with this externalId exists: " + diff
	}
	return res, nil
}

// update sends PUT for an existing group that differs from the row. A PUT
// sets the group to the row, so sending it again is harmless.
func (r *runner) update(j job, res Result, diff string) (Result, error) {
	x := r.exchange(&res, true, func(ctx context.Context) (*capillary.Response, error) {
		return r.cfg.API.Update(ctx, &j.group)
	}, r.judgeLookup)
	resp := x.resp
	switch {
	case x.stopped:
		return r.unfinished(res, true, "stopped while updating the existing group"), nil
	case x.d.act == actAbort:
		return r.credentialsRejected(res, "not updated", x.d.msg)
	case resp != nil && resp.HasCode(1643):
		res.Status, res.Message = Exists, "already exists; the API found nothing to update (1643)"
	case x.d.status == Failed && resp != nil && len(resp.Errors) > 0:
		res.Status, res.Code, res.Message = Rejected, resp.Code(), "updating the existing group ("+diff+") was refused: "+resp.Message()
	case x.d.status == Failed:
		res.Status, res.Message = Failed, "updating the existing group ("+diff+") failed: "+x.d.msg
	default:
		res.Status, res.Message = Updated, "updated the existing group: "+diff
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
	for {
		if r.stopped.Err() != nil || r.pace() != nil {
			x.stopped = true
			return x
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

func (r *runner) judgeLookup(resp *capillary.Response, err error, attempt, throttled int, _ bool) decision {
	return decideLookup(resp, err, attempt, throttled, r.cfg.Policy, jitter())
}

// credentialsRejected ends a row, and the run, when the API refuses the
// credentials: every other row would fail the same way.
func (r *runner) credentialsRejected(res Result, what, msg string) (Result, error) {
	res.Status, res.Message = Skipped, what+": the API rejected the credentials ("+msg+")"
	return res, fmt.Errorf("%w: the API rejected the credentials (%s); check CAP_TILL/CAP_PASSWORD or CAP_CLIENT_KEY/CAP_CLIENT_SECRET and the host: %w", ErrAborted, msg, capillary.ErrUnauthorized)
}

// decideLookup classifies one lookup answer; actDone with status Failed is
// a lookup that cannot succeed, actDone otherwise means resp.Group is set.
func decideLookup(resp *capillary.Response, err error, attempt, throttled int, p Policy, jitter float64) decision {
	if err != nil {
		if errors.Is(err, capillary.ErrUnauthorized) {
			return decision{act: actAbort, msg: err.Error()}
		}
		return retryOrFail(decision{act: actRetry, msg: "no response: " + err.Error()}, attempt, p, jitter, 0)
	}
	switch {
	case resp.Status == http.StatusUnauthorized || resp.Status == http.StatusForbidden:
		return decision{act: actAbort, msg: fmt.Sprintf("HTTP %d: %s", resp.Status, resp.Message())}
	case resp.Status == http.StatusTooManyRequests:
		d := decide(resp, nil, attempt, throttled, p, false, jitter)
		return d
	case resp.Status == http.StatusOK && resp.Group != nil:
		return decision{act: actDone, status: Created}
	case resp.Status >= 500 || resp.Status == http.StatusRequestTimeout || resp.BodyErr != nil:
		return retryOrFail(decision{act: actRetry, msg: resp.Message()}, attempt, p, jitter, resp.RetryAfter)
	}
	return decision{act: actDone, status: Failed, msg: resp.Message()}
}

// differences lists how the server's group differs from the row, or "".
func differences(g *capillary.Group, s *capillary.GroupInfo) string {
	var d []string
	if s.ExternalID != "" && s.ExternalID != g.ExternalID {
		d = append(d, fmt.Sprintf("externalId %q on the server", s.ExternalID))
	}
	if g.GroupName != "" && s.GroupName != g.GroupName {
		d = append(d, fmt.Sprintf("groupName %q on the server, %q in the file", s.GroupName, g.GroupName))
	}
	if s.MaxGroupSize != g.MaxGroupSize {
		d = append(d, fmt.Sprintf("maxGroupSize %d on the server, %d in the file", s.MaxGroupSize, g.MaxGroupSize))
	}
	if s.GroupStatus != "" && !strings.EqualFold(s.GroupStatus, "ACTIVE") {
		d = append(d, "groupStatus "+s.GroupStatus+" on the server")
	}
	// Only fields the server holds are compared: one it does not know was
	// never saved (warning 91016) and would differ on every run.
	for _, f := range g.ExtendedFields {
		if v, ok := s.ExtendedFields[f.Name]; ok && v != f.Value {
			d = append(d, fmt.Sprintf("extendedFields.%s %q on the server, %q in the file", f.Name, v, f.Value))
		}
	}
	return strings.Join(d, "; ")
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

// feedback tells the pacer how the server took the request.
func (r *runner) feedback(resp *capillary.Response, d decision) {
	if r.cfg.Pacer == nil || resp == nil {
		return
	}
	if d.throttled {
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
