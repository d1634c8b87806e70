package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"
)

// maxLen is the documented limit, in characters, of externalId and groupName.
const maxLen = 50

// maxBody bounds a request body; a real group is a few hundred bytes.
const maxBody = 1 << 20

// groupRequest is the body of a create or an update. Pointers tell a field
// that was sent from one that was not, which the mandatory-field and
// nothing-to-update rules depend on.
type groupRequest struct {
	ID             *int64                     `json:"id"`
	ExternalID     *string                    `json:"externalId"`
	GroupName      *string                    `json:"groupName"`
	MaxGroupSize   *int                       `json:"maxGroupSize"`
	Limit          *int                       `json:"limit"`
	ExtendedFields map[string]json.RawMessage `json:"extendedFields"`
}

// readBody checks the content type and decodes the body. Any JSON that does
// not fit groupRequest's types, including extendedFields sent as an array,
// is 1645; no body at all is 1644, "group details not passed".
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) (*groupRequest, *item) {
	if !isJSON(r.Header.Get("Content-Type")) {
		return nil, &item{http.StatusUnsupportedMediaType, "Content-Type must be application/json."}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, &item{1645, "Group details not valid: body exceeds " + strconv.Itoa(maxBody) + " bytes."}
		}
		return nil, &item{1645, "Group details not valid: " + err.Error()}
	}
	if trimmed := bytes.TrimSpace(body); len(trimmed) == 0 || string(trimmed) == "null" {
		return nil, &item{1644, "Group details not passed."}
	}
	var req groupRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, &item{1645, "Group details not valid: " + err.Error()}
	}
	return &req, nil
}

func isJSON(contentType string) bool {
	if contentType == "application/json" {
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}

// validateCreate applies the documented rules in a fixed order, so a body
// breaking several of them always earns the same code.
func (s *Server) validateCreate(req *groupRequest) *item {
	if req.ExternalID == nil || *req.ExternalID == "" {
		return &item{1634, "Group external Id can't be null."}
	}
	if bad := checkLengths(req); bad != nil {
		return bad
	}
	if req.MaxGroupSize == nil {
		return &item{403, "Field maxGroupSize is mandatory"}
	}
	return s.checkSize(*req.MaxGroupSize)
}

// validateUpdate is validateCreate for PUT. Under the legacy contract only
// the group's identity, id or externalId, is mandatory; under the current
// one id and groupName are, with the documented 403 "Field {x} is
// mandatory".
func (s *Server) validateUpdate(req *groupRequest) *item {
	if s.cfg.API == APICurrent {
		if req.ID == nil {
			return &item{403, "Field id is mandatory"}
		}
		if req.GroupName == nil || *req.GroupName == "" {
			return &item{403, "Field groupName is mandatory"}
		}
	}
	if req.ID != nil && *req.ID <= 0 {
		return &item{1645, "Group details not valid: id must be a positive integer."}
	}
	if req.ID == nil && (req.ExternalID == nil || *req.ExternalID == "") {
		return &item{1634, "Group external Id can't be null."}
	}
	if bad := checkLengths(req); bad != nil {
		return bad
	}
	if req.MaxGroupSize != nil {
		return s.checkSize(*req.MaxGroupSize)
	}
	return nil
}

func checkLengths(req *groupRequest) *item {
	if req.ExternalID != nil && utf8.RuneCountInString(*req.ExternalID) > maxLen {
		return &item{1645, "Group details not valid: externalId is longer than 50 characters."}
	}
	if req.GroupName != nil && utf8.RuneCountInString(*req.GroupName) > maxLen {
		return &item{1645, "Group details not valid: groupName is longer than 50 characters."}
	}
	return nil
}

func (s *Server) checkSize(n int) *item {
	if n <= 0 {
		return &item{1640, "maxGroupSize must be a positive number."}
	}
	if n > s.cfg.MaxGroupSize {
		return &item{1639, "maxGroupSize exceeds the maximum group size of " + strconv.Itoa(s.cfg.MaxGroupSize) + "."}
	}
	return nil
}

// checkFields splits the extended fields sent into those to save and
// warnings for the rest, as the API does: an unknown name is 91016, a value
// not of the field's type 91017, and neither stops the group being saved.
// A value that is not a JSON scalar cannot be a field value at all: 1645.
func (s *Server) checkFields(raw map[string]json.RawMessage) (map[string]string, []item, *item) {
	if len(raw) == 0 {
		return nil, nil, nil
	}
	fields := make(map[string]string, len(raw))
	var warnings []item
	// Sorted, so warnings come in a stable order.
	for _, name := range sortedKeys(raw) {
		v, ok := scalarText(raw[name])
		if !ok {
			return nil, nil, &item{1645, "Group details not valid: extended field " + name + " must be a string, number or boolean."}
		}
		// Only usergroup2 fields count: a customer or line-item field of
		// the same name is still unknown to a group.
		t, known := s.cfg.Fields[name]
		switch {
		case !known:
			warnings = append(warnings, item{91016, "Extended field name " + name + " is invalid."})
		case !t.accepts(v):
			warnings = append(warnings, item{91017, "Extended field value for " + name + " does not match the data type " + string(t)})
		default:
			fields[name] = v
		}
	}
	return fields, warnings, nil
}

// scalarText is the text of a JSON string, number or boolean. The docs send
// values as strings ("platinum": "25"); bare numbers and booleans are
// accepted as their literal text.
func scalarText(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", false
	}
	switch c := raw[0]; {
	case c == '"':
		var v string
		if json.Unmarshal(raw, &v) != nil {
			return "", false
		}
		return v, true
	case c == 't' || c == 'f' || c == '-' || (c >= '0' && c <= '9'):
		return string(raw), true
	}
	return "", false
}

// accepts reports whether a value of type t can hold v. Text types, enums
// (the sandbox keeps no enum values) and types it does not know take any
// text: 91017 is only for values a type cannot hold.
func (t FieldType) accepts(v string) bool {
	switch t {
	case Integer:
		_, err := strconv.ParseInt(v, 10, 64)
		return err == nil
	case Double:
		f, err := strconv.ParseFloat(v, 64)
		return err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
	case DateTime:
		for _, layout := range [...]string{time.DateOnly, time.DateTime, time.RFC3339} {
			if _, err := time.Parse(layout, v); err == nil {
				return true
			}
		}
		return false
	}
	return true
}
