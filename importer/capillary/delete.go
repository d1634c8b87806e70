package capillary

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
)

// errNoGroup is a Delete that names no group: never sent, as a DELETE
// without parameters is the one request whose reach nobody can foresee.
var errNoGroup = errors.New("delete names no group: neither an id nor an external id")

// Delete sends DELETE /v2/userGroup2?id=ID&externalId=X, which takes the
// group away. The current guide sends both parameters, and a caller that
// knows both should pass both: a server that checks them refuses a pair
// that names two groups rather than deleting either. A zero (or negative)
// id or an empty externalID is left out, as the older reference takes one
// of the two; with neither, nothing is sent and err says so.
//
// A success is HTTP 200 {"warnings":[]}. What a server answers for a group
// that does not exist or is already deleted is not documented (1632, as for
// a lookup, is likely), nor whether the external id can be created again.
// As for every request, err is non-nil only when no response arrived; a
// lost answer may still have deleted the group (see MaybeSent), and only a
// lookup can tell.
func (c *Client) Delete(ctx context.Context, id int64, externalID string) (*Response, error) {
	if id <= 0 && externalID == "" {
		return nil, errNoGroup
	}
	target := c.groupURL + "?"
	if id > 0 {
		target += "id=" + strconv.FormatInt(id, 10)
		if externalID != "" {
			target += "&"
		}
	}
	if externalID != "" {
		target += "externalId=" + url.QueryEscape(externalID)
	}
	resp, body, err := c.do(ctx, http.MethodDelete, target, nil)
	if err != nil {
		return nil, err
	}
	defer putBuf(body)
	if resp.BodyErr == nil {
		resp.decodeDelete(*body)
	}
	return resp, nil
}

// deleteBody is a delete's answer: {"warnings":[]}, or the error shape.
type deleteBody struct {
	Errors   []Notice `json:"errors"`
	Warnings []Notice `json:"warnings"`
}

// decodeDelete fills r from a delete response body. An empty body is a
// BodyErr even with a 200: the API documents {"warnings":[]}, and a body
// that says nothing is not that.
func (r *Response) decodeDelete(body []byte) {
	var b deleteBody
	if err := json.Unmarshal(body, &b); err != nil {
		r.BodyErr = bodyError(body, err)
		return
	}
	r.Errors, r.Warnings = b.Errors, b.Warnings
}
