package importer

import (
	"strings"
	"testing"

	"github.com/capillary-tools/groupimport/importer/capillary"
)

func mustHeader(t testing.TB, names ...string) *Columns {
	t.Helper()
	c, err := ParseHeader(names, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestParseHeader(t *testing.T) {
	tests := []struct {
		name    string
		header  []string
		aliases map[string]string
		want    string // externalId,groupName,maxGroupSize,limit indexes + ext names
		wantErr string
	}{
		{"canonical", []string{"externalId", "groupName", "maxGroupSize"}, nil, "0 1 2 -1 []", ""},
		{"spelling variants", []string{"External ID", "group_name", "MAX-GROUP-SIZE", " Limit "}, nil, "0 1 2 3 []", ""},
		{"bom", []string{"\ufeffexternalId", "maxGroupSize"}, nil, "0 -1 1 -1 []", ""},
		{"ext columns", []string{"externalId", "maxGroupSize", "ext.platinum", "extendedFields.Tier"}, nil, "0 -1 1 -1 [platinum Tier]", ""},
		{"alias", []string{"Fleet Code", "Size"}, map[string]string{"fleetcode": "externalid", "size": "maxgroupsize"}, "0 -1 1 -1 []", ""},
		{"missing required", []string{"id", "name"}, nil, "", `required column externalId and maxGroupSize not found; the columns found are "id", "name"`},
		{"same field twice", []string{"externalId", "external_id", "maxGroupSize"}, nil, "", "are the same field"},
		{"same extended field twice", []string{"externalId", "maxGroupSize", "ext.Tier", "extendedFields.tier"}, nil, "", "are the same field"},
		{"mapped extended field takes the map's name", []string{"externalId", "maxGroupSize", "Fleet.Tier"}, map[string]string{"fleet.tier": "ext.level"}, "0 -1 1 -1 [level]", ""},
		{"unknown column kept out", []string{"externalId", "maxGroupSize", "colour"}, nil, "0 -1 1 -1 []", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseHeader(tt.header, 1, tt.aliases)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ext []string
			for _, e := range c.Ext {
				ext = append(ext, e.Name)
			}
			got := strings.Join([]string{itoa(c.ExternalID), itoa(c.GroupName), itoa(c.MaxGroupSize), itoa(c.Limit)}, " ") + " [" + strings.Join(ext, " ") + "]"
			if got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func itoa(i int) string {
	if i < 0 {
		return "-1"
	}
	return string(rune('0' + i))
}

func TestValidate(t *testing.T) {
	cols := mustHeader(t, "externalId", "groupName", "maxGroupSize", "limit", "ext.platinum")
	v := &Validator{Cols: cols, MaxGroupSize: 30000}
	long := strings.Repeat("é", 51) // 51 characters, 102 bytes
	fifty := strings.Repeat("é", 50)
	tests := []struct {
		name  string
		cells []string
		want  string // problem substring; "" = valid
		check func(t *testing.T, g capillary.Group)
	}{
		{"valid", []string{"f1", "Fleet one", "110", "", "25"}, "", func(t *testing.T, g capillary.Group) {
			if g.ExternalID != "f1" || g.GroupName != "Fleet one" || g.MaxGroupSize != 110 || g.HasLimit || len(g.ExtendedFields) != 1 || g.ExtendedFields[0] != (capillary.Field{Name: "platinum", Value: "25"}) {
				t.Errorf("group = %+v", g)
			}
		}},
		{"trimmed", []string{"  f1 ", " x ", " 30000 ", " 7 ", ""}, "", func(t *testing.T, g capillary.Group) {
			if g.ExternalID != "f1" || g.GroupName != "x" || g.MaxGroupSize != 30000 || !g.HasLimit || g.Limit != 7 || len(g.ExtendedFields) != 0 {
				t.Errorf("group = %+v", g)
			}
		}},
		{"excel float", []string{"f1", "", "110.0", "", ""}, "", func(t *testing.T, g capillary.Group) {
			if g.MaxGroupSize != 110 {
				t.Errorf("size = %d", g.MaxGroupSize)
			}
		}},
		{"50 characters ok", []string{fifty, fifty, "1", "", ""}, "", nil},
		{"id missing", []string{"", "x", "1", "", ""}, "externalId: missing", nil},
		{"id blank", []string{"   ", "x", "1", "", ""}, "externalId: missing", nil},
		{"id too long in characters", []string{long, "x", "1", "", ""}, "externalId: 51 characters, at most 50", nil},
		{"name too long", []string{"f1", long, "1", "", ""}, "groupName: 51 characters", nil},
		{"size missing", []string{"f1", "x", "", "", ""}, "maxGroupSize: missing", nil},
		{"size not a number", []string{"f1", "x", "ten", "", ""}, `maxGroupSize: "ten" is not a whole number`, nil},
		{"size fraction", []string{"f1", "x", "12.5", "", ""}, `maxGroupSize: "12.5" is not a whole number`, nil},
		{"size hex", []string{"f1", "x", "0x10", "", ""}, "not a whole number", nil},
		{"size inf", []string{"f1", "x", "Inf", "", ""}, "not a whole number", nil},
		{"size zero", []string{"f1", "x", "0", "", ""}, "maxGroupSize: 0 is not positive", nil},
		{"size negative", []string{"f1", "x", "-5", "", ""}, "maxGroupSize: -5 is not positive", nil},
		{"size over limit", []string{"f1", "x", "30001", "", ""}, "maxGroupSize: 30001 is over the org's limit of 30000", nil},
		{"limit bad", []string{"f1", "x", "5", "abc", ""}, "limit: \"abc\" is not a whole number", nil},
		{"limit negative", []string{"f1", "x", "5", "-1", ""}, "limit: -1 is negative", nil},
		{"too few cells", []string{"f1", "x", "5"}, "row has 3 cells, the header has 5", nil},
		{"too many cells", []string{"f1", "x", "5", "", "", "extra"}, "row has 6 cells, the header has 5", nil},
		{"invalid utf8", []string{"f1", "caf\xe9", "5", "", ""}, "groupName: not valid UTF-8", nil},
		{"size thousands", []string{"f1", "x", "30,000", "1 000", ""}, "", func(t *testing.T, g capillary.Group) {
			if g.MaxGroupSize != 30000 || g.Limit != 1000 {
				t.Errorf("group = %+v", g)
			}
		}},
		{"size ambiguous", []string{"f1", "x", "30.000", "", ""}, `maxGroupSize: "30.000" is ambiguous`, nil},
		{"size decimal comma", []string{"f1", "x", "1,5", "", ""}, `maxGroupSize: "1,5" is not a whole number`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var g capillary.Group
			_, problems, _ := v.Validate(tt.cells, &g)
			problem := JoinProblems(problems)
			if tt.want == "" && problem != "" {
				t.Fatalf("problem %q, want valid", problem)
			}
			if tt.want != "" && !strings.Contains(problem, tt.want) {
				t.Fatalf("problem %q, want %q", problem, tt.want)
			}
			if tt.check != nil {
				tt.check(t, g)
			}
		})
	}
}

func TestValidatePredictsExtendedFieldWarnings(t *testing.T) {
	cols := mustHeader(t, "externalId", "maxGroupSize", "ext.platinum", "ext.gender", "ext.tier")
	v := &Validator{Cols: cols, MaxGroupSize: 100, ExtTypes: map[string]string{"platinum": "INTEGER", "tier": "STRING"}}
	var g capillary.Group
	_, problems, warn := v.Validate([]string{"a", "5", "gold", "f", "x"}, &g)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	if len(warn) != 2 || warn[0].Code != 91017 || warn[1].Code != 91016 {
		t.Fatalf("warnings = %+v, want 91017 then 91016", warn)
	}
}

func TestSeenIDs(t *testing.T) {
	s := newSeenIDs()
	const n = 50000 // enough to grow the table several times
	for i := range n {
		if first, dup := s.add("id-"+strings.Repeat("x", i%7)+itoa(i%10)+string(rune(i)), i+2); dup {
			t.Fatalf("row %d reported as duplicate of %d", i+2, first)
		}
	}
	for i := range n {
		first, dup := s.add("id-"+strings.Repeat("x", i%7)+itoa(i%10)+string(rune(i)), n+i+2)
		if !dup || first != i+2 {
			t.Fatalf("id %d: dup=%v first=%d, want first=%d", i, dup, first, i+2)
		}
	}
}

func TestWholeNumberSeparators(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		msg  string // substring of the problem; "" = accepted
	}{
		{"30,000", 30000, ""},
		{"30 000", 30000, ""},
		{"30\u00a0000", 30000, ""}, // French Excel: no-break space
		{"30\u202f000", 30000, ""}, // narrow no-break space
		{"1'000", 1000, ""},        // Swiss
		{"1,000,000", 1000000, ""}, // several groups
		{"1.500.000", 1500000, ""}, // several dot groups cannot be a decimal
		{"1,50,000", 150000, ""},   // Indian lakh grouping
		{"30,000.00", 30000, ""},   // groups and a zero decimal part
		{"30.000,00", 30000, ""},   // European
		{"30 000,0", 30000, ""},    // French
		{"110.00", 110, ""},        // two decimals: a decimal point
		{"110,0", 110, ""},         // a decimal comma
		{"1234,000", 1234, ""},     // four leading digits cannot be a group
		{" +30,000 ", 30000, ""},   // sign and spaces
		{"-1,000", -1000, ""},      // the caller says it is not positive
		{"1.1E+2", 110, ""},        // still a float
		{"30.000", 0, "is ambiguous (30 with a decimal point, 30000 with a thousands separator)"},
		{"1.234", 0, "is ambiguous"},
		{"1,5", 0, `"1,5" is not a whole number`},
		{"1.5", 0, `"1.5" is not a whole number`},
		{"30,000.50", 0, "is not a whole number"},
		{"30,00", 30, ""}, // a decimal comma, not a group of three
		{"3,0000", 3, ""}, // likewise
		{"30,000,00", 0, "is not a whole number"},
		{"30,000 000", 0, "is not a whole number"}, // two group separators
		{"0,500", 0, "is not a whole number"},      // a leading zero is no group
		{"30 00", 0, "is not a whole number"},
		{"30,,000", 0, "is not a whole number"},
		{",000", 0, "is not a whole number"},
		{"30,", 0, "is not a whole number"},
		{"1,000.000.000", 0, "is not a whole number"},
		{"99,999,999,999,999,999,999", 0, "is too large"},
	}
	for _, tt := range tests {
		got, msg := wholeNumber(tt.in)
		if tt.msg == "" {
			if msg != "" || got != tt.want {
				t.Errorf("wholeNumber(%q) = %d, %q; want %d", tt.in, got, msg, tt.want)
			}
			continue
		}
		if !strings.Contains(msg, tt.msg) {
			t.Errorf("wholeNumber(%q) = %d, %q; want a problem with %q", tt.in, got, msg, tt.msg)
		}
	}
}

// TestValidateNamesEveryProblem: a row with several problems names them
// all, in the order of the file's columns, so that one pass finds them.
func TestValidateNamesEveryProblem(t *testing.T) {
	// groupName comes before externalId in this file: column order, not
	// the order of the checks.
	cols := mustHeader(t, "groupName", "externalId", "maxGroupSize", "limit", "ext.platinum")
	v := &Validator{Cols: cols, MaxGroupSize: 30000, ExtTypes: map[string]string{"platinum": "INTEGER"}}
	var g capillary.Group
	id, problems, _ := v.Validate([]string{strings.Repeat("n", 58), "S-008", "-1", "-3", "x"}, &g)
	want := "groupName: 58 characters, at most 50 allowed; maxGroupSize: -1 is not positive; limit: -3 is negative; " +
		"ext.platinum: would not be saved (91017 Extended field value for platinum does not match the data type INTEGER)"
	if id != "S-008" || JoinProblems(problems) != want {
		t.Fatalf("Validate = %q, %q\nwant problems %q", id, problems, want)
	}
	if len(problems) != 4 || problems[1] != "maxGroupSize: -1 is not positive" {
		t.Fatalf("problems = %q", problems)
	}
	// A problem's own advice after a semicolon stays with it.
	_, got, _ := v.Validate([]string{"caf\xe9", "a\u200bb", "30.000", "", ""}, &g)
	if len(got) != 3 || !strings.HasPrefix(got[0], "groupName: not valid UTF-8") || !strings.HasPrefix(got[1], "externalId: holds an invisible") ||
		!strings.HasPrefix(got[2], `maxGroupSize: "30.000" is ambiguous`) || !strings.Contains(got[2], "; write the number") {
		t.Fatalf("problems = %q", got)
	}
}
