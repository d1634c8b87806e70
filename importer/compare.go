package importer

import (
	"strconv"
	"strings"

	"github.com/capillary-tools/groupimport/importer/capillary"
)

// FieldDiff is one field on which the server's group and the row differ.
type FieldDiff struct {
	Field  string // groupName, maxGroupSize, or ext.NAME for an extended field
	Server string // as it stands on the server, quoted where it is text
	Row    string // as the row wants it
	Absent bool   // an extended field the server's group does not hold
}

func (d FieldDiff) String() string { return d.Field + ": " + d.Server + " -> " + d.Row }

// Comparison is how the server's group stands against a row.
type Comparison struct {
	Fields []FieldDiff
	// SizeUnknown: the server did not report maxGroupSize (the current
	// lookup's search shape need not), so it could not be compared.
	SizeUnknown bool
}

// Compare holds the server's group s against the row's group g. A name the
// row leaves empty is not compared (the API keeps the one it has); every
// extended field of the row is, and one the group does not hold is a
// difference.
func Compare(g *capillary.Group, s *capillary.GroupInfo) Comparison {
	var c Comparison
	if g.GroupName != "" && s.GroupName != g.GroupName {
		c.Fields = append(c.Fields, FieldDiff{Field: "groupName", Server: strconv.Quote(s.GroupName), Row: strconv.Quote(g.GroupName)})
	}
	switch {
	case !s.HasMaxGroupSize:
		c.SizeUnknown = true
	case s.MaxGroupSize != g.MaxGroupSize:
		c.Fields = append(c.Fields, FieldDiff{Field: "maxGroupSize", Server: strconv.FormatInt(s.MaxGroupSize, 10), Row: strconv.FormatInt(g.MaxGroupSize, 10)})
	}
	for _, f := range g.ExtendedFields {
		v, ok := lookupField(s.ExtendedFields, f.Name)
		switch {
		case !ok:
			c.Fields = append(c.Fields, FieldDiff{Field: "ext." + f.Name, Server: "(none)", Row: strconv.Quote(f.Value), Absent: true})
		case v != f.Value:
			c.Fields = append(c.Fields, FieldDiff{Field: "ext." + f.Name, Server: strconv.Quote(v), Row: strconv.Quote(f.Value)})
		}
	}
	return c
}

// lookupField finds an extended field by name, exactly or else ignoring
// case, as the API's names are not case-sensitive.
func lookupField(m map[string]string, name string) (string, bool) {
	if v, ok := m[name]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

// Same reports whether the group matches the row in every field, all of
// them compared.
func (c Comparison) Same() bool { return len(c.Fields) == 0 && !c.SizeUnknown }

// Core is the comparison without the extended fields the group does not
// hold, which the API may have refused (91016/91017) rather than lost.
func (c Comparison) Core() Comparison {
	out := Comparison{SizeUnknown: c.SizeUnknown}
	for _, d := range c.Fields {
		if !d.Absent {
			out.Fields = append(out.Fields, d)
		}
	}
	return out
}

// Absent lists the row's extended fields that the group does not hold.
func (c Comparison) Absent() []capillary.Field {
	var out []capillary.Field
	for _, d := range c.Fields {
		if d.Absent {
			v, _ := strconv.Unquote(d.Row)
			out = append(out, capillary.Field{Name: strings.TrimPrefix(d.Field, "ext."), Value: v})
		}
	}
	return out
}

// String lists the differences as `groupName: "Old" -> "New" | maxGroupSize:
// 10 -> 12 | ext.tier: (none) -> "gold"`.
func (c Comparison) String() string {
	parts := make([]string, len(c.Fields))
	for i, d := range c.Fields {
		parts[i] = d.String()
	}
	return strings.Join(parts, " | ")
}
