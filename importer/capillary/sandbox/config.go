package sandbox

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"time"
)

// FieldType is the data type of an extended field, spelled as the
// catalogue's dataType. A value that its field's type cannot hold earns
// warning 91017. The docs allow for types beyond those named here ("and
// possibly more"); Config may use any upper-case name, and the sandbox
// accepts any value for a type it does not know, so a client can be tested
// against a catalogue with a type it has never seen.
type FieldType string

// The extended-field data types the docs name.
const (
	Integer        FieldType = "INTEGER"         // a base-10 64-bit integer
	String         FieldType = "STRING"          // any text
	Double         FieldType = "DOUBLE"          // a finite floating-point number
	DateTime       FieldType = "DATETIME"        // YYYY-MM-DD, "YYYY-MM-DD HH:MM:SS" or RFC 3339
	StandardString FieldType = "STANDARD_STRING" // any text
	StandardEnum   FieldType = "STANDARD_ENUM"   // any text: the sandbox keeps no enum values
	CustomEnum     FieldType = "CUSTOM_ENUM"     // any text, as StandardEnum
)

// The values of Config.API: which published contract of the lookup and the
// update the sandbox serves. Creates are the same under both.
const (
	// APICurrent is the current reference page: GET ?id=X matches X against
	// group ids and external ids and answers in the search shape; PUT needs
	// id and groupName.
	APICurrent = "current"
	// APILegacy is the older page: GET ?externalId=X or ?id=N answers the
	// bare group; PUT finds the group by id or externalId.
	APILegacy = "legacy"
)

// Entity types of the extended-field catalogue, as GET /v2/extendedFields
// spells its keys. Only EntityGroup's fields apply to groups.
const (
	EntityGroup    = "USERGROUP2"
	EntityCustomer = "CUSTOMER"
	EntityLineItem = "REGULAR_LINEITEM"
)

// The values of Config.RetryAfter.
const (
	RetryAfterSeconds  = "seconds"   // Retry-After: 3
	RetryAfterHTTPDate = "http-date" // Retry-After: Mon, 02 Jan 2006 15:04:05 GMT
	RetryAfterNone     = "none"      // no Retry-After header
)

// Defaults applied by New to the zero values of Config and Faults.
const (
	DefaultTill         = "demo.till"
	DefaultTillPassword = "demo-password"
	DefaultOAuthKey     = "demo-key"
	DefaultOAuthSecret  = "demo-secret"
	DefaultTokenTTL     = 300 * time.Second
	DefaultMaxGroupSize = 30000 // CONF_MAX_FLEET_GROUP_SIZE when an org leaves it unset
	DefaultHangFor      = 60 * time.Second
)

// Config describes a sandbox. The zero value is usable: every zero field
// takes the default given in its comment.
type Config struct {
	// Tills maps a till id to its plaintext password, for Basic auth.
	// Default (when empty): {"demo.till": "demo-password"}.
	Tills map[string]string
	// OAuthClients maps an OAuth key to its secret.
	// Default (when empty): {"demo-key": "demo-secret"}.
	OAuthClients map[string]string
	// TokenTTL is how long an OAuth token stays valid. Default 300s.
	TokenTTL time.Duration

	// RatePerMinute is the quota per credential (till id or OAuth key), as
	// a token bucket refilled at this rate. 0 means unlimited.
	RatePerMinute int
	// RateBurst is the bucket's capacity. Default RatePerMinute/60, at least 1.
	RateBurst int
	// QuotaWindow, when set, counts the quota per fixed window of this
	// length instead of in a bucket: RatePerMinute scaled to the window
	// (at least 1) per credential, the windows counted from the server's
	// start, and a 429 asks the client back when the window ends, as an
	// API with a quota "per minute" may. RateBurst is then unused.
	QuotaWindow time.Duration
	// QuotaSpentFor answers 429 to every /v2 request for this long after
	// the server starts, asking the client back when it ends, as when
	// another job has spent the quota. It applies with or without
	// RatePerMinute.
	QuotaSpentFor time.Duration
	// RetryAfter is how a 429 says when to come back: RetryAfterSeconds
	// (default), RetryAfterHTTPDate or RetryAfterNone.
	RetryAfter string

	// ConflictStatus is the HTTP status of a 1633 "already exists" answer,
	// which the docs leave open. Default 400.
	ConflictStatus int
	// MaxGroupSize is the org's CONF_MAX_FLEET_GROUP_SIZE. Default 30000.
	MaxGroupSize int
	// API is the contract of the lookup and the update: APICurrent
	// (default) or APILegacy.
	API string

	// Fields is the org's usergroup2 extended-field catalogue: the only
	// names a group accepts. Default (when nil): {"platinum": INTEGER,
	// "tier": STRING, "region": STRING, "joined": DATETIME}. A non-nil empty
	// map is an org without group fields, as many are.
	Fields map[string]FieldType
	// OtherFields are the org's extended fields on other entities, keyed by
	// entity type (EntityCustomer, EntityLineItem, ...). GET
	// /v2/extendedFields lists them beside the group fields, but a group
	// does not accept them: sending one earns 91016. Default (when nil):
	// DefaultOtherFields, whose names include one that is not a group field
	// (gender) and one that is a group field of another type (tier). A
	// non-nil empty map lists no other entity.
	OtherFields map[string]map[string]FieldType

	// Location is the time zone createdOn (legacy shape) is written in. Default +05:30,
	// the offset of the docs' sample, so clients meet a non-UTC offset.
	Location *time.Location
	// Now is the clock behind token expiry, the rate limiter, createdOn and
	// every response's Date header; tests inject one to move time without
	// sleeping. Default time.Now.
	// Latency, jitter and hangs always use real time.
	Now func() time.Time

	// Faults are injected into /v2 requests; see SetFaults.
	Faults Faults

	// Groups are in the org from the start, as if Seed had been called.
	Groups []Group
}

