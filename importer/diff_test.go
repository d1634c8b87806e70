package importer

import (
	"strconv"
	"testing"
)

func TestParseDifferencesRoundTrip(t *testing.T) {
	for _, c := range []Comparison{
		{},
		{Fields: []FieldDiff{{Field: "groupName", Server: strconv.Quote("Old"), Row: strconv.Quote("New")}}},
		{Fields: []FieldDiff{
			{Field: "groupName", Server: strconv.Quote(`a | b -> "c"`), Row: strconv.Quote("ü\t")},
			{Field: "maxGroupSize", Server: "10", Row: "12"},
			{Field: "ext.tier", Server: "(none)", Row: strconv.Quote("gold"), Absent: true},
		}},
		{Fields: []FieldDiff{{Field: "ext.a: b", Server: strconv.Quote("x: y"), Row: "(none)"}}},
	} {
		got, err := ParseDifferences(c.String())
		if err != nil {
			t.Fatalf("%q: %v", c.String(), err)
		}
		if back := (Comparison{Fields: got}).String(); back != c.String() || len(got) != len(c.Fields) {
			t.Errorf("%q read back as %q", c.String(), back)
		}
		for i := range got {
			if got[i] != c.Fields[i] {
				t.Errorf("%+v, want %+v", got[i], c.Fields[i])
			}
		}
	}
	for _, bad := range []string{"groupName", `groupName: "a`, `groupName: "a" => "b"`, `x: 1 -> 2 |`} {
		if _, err := ParseDifferences(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func FuzzParseDifferences(f *testing.F) {
	f.Add("Old", "New", int64(10), int64(12), "tier", "gold")
	f.Add(`a | b -> "c"`, "", int64(0), int64(-1), "x y", "=1+1")
	f.Fuzz(func(t *testing.T, oldName, newName string, oldSize, newSize int64, ext, val string) {
		c := Comparison{Fields: []FieldDiff{
			{Field: "groupName", Server: strconv.Quote(oldName), Row: strconv.Quote(newName)},
			{Field: "maxGroupSize", Server: strconv.FormatInt(oldSize, 10), Row: strconv.FormatInt(newSize, 10)},
			{Field: "ext." + strconv.Quote(ext), Server: "(none)", Row: strconv.Quote(val), Absent: true},
		}}
		got, err := ParseDifferences(c.String())
		if err != nil {
			t.Fatalf("%q: %v", c.String(), err)
		}
		if back := (Comparison{Fields: got}).String(); back != c.String() {
			t.Errorf("%q read back as %q", c.String(), back)
		}
	})
}
