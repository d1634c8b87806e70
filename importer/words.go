package importer

import "strconv"

// Plural renders a count with its noun: "1 row", "2 rows". The nouns this
// tool counts all take an s.
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
