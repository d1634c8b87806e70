package importer

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/capillary-tools/groupimport/importer/capillary"
)

// MaxIDLength is the longest externalId and groupName the API accepts, in
// characters.
const MaxIDLength = 50

// DefaultMaxGroupSize is CONF_MAX_FLEET_GROUP_SIZE when the org leaves it unset.
const DefaultMaxGroupSize = 30000

// Validator turns a record into the group to send, or says why it cannot be
// sent. A real run and a dry run use the same one.
type Validator struct {
	Cols         *Columns
	MaxGroupSize int64
	// ExtTypes, when set, is the org's extended-field catalogue (folded
	// name -> type); a dry run then predicts the 91016/91017 warnings.
	ExtTypes map[string]string
}

// Validate fills g from cells. It returns the external id as read (trimmed)
// and, for a row that must not be sent, a message naming the column and the
// rule. Warnings that do not stop the row (an extended field the catalogue
// does not know) come back in warn.
func (v *Validator) Validate(cells []string, g *capillary.Group) (id string, problem string, warn []Notice) {
	c := v.Cols
	if c.ExternalID < len(cells) {
		id = strings.TrimSpace(cells[c.ExternalID])
	}
	if len(cells) != len(c.Names) {
		return id, fmt.Sprintf("row has %d cells, the header has %d: check for a stray delimiter or a missing quote", len(cells), len(c.Names)), nil
	}
	for i, cell := range cells {
		if !utf8.ValidString(cell) {
			return sanitizeID(id), fmt.Sprintf("%s: not valid UTF-8; save the file as CSV UTF-8 or pass --encoding", columnName(c, i)), nil
		}
	}
	*g = capillary.Group{ExternalID: id, ExtendedFields: g.ExtendedFields[:0]}
	switch n := utf8.RuneCountInString(id); {
	case id == "":
		return id, "externalId: missing (required)", nil
	case n > MaxIDLength:
		return id, fmt.Sprintf("externalId: %d characters, at most %d allowed", n, MaxIDLength), nil
	}
	if c.GroupName >= 0 {
		g.GroupName = strings.TrimSpace(cells[c.GroupName])
		if n := utf8.RuneCountInString(g.GroupName); n > MaxIDLength {
			return id, fmt.Sprintf("groupName: %d characters, at most %d allowed", n, MaxIDLength), nil
		}
	}
	size, msg := wholeNumber(cells[c.MaxGroupSize])
	switch {
	case msg != "":
		return id, "maxGroupSize: " + msg, nil
	case size <= 0:
		return id, fmt.Sprintf("maxGroupSize: %d is not positive", size), nil
	case size > v.MaxGroupSize:
		return id, fmt.Sprintf("maxGroupSize: %d is over the org's limit of %d (--max-group-size)", size, v.MaxGroupSize), nil
	}
	g.MaxGroupSize = size
	if c.Limit >= 0 && strings.TrimSpace(cells[c.Limit]) != "" {
		limit, msg := wholeNumber(cells[c.Limit])
		switch {
		case msg != "":
			return id, "limit: " + msg, nil
		case limit < 0:
			return id, fmt.Sprintf("limit: %d is negative", limit), nil
		}
		g.Limit, g.HasLimit = limit, true
	}
	for _, e := range c.Ext {
		val := cells[e.Index]
		if strings.TrimSpace(val) == "" {
			continue
		}
		g.ExtendedFields = append(g.ExtendedFields, capillary.Field{Name: e.Name, Value: val})
		if v.ExtTypes != nil {
			if w, ok := checkExt(v.ExtTypes, e.Name, val); !ok {
				warn = append(warn, w)
			}
		}
	}
	return id, "", warn
}

// wholeNumber parses a count. Spreadsheets write whole numbers as "110.0"
// or "1.1E+2" when a cell is formatted as a number, so those are accepted
// when their value is whole.
func wholeNumber(s string) (int64, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, "missing (required)"
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, ""
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != f || strings.ContainsAny(s, "xXpP_") || strings.EqualFold(strings.TrimLeft(s, "+-"), "inf") || strings.EqualFold(strings.TrimLeft(s, "+-"), "infinity") {
		return 0, fmt.Sprintf("%q is not a whole number", s)
	}
	if f != float64(int64(f)) || f > 1<<53 || f < -(1<<53) {
		return 0, fmt.Sprintf("%q is not a whole number", s)
	}
	return int64(f), ""
}

func columnName(c *Columns, i int) string {
	if i < len(c.Names) && strings.TrimSpace(c.Names[i]) != "" {
		return strings.TrimSpace(strings.TrimPrefix(c.Names[i], "\ufeff"))
	}
	return fmt.Sprintf("column %d", i+1)
}

// sanitizeID makes an id that is not valid UTF-8 printable in the results.
func sanitizeID(id string) string {
	return strings.ToValidUTF8(id, "\ufffd")
}
