package importer

// Status is the outcome of one input row, as written in the results CSV.
type Status string

// The statuses a row can end with. A resumed run keeps the lines of rows
// whose status is Final and not Local; Failed and Skipped rows are sent
// again, and Invalid and Duplicate rows are checked again against the
// current input.
const (
	Created             Status = "created"               // the API returned an entity id
	CreatedWithWarnings Status = "created_with_warnings" // created, but some extended fields were not saved
	Conflict            Status = "conflict"              // error 1633: a group with this externalId exists (and, when looked up, differs)
	Exists              Status = "exists"                // --on-conflict lookup/update: the group exists and matches the row
	Updated             Status = "updated"               // --on-conflict update: the existing group was updated to the row
	Unchanged           Status = "unchanged"             // --since: the row is as the last results settled it; not sent
	Rejected            Status = "rejected"              // the API refused the row (a 4xx error code other than 1633)
	Failed              Status = "failed"                // attempts ran out on 5xx, timeouts or broken responses
	Invalid             Status = "invalid"               // the row failed local validation and was not sent
	Duplicate           Status = "duplicate"             // the externalId appeared on an earlier row of the file
	Skipped             Status = "skipped"               // the run stopped before the row was finished
	Valid               Status = "valid"                 // dry run: the row would be sent
	ValidWithWarnings   Status = "valid_with_warnings"   // dry run: the row would be sent, but some extended fields would not be saved
)

// statuses are the statuses of an import, in the order summaries print them.
var statuses = [...]Status{Created, CreatedWithWarnings, Exists, Updated, Unchanged, Valid, ValidWithWarnings, Conflict, Rejected, Failed, Invalid, Duplicate, Skipped}

// Statuses lists every status of an import in the order summaries print
// them. The slice is the caller's to keep or change.
func Statuses() []Status { s := statuses; return s[:] }

// Final reports whether a row with this status is settled: a resumed run
// keeps it as it is and does not send it again.
func (s Status) Final() bool {
	switch s {
	case Created, CreatedWithWarnings, Exists, Updated, Unchanged, Conflict, Rejected, Invalid, Duplicate,
		Missing, Same, Differs, Inactive, Mismatch:
		return true
	}
	return false
}

// Local reports whether the status was decided from the input alone, so
// that nothing about the row was ever sent: a resumed run checks such a row
// again, since the user may have fixed it, and sends it if it now passes.
func (s Status) Local() bool { return s == Invalid || s == Duplicate }

// OK reports whether the status counts as success for the exit code: the
// group is on the server as the row describes (or, in a dry run, would be
// sent). ValidWithWarnings is not OK: sending the row would lose data.
func (s Status) OK() bool {
	switch s {
	case Created, CreatedWithWarnings, Exists, Updated, Unchanged, Valid, Same:
		return true
	}
	return false
}

// Notice is one error or warning item returned by the API.
type Notice struct {
	Code    int
	Message string
}

// Result is the outcome of one input row. A row's failure is data carried
// here, never an error of the run.
type Result struct {
	Row        int    // spreadsheet row number: the header is row 1
	ExternalID string // as read from the file (may be empty or invalid)
	Status     Status
	EntityID   int64 // the group id on the server; 0 when unknown
	Code       int   // the API error code, or 0
	Message    string
	// Problems are an invalid row's problems one by one, as the validator
	// found them (Message joins them); nil for a row read back from a
	// record or that could not be parsed.
	Problems  []string
	Warnings  []Notice
	Attempts  int    // requests sent for the row (lookups excluded)
	RequestID string // X-Cap-Requestid of the last response

	// Reasons say as data what the status alone does not (see Reason).
	Reasons []Reason
	// Fingerprint is the row's Fingerprint as sent or compared; empty for
	// a row that did not validate.
	Fingerprint string
	// Sent is the group as a created row sent it, the request body's
	// JSON: what an undo compares the server's group with before it
	// deletes it. Empty for a row that created nothing.
	Sent string

	// Offset is how much of the input had been read when the row ended
	// (see Records.Offset); progress compares it with the input's size.
	Offset int64

	// Kept is set on a row a resumed run took from the earlier results
	// instead of sending it: it says nothing about this run's pace.
	Kept bool

	// Cells are the row as read, when Config.KeepCells asks for them (to
	// write the rows that need fixing back out); nil for a row that could
	// not be parsed.
	Cells []string

	// Diff is what a diff found beyond the status (see DiffConfig); nil
	// for an import.
	Diff *DiffDetail
}
