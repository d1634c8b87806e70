package importer

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/capillary-tools/groupimport/importer/capillary"
)

// unchangedSince judges a valid row against Config.Since: true when the
// last record settled it with the same fingerprint, and res is then its
// line (Unchanged, the entity id carried over, nothing sent). A row it
// settled with another fingerprint gets the known id in knownID, under
// ConflictUpdate, for one PUT by it; a row without a group name is left
// to the normal path, since a PUT must carry a name and only a lookup
// knows the group's.
func (r *runner) unchangedSince(res *Result, g *capillary.Group, knownID *int64) bool {
	id, fp, ok := r.cfg.Since.known(res.ExternalID)
	if !ok {
		return false
	}
	if now, err := strconv.ParseUint(res.Fingerprint, 16, 64); err == nil && now == fp {
		res.Status, res.EntityID, res.Kept = Unchanged, id, true
		res.Message = "unchanged since the last results; not sent"
		return true
	}
	if r.cfg.OnConflict == ConflictUpdate && g.GroupName != "" {
		*knownID = id
	}
	return false
}

// putKnown sends a row that changed since the last record as one PUT by
// the id that record gave it: no create, no lookup. When the server says
// that id is gone (1632, or a status other than ACTIVE) or names another
// group (1645, or an answer for another externalId), the row takes the
// normal path, and its line says why (SinceIDGone, SinceIDOther): a group
// deleted on the server is never reported updated.
func (r *runner) putKnown(j job) (Result, error) {
	res := j.res
	g := j.group
	g.ID = j.knownID
	x := r.exchange(&res, true, func(ctx context.Context) (*capillary.Response, error) {
		return r.cfg.API.Update(ctx, &g)
	}, r.judgeLookup)
	resp := x.resp
	var why string
	var reason Reason
	switch {
	case x.stopped:
		return r.unfinished(res, false, "stopped while updating the group by the id of the last results"), nil
	case x.d.act == actAbort:
		return r.abort(res, "not updated", x)
	case resp == nil:
		res.Status, res.Message = Failed, "updating the group by the id of the last results failed: "+x.d.msg
		return res, nil
	case resp.HasCode(capillary.CodeNotValid) || resp.Missing || resp.Group != nil && !resp.Group.Active():
		why, reason = fmt.Sprintf("the group the last results named for this externalId (id %d) is gone from the server", j.knownID), SinceIDGone
	case resp.HasCode(codeNotThisGroup):
		why, reason = fmt.Sprintf("the id the last results gave this externalId (%d) names another group", j.knownID), SinceIDOther
	case resp.Status == 200 && resp.Group != nil && resp.Group.ExternalID != "" && resp.Group.ExternalID != g.ExternalID:
		why, reason = fmt.Sprintf("the PUT by the id the last results gave this externalId (%d) answered for group %q, not this row's: check that group", j.knownID, resp.Group.ExternalID), SinceIDOther
	case resp.HasCode(1643):
		res.Status, res.EntityID = Exists, j.knownID
		res.Message = "changed since the last results, but the group already matches the row: the API found nothing to update (1643)"
		res.Warnings = notices(resp.Warnings)
		return res, nil
	case x.d.status == Failed && len(resp.Errors) > 0:
		res.Status, res.Code = Rejected, resp.Code()
		res.Message = "updating the group by the id of the last results was refused: " + resp.Message()
		return res, nil
	case x.d.status == Failed:
		res.Status, res.Message = Failed, "updating the group by the id of the last results failed: "+x.d.msg
		return res, nil
	default:
		res.Status, res.EntityID = Updated, j.knownID
		res.Message = "updated: the row changed since the last results"
		res.Warnings = notices(resp.Warnings)
		if len(res.Warnings) > 0 {
			res.Message += "; some extended fields were not saved (see warnings)"
		}
		return res, nil
	}
	// The normal path, as for a row the last record does not know.
	j.knownID = 0
	j.res.Attempts, j.res.RequestID = res.Attempts, res.RequestID
	out, err := r.process(j)
	out.addReason(reason)
	out.Message = why + "; " + out.Message
	return out, err
}

// codeNotThisGroup is the current API's answer to a PUT whose externalId
// is not the external id of the group its id names.
const codeNotThisGroup = 1645

// ErrEdited means a row an earlier run settled has other values in the
// input now: a resumed run would keep a line that no longer describes it.
var ErrEdited = errors.New("a settled row was edited in the input since")

// editedSince checks a line a resumed run would keep against the row as
// it is now (fp: its fingerprint, empty when it no longer validates). A
// line without a fingerprint (a record written before them) is trusted.
func editedSince(prior Result, fp string) error {
	if prior.Fingerprint == "" || prior.Fingerprint == fp {
		return nil
	}
	return fmt.Errorf("%w: row %d (externalId %q) is %s in the earlier record, and its values in the input are not the ones that record settled; put the row back as it was, or start a new record", ErrEdited, prior.Row, prior.ExternalID, prior.Status)
}
