package importer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/capillary-tools/groupimport/importer/capillary"
)

// evidenceMargin is how much earlier than this run's first attempt (on the
// server's clock) a group's createdOn may be and still count as this run's
// creation. It covers a createdOn written to the second; the server's Date
// header, also to the second, is already read on the early side.
const evidenceMargin = time.Second

// settle looks up the group behind a 1633. Either an earlier attempt of
// this row may have created it before its answer was lost (mayExist), or
// the user asked for existing groups to be checked (--on-conflict). since
// is when this run's first attempt left, when it may have reached the
// server; zero when only an earlier run's may have. unproven, when set,
// is the create's 2xx answer that did not show the group (an empty body,
// entity 0), and prompted the lookup instead of a 1633. The lookup is
// paced and retried like any request; if it cannot be done the row is
// failed, never guessed.
func (r *runner) settle(j job, res Result, mayExist bool, since time.Time, unproven string) (Result, error) {
	x := r.exchange(&res, false, func(ctx context.Context) (*capillary.Response, error) {
		return r.cfg.API.Lookup(ctx, j.group.ExternalID)
	}, r.judgeLookup)
	said, code := "the API says the group exists (1633)", 1633
	if unproven != "" {
		said, code = "the create was answered "+unproven, 0
	}
	switch {
	case x.stopped:
		return r.unfinished(res, true, "stopped while looking the existing group up"), nil
	case x.d.act == actAbort:
		return r.abort(res, "not settled", x)
	case x.d.status == Failed:
		res.Status, res.Code = Failed, code
		res.Message = said + ", and looking it up failed: " + x.d.msg
		return res, nil
	case x.resp.Group == nil && unproven != "":
		res.Status, res.Code = Failed, 0
		res.Message = said + ", and looking it up finds no group with this externalId: it was not created"
		return res, nil
	case x.resp.Group == nil:
		res.Status, res.Code = Failed, 1633
		res.Message = said + ", but looking it up finds no group with this externalId"
		return res, nil
	}
	found := x.resp.Group
	res.Code, res.EntityID = 0, found.ID
	if !found.Active() {
		res.Status, res.Code = Conflict, 1633
		res.addReason(StatusInactive)
		res.Message = fmt.Sprintf("a group with this externalId exists but its status is %s, not ACTIVE (group id %d)", found.GroupStatus, found.ID)
		return res, nil
	}
	cmp := Compare(&j.group, found)
	if mayExist {
		lost := "an earlier attempt's answer was lost"
		if unproven != "" {
			lost = said
		}
		return r.recover(j, res, found, cmp, createdByThisRun(found, x.resp, since), lost)
	}
	switch {
	case cmp.Same():
		res.Status, res.Message = Exists, "already exists and matches the row"
	case r.cfg.OnConflict == ConflictUpdate:
		return r.update(j, res, found, cmp)
	case len(cmp.Fields) > 0:
		res.Status, res.Code = Conflict, 1633
		res.Message = "a different group with this externalId exists: " + cmp.String()
	default:
		res.Status = Exists
		res.addReason(SizeNotCompared)
		res.Message = "already exists; its name and extended fields match the row (" + sizeNotComparedText + ")"
	}
	return res, nil
}

// sizeNotComparedText is the words of SizeNotCompared in a message.
const sizeNotComparedText = "maxGroupSize not reported by this API version; not compared"

