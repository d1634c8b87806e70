package importer

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/capillary-tools/groupimport/importer/capillary"
)

// The statuses of a diff: how the server's group stands against a row. A
// diff also gives rows Invalid, Duplicate, Failed (the lookup could not be
// done) and Skipped (the run stopped first).
const (
	Missing  Status = "missing"  // no group has the row's externalId: an import would create it
	Same     Status = "same"     // the group matches the row in every field compared
	Differs  Status = "differs"  // the group differs from the row; Result.Diff lists how
	Inactive Status = "inactive" // a group has the externalId but is not ACTIVE
	Mismatch Status = "mismatch" // an import's results name another group than the server's
)

// diffStatuses are the statuses a diff gives, in the order summaries print
// them.
var diffStatuses = [...]Status{Same, Differs, Missing, Inactive, Mismatch, Failed, Invalid, Duplicate, Skipped}

// DiffStatuses lists every status a diff gives, in the order summaries
// print them. The slice is the caller's to keep or change.
func DiffStatuses() []Status { s := diffStatuses; return s[:] }

// The words of each plan's message. They are for people only: a record
// keeps the plan in its action column and the facts in its reason column.
const (
	missingText = "no group has this externalId: an import would create it"
	differsText = "the group differs from the row: an import would report a conflict, or update the fields listed"
	sameText    = "the group matches the row"
	refusedNote = "not compared: the org would refuse"
)

// DiffConfig, set as Config.Diff, makes a run read-only: each valid row's
// externalId is looked up instead of created, and the row ends Missing,
// Same, Differs, Inactive or Mismatch. Pacing, retries, 429s, host faults,
// rejected credentials, ordering, Prior and interruption work as for an
// import. No request but the lookup is ever sent.
type DiffConfig struct {
	// Claimed, when set, returns what an import's results file says of
	// the group with externalID: a row whose group the server holds under
	// another id, or not at all, ends Mismatch. It is called from several
	// goroutines at once.
	Claimed func(externalID string) (Claim, bool)
}

// Claim is an import's record that a group exists: a results line that
// ended created, created_with_warnings, exists, updated or unchanged.
type Claim struct {
	Row      int // the results line's row
	Status   Status
	EntityID int64
}

// Claims reports whether a results line of this status says the group is
// on the server with its entity id.
func (s Status) Claims() bool {
	switch s {
	case Created, CreatedWithWarnings, Exists, Updated, Unchanged:
		return true
	}
	return false
}

// DiffDetail is what a diff found for a row beyond its status.
type DiffDetail struct {
	// Fields are the differences an update would set, Refused the row's
	// extended fields that differ but that the org's catalogue would
	// refuse (91016/91017), so that an import could never set them.
	Fields  []FieldDiff
	Refused []FieldDiff
	// SizeUnknown: the lookup did not report maxGroupSize.
	SizeUnknown bool
	// Plan is what an import would find, Missing, Same, Differs or
	// Inactive, even when the row ended Mismatch; empty when the lookup
	// was not done.
	Plan Status
}

// Differences lists the fields as `groupName: "Old" -> "New" | ...`.
func (d *DiffDetail) Differences() string {
	if d == nil {
		return ""
	}
	return Comparison{Fields: d.Fields}.String()
}

// DiffOK reports whether a diff passes: every valid row is Same. Invalid
// and duplicate rows are not looked up, so they do not count against it;
// an import or a dry run reports them.
func (s Summary) DiffOK() bool {
	for st, n := range s.Counts {
		if n > 0 && st != Same && st != Invalid && st != Duplicate {
			return false
		}
	}
	return s.Stopped == ""
}

// diff looks the row's group up and holds it against the row.
func (r *runner) diff(j job) (Result, error) {
	res := j.res
	x := r.exchange(&res, true, func(ctx context.Context) (*capillary.Response, error) {
		return r.cfg.API.Lookup(ctx, j.group.ExternalID)
	}, r.judgeLookup)
	switch {
	case x.stopped:
		return r.unfinished(res, false, x.d.msg), nil
	case x.d.act == actAbort:
		return r.abort(res, "not compared", x)
	case x.d.status == Failed:
		res.Status, res.Message = Failed, "the lookup failed: "+x.d.msg
		if x.resp != nil {
			res.Code = x.resp.Code()
		}
		return res, nil
	}
	found := x.resp.Group
	d := &DiffDetail{}
	res.Diff = d
	if found == nil {
		d.Plan = Missing
		res.Status, res.Message = Missing, missingText
	} else {
		res.EntityID = found.ID
		cmp := Compare(&j.group, found)
		d.SizeUnknown = cmp.SizeUnknown
		var notes []string
		for _, f := range cmp.Fields {
			if n, refused := r.refused(f); refused {
				d.Refused = append(d.Refused, f)
				notes = append(notes, fmt.Sprintf("%s %s it (%d: %s)", f.Field, refusedNote, n.Code, n.Message))
				continue
			}
			d.Fields = append(d.Fields, f)
		}
		switch {
		case !found.Active():
			d.Plan = Inactive
			res.addReason(StatusInactive)
			res.Message = fmt.Sprintf("group %d has this externalId but its status is %s, not ACTIVE: an import would report a conflict", found.ID, found.GroupStatus)
		case len(d.Fields) > 0:
			d.Plan = Differs
			res.Message = differsText
			if lacking := r.unverified(d.Fields); len(lacking) > 0 {
				res.addReason(ExtFieldsUnverified)
				note := unverifiedNote(lacking)
				if len(lacking) == len(d.Fields) {
					// An update is what it cannot promise: the
					// note takes the place of that promise.
					res.Message = note
				} else {
					notes = append(notes, note)
				}
			}
		default:
			d.Plan = Same
			res.Message = sameText
		}
		res.Status = d.Plan
		if d.SizeUnknown {
			res.addReason(SizeNotCompared)
			notes = append(notes, sizeNotComparedText)
		}
		if len(d.Refused) > 0 {
			res.addReason(ExtFieldsRefused)
		}
		if len(notes) > 0 {
			res.Message += "; " + strings.Join(notes, "; ")
		}
	}
	if r.cfg.Diff.Claimed != nil {
		if c, ok := r.cfg.Diff.Claimed(j.group.ExternalID); ok {
			r.checkClaim(&res, c, found)
		}
	}
	return res, nil
}

