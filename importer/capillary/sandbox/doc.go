// Package sandbox is a local, in-memory fake of Capillary's user-group API
// (POST, GET and PUT /v2/userGroup2, and POST /v3/oauth/token/generate),
// named after net/http/httptest: tests start one in-process with NewServer
// and talk to it over real loopback HTTP, and the CLI runs one with
// ListenAndServe so an import can be rehearsed without touching a real org.
//
// The sandbox implements the documented API, not any client's assumptions,
// and it imports nothing else from this module. Where the documentation is
// explicit it is followed exactly:
//
//   - every response carries X-Cap-Requestid;
//   - Basic auth is base64(till ":" lowercase-hex-MD5(password)); OAuth tokens
//     come from /v3/oauth/token/generate and travel in X-CAP-API-OAUTH-TOKEN;
//   - a create answers {"entity": id, "warnings": [...]}; unknown extended
//     field names (91016) and values of the wrong type (91017) are warnings,
//     the group is still created and only those fields are dropped;
//   - errors are {"errors":[{"status":false,"code":N,"message":"..."}]} with the
//     documented codes 1633, 1634, 1639, 1640, 1643, 1644, 1645 and 403.
//
// Where the documentation leaves a choice open, Config makes it explicit so a
// client can be tested against every plausible answer:
//
//   - the HTTP status of a 1633 duplicate (Config.ConflictStatus, 400 by default);
//   - how a 429 says when to come back (Config.RetryAfter: seconds, an HTTP
//     date, or no Retry-After at all);
//   - the quota (Config.RatePerMinute and Config.RateBurst, per credential);
//   - the group-size ceiling (Config.MaxGroupSize, CONF_MAX_FLEET_GROUP_SIZE);
//   - the extended-field catalogue and its types (Config.Fields);
//   - the time zone of createdOn (Config.Location, +05:30 like the docs' sample).
//
// A few answers the docs do not give at all are the sandbox's own and are
// marked as such where they are produced: code 1636 for a group that does not
// exist, 1644 ("group details not passed") for an empty body, and 401, 404,
// 405, 415, 429 and 5xx errors carrying their HTTP status as the code.
//
// Faults (latency, jitter, 5xx, dropped connections, spurious 429s and the
// dangerous "created, then never answered") can be switched on at start or at
// runtime with SetFaults; Creations and Stats let a test prove that a retrying
// client created each group exactly once.
package sandbox