// Faults describes misbehaviour injected into /v2 requests. Shares are
// probabilities in [0, 1]. They are decided in this order, each before any
// real work: Drop, Error5xx, Throttle; then Latency and Jitter; then the
// request is authenticated, rate limited and served. TimeoutAfterCreate and
// TimeoutAfterDelete only apply to creates and deletes that succeeded.
type Faults struct {
	Latency  time.Duration // added to every request
	Jitter   time.Duration // plus a uniform random 0..Jitter
	Error5xx float64       // share answered 500, 502, 503 or 504 (502 and 504 as a proxy's HTML page)
	Drop     float64       // share of connections closed without a response
	Throttle float64       // share answered 429 whatever the quota
	// ThrottleRetryAfter is the wait those 429s ask for; default 1s, and a
	// negative value sends "Retry-After: 0" (come back at once).
	ThrottleRetryAfter time.Duration
	// TimeoutAfterCreate is the share of successful creates where the group
	// is created and then no answer comes: the server holds the request until
	// the client gives up, HangFor passes or the server closes, then drops the
	// connection. A client that retries blindly creates a duplicate attempt.
	TimeoutAfterCreate float64
	// TimeoutAfterDelete is the same for successful deletes: the group is
	// marked DELETED and then no answer comes, so a client can rehearse a
	// delete whose answer was lost.
	TimeoutAfterDelete float64
	HangFor            time.Duration // default 60s
	Seed               int64         // seeds the fault decisions; 0 = time-based
}

