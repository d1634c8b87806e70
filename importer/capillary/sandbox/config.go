package sandbox

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"time"
)

// FieldType is the data type of an extended field in the catalogue. A value
// that does not parse as its field's type earns warning 91017.
type FieldType string

// The extended-field data types the sandbox understands.
const (
	String  FieldType = "STRING"  // any text
	Integer FieldType = "INTEGER" // a base-10 64-bit integer
	Double  FieldType = "DOUBLE"  // a finite floating-point number
	Boolean FieldType = "BOOLEAN" // "true" or "false", in any case
	Date    FieldType = "DATE"    // YYYY-MM-DD
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
	// RetryAfter is how a 429 says when to come back: RetryAfterSeconds
	// (default), RetryAfterHTTPDate or RetryAfterNone.
	RetryAfter string

	// ConflictStatus is the HTTP status of a 1633 "already exists" answer,
	// which the docs leave open. Default 400.
	ConflictStatus int
	// MaxGroupSize is the org's CONF_MAX_FLEET_GROUP_SIZE. Default 30000.
	MaxGroupSize int
	// Fields is the extended-field catalogue. Default (when empty):
	// {"platinum": INTEGER, "tier": STRING, "region": STRING, "joined": DATE}.
	Fields map[string]FieldType

	// Location is the time zone createdOn is written in. Default +05:30,
	// the offset of the docs' sample, so clients meet a non-UTC offset.
	Location *time.Location
	// Now is the clock behind token expiry, the rate limiter and createdOn;
	// tests inject one to move time without sleeping. Default time.Now.
	// Latency, jitter and hangs always use real time.
	Now func() time.Time

	// Faults are injected into /v2 requests; see SetFaults.
	Faults Faults
}

// Faults describes misbehaviour injected into /v2 requests. Shares are
// probabilities in [0, 1]. They are decided in this order, each before any
// real work: Drop, Error5xx, Throttle; then Latency and Jitter; then the
// request is authenticated, rate limited and served. TimeoutAfterCreate only
// applies to creates that succeeded.
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
	for name, t := range c.Fields {
		if !t.valid() {
			errs = append(errs, fmt.Errorf("extended field %q has unknown type %q", name, t))
		}
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
		{"TimeoutAfterCreate", f.TimeoutAfterCreate},
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

func (t FieldType) valid() bool {
	switch t {
	case String, Integer, Double, Boolean, Date:
		return true
	}
	return false
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
	if len(c.Fields) == 0 {
		c.Fields = map[string]FieldType{"platinum": Integer, "tier": String, "region": String, "joined": Date}
	} else {
		c.Fields = maps.Clone(c.Fields)
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
