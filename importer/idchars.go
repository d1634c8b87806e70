package importer

import (
	"fmt"
	"unicode"
)

// invisibleInID finds the first character of an externalId that cannot be
// seen: a format character (Unicode category Cf: a zero-width space, a
// direction mark, a byte order mark, a soft hyphen) or a control character
// (Cc: a tab, a bell). Such an id looks like another one, yet is a different
// string to the API, and nobody can type it again to look the group up; it
// comes from copying out of a web page or a chat more often than anyone
// means it. The message names the character and its place (1-based, in
// characters of the id as read, spaces around it trimmed). ascii says the
// id is ASCII, as most are: only its bytes then need looking at.
func invisibleInID(id string, ascii bool) string {
	if ascii {
		i := 0
		for ; i+8 <= len(id); i += 8 {
			if x := load8(id, i); hasLess(x, 0x20) || hasByte(x, 0x7f) {
				break
			}
		}
		for ; i < len(id); i++ {
			if c := id[i]; c < 0x20 || c == 0x7f {
				return invisibleMessage(rune(c), i+1)
			}
		}
		return ""
	}
	pos := 0
	for _, r := range id {
		pos++
		if r >= 0x20 && r < 0x7f {
			continue
		}
		if unicode.In(r, unicode.Cf, unicode.Cc) {
			return invisibleMessage(r, pos)
		}
	}
	return ""
}

func invisibleMessage(r rune, pos int) string {
	return fmt.Sprintf("holds an invisible %s (U+%04X) at character %d; delete it (retyping the id is the surest way)", invisibleName(r), r, pos)
}

// invisibleNames are the invisible characters met in pasted text, by name.
var invisibleNames = map[rune]string{
	'\t':   "tab",
	'\n':   "line feed",
	'\r':   "carriage return",
	0:      "NUL",
	0x00ad: "soft hyphen",
	0x061c: "Arabic letter mark",
	0x180e: "Mongolian vowel separator",
	0x200b: "zero-width space",
	0x200c: "zero-width non-joiner",
	0x200d: "zero-width joiner",
	0x200e: "left-to-right mark",
	0x200f: "right-to-left mark",
	0x202a: "left-to-right embedding",
	0x202b: "right-to-left embedding",
	0x202c: "pop directional formatting",
	0x202d: "left-to-right override",
	0x202e: "right-to-left override",
	0x2060: "word joiner",
	0x2061: "invisible operator",
	0x2062: "invisible operator",
	0x2063: "invisible operator",
	0x2064: "invisible operator",
	0x2066: "left-to-right isolate",
	0x2067: "right-to-left isolate",
	0x2068: "first strong isolate",
	0x2069: "pop directional isolate",
	0xfeff: "byte order mark",
}

// invisibleName names the invisible characters met in pasted text; others
// go by their category.
func invisibleName(r rune) string {
	if name, ok := invisibleNames[r]; ok {
		return name
	}
	if unicode.Is(unicode.Cc, r) {
		return "control character"
	}
	return "format character"
}

// Eight ASCII bytes at a time: most ids are ASCII, and every row's id is
// looked at twice (here, and folded for the look-alike check).
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// load8 reads s[i:i+8] as one little-endian word.
func load8(s string, i int) uint64 {
	_ = s[i+7]
	return uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
		uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
}

// hasLess reports whether some byte of x, all below 0x80, is below n
// (n at most 0x80).
func hasLess(x uint64, n byte) bool { return (x-ones*uint64(n))&^x&highs != 0 }

// hasByte reports whether some byte of x is b.
func hasByte(x uint64, b byte) bool {
	y := x ^ ones*uint64(b)
	return (y-ones)&^y&highs != 0
}

// hasUpper reports whether some byte of x, all below 0x80, is an upper
// case letter: adding 0x3f sets a byte's high bit from 'A' up, adding 0x25
// from 'Z'+1 up, and no byte below 0x80 carries into the next.
func hasUpper(x uint64) bool { return (x+ones*0x3f)&^(x+ones*0x25)&highs != 0 }