// recover settles a row that an earlier attempt may have created before
// its answer was lost (lost says how). It is created only with evidence
// that this run created it; with evidence that the group is older than
// the run, it ends as the other rows whose group was there before end
// (conflict in the default mode, exists with --on-conflict lookup);
// without evidence either way it exists (or differs), and the message
// says the group may be this run's all the same: calling it a conflict
// could call a group this run made someone else's.
func (r *runner) recover(j job, res Result, found *capillary.GroupInfo, cmp Comparison, ours evidence, lost string) (Result, error) {
	core := cmp.Core()
	switch {
	case len(core.Fields) > 0 && r.cfg.OnConflict == ConflictUpdate:
		return r.update(j, res, found, cmp)
	case len(core.Fields) > 0:
		res.Status, res.Code = Conflict, 1633
		res.Message = "a different group with this externalId exists: " + core.String()
		return res, nil
	}
	// The fields the group lacks were not saved: the lost answer would
	// have warned of them.
	res.Warnings = r.lostFieldWarnings(cmp.Absent())
	if ours.yes {
		res.Status = Created
		if len(res.Warnings) > 0 {
			res.Status = CreatedWithWarnings
		}
		res.addReason(AnswerLost)
		res.Message = "recovered: " + lost + "; the lookup shows this run created the group (" + ours.why + ")"
		return res, nil
	}
	res.Status = Exists
	res.addReason(AnswerLost)
	res.Message = "already exists and matches the row; " + lost + ", so the group may be this run's (" + ours.why + ")"
	switch {
	case ours.older && j.mayExist:
		// Older than this process's first attempt, but an earlier run of
		// this import (the one being resumed) may have made it.
		res.Message = "already exists and matches the row; an earlier run's attempt may have created it, so the group may be this run's (" + ours.why + ")"
	case ours.older && (r.cfg.OnConflict == "" || r.cfg.OnConflict == ConflictReport):
		// Proved not this run's: as every other row whose group was
		// there before, in this mode, it is a conflict. (Its first
		// attempt meeting a 5xx must not make it end otherwise.)
		res.Status, res.Code = Conflict, 1633
		res.Reasons = slices.DeleteFunc(res.Reasons, func(r Reason) bool { return r == AnswerLost })
		res.Message = "a group with this externalId was there before this run (" + ours.why + "); it matches the row (--on-conflict lookup reports such rows as exists)"
	case ours.older:
		res.Reasons = slices.DeleteFunc(res.Reasons, func(r Reason) bool { return r == AnswerLost })
		res.Message = "already exists and matches the row, and is not this run's: it was " + ours.why
	}
	if cmp.SizeUnknown {
		res.addReason(SizeNotCompared)
		res.Message += "; " + sizeNotComparedText
	}
	return res, nil
}

// lostFieldWarnings are the warnings the API would have given for the
// row's extended fields that the group does not hold: the catalogue's
// prediction when there is one, else that the field was not saved.
func (r *runner) lostFieldWarnings(fields []capillary.Field) []Notice {
	var ws []Notice
	for _, f := range fields {
		if types := r.cfg.Validator.ExtTypes; types != nil {
			if n, ok := checkExt(types, f.Name, f.Value); !ok {
				ws = append(ws, n)
				continue
			}
		}
		ws = append(ws, Notice{Message: fmt.Sprintf("extended field %s was not saved: the group on the server does not hold it", f.Name)})
	}
	return ws
}

// evidence is whether a lookup proves that this run created a group, or
// (older) that it did not.
type evidence struct {
	yes, older bool
	why        string
}

// createdByThisRun judges the group's createdOn against the moment this
// run's first attempt left, both on the server's clock: our clock is moved
// onto the server's by the lookup answer's Date header.
func createdByThisRun(g *capillary.GroupInfo, resp *capillary.Response, since time.Time) evidence {
	if since.IsZero() {
		return evidence{why: "the attempt that may have created it was made by an earlier run"}
	}
	created, ok := g.CreatedTime()
	if !ok {
		return evidence{why: "the server's answer gives no creation time to tell"}
	}
	date := resp.Date()
	if date.IsZero() || resp.Received.IsZero() {
		return evidence{why: "the server's answer has no Date header to judge its creation time by"}
	}
	first := since.Add(date.Sub(resp.Received)) // on the server's clock
	if created.Before(first.Add(-evidenceMargin)) {
		return evidence{older: true, why: fmt.Sprintf("created at %s, before this run's first attempt at about %s",
			created.UTC().Format(time.RFC3339), first.UTC().Format(time.RFC3339))}
	}
	return evidence{yes: true, why: fmt.Sprintf("created at %s, after its first attempt at about %s",
		created.UTC().Format(time.RFC3339), first.UTC().Format(time.RFC3339))}
}

