package importer

import "time"

// Summary counts the outcomes of a run.
type Summary struct {
	Counts   map[Status]int // rows per status
	Rows     int            // data rows read
	Requests int            // HTTP requests sent (creates and lookups)
	Started  time.Time
	Elapsed  time.Duration
	DryRun   bool
	Stopped  string // why the run stopped early, or ""

	// Problems counts the problems of the invalid rows: a row names
	// every problem it has (see Validator.Validate), so it may be more
	// than Counts[Invalid].
	Problems int

	// Throttled and Retries, when the caller watched the run's Traffic:
	// 429 answers, and requests sent again after a 429 or a failure.
	Throttled, Retries int

	// Kept, for a resumed run, counts by status the rows taken as they
	// were from the earlier record (nil for a run that is no resume).
	// Counts and Rows cover every row, kept ones included; Requests,
	// Throttled, Retries and Elapsed cover this run only.
	Kept map[Status]int
}

// Rate is the achieved request rate per second over the run.
func (s Summary) Rate() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Requests) / s.Elapsed.Seconds()
}

// OK reports whether every row ended created, created with warnings, or
// (in a dry run) valid.
func (s Summary) OK() bool {
	for st, n := range s.Counts {
		if n > 0 && !st.OK() {
			return false
		}
	}
	return true
}
