package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/capillary-tools/groupimport/importer/capillary"
)

// The statuses of an undo: what became of each line of the import's
// record. An undo also gives lines Failed (the lookup or the delete could
// not be done) and Skipped (the run stopped first).
const (
	Deleted       Status = "deleted"        // the group the import created is deleted
	WouldDelete   Status = "would_delete"   // a dry run: the group is unchanged and would be deleted
	Gone          Status = "gone"           // no group has the externalId, or it is deleted already
	KeptChanged   Status = "kept_changed"   // the group changed since the import (or could not be shown unchanged): kept
	KeptUncertain Status = "kept_uncertain" // the import could not tell whether it created the group: kept
	NotCreated    Status = "not_created"    // the import did not create a group on this line: nothing to do
)

// undoStatuses are the statuses an undo gives, in the order summaries
// print them.
var undoStatuses = [...]Status{Deleted, WouldDelete, Gone, KeptChanged, KeptUncertain, NotCreated, Failed, Skipped}

// UndoStatuses lists every status an undo gives, in the order summaries
// print them. The slice is the caller's to keep or change.
func UndoStatuses() []Status { s := undoStatuses; return s[:] }

// NotVerified: an undo could not show that the group is unchanged since
// the import (the record does not hold the group as sent, and the lookup
// does not report enough to rebuild its fingerprint).
const NotVerified Reason = "not_verified"

// Deleter is what an undo needs beyond API; *capillary.Client implements
// it.
type Deleter interface {
	Delete(ctx context.Context, id int64, externalID string) (*capillary.Response, error)
}

// UndoConfig, set as Config.Undo, makes a run take back what one import
// created. Its rows are the lines of the import's record (Lines), not an
// input file: a line that created a group (created, created_with_warnings,
// with an entity id) is looked up and, when the group is the same one and
// unchanged since the import, deleted with DELETE ?id=&externalId=. A line
// whose answer was lost and that ended exists may be the import's group or
// an older one: it is kept unless IncludeUncertain. Every other line has
// nothing to undo. Pacing, retries, 429s, host faults, rejected
// credentials, ordering, Prior (a resumed undo), StopAfterErrors and
// interruption work as for an import. Config.API must implement Deleter.
type UndoConfig struct {
	// Lines is the import's record, in file order.
	Lines iter.Seq2[Result, error]
	// Force deletes a group that changed since the import.
	Force bool
	// IncludeUncertain also deletes the groups of exists lines whose
	// answer was lost, when they are unchanged.
	IncludeUncertain bool
	// DryRun looks the groups up and plans (WouldDelete) without deleting.
	DryRun bool
}

// UndoOK reports whether an undo left nothing of what the import created:
// every created group is deleted (or would be) or gone. Uncertain groups,
// which the record does not call created, do not count against it.
func (s Summary) UndoOK() bool {
	return s.Stopped == "" && s.Counts[KeptChanged]+s.Counts[Failed]+s.Counts[Skipped] == 0
}

// UndoCandidate reports whether an import's line created a group that an
// undo takes back, and whether it is only uncertainly the import's (an
// exists line whose answer was lost).
func UndoCandidate(line Result) (candidate, uncertain bool) {
	switch {
	case line.EntityID <= 0:
		return false, false
	case line.Status == Created || line.Status == CreatedWithWarnings:
		return true, false
	case line.Status == Exists && line.Has(AnswerLost):
		return true, true
	}
	return false, false
}

// undoJob is what the worker needs of the import's line.
type undoJob struct {
	line   Result
	sent   *capillary.Group // the group as sent; nil when the record does not hold it
	forced bool             // an uncertain group included on request
}

// KeepUndo is the rule by which a resumed undo keeps an earlier undo's
// line: every settled status is kept; failed and skipped lines are done
// again.
func KeepUndo(prior Result, ok bool) bool {
	return ok && prior.Status != Failed && prior.Status != Skipped && prior.Status != WouldDelete
}

