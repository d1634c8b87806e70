// Package capillary is a small client for Capillary's user-group API
// (POST/GET/PUT/DELETE /v2/userGroup2) and its two ways to authenticate.
//
// The client sends one request and reports what came back; it does not
// retry, pace or classify. Those are decisions of the caller, which knows
// whether a retry is safe. What the client does own is the wire: encoding a
// Group without reflection, decoding the shared error/warning shape with a
// size cap, parsing Retry-After, and keeping an OAuth token fresh (renewed
// before it expires and once when a request answers 401).
//
// A transport error is returned as an error; anything the server answered,
// even a 5xx page or a body that is not JSON, is a *Response.
//
// # Dependencies
//
// The client imports only the standard library: nothing else of this
// module, so it can be read and tested on its own. The sandbox beside it
// (importer/capillary/sandbox) does not import it either.
package capillary
