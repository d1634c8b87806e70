// Package sandbox is a local, in-memory fake of Capillary's user-group API
// (POST, GET, PUT and DELETE /v2/userGroup2, GET /v2/extendedFields and
// POST /v3/oauth/token/generate), named after net/http/httptest: tests start one
// in-process with NewServer and talk to it over real loopback HTTP, and the
// CLI runs one with ListenAndServe so an import can be rehearsed without
// touching a real org.
//
// The sandbox implements the documented API, not any client's assumptions.
// It imports only the standard library, nothing from this module, so it
// cannot share a client's mistakes. Where the documentation is explicit it is
// followed exactly:
//
//   - every response carries X-Cap-Requestid, and a Date header written from
//     the sandbox's own clock (Config.Now), so a client can judge createdOn
//     on the server's time even when a test moves that clock;
//   - Basic auth is base64(till ":" lowercase-hex-MD5(password)); OAuth tokens
//     come from /v3/oauth/token/generate and travel in X-CAP-API-OAUTH-TOKEN;
//   - a create answers {"entity": id, "warnings": [...]}; unknown extended
//     field names (91016) and values their type cannot hold (91017) are
//     warnings, the group is still created and only those fields are dropped;
//   - errors are {"errors":[{"status":false,"code":N,"message":"..."}]} with the
//     documented codes 1632, 1633, 1634, 1635, 1639, 1640, 1643, 1644, 1645
//     and 403.
//
// # Two contracts for the lookup and the update
//
// Capillary has published two versions of GET and PUT /v2/userGroup2, and a
// real org may answer either; Config.API picks one.
//
// APICurrent (the default) follows the current reference page. GET ?id=X
// matches X against group ids, when X is a positive integer, and against
// external ids, and answers in the search shape:
//
//	{"pagination":{"limit":10,"offset":0,"total":N},"data":[{"groupId":2000,
//	"groupName":"...","groupStatus":"ACTIVE","groupExternalId":"...",
//	"primaryMemberId":0,"totalMembers":0,"extendedFields":{...}}],
//	"warnings":[],"errors":[]}
//
// with no createdOn and no maxGroupSize, and groupStatus ACTIVE or EXITED
// (or DELETED: see Deleting a group).
// When X is one group's id and another's external id, data holds both, the
// id match first: a client must pick the entry whose groupExternalId is the
// one it wants. ?externalId= is not a parameter of this contract: alone it is
// 1635 "Group query param is not passed". PUT needs id and groupName (403
// "Field id is mandatory", "Field groupName is mandatory"), finds the group
// by id, and refuses an externalId that is not that group's with 1645.
//
// APILegacy follows the older page. GET ?externalId=X or ?id=N (N a group id
// only) answers the bare group:
//
//	{"id":2000,"externalId":"...","groupStatus":"ACTIVE",
//	"createdOn":"2021-09-27T15:07:22.000+05:30","groupName":"...",
//	"maxGroupSize":110,"extendedFields":{...},"warnings":[]}
//
// and PUT finds the group by id or externalId.
//
// Under both, a group that does not exist is 400 with code 1632 "Group
// id/externalId/primary userId passed is not valid"; PUT echoes the group as
// {"id","externalId","groupName","maxGroupSize","extendedFields","warnings"},
// or answers 1643 "Nothing to update." when nothing changed, with the
// 91016/91017 warnings in both.
//
// # Deleting a group
//
// DELETE /v2/userGroup2?id=N&externalId=X is the same under both contracts.
// The current guide's example sends both parameters, the older reference
// needs one of the two; the sandbox takes either or both. id is a group id
// only, never an external id (unlike the current lookup's ?id=), and must
// be a positive integer (1645 otherwise). Neither parameter is 1635 "Group
// query param is not passed", as for the lookup. Given both, they must name
// the same group: an id and an external id of two different groups name
// none, 1632. Success is 200 {"warnings":[]}, as the older reference shows.
// Authentication, the quota and the faults apply as to every /v2 request.
//
// Only that success answer is documented. The rest is the sandbox's model
// of an open question, not a fact about Capillary:
//
//   - the delete is soft: the group stays, with groupStatus DELETED, and a
//     lookup under either contract shows it so (the search shape, which
//     otherwise reports every inactive status as EXITED, keeps DELETED);
//   - its external id stays taken: a create with it meets 1633. Nothing
//     here, and nothing built on it, may promise that a deleted external id
//     can be created again; on a real org it may or may not be free;
//   - a group that does not exist or is already deleted is 400 with 1632,
//     as for a lookup, so a second delete of the same group is 1632;
//   - an update of a deleted group is refused as for a group that does not
//     exist, 1632, and changes nothing: an update that brought a deleted
//     group back would make a delete undoable behind the caller's back.
//
// # The extended-field catalogue
//
// GET /v2/extendedFields (authenticated and counted by the quota like the
// group endpoints) lists the org's fields by entity: Config.Fields under
// "USERGROUP2", the only ones a group accepts, and Config.OtherFields
// (DefaultOtherFields unless set) under "CUSTOMER", "REGULAR_LINEITEM" and so
// on. Those other fields are there to be ignored: their names, such as the
// customer field gender, earn 91016 on a group, and a customer field may share
// a group field's name with another type (tier). Types are the docs'
// INTEGER, STRING, DOUBLE, DATETIME, STANDARD_STRING, STANDARD_ENUM and
// CUSTOM_ENUM; 91017 is only for INTEGER, DOUBLE and DATETIME values that do
// not parse, and any other upper-case type name may be configured, to stand
// for a type a client has never seen.
//
// # Open choices
//
// Where the documentation leaves a choice open, Config makes it explicit so a
// client can be tested against every plausible answer:
//
//   - the contract of the lookup and the update (Config.API);
//   - the HTTP status of a 1633 duplicate (Config.ConflictStatus, 400 by default);
//   - how a 429 says when to come back (Config.RetryAfter: seconds, an HTTP
//     date, or no Retry-After at all);
//   - the quota (Config.RatePerMinute and Config.RateBurst, per credential);
//   - the group-size ceiling (Config.MaxGroupSize, CONF_MAX_FLEET_GROUP_SIZE);
//   - the extended-field catalogue and its types (Config.Fields, Config.OtherFields);
//   - the time zone of createdOn (Config.Location, +05:30 like the docs' sample).
//
// A few answers the docs do not give at all are the sandbox's own and are
// marked as such where they are produced: 1644 ("group details not passed")
// for an empty body, "lineitem" as REGULAR_LINEITEM's baseEntityType, and
// 401, 404, 405, 415, 429 and 5xx errors carrying their HTTP status as the
// code.
//
// Faults (latency, jitter, 5xx, dropped connections, spurious 429s and the
// dangerous "created, then never answered" and "deleted, then never
// answered") can be switched on at start or at runtime with SetFaults; Creations and Stats let a test prove that a retrying
// client created each group exactly once.
package sandbox
