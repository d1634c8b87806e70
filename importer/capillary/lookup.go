package capillary

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// Contract names one of the two published versions of the lookup and
// update. Capillary's current reference page looks a group up with
// GET ?id=X (X a group id or an external id) and answers in the search
// shape {pagination, data:[...]}; the older page used GET ?externalId=X and
// answered with the bare group. A real org may answer either, so the client
// finds out which on the first lookup and keeps to it.
type Contract int

// The contracts. ContractUnknown is a client that has not looked anything
// up yet.
const (
	ContractUnknown Contract = iota
	ContractCurrent          // GET ?id=X, search shape; PUT needs id and groupName
	ContractLegacy           // GET ?externalId=X, bare group; PUT by id or externalId
)

func (c Contract) String() string {
	switch c {
	case ContractCurrent:
		return "current (GET ?id=, search shape)"
	case ContractLegacy:
		return "legacy (GET ?externalId=, bare group)"
	}
	return "unknown"
}

// Codes the API answers a lookup with.
const (
	CodeNotValid      = 1632 // "Group id/externalId/primary userId passed is not valid": no such group
	codeQueryMissing  = 1635 // "Group query param is not passed": the parameter is not one this version knows
	codeNotFoundOlder = 1636 // not found, as some servers say it
)

// contractState is the lookup contract a client has settled on.
type contractState struct {
	mu       sync.Mutex
	c        Contract
	onChoose func(Contract, string)
}

func (s *contractState) get() Contract {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.c
}

// set records the contract the server answered in; the first choice (and
// any later change of mind, which a well-behaved server never causes) is
// reported once to the callback.
func (s *contractState) set(c Contract, why string) {
	s.mu.Lock()
	changed := s.c != c
	s.c = c
	f := s.onChoose
	s.mu.Unlock()
	if changed && f != nil {
		f(c, why)
	}
}

// OnContract registers f to be told, once, which lookup contract the server
// answers in, and why the client chose it. Call it before any request.
func (c *Client) OnContract(f func(Contract, string)) { c.contract.onChoose = f }

// Contract is the lookup contract found so far.
func (c *Client) Contract() Contract { return c.contract.get() }

// Lookup finds the group whose external id is externalID, in whichever
// contract the server speaks. On a 200 answer resp.Group is that group
// (never another that merely shares the value as its id) or resp.Missing is
// true. A group that does not exist may also be a 400 with an error code;
// Missing covers the codes known to mean that. err is non-nil only when no
// response arrived.
func (c *Client) Lookup(ctx context.Context, externalID string) (*Response, error) {
	switch c.contract.get() {
	case ContractLegacy:
		resp, err := c.lookupLegacy(ctx, externalID)
		if err == nil && resp.HasCode(codeQueryMissing) {
			c.contract.set(ContractCurrent, "the server does not know ?externalId= (1635)")
			return c.lookupCurrent(ctx, externalID)
		}
		return resp, err
	case ContractCurrent:
		return c.lookupCurrent(ctx, externalID)
	}
	// Not known yet: ask as the current page documents, and let the shape
	// of the answer tell.
	resp, shape, err := c.getGroup(ctx, "id", externalID)
	if err != nil {
		return nil, err
	}
	switch {
	case shape == shapeSearch:
		c.contract.set(ContractCurrent, "the server answered ?id= in the search shape")
		return resp, nil
	case shape == shapeBare:
		// An older server took the external id for a group id.
		c.contract.set(ContractLegacy, "the server answered ?id= with a bare group")
		return c.lookupLegacy(ctx, externalID)
	case !decisive(resp):
		return resp, nil // 401, 429, 5xx, a broken body: nothing learnt
	}
	// An error answer to ?id= is what both versions may say for a group
	// that does not exist; ask the older way to tell them apart.
	old, oldShape, err := c.getGroup(ctx, "externalId", externalID)
	if err != nil {
		return nil, err
	}
	switch {
	case old.HasCode(codeQueryMissing) || oldShape == shapeSearch:
		c.contract.set(ContractCurrent, "the server does not know ?externalId= (1635)")
		return resp, nil
	case oldShape == shapeBare || decisive(old):
		c.contract.set(ContractLegacy, "the server answers ?externalId=")
		return old, nil
	}
	return old, nil
}

func (c *Client) lookupCurrent(ctx context.Context, externalID string) (*Response, error) {
	resp, _, err := c.getGroup(ctx, "id", externalID)
	return resp, err
}

func (c *Client) lookupLegacy(ctx context.Context, externalID string) (*Response, error) {
	resp, _, err := c.getGroup(ctx, "externalId", externalID)
	return resp, err
}

// decisive reports whether a lookup answer says something about the
// group rather than about the request's way there: a 200, or a 400 with an
// error code.
func decisive(r *Response) bool {
	if r.BodyErr != nil {
		return false
	}
	return r.Status == http.StatusOK || (r.Status == http.StatusBadRequest && len(r.Errors) > 0)
}

type bodyShape int

const (
	shapeNone   bodyShape = iota // an error body, or no body to speak of
	shapeSearch                  // {pagination, data:[...]}
	shapeBare                    // {id, externalId, ...}
)

// getGroup sends GET /v2/userGroup2?param=externalID and decodes either
// shape, keeping only the group whose external id is externalID.
func (c *Client) getGroup(ctx context.Context, param, externalID string) (*Response, bodyShape, error) {
	resp, body, err := c.do(ctx, http.MethodGet, c.groupURL+"?"+param+"="+url.QueryEscape(externalID), nil)
	if err != nil {
		return nil, shapeNone, err
	}
	defer putBuf(body)
	shape := shapeNone
	if resp.BodyErr == nil {
		shape = resp.decodeLookup(*body, externalID)
	}
	return resp, shape, nil
}

