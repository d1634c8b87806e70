package importer

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/capillary-tools/groupimport/importer/capillary"
)

// Reason is a short, stable token that a record line carries where its
// status alone does not say what later code needs to know. Messages are
// for people and may be reworded at any time; reasons are data, read back
// by a resumed run and by any tool that reads the record.
type Reason string

// The reasons a row can carry. A line may carry more than one.
const (
	// AnswerLost: an attempt's answer was lost and the row was settled by
	// a lookup; the group found may have been created by this import.
	AnswerLost Reason = "answer_lost"
	// SizeNotCompared: the lookup did not report maxGroupSize, so the row
	// was not compared on it.
	SizeNotCompared Reason = "size_not_compared"
	// ExtFieldsNotSaved: the API (or, in a dry run, the org's catalogue)
	// says some extended fields were, or would be, not saved (91016/91017).
	ExtFieldsNotSaved Reason = "ext_fields_not_saved"
	// ExtFieldsRefused: a diff found extended fields that differ but that
	// the org's catalogue would refuse, so they are not differences.
	ExtFieldsRefused Reason = "ext_fields_refused"
	// ExtFieldsUnverified: a diff without the org's catalogue found
	// extended fields of the row that the server's group lacks; the org
	// may have refused them at create (91016/91017), which no update can
	// fix, and only the catalogue tells.
	ExtFieldsUnverified Reason = "ext_fields_unverified"
	// StatusInactive: a group has the externalId but is not ACTIVE.
	StatusInactive Reason = "status_inactive"
	// IDLookAlike: the externalId differs from an earlier row's only in
	// letter case or Unicode form (a warning; the row is still sent).
	IDLookAlike Reason = "id_look_alike"
	// SinceIDGone: the group the last results (--since) named by id is
	// gone from the server, so the row took the normal path.
	SinceIDGone Reason = "since_id_gone"
	// SinceIDOther: the id the last results (--since) gave the row now
	// names another group, so the row took the normal path.
	SinceIDOther Reason = "since_id_other"
)

// reasons lists every Reason, for readers that check a token.
var reasons = [...]Reason{AnswerLost, SizeNotCompared, ExtFieldsNotSaved, ExtFieldsRefused, ExtFieldsUnverified, StatusInactive, IDLookAlike, SinceIDGone, SinceIDOther, NotVerified}

// Known reports whether r is one of the reasons this version writes.
// Readers keep tokens they do not know (a newer version may add some).
func (r Reason) Known() bool { return slices.Contains(reasons[:], r) }

// Has reports whether the row carries the reason.
func (res Result) Has(r Reason) bool { return slices.Contains(res.Reasons, r) }

// addReason adds r once.
func (res *Result) addReason(r Reason) {
	if !res.Has(r) {
		res.Reasons = append(res.Reasons, r)
	}
}

// noteWarnings gives a row whose extended fields were not saved its reason.
// It is called before the run's own warnings (addLocal) join the API's.
func (res *Result) noteWarnings() {
	if len(res.Warnings) > 0 {
		res.addReason(ExtFieldsNotSaved)
	}
}

// addLocal adds the warnings the run itself found in the row (look-alike
// ids), with their reason.
func (res *Result) addLocal(local []Notice) {
	if len(local) > 0 {
		res.Warnings = append(res.Warnings, local...)
		res.addReason(IDLookAlike)
	}
}

// Action is what an import would do with a row, as a diff plans it.
type Action string

// The actions a diff plans.
const (
	ActionCreate   Action = "create"   // no group has the externalId (status missing)
	ActionUpdate   Action = "update"   // the group differs: a conflict, or an update with --on-conflict update (differs)
	ActionNone     Action = "none"     // the group matches the row (same)
	ActionConflict Action = "conflict" // the group is not ACTIVE: an import reports a conflict (inactive)
)

var planActions = [...]struct {
	plan   Status
	action Action
}{{Missing, ActionCreate}, {Differs, ActionUpdate}, {Same, ActionNone}, {Inactive, ActionConflict}}

// Action is the action of a diff's plan; empty when the lookup was not
// done.
func (d *DiffDetail) Action() Action {
	if d == nil {
		return ""
	}
	for _, p := range planActions {
		if p.plan == d.Plan {
			return p.action
		}
	}
	return ""
}

// PlanOf is the plan (Missing, Differs, Same or Inactive) of an action,
// and false for a token this version does not know.
func PlanOf(a Action) (Status, bool) {
	for _, p := range planActions {
		if p.action == a {
			return p.plan, true
		}
	}
	return "", false
}