// readUndo is read for an undo: the import's record's lines are its rows.
func (r *runner) readUndo(jobs chan<- job, flow rowFlow) (int, error) {
	u := r.cfg.Undo
	seq := 0
	for line, err := range u.Lines {
		if err != nil {
			return seq, fmt.Errorf("reading the import's record after row %d: %w", line.Row, err)
		}
		if !flow.acquire() {
			return seq, nil
		}
		res := Result{Row: line.Row, ExternalID: line.ExternalID, EntityID: line.EntityID, Fingerprint: line.Fingerprint, Offset: int64(seq + 1)}
		if r.cfg.Prior != nil {
			prior, ok, err := r.cfg.Prior(line.Row, line.ExternalID)
			if err != nil {
				flow.release()
				return seq, fmt.Errorf("%w: %w", ErrAborted, err)
			}
			if KeepUndo(prior, ok) {
				prior.Offset, prior.Kept = res.Offset, true
				flow.emit(seq, prior)
				seq++
				continue
			}
		}
		candidate, uncertain := UndoCandidate(line)
		switch {
		case !candidate && (line.Status == Created || line.Status == CreatedWithWarnings):
			res.Status = Failed
			res.Message = "the record says created but names no group id: not deleted, as only the id and externalId together name the group safely"
		case !candidate:
			res.Status, res.Message = NotCreated, notCreatedText(line)
		case uncertain && !u.IncludeUncertain:
			res.Status = KeptUncertain
			res.addReason(AnswerLost)
			res.Message = fmt.Sprintf("kept: the import's answer was lost and it could not tell whether it created group %d or found it (exists); --include-uncertain deletes it when unchanged", line.EntityID)
		case r.stopped.Err() != nil:
			res.Status, res.Message = Skipped, "not looked up: "+r.stopWhy()
		default:
			j := job{seq: seq, res: res, undo: &undoJob{line: line, sent: sentGroup(line), forced: uncertain}}
			select {
			case jobs <- j:
				seq++
				continue
			case <-r.stopped.Done():
				res.Status, res.Message = Skipped, "not looked up: "+r.stopWhy()
			}
		}
		flow.emit(seq, res)
		seq++
	}
	return seq, nil
}

// notCreatedText says why a line has nothing to undo.
func notCreatedText(line Result) string {
	switch line.Status {
	case Exists:
		return "nothing to undo: the group existed before the import"
	case Updated:
		return "nothing to undo: the import updated a group that existed before it; undo does not restore its earlier values"
	case Conflict:
		return "nothing to undo: a group with this externalId existed before the import"
	}
	return "nothing to undo: the import ended this row " + string(line.Status)
}

// stopWhy is why the run stopped, for a line it did not get to.
func (r *runner) stopWhy() string {
	return strings.TrimPrefix(r.stopMessage(0, false), "not sent: ")
}

// sentGroup parses a line's Sent, and keeps it only when it is the group
// its fingerprint names: a cell edited by hand is not trusted.
func sentGroup(line Result) *capillary.Group {
	if line.Sent == "" {
		return nil
	}
	var w struct {
		ExternalID     string            `json:"externalId"`
		GroupName      string            `json:"groupName"`
		MaxGroupSize   int64             `json:"maxGroupSize"`
		Limit          *int64            `json:"limit"`
		ExtendedFields map[string]string `json:"extendedFields"`
	}
	if json.Unmarshal([]byte(line.Sent), &w) != nil {
		return nil
	}
	g := &capillary.Group{ExternalID: w.ExternalID, GroupName: w.GroupName, MaxGroupSize: w.MaxGroupSize}
	if w.Limit != nil {
		g.Limit, g.HasLimit = *w.Limit, true
	}
	for name, v := range w.ExtendedFields {
		g.ExtendedFields = append(g.ExtendedFields, capillary.Field{Name: name, Value: v})
	}
	slices.SortFunc(g.ExtendedFields, func(a, b capillary.Field) int { return strings.Compare(a.Name, b.Name) })
	if g.ExternalID != line.ExternalID || (line.Fingerprint != "" && Fingerprint(g) != line.Fingerprint) {
		return nil
	}
	return g
}

