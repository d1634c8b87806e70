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
			_, problems, _ := v.Validate([]string{tt.id, "name", "5"}, &g)
			problem := JoinProblems(problems)
			switch {
			case tt.want == "" && problem != "":
				t.Fatalf("problem %q, want valid", problem)
			case tt.want != "" && !strings.HasPrefix(problem, "externalId: ") || !strings.Contains(problem, tt.want):
				t.Fatalf("problem %q, want %q", problem, tt.want)
			}
		})
	}
}

// TestWordChecksAgreeWithBytes: the eight-bytes-at-a-time checks find
// what a byte loop finds, in every position of a word.
func TestWordChecksAgreeWithBytes(t *testing.T) {
	var word [8]byte
	for c := range 0x80 {
		for pos := range 8 {
			for i := range word {
				word[i] = 'a' + byte(i) // lower case, printable
			}
			word[pos] = byte(c)
			x := load8(string(word[:]), 0)
			if got, want := hasLess(x, 0x20), c < 0x20; got != want {
				t.Errorf("hasLess(%q, 0x20) = %v", word, got)
			}
			if got, want := hasByte(x, 0x7f), c == 0x7f; got != want {
				t.Errorf("hasByte(%q, 0x7f) = %v", word, got)
			}
			if got, want := hasUpper(x), 'A' <= c && c <= 'Z'; got != want {
				t.Errorf("hasUpper(%q) = %v", word, got)
			}
		}
	}
	f := newIDFolder()
	for c := range 0x80 {
		for pos := range 17 {
			id := []byte("fleet-00000000001")
			id[pos] = byte(c)
			k, same := f.key(string(id))
			if want := strings.ToLower(string(id)); same != (want == string(id)) || (!same && string(k) != want) {
				t.Fatalf("key(%q) = %q, %v", id, k, same)
			}
		}
	}
	for _, id := range []string{"fleet-0000001", "fleet-000000A", "Fleet-0000001", "abcdefgh", "abcdefgH", "abcdefghI", "ABCDEFGH", "fleet-00\u00e9"} {
		k, same := f.key(id)
		if want := strings.ToLower(id); same != (want == id) || (!same && string(k) != want) {
			t.Errorf("key(%q) = %q, %v", id, k, same)
		}
	}
	v := &Validator{Cols: mustHeader(t, "externalId", "maxGroupSize"), MaxGroupSize: 10}
	for _, id := range []string{"abcdefgh\x7f", "abcdefg\x7fh", "\x01bcdefghijklmnop", "abcdefghijklmno\x1f"} {
		var g capillary.Group
		if _, problems, _ := v.Validate([]string{id, "1"}, &g); !strings.Contains(JoinProblems(problems), "invisible") {
			t.Errorf("%q: problems %q", id, problems)
		}
	}
}
