package page

import "time"

// Kind is the kind of run a page describes. It decides the page's title
// and the order of its sections; any section with no data is left out.
type Kind string

// The kinds of run groupimport records.
const (
	KindImport     Kind = "import"     // groups created (or updated) on the server
	KindValidation Kind = "validation" // rows checked locally; nothing sent: the problems are the page
	KindDiff       Kind = "diff"       // rows compared with the server's groups, read-only
	KindUndo       Kind = "undo"       // groups an import created, deleted again
)

// Page is everything one page shows about one run. The zero value of each
// field means "unknown" or "none", and the page leaves it out.
type Page struct {
	Kind   Kind
	Header Header

	// Totals counts every row of the run by status, in the order the page
	// shows them (the order summaries print them in). Success rows are
	// here and in the timeline, never in Rows.
	Totals []Total

	// Timeline holds what the run did over time, at any granularity (one
	// point per minute is typical); the page bins the points itself.
	Timeline []Point

	// Problems are the rows that need attention, grouped by kind as the
	// terminal groups them, most frequent first.
	Problems []Problem

	// Rows lists the rows that did not succeed, in input order. The page
	// lists at most MaxRows of them; a reader may stop collecting there
	// and count the rest in RowsNotListed.
	Rows []Row

	// RowsNotListed counts rows that did not succeed and are not in Rows.
	RowsNotListed int

	// Diff is the plan and the differences of a diff run; nil otherwise.
	Diff *Diff

	// Undo is what an undo run deleted and kept; nil otherwise.
	Undo *Undo
}

// Header holds the facts about the run shown at the top of the page.
type Header struct {
	Version     string // the tool's version
	Command     string // the command line as run, without secrets
	Record      string // the name of the record the page was made from
	Input       string // the input file's name
	InputSHA256 string // the input file's SHA-256, in hex
	Host        string // the API host the rows were sent to (empty when none)
	Rate        string // the requested rate as given, e.g. "10/s" or "unlimited"
	Workers     int    // requests in flight at most

	// Start and End bound the whole run, first session to last.
	Start, End time.Time

	// Sessions are the stretches the process ran, for a run that was
	// stopped and resumed; empty (or one) for a run in one go. Gaps
	// between sessions are shown as breaks in the timeline.
	Sessions []Session

	// Stopped says why the run ended before every row was done (an
	// interrupt, an error limit, revoked credentials); empty when it ran
	// to the end.
	Stopped string
}

// Session is one stretch of a run, from a start or resume to its end.
type Session struct {
	Start, End time.Time
}

// Elapsed is the time the run spent running: the sum of its sessions, or
// End - Start when it has none.
func (h Header) Elapsed() time.Duration {
	if len(h.Sessions) == 0 {
		if h.Start.IsZero() || h.End.IsZero() {
			return 0
		}
		return h.End.Sub(h.Start)
	}
	var d time.Duration
	for _, s := range h.Sessions {
		if !s.Start.IsZero() && s.End.After(s.Start) {
			d += s.End.Sub(s.Start)
		}
	}
	return d
}

// Total is the number of rows that ended with one status.
type Total struct {
	Status string
	Count  int
}

// Point is what the run did in the stretch of time that ends at Time (or,
// for a point per minute, the minute that starts at Time: the page bins by
// Time alone, so either reading works as long as a reader keeps to one).
type Point struct {
	Time time.Time

	// Rows counts the rows that finished, by status.
	Rows map[string]int

	Requests  int           // requests sent
	Throttled int           // answers with HTTP 429
	Holds     int           // holds that began: every worker paused after 429s
	Held      time.Duration // time spent in a hold
	PaceCuts  int           // times the pacer lowered the rate
}

// Problem is one kind of problem: rows with the same status, API code and
// message once their own values are taken out.
type Problem struct {
	Status  string
	Code    int    // the API error code; 0 when none
	Message string // the message, with the rows' own values taken out
	Count   int
	// Examples are a few rows of this kind, one line each (row number,
	// externalId and the row's own values).
	Examples []string
}

// Row is one row that did not succeed.
type Row struct {
	Row        int // spreadsheet row of the input (its header is row 1)
	ExternalID string
	Status     string
	Message    string
	RequestID  string // the last response's request id, for support tickets
}

// Diff is what a diff run found.
type Diff struct {
	// The plan: rows an import would create, rows it would update (or
	// report as conflicts), and rows that already match.
	Create, Update, Same int

	// Fields counts the differences by field, most frequent first.
	Fields []FieldDiff
}

// FieldDiff is one field that differs between the input and the server.
type FieldDiff struct {
	Field    string // e.g. "groupName" or "ext.tier"
	Count    int    // rows where the field differs
	Examples []FieldExample
}

// FieldExample is one row's difference in one field.
type FieldExample struct {
	Row        int
	ExternalID string
	Server     string // the value on the server
	Input      string // the value in the input
}

// Undo is what an undo run did.
type Undo struct {
	Deleted int
	// Kept are the groups not deleted, counted by reason (e.g. "changed
	// since the import", "not found").
	Kept []Reason
}

// Reason is a count of groups kept for one reason.
type Reason struct {
	Why   string
	Count int
}