// Fingerprint is a short hash of a validated row's canonical request
// body: externalId, groupName, maxGroupSize, limit and the extended fields
// in name order. It does not depend on the input's column order, on the
// whitespace the validator trims, or on the order of a map: two rows with
// the same fingerprint send the same group. Records carry it so that a
// later run can tell whether a row changed since.
func Fingerprint(g *capillary.Group) string {
	var buf [256]byte
	b := buf[:0]
	put := func(s string) {
		// Each value's length first, so that no two lists of values run
		// together into the same bytes.
		b = binary.BigEndian.AppendUint64(b, uint64(len(s)))
		b = append(b, s...)
	}
	put(g.ExternalID)
	put(g.GroupName)
	put(strconv.FormatInt(g.MaxGroupSize, 10))
	if g.HasLimit {
		put("limit=" + strconv.FormatInt(g.Limit, 10))
	} else {
		put("")
	}
	fields := g.ExtendedFields
	byName := func(a, b capillary.Field) int { return strings.Compare(a.Name, b.Name) }
	if !slices.IsSortedFunc(fields, byName) {
		fields = slices.Clone(fields)
		slices.SortStableFunc(fields, byName)
	}
	for _, f := range fields {
		put(f.Name)
		put(f.Value)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// Keep is the one rule by which a resumed run treats a row the earlier
// record has a line for (prior, with ok false when it has none): true
// when the line is kept as it is and the row is not sent again. A row
// with a final status is kept, except one judged from the input alone
// (invalid, duplicate: the user may have fixed it, and it is judged
// again) and a mismatch line that does not record the diff's plan (a
// record written before the action column existed), which is looked up
// again rather than guessed from its message.
func Keep(prior Result, ok bool) bool {
	switch {
	case !ok || !prior.Status.Final() || prior.Status.Local():
		return false
	case prior.Status == Mismatch:
		return prior.Diff != nil && prior.Diff.Plan != ""
	}
	return true
}

// DetailOf rebuilds a diff line's DiffDetail from its columns alone, for
// a resumed diff that keeps it: the plan from the action (or, in a record
// written before the action column, from a status that is itself a plan),
// the fields from the differences, and the facts from the reasons. A line
// of a status that no lookup made (invalid, failed...) has none: nil.
func DetailOf(st Status, action Action, differences string, reasons []Reason) (*DiffDetail, error) {
	var plan Status
	switch {
	case action != "":
		p, ok := PlanOf(action)
		if !ok {
			return nil, fmt.Errorf("action %q: not one this version knows", action)
		}
		plan = p
	case st == Missing || st == Same || st == Differs || st == Inactive:
		plan = st
	case st != Mismatch && differences == "":
		return nil, nil
	case st != Mismatch:
		// An undo's kept_changed line: what changed, with no plan.
		fields, err := ParseDifferences(differences)
		if err != nil {
			return nil, err
		}
		return &DiffDetail{Fields: fields}, nil
	}
	fields, err := ParseDifferences(differences)
	if err != nil {
		return nil, err
	}
	d := &DiffDetail{Plan: plan, Fields: fields, SizeUnknown: slices.Contains(reasons, SizeNotCompared)}
	if slices.Contains(reasons, ExtFieldsRefused) {
		d.Refused = []FieldDiff{{}} // their names are in the message only
	}
	return d, nil
}

// PriorRecord is an earlier record read alongside the input, for a resumed
// run: At as Config.Prior, and End, which checks once the input is
// exhausted that the record has no lines past it.
type PriorRecord interface {
	At(row int, externalID string) (Result, bool, error)
	End() error
}

// CheckResume walks the input (opened afresh: recs) alongside the earlier
// record before anything is sent, so that a record of another input, or a
// damaged one, is refused up front rather than at the row where they part.
// It judges each row as the run will: kept counts the rows whose line
// stays as it is (Keep), todo the rows that will be sent or looked up (the
// rest, less the invalid and the repeated ones).
func CheckResume(recs Records, v *Validator, prior PriorRecord) (kept, todo int, err error) {
	var g capillary.Group
	seen := newSeenIDs()
	for rec, err := range Rows(recs) {
		if err != nil {
			return 0, 0, fmt.Errorf("reading the input: %w", err)
		}
		id, invalid := "", true // a malformed row is invalid
		if rec.Err == nil {
			var problems []string
			id, problems, _ = v.Validate(rec.Cells, &g)
			invalid = len(problems) > 0
		}
		dup := false
		if id != "" && rec.Err == nil {
			_, dup = seen.add(id, rec.Num)
		}
		res, ok, err := prior.At(rec.Num, id)
		switch {
		case err != nil:
			return 0, 0, err
		case rec.Err == nil && Keep(res, ok):
			fp := ""
			if !invalid {
				fp = Fingerprint(&g)
			}
			if err := editedSince(res, fp); err != nil {
				return 0, 0, err
			}
			kept++
		case !invalid && !dup:
			todo++
		}
	}
	return kept, todo, prior.End()
}