// unverified lists, in a diff without the org's catalogue, the extended
// fields of the row that the server's group lacks: after a create that drew
// 91016/91017 the org refused them, and no update can set them either, but
// without the catalogue a refused field cannot be told from one lost since.
// With the catalogue, refused finds the fields the org would refuse.
func (r *runner) unverified(fields []FieldDiff) []string {
	if r.cfg.Validator.ExtTypes != nil {
		return nil
	}
	var lacking []string
	for _, f := range fields {
		if f.Absent && strings.HasPrefix(f.Field, "ext.") {
			lacking = append(lacking, f.Field)
		}
	}
	return lacking
}

// unverifiedNote says which differences an update may not fix, and how to
// tell.
func unverifiedNote(lacking []string) string {
	them := "them"
	if len(lacking) == 1 {
		them = "it"
	}
	return fmt.Sprintf("the group lacks %s: if the org refused %s at create (91016/91017), no update can set %s; diff with --ext-fields server to tell",
		strings.Join(lacking, ", "), them, them)
}

// UnverifiedOnly reports whether the row's group differs only in extended
// fields it lacks that the org may have refused (ExtFieldsUnverified): an
// update is not sure to fix any of its differences. A resumed diff reads
// the reason and the differences back from its record.
func (res Result) UnverifiedOnly() bool {
	d := res.Diff
	if d == nil || d.Plan != Differs || len(d.Fields) == 0 || !res.Has(ExtFieldsUnverified) {
		return false
	}
	for _, f := range d.Fields {
		if !f.Absent || !strings.HasPrefix(f.Field, "ext.") {
			return false
		}
	}
	return true
}

// refused reports whether the catalogue would refuse the row's value of an
// extended field that differs.
func (r *runner) refused(f FieldDiff) (Notice, bool) {
	name, ok := strings.CutPrefix(f.Field, "ext.")
	types := r.cfg.Validator.ExtTypes
	if !ok || types == nil {
		return Notice{}, false
	}
	v, err := strconv.Unquote(f.Row)
	if err != nil {
		return Notice{}, false
	}
	n, fits := checkExt(types, name, v)
	return n, !fits
}

// checkClaim marks the row Mismatch when an import's results name another
// group than the one the server holds under the externalId.
func (r *runner) checkClaim(res *Result, c Claim, found *capillary.GroupInfo) {
	var why string
	switch {
	case found == nil:
		why = fmt.Sprintf("the results (row %d, %s) name group %d, but the server has no group with this externalId", c.Row, c.Status, c.EntityID)
	case found.ID != c.EntityID:
		why = fmt.Sprintf("the results (row %d, %s) name group %d, but the server's group with this externalId is %d", c.Row, c.Status, c.EntityID, found.ID)
	default:
		return
	}
	// What the server holds stays in the message: the plan of an import
	// does not change because a record of an earlier one is wrong.
	res.Status, res.Message = Mismatch, why+"; "+res.Message
}

// ParseDifferences reads back what DiffDetail.Differences wrote. A field
// name may itself hold ": " (a column "ext.a: b"): the name ends at the
// first ": " followed by a value and " -> ".
func ParseDifferences(s string) ([]FieldDiff, error) {
	var out []FieldDiff
	for s != "" {
		d, rest, err := parseFieldDiff(s)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
		if rest != "" {
			var ok bool
			if rest, ok = strings.CutPrefix(rest, " | "); !ok || rest == "" {
				return nil, fmt.Errorf("%q: want ' | ' between fields", rest)
			}
		}
		s = rest
	}
	return out, nil
}

// parseFieldDiff splits one `FIELD: OLD -> NEW` off s.
func parseFieldDiff(s string) (FieldDiff, string, error) {
	err := fmt.Errorf("%q: want FIELD: OLD -> NEW", s)
	for from := 0; ; {
		i := strings.Index(s[from:], ": ")
		if i < 0 {
			return FieldDiff{}, "", err
		}
		at := from + i
		from = at + 1
		if at == 0 {
			continue
		}
		old, rest, verr := diffValue(s[at+2:])
		if verr != nil {
			err = verr
			continue
		}
		rest, ok := strings.CutPrefix(rest, " -> ")
		if !ok {
			continue
		}
		row, rest, verr := diffValue(rest)
		if verr != nil {
			err = verr
			continue
		}
		return FieldDiff{Field: s[:at], Server: old, Row: row, Absent: old == "(none)"}, rest, nil
	}
}

// diffValue splits one value off s: a quoted string, (none), or a number.
func diffValue(s string) (v, rest string, err error) {
	if strings.HasPrefix(s, `"`) {
		q, err := strconv.QuotedPrefix(s)
		if err != nil {
			return "", "", fmt.Errorf("%q: %w", s, err)
		}
		return q, s[len(q):], nil
	}
	end := strings.IndexByte(s, ' ')
	if end < 0 {
		end = len(s)
	}
	if end == 0 {
		return "", "", errors.New("a value is missing")
	}
	return s[:end], s[end:], nil
}