// update sends PUT for an existing group that differs from the row. It
// carries the group's id and a name, as the current API requires. A PUT
// sets the group to the row, so sending it again is harmless.
func (r *runner) update(j job, res Result, found *capillary.GroupInfo, cmp Comparison) (Result, error) {
	g := j.group
	g.ID = found.ID
	if g.GroupName == "" {
		g.GroupName = found.GroupName
	}
	x := r.exchange(&res, true, func(ctx context.Context) (*capillary.Response, error) {
		return r.cfg.API.Update(ctx, &g)
	}, r.judgeLookup)
	resp := x.resp
	what := cmp.String()
	if what == "" {
		what = "maxGroupSize set to the row's, as the lookup could not compare it"
	}
	switch {
	case x.stopped:
		return r.unfinished(res, true, "stopped while updating the existing group"), nil
	case x.d.act == actAbort:
		return r.abort(res, "not updated", x)
	case resp != nil && resp.HasCode(1643):
		res.Status, res.Message = Exists, "already exists and matches the row; the API found nothing to update (1643)"
		res.Warnings = notices(resp.Warnings)
	case x.d.status == Failed && resp != nil && len(resp.Errors) > 0:
		res.Status, res.Code, res.Message = Rejected, resp.Code(), "updating the existing group ("+what+") was refused: "+resp.Message()
	case x.d.status == Failed:
		res.Status, res.Message = Failed, "updating the existing group ("+what+") failed: "+x.d.msg
	default:
		res.Status, res.Message = Updated, "updated the existing group: "+what
		res.Warnings = notices(resp.Warnings)
	}
	if len(res.Warnings) > 0 && (res.Status == Exists || res.Status == Updated) {
		res.Message += "; some extended fields were not saved (see warnings)"
	}
	return res, nil
}

func (r *runner) judgeLookup(resp *capillary.Response, err error, attempt, throttled int, _ bool) decision {
	return decideLookup(resp, err, attempt, throttled, r.cfg.Policy, jitter())
}

// decideLookup classifies one lookup or update answer: actDone with status
// Failed is one that cannot succeed; actDone otherwise means the server
// answered about the group (resp.Group, or resp.Missing for a lookup).
func decideLookup(resp *capillary.Response, err error, attempt, throttled int, p Policy, jitter float64) decision {
	if err != nil {
		if errors.Is(err, capillary.ErrUnauthorized) {
			return decision{act: actAbort, msg: err.Error()}
		}
		if d, ok := tokenBlip(err, attempt, throttled, p, jitter); ok {
			return d
		}
		return retryOrFail(decision{act: actRetry, msg: "no response: " + err.Error()}, attempt, p, jitter, 0)
	}
	switch {
	case resp.Status == http.StatusUnauthorized || resp.Status == http.StatusForbidden:
		return decision{act: actAbort, msg: fmt.Sprintf("HTTP %d: %s", resp.Status, resp.Message())}
	case resp.Status == http.StatusTooManyRequests:
		return decide(resp, nil, attempt, throttled, p, false, jitter)
	case resp.Missing || (resp.Status == http.StatusOK && resp.Group != nil):
		return decision{act: actDone, status: Created} // any status but Failed: answered
	case resp.Status >= 500 || resp.Status == http.StatusRequestTimeout || resp.BodyErr != nil:
		return retryOrFail(decision{act: actRetry, msg: resp.Message()}, attempt, p, jitter, resp.RetryAfter)
	}
	return decision{act: actDone, status: Failed, msg: resp.Message()}
}