// undo looks the line's group up and, when it is the import's and
// unchanged (or Force), deletes it.
func (r *runner) undo(j job) (Result, error) {
	res, u := j.res, j.undo
	x := r.exchange(&res, false, func(ctx context.Context) (*capillary.Response, error) {
		return r.cfg.API.Lookup(ctx, res.ExternalID)
	}, r.judgeLookup)
	switch {
	case x.stopped:
		res.Status, res.Message = Skipped, "not looked up: "+r.stopWhy()
		return res, nil
	case x.d.act == actAbort:
		return r.abort(res, "not deleted", x)
	case x.d.status == Failed:
		res.Status, res.Message = Failed, "not deleted: looking the group up failed: "+x.d.msg
		return res, nil
	}
	found := x.resp.Group
	switch {
	case found == nil:
		res.Status, res.Message = Gone, "no group has this externalId now: nothing to delete"
		return res, nil
	case found.ID != u.line.EntityID:
		res.Status = KeptChanged
		res.Diff = &DiffDetail{Fields: []FieldDiff{{Field: "id", Server: strconv.FormatInt(found.ID, 10), Row: strconv.FormatInt(u.line.EntityID, 10)}}}
		res.Message = fmt.Sprintf("kept: the import created group %d, but this externalId now names group %d, which undo does not delete", u.line.EntityID, found.ID)
		return res, nil
	case found.GroupStatus == "DELETED":
		res.Status, res.Message = Gone, fmt.Sprintf("group %d is deleted already", found.ID)
		return res, nil
	}
	changes, verified := undoChanges(u, found)
	if !verified {
		res.addReason(NotVerified)
	}
	if !found.HasMaxGroupSize && u.sent != nil {
		res.addReason(SizeNotCompared)
	}
	if len(changes) > 0 || !verified {
		res.Diff = &DiffDetail{Fields: changes}
		if !r.cfg.Undo.Force {
			res.Status = KeptChanged
			res.Message = "kept: " + changedText(changes, verified) + "; --force deletes it anyway"
			return res, nil
		}
	}
	what := fmt.Sprintf("group %d", found.ID)
	if u.forced {
		res.addReason(AnswerLost)
		what += " (whose creation by the import was uncertain)"
	}
	if len(changes) > 0 || !verified {
		what += " although " + changedText(changes, verified) + " (--force)"
	}
	if r.cfg.Undo.DryRun {
		res.Status, res.Message = WouldDelete, "would delete "+what
		return res, nil
	}
	return r.remove(res, found.ID, what)
}

// undoChanges lists how the server's group differs from the group as the
// import sent it, as record -> server. verified is false when the record
// does not hold the group as sent and its fingerprint cannot be rebuilt
// from the lookup.
func undoChanges(u *undoJob, found *capillary.GroupInfo) (changes []FieldDiff, verified bool) {
	if found.GroupStatus != "" && !found.Active() {
		changes = append(changes, FieldDiff{Field: "groupStatus", Server: `"ACTIVE"`, Row: strconv.Quote(found.GroupStatus)})
	}
	if u.sent == nil {
		// The fingerprint alone: rebuilt from what the lookup reports.
		// It takes the size and every extended field, and a limit the
		// lookup never reports: only a group sent without a limit, looked
		// up where the size is reported, can be matched.
		if !found.HasMaxGroupSize || u.line.Fingerprint == "" {
			return changes, false
		}
		g := capillary.Group{ExternalID: found.ExternalID, GroupName: found.GroupName, MaxGroupSize: found.MaxGroupSize}
		for name, v := range found.ExtendedFields {
			g.ExtendedFields = append(g.ExtendedFields, capillary.Field{Name: name, Value: v})
		}
		return changes, Fingerprint(&g) == u.line.Fingerprint
	}
	cmp := Compare(u.sent, found)
	if u.line.Status == CreatedWithWarnings || u.line.Has(ExtFieldsNotSaved) {
		// The fields the server did not save were never on the group.
		cmp = cmp.Core()
	}
	for _, f := range cmp.Fields {
		// Compare says server -> row; an undo says as sent -> as it is.
		changes = append(changes, FieldDiff{Field: f.Field, Server: f.Row, Row: f.Server, Absent: f.Absent})
	}
	return changes, true
}

// changedText words why a group is not simply deleted.
func changedText(changes []FieldDiff, verified bool) string {
	var parts []string
	if len(changes) > 0 {
		parts = append(parts, "it changed since the import: "+Comparison{Fields: changes}.String())
	}
	if !verified {
		parts = append(parts, "it could not be shown unchanged: the record does not hold the group as sent (an older version wrote it) and the lookup does not report enough to rebuild its fingerprint")
	}
	return strings.Join(parts, "; ")
}

