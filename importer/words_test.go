package importer

import "testing"

func TestPlural(t *testing.T) {
	for _, tt := range []struct {
		n    int
		noun string
		want string
	}{{1, "row", "1 row"}, {0, "row", "0 rows"}, {2, "attempt", "2 attempts"}, {1, "retry", "1 retry"}, {3, "retry", "3 retries"}, {2, "day", "2 days"}} {
		if got := Plural(tt.n, tt.noun); got != tt.want {
			t.Errorf("Plural(%d, %q) = %q, want %q", tt.n, tt.noun, got, tt.want)
		}
	}
}
