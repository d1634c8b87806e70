package importer

import (
	"fmt"
	"strings"
)

// Columns says where each known field sits in a record; -1 when absent.
type Columns struct {
	ExternalID   int
	GroupName    int
	MaxGroupSize int
	Limit        int
	Ext          []ExtColumn
	Names        []string // the header as read
	Unknown      []string // columns that are ignored
	// Error is the ErrorColumn of a file this tool wrote (--failed-out),
	// ignored on import; -1 when absent.
	Error int
}

// ExtColumn is an extended-field column: ext.NAME or extendedFields.NAME.
type ExtColumn struct {
	Index int
	Name  string
}

// HeaderError is a header the run cannot start with.
type HeaderError struct {
	Line int // the header's spreadsheet row
	Msg  string
}

func (e *HeaderError) Error() string { return fmt.Sprintf("header (row %d): %s", e.Line, e.Msg) }

// FoldHeader folds a header name for matching: case, spaces, '_' and '-'
// do not count, so "External ID", "external_id" and "externalId" are one
// column.
func FoldHeader(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch r {
		case ' ', '_', '-', '\t', '\u00a0':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ErrorColumn is the last column of a --failed-out file: why the row
// needs fixing. Importing that file again ignores it.
const ErrorColumn = "groupimport_error"

var errorColumnKey = FoldHeader(ErrorColumn)

// ParseHeader maps a header record to Columns. Aliases maps folded header
// names to a field's Key or ExtKey(NAME), for headers the user renames
// with --map.
func ParseHeader(header []string, line int, aliases map[string]string) (*Columns, error) {
	c := &Columns{ExternalID: -1, GroupName: -1, MaxGroupSize: -1, Limit: -1, Error: -1, Names: header}
	seen := map[string]int{}
	for i, raw := range header {
		if i == 0 {
			raw = strings.TrimPrefix(raw, "\ufeff")
		}
		key, ext, isExt := headerKey(raw, aliases)
		if key == errorColumnKey && c.Error < 0 {
			c.Error = i
			continue
		}
		if key == "" {
			if strings.TrimSpace(raw) != "" {
				c.Unknown = append(c.Unknown, raw)
			}
			continue
		}
		if isExt {
			// ext.Tier and extendedFields.tier are one field.
			key = ExtKey(strings.ToLower(ext))
		} else if _, known := FieldByKey(key); !known {
			c.Unknown = append(c.Unknown, raw)
			continue
		}
		if prev, dup := seen[key]; dup {
			return nil, &HeaderError{line, fmt.Sprintf("columns %d (%q) and %d (%q) are the same field; keep one", prev+1, header[prev], i+1, raw)}
		}
		seen[key] = i
		c.place(key, i, ext)
	}
	var missing []string
	for _, f := range fields {
		if _, ok := seen[f.Key]; f.Required && !ok {
			missing = append(missing, f.Name)
		}
	}
	if len(missing) > 0 {
		return nil, &HeaderError{line, fmt.Sprintf("required column %s not found; the columns found are %s. Rename the columns in the file or map them with --map",
			strings.Join(missing, " and "), quoteList(header))}
	}
	return c, nil
}

// headerKey folds a header cell to the key of the field it names, through
// aliases (--map) first; isExt and ext, the name as the user spelled it,
// say when it is an extended field.
func headerKey(raw string, aliases map[string]string) (key, ext string, isExt bool) {
	key = FoldHeader(raw)
	to, ok := aliases[key]
	if !ok {
		ext, isExt = extName(raw, key)
		return key, ext, isExt
	}
	// A mapped extended field takes the name the map gives it.
	if name, ok := strings.CutPrefix(to, ExtKey("")); ok && name != "" {
		return to, name, true
	}
	return to, "", false
}

// place records that column i holds the field with this key.
func (c *Columns) place(key string, i int, ext string) {
	switch key {
	case keyExternalID:
		c.ExternalID = i
	case keyGroupName:
		c.GroupName = i
	case keyMaxGroupSize:
		c.MaxGroupSize = i
	case keyLimit:
		c.Limit = i
	default:
		c.Ext = append(c.Ext, ExtColumn{Index: i, Name: ext})
	}
}

// extName returns the extended field's name with the user's spelling.
func extName(raw, key string) (string, bool) {
	rest, ok := CutExtPrefix(key)
	if !ok || rest == "" {
		return "", false
	}
	raw = strings.TrimSpace(raw)
	if i := strings.IndexByte(raw, '.'); i >= 0 && strings.TrimSpace(raw[i+1:]) != "" {
		return strings.TrimSpace(raw[i+1:]), true
	}
	return rest, true
}

func quoteList(names []string) string {
	if len(names) == 0 {
		return "(none)"
	}
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