// remove sends the DELETE and settles a lost or unclear answer by lookup:
// a group that is DELETED, or that no longer exists, is deleted.
func (r *runner) remove(res Result, id int64, what string) (Result, error) {
	del, ok := r.cfg.API.(Deleter)
	if !ok {
		return res, fmt.Errorf("%w: the API client cannot delete", ErrAborted)
	}
	ext := res.ExternalID
	x := r.exchange(&res, true, func(ctx context.Context) (*capillary.Response, error) {
		return del.Delete(ctx, id, ext)
	}, func(resp *capillary.Response, err error, attempt, throttled int, sent bool) decision {
		return decideDelete(resp, err, attempt, throttled, r.cfg.Policy, jitter())
	})
	switch {
	case x.stopped && !x.sent:
		res.Status, res.Message = Skipped, "not deleted: "+r.stopWhy()
		return res, nil
	case x.d.act == actAbort:
		return r.abort(res, "not deleted", x)
	case x.d.status == Deleted:
		res.Status, res.Message, res.Code = Deleted, "deleted "+what, 0
		return res, nil
	}
	// The answer was lost, or said something other than success: the
	// lookup tells whether the group is deleted.
	last := x.d.msg
	if x.resp != nil {
		res.Code = x.resp.Code()
	}
	if x.stopped {
		// Out of drain time: the group may be deleted; a resumed undo
		// looks it up.
		res.Status = Skipped
		res.Message = "not finished: the run stopped while a DELETE was in flight; a resumed undo looks the group up"
		return res, nil
	}
	lx := r.exchange(&res, false, func(ctx context.Context) (*capillary.Response, error) {
		return r.cfg.API.Lookup(ctx, ext)
	}, r.judgeLookup)
	switch {
	case lx.stopped:
		res.Status, res.Message = Skipped, "not finished: the run stopped while looking up whether the DELETE took; a resumed undo looks again"
	case lx.d.act == actAbort:
		return r.abort(res, "not settled", lx)
	case lx.d.status == Failed:
		res.Status, res.Message = Failed, "the DELETE's answer was unclear ("+last+") and looking the group up failed: "+lx.d.msg
	case (lx.resp.Group == nil || lx.resp.Group.ID != id || lx.resp.Group.GroupStatus == "DELETED") && !x.sent:
		res.Status, res.Code = Gone, 0
		res.Message = fmt.Sprintf("group %d was deleted by something else while undo ran: the DELETE answered %s", id, last)
	case lx.resp.Group == nil || lx.resp.Group.ID != id || lx.resp.Group.GroupStatus == "DELETED":
		res.Status, res.Code = Deleted, 0
		res.addReason(AnswerLost)
		res.Message = "deleted " + what + "; the DELETE's answer was lost (" + last + "), and the lookup shows the group deleted"
	default:
		res.Status = Failed
		res.Message = "not deleted: " + last
	}
	return res, nil
}

// decideDelete classifies one DELETE answer: actDone with status Deleted is
// a success; actDone with Failed an answer to settle by lookup (a 4xx, or
// retries run out); sent marks an attempt that may have acted.
func decideDelete(resp *capillary.Response, err error, attempt, throttled int, p Policy, jitter float64) decision {
	if err != nil {
		if errors.Is(err, capillary.ErrUnauthorized) {
			return decision{act: actAbort, msg: err.Error()}
		}
		d := decision{act: actRetry, sent: capillary.MaybeSent(err), msg: "no response: " + err.Error()}
		return retryOrFail(d, attempt, p, jitter, 0)
	}
	switch {
	case resp.Status == http.StatusUnauthorized || resp.Status == http.StatusForbidden:
		return decision{act: actAbort, msg: fmt.Sprintf("HTTP %d: %s", resp.Status, resp.Message())}
	case resp.Status == http.StatusTooManyRequests:
		return rateLimited(resp, throttled, p, jitter)
	case resp.Status == http.StatusOK && resp.BodyErr == nil && len(resp.Errors) == 0:
		return decision{act: actDone, status: Deleted}
	case resp.Status >= 500 || resp.Status == http.StatusRequestTimeout || resp.BodyErr != nil:
		return retryOrFail(decision{act: actRetry, sent: true, msg: resp.Message()}, attempt, p, jitter, resp.RetryAfter)
	}
	return decision{act: actDone, status: Failed, msg: resp.Message()}
}

// Delete passes a delete through to the watched API and counts it.
func (w watched) Delete(ctx context.Context, id int64, externalID string) (*capillary.Response, error) {
	d, ok := w.API.(Deleter)
	if !ok {
		return nil, errors.New("importer: the API client cannot delete")
	}
	resp, err := d.Delete(ctx, id, externalID)
	return w.count(ctx, resp, err)
}
