package importer

import "strings"

// Field is a column the importer knows: the one table that the header
// parser, --map, validation and the unknown-column warning read.
type Field struct {
	Name     string // as the API and the docs spell it: externalId
	Key      string // folded (see FoldHeader): externalid
	Required bool   // a file without the column is refused
}

// fields are the fields of a group, in the order the API documents them.
var fields = [...]Field{
	{Name: "externalId", Key: "externalid", Required: true},
	{Name: "groupName", Key: "groupname"},
	{Name: "maxGroupSize", Key: "maxgroupsize", Required: true},
	{Name: "limit", Key: "limit"},
}

// Folded keys of the fields, for the code that places them.
const (
	keyExternalID   = "externalid"
	keyGroupName    = "groupname"
	keyMaxGroupSize = "maxgroupsize"
	keyLimit        = "limit"
)

// extPrefixes introduce an extended-field column or --map target, folded:
// ext.tier, extendedFields.tier and extendedField.tier are one field.
var extPrefixes = []string{"ext.", "extendedfields.", "extendedfield."}

// Fields lists the fields of a group, in the order the API documents them.
// The slice is the caller's to keep or change.
func Fields() []Field { f := fields; return f[:] }

// ExtKey is the folded key of the extended field name, as ParseHeader's
// aliases take it.
func ExtKey(name string) string { return "ext." + name }

// FieldByKey finds a field by its folded key.
func FieldByKey(key string) (Field, bool) {
	for _, f := range fields {
		if f.Key == key {
			return f, true
		}
	}
	return Field{}, false
}

// CutExtPrefix reports whether s (folded or lower-cased) starts with an
// extended-field prefix, and returns what follows it.
func CutExtPrefix(s string) (rest string, ok bool) {
	for _, p := range extPrefixes {
		if strings.HasPrefix(s, p) {
			return s[len(p):], true
		}
	}
	return "", false
}

// FieldNames lists the known columns for a message: "externalId,
// groupName, maxGroupSize, limit and ext.NAME".
func FieldNames() string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Name
	}
	return strings.Join(names, ", ") + " and ext.NAME"
}