// Validate reports whether c is usable by New.
func (c Config) Validate() error {
	var errs []error
	if c.TokenTTL < 0 {
		errs = append(errs, fmt.Errorf("token TTL %v is negative", c.TokenTTL))
	}
	if c.RatePerMinute < 0 {
		errs = append(errs, fmt.Errorf("rate %d per minute is negative", c.RatePerMinute))
	}
	if c.RateBurst < 0 {
		errs = append(errs, fmt.Errorf("rate burst %d is negative", c.RateBurst))
	}
	if c.QuotaWindow < 0 || c.QuotaSpentFor < 0 {
		errs = append(errs, fmt.Errorf("quota window %v or spent-for %v is negative", c.QuotaWindow, c.QuotaSpentFor))
	}
	if c.QuotaWindow > 0 && c.RatePerMinute == 0 {
		errs = append(errs, errors.New("a quota window needs a rate per minute"))
	}
	switch c.RetryAfter {
	case "", RetryAfterSeconds, RetryAfterHTTPDate, RetryAfterNone:
	default:
		errs = append(errs, fmt.Errorf("retry-after mode %q is not %q, %q or %q",
			c.RetryAfter, RetryAfterSeconds, RetryAfterHTTPDate, RetryAfterNone))
	}
	if c.ConflictStatus != 0 && (c.ConflictStatus < 200 || c.ConflictStatus > 599) {
		errs = append(errs, fmt.Errorf("conflict status %d is not an HTTP status", c.ConflictStatus))
	}
	if c.MaxGroupSize < 0 {
		errs = append(errs, fmt.Errorf("max group size %d is negative", c.MaxGroupSize))
	}
	switch c.API {
	case "", APICurrent, APILegacy:
	default:
		errs = append(errs, fmt.Errorf("API contract %q is not %q or %q", c.API, APICurrent, APILegacy))
	}
	errs = append(errs, validFields(EntityGroup, c.Fields)...)
	for entity, fields := range c.OtherFields {
		switch {
		case entity == EntityGroup:
			errs = append(errs, fmt.Errorf("other fields name the group entity %s: put group fields in Fields", entity))
		case !upperName(entity):
			errs = append(errs, fmt.Errorf("entity type %q is not an upper-case name", entity))
		}
		errs = append(errs, validFields(entity, fields)...)
	}
	if err := c.Faults.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Validate reports whether f is usable by SetFaults.
func (f Faults) Validate() error {
	var errs []error
	for _, s := range []struct {
		name  string
		share float64
	}{
		{"Error5xx", f.Error5xx}, {"Drop", f.Drop}, {"Throttle", f.Throttle},
		{"TimeoutAfterCreate", f.TimeoutAfterCreate}, {"TimeoutAfterDelete", f.TimeoutAfterDelete},
	} {
		if !(s.share >= 0 && s.share <= 1) {
			errs = append(errs, fmt.Errorf("fault share %s=%v is not within [0, 1]", s.name, s.share))
		}
	}
	if f.Latency < 0 || f.Jitter < 0 || f.HangFor < 0 {
		errs = append(errs, errors.New("fault durations must not be negative"))
	}
	return errors.Join(errs...)
}

func validFields(entity string, fields map[string]FieldType) []error {
	var errs []error
	for name, t := range fields {
		if name == "" {
			errs = append(errs, fmt.Errorf("%s extended field with an empty name", entity))
		}
		if !upperName(string(t)) {
			errs = append(errs, fmt.Errorf("%s extended field %q has type %q, not an upper-case name", entity, name, t))
		}
	}
	return errs
}

// upperName reports whether s looks like a catalogue constant: A-Z, digits
// and underscores, starting with a letter.
func upperName(s string) bool {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for _, c := range []byte(s) {
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// DefaultOtherFields returns the fields on other entities that a sandbox
// lists when Config.OtherFields is nil: customer fields gender
// (STANDARD_ENUM), dob (DATETIME) and tier (INTEGER, unlike the group field
// tier), and the line-item field store_code (STRING). A fresh map each call.
func DefaultOtherFields() map[string]map[string]FieldType {
	return map[string]map[string]FieldType{
		EntityCustomer: {"gender": StandardEnum, "dob": DateTime, "tier": Integer},
		EntityLineItem: {"store_code": String},
	}
}

// withDefaults returns c with every zero field replaced by its default and
// every map copied, so the caller may keep mutating its own.
func (c Config) withDefaults() Config {
	if len(c.Tills) == 0 {
		c.Tills = map[string]string{DefaultTill: DefaultTillPassword}
	} else {
		c.Tills = maps.Clone(c.Tills)
	}
	if len(c.OAuthClients) == 0 {
		c.OAuthClients = map[string]string{DefaultOAuthKey: DefaultOAuthSecret}
	} else {
		c.OAuthClients = maps.Clone(c.OAuthClients)
	}
	if c.TokenTTL == 0 {
		c.TokenTTL = DefaultTokenTTL
	}
	if c.RatePerMinute > 0 && c.RateBurst == 0 {
		c.RateBurst = max(c.RatePerMinute/60, 1)
	}
	if c.RetryAfter == "" {
		c.RetryAfter = RetryAfterSeconds
	}
	if c.ConflictStatus == 0 {
		c.ConflictStatus = http.StatusBadRequest
	}
	if c.MaxGroupSize == 0 {
		c.MaxGroupSize = DefaultMaxGroupSize
	}
	if c.API == "" {
		c.API = APICurrent
	}
	if c.Fields == nil {
		c.Fields = map[string]FieldType{"platinum": Integer, "tier": String, "region": String, "joined": DateTime}
	} else {
		c.Fields = maps.Clone(c.Fields)
	}
	if c.OtherFields == nil {
		c.OtherFields = DefaultOtherFields()
	} else {
		other := make(map[string]map[string]FieldType, len(c.OtherFields))
		for entity, fields := range c.OtherFields {
			other[entity] = maps.Clone(fields)
		}
		c.OtherFields = other
	}
	if c.Location == nil {
		c.Location = time.FixedZone("IST", 5*3600+30*60)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	c.Faults = c.Faults.withDefaults()
	return c
}

func (f Faults) withDefaults() Faults {
	if f.HangFor == 0 {
		f.HangFor = DefaultHangFor
	}
	return f
}
