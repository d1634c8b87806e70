package importer

import (
	"strconv"
	"strings"
)

// Plural renders a count with its noun: "1 row", "2 rows", "3 retries".
// It knows the regular English plurals, which are all this tool counts.
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if stem, ok := strings.CutSuffix(noun, "y"); ok && stem != "" && !strings.ContainsAny(stem[len(stem)-1:], "aeiou") {
		noun = stem + "ie"
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
