package importer

import (
	"fmt"
	"strings"
	"testing"

	"github.com/capillary-tools/groupimport/importer/capillary"
)

func TestValidateRefusesInvisibleCharacters(t *testing.T) {
	v := &Validator{Cols: mustHeader(t, "externalId", "groupName", "maxGroupSize"), MaxGroupSize: 100}
	tests := []struct {
		id   string
		want string // "" = valid
	}{
		{"FLEET\u200b1", "zero-width space (U+200B) at character 6"},
		{"\u200fFLEET-1", "right-to-left mark (U+200F) at character 1"},
		{"FLEET-1\u200e", "left-to-right mark (U+200E) at character 8"},
		{"FL\ufeffEET", "byte order mark (U+FEFF) at character 3"},
		{"a\u2060b", "word joiner (U+2060) at character 2"},
		{"soft\u00adhyphen", "soft hyphen (U+00AD) at character 5"},
		{"é\u200dx", "zero-width joiner (U+200D) at character 2"},
		{"x\u202eevil", "right-to-left override (U+202E) at character 2"},
		{"x\U000e0041", "format character (U+E0041) at character 2"},
		{"tab\there", "tab (U+0009) at character 4"},
		{"bell\x07", "control character (U+0007) at character 5"},
		{"c1\u0085x", "control character (U+0085) at character 3"},
		// What looks alike but is visible passes: see the look-alike warning.
		{"Café", ""},         // NFC
		{"Cafe\u0301", ""},   // NFD: a combining mark is visible
		{"\uff26LEET", ""},   // full-width F
		{"Fleet\u00a01", ""}, // a no-break space is a space
		{"\U0001F600-x", ""}, // an emoji is visible
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%+q", tt.id), func(t *testing.T) {
			var g capillary.Group
			_, problem, _ := v.Validate([]string{tt.id, "name", "5"}, &g)
			switch {
			case tt.want == "" && problem != "":
				t.Fatalf("problem %q, want valid", problem)
			case tt.want != "" && !strings.HasPrefix(problem, "externalId: ") || !strings.Contains(problem, tt.want):
				t.Fatalf("problem %q, want %q", problem, tt.want)
			}
		})
	}
}
