package sandbox

import "sync/atomic"

// Stats counts what the sandbox has seen since it started.
type Stats struct {
	Requests     int // every request received, on any path
	Creates      int // groups created through the API (Seed not counted)
	Conflicts    int // creates refused with 1633: the externalId existed
	Invalid      int // requests refused by validation (1634, 1639, 1640, 1644, 1645, 403) or 415
	Warned       int // creates and updates answered with 91016/91017 warnings
	Lookups      int // GET requests that reached the store, found or not
	Ambiguous    int // current-contract lookups answered with two groups (one by id, one by external id)
	Catalogue    int // GET /v2/extendedFields requests answered
	NotFound     int // lookups of a group that does not exist; updates and deletes of one that does not or is deleted
	Updates      int // successful updates
	NoChange     int // updates refused with 1643
	Deletes      int // successful deletes (the group is kept, marked DELETED)
	AuthFailures int // 401s, including refused token requests
	TokensIssued int // OAuth tokens generated
	Throttled    int // 429s, from the quota or the Throttle fault
	Faults5xx    int // injected 5xx answers
	Drops        int // connections dropped by the Drop fault
	Hangs        int // creates and deletes left unanswered by TimeoutAfterCreate and TimeoutAfterDelete
}

type counters struct {
	requests, creates, conflicts, invalid, warned, lookups, ambiguous, catalogue, notFound, updates, noChange, deletes,
	authFailures, tokensIssued, throttled, faults5xx, drops, hangs atomic.Int64
}

// Stats returns a snapshot of the counters. Counters are read one by one, so
// under load the snapshot is not atomic across them.
func (s *Server) Stats() Stats {
	c := &s.stats
	return Stats{
		Requests:     int(c.requests.Load()),
		Creates:      int(c.creates.Load()),
		Conflicts:    int(c.conflicts.Load()),
		Invalid:      int(c.invalid.Load()),
		Warned:       int(c.warned.Load()),
		Lookups:      int(c.lookups.Load()),
		Ambiguous:    int(c.ambiguous.Load()),
		Catalogue:    int(c.catalogue.Load()),
		NotFound:     int(c.notFound.Load()),
		Updates:      int(c.updates.Load()),
		NoChange:     int(c.noChange.Load()),
		Deletes:      int(c.deletes.Load()),
		AuthFailures: int(c.authFailures.Load()),
		TokensIssued: int(c.tokensIssued.Load()),
		Throttled:    int(c.throttled.Load()),
		Faults5xx:    int(c.faults5xx.Load()),
		Drops:        int(c.drops.Load()),
		Hangs:        int(c.hangs.Load()),
	}
}