// lookupBody is every field either shape of a lookup answer may carry.
type lookupBody struct {
	Pagination json.RawMessage `json:"pagination"`
	Data       *[]searchEntry  `json:"data"`
	wireGroup
	Entity   *wireGroup `json:"entity"` // some v2 endpoints wrap the object
	Errors   []Notice   `json:"errors"`
	Warnings []Notice   `json:"warnings"`
}

// searchEntry is one group of the search shape.
type searchEntry struct {
	GroupID         int64     `json:"groupId"`
	GroupExternalID string    `json:"groupExternalId"`
	GroupName       string    `json:"groupName"`
	GroupStatus     string    `json:"groupStatus"`
	MaxGroupSize    *int64    `json:"maxGroupSize"`
	CreatedOn       string    `json:"createdOn"`
	ExtendedFields  extFields `json:"extendedFields"`
}

// wireGroup is the bare group of the older lookup and of update answers.
type wireGroup struct {
	ID             int64     `json:"id"`
	ExternalID     string    `json:"externalId"`
	GroupName      string    `json:"groupName"`
	MaxGroupSize   *int64    `json:"maxGroupSize"`
	GroupStatus    string    `json:"groupStatus"`
	CreatedOn      string    `json:"createdOn"`
	ExtendedFields extFields `json:"extendedFields"`
}

func (w *wireGroup) info() *GroupInfo {
	g := &GroupInfo{ID: w.ID, ExternalID: w.ExternalID, GroupName: w.GroupName, GroupStatus: w.GroupStatus,
		CreatedOn: w.CreatedOn, ExtendedFields: w.ExtendedFields}
	if w.MaxGroupSize != nil {
		g.MaxGroupSize, g.HasMaxGroupSize = *w.MaxGroupSize, true
	}
	return g
}

func (e *searchEntry) info() *GroupInfo {
	g := &GroupInfo{ID: e.GroupID, ExternalID: e.GroupExternalID, GroupName: e.GroupName, GroupStatus: e.GroupStatus,
		CreatedOn: e.CreatedOn, ExtendedFields: e.ExtendedFields}
	if e.MaxGroupSize != nil {
		g.MaxGroupSize, g.HasMaxGroupSize = *e.MaxGroupSize, true
	}
	return g
}

// decodeLookup fills r from a lookup answer and reports its shape. Only a
// group whose external id equals want, exactly, is taken: ?id=3 also
// matches the group whose id is 3.
func (r *Response) decodeLookup(body []byte, want string) bodyShape {
	var b lookupBody
	if err := json.Unmarshal(body, &b); err != nil {
		r.BodyErr = bodyError(body, err)
		return shapeNone
	}
	r.Errors, r.Warnings = b.Errors, b.Warnings
	if len(r.Errors) > 0 || r.Status != http.StatusOK {
		r.Missing = r.Status == http.StatusBadRequest && (r.HasCode(CodeNotValid) || r.HasCode(codeNotFoundOlder))
		switch {
		case b.Data != nil:
			return shapeSearch
		case b.ID != 0 || b.ExternalID != "":
			return shapeBare
		}
		return shapeNone
	}
	switch {
	case b.Data != nil:
		for i := range *b.Data {
			if e := &(*b.Data)[i]; e.GroupExternalID == want {
				r.Group = e.info()
				return shapeSearch
			}
		}
		r.Missing = true
		return shapeSearch
	case b.Entity != nil:
		b.wireGroup = *b.Entity
	}
	if b.ID == 0 && b.ExternalID == "" {
		r.BodyErr = fmt.Errorf("response has no group")
		return shapeNone
	}
	if b.ExternalID == want {
		r.Group = b.info()
	} else {
		// ?id=3 to an older server names the group whose id is 3.
		r.Missing = true
	}
	return shapeBare
}

// extFields decodes extended fields given as an object {"name": value} or
// as an array of {"name", "value"} (or {"key", "value"}); values that are
// numbers or booleans are kept as their JSON text.
type extFields map[string]string

func (f *extFields) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || bytes.Equal(data, []byte("null")) {
		return nil
	}
	out := extFields{}
	if data[0] == '[' {
		var items []struct {
			Name  string          `json:"name"`
			Key   string          `json:"key"`
			Value json.RawMessage `json:"value"`
		}
		if err := json.Unmarshal(data, &items); err != nil {
			return err
		}
		for _, it := range items {
			name := it.Name
			if name == "" {
				name = it.Key
			}
			if name != "" {
				out[name] = scalar(it.Value)
			}
		}
	} else {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(data, &m); err != nil {
			return err
		}
		for k, v := range m {
			out[k] = scalar(v)
		}
	}
	*f = out
	return nil
}

// scalar is a JSON value as text: a string unquoted, anything else as
// written.
func scalar(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	return string(bytes.TrimSpace(v))
}

// CreatedTime parses the group's createdOn, as the older lookup gives it.
// ok is false when the server gave none, or none that can be read.
func (g *GroupInfo) CreatedTime() (t time.Time, ok bool) {
	if g.CreatedOn == "" {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, g.CreatedOn); err == nil {
			return t, true
		}
	}
	if ms, err := strconv.ParseInt(g.CreatedOn, 10, 64); err == nil && ms > 1e11 {
		return time.UnixMilli(ms), true // epoch milliseconds
	}
	return time.Time{}, false
}
