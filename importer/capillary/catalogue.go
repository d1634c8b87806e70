package capillary

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// FieldsPath is the org's extended-field catalogue.
const FieldsPath = "/v2/extendedFields"

// FieldDef is one extended field of user groups in the org's catalogue.
type FieldDef struct {
	Name     string
	DataType string // INTEGER, STRING, DOUBLE, DATETIME, STANDARD_ENUM, ...; as the server spells it
}

// groupEntity is how the catalogue names the user-group entity, folded to
// lower case: its group key and entityType spell it in capitals,
// baseEntityType in lower case.
const groupEntity = "usergroup2"

// ParseCatalogue reads the answer of GET /v2/extendedFields and returns the
// fields that apply to user groups: those of the usergroup2 entity. A field
// of the same name on another entity (customer, transaction, ...) does not
// apply, and is left out.
func ParseCatalogue(body []byte) ([]FieldDef, error) {
	var doc struct {
		Entity map[string][]struct {
			Name           string `json:"name"`
			EntityType     string `json:"entityType"`
			BaseEntityType string `json:"baseEntityType"`
			DataType       string `json:"dataType"`
		} `json:"entity"`
		Errors []Notice `json:"errors"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, bodyError(body, err)
	}
	if doc.Entity == nil {
		if len(doc.Errors) > 0 {
			return nil, fmt.Errorf("%d: %s", doc.Errors[0].Code, doc.Errors[0].Message)
		}
		return nil, errors.New(`not an extended-field catalogue: no "entity" object`)
	}
	var out []FieldDef
	for key, fields := range doc.Entity {
		for _, f := range fields {
			entity := f.BaseEntityType
			if entity == "" {
				entity = f.EntityType
			}
			if entity == "" {
				entity = key
			}
			if f.Name == "" || !strings.EqualFold(entity, groupEntity) {
				continue
			}
			out = append(out, FieldDef{Name: f.Name, DataType: strings.ToUpper(f.DataType)})
		}
	}
	return out, nil
}

// ExtendedFields fetches the org's catalogue. It returns the raw body, to
// be saved as it came, and the user-group fields in it. err is non-nil when
// no response arrived, or when the answer is not a catalogue (resp then
// says what came back).
func (c *Client) ExtendedFields(ctx context.Context) (fields []FieldDef, raw []byte, resp *Response, err error) {
	resp, body, err := c.do(ctx, http.MethodGet, c.base+FieldsPath, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	defer putBuf(body)
	if resp.BodyErr != nil {
		return nil, nil, resp, fmt.Errorf("GET %s: %s", FieldsPath, resp.Message())
	}
	raw = append([]byte(nil), *body...)
	if resp.Status != http.StatusOK {
		var b createBody
		if json.Unmarshal(raw, &b) == nil {
			resp.Errors = b.Errors
		}
		return nil, raw, resp, fmt.Errorf("GET %s: %s", FieldsPath, resp.Message())
	}
	fields, err = ParseCatalogue(raw)
	if err != nil {
		return nil, raw, resp, fmt.Errorf("GET %s: %w", FieldsPath, err)
	}
	return fields, raw, resp, nil
}

// Token fetches an OAuth token now, to prove the credentials; for Basic
// authentication it does nothing and reports false.
func (c *Client) Token(ctx context.Context) (bool, error) {
	o, ok := c.auth.(*OAuth)
	if !ok {
		return false, nil
	}
	_, err := o.current(ctx, c)
	return true, err
}
