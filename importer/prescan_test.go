package importer

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestDuplicatesAgreeWithAHashTable: on a file with many repeats, the
// two-pass finder reports exactly what remembering every id reports.
func TestDuplicatesAgreeWithAHashTable(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var b strings.Builder
	b.WriteString("externalId,maxGroupSize\n")
	const n = 200000 // past several filter growths
	for range n {
		fmt.Fprintf(&b, "id-%d,1\n", rng.IntN(n)) // about a third are repeats
	}
	b.WriteString(" \xff bad ,1\n,1\n \xff bad,2\n")
	file := b.String()
	cols := mustHeader(t, "externalId", "maxGroupSize")
	v := &Validator{Cols: cols, MaxGroupSize: 10}

	open := func() Records {
		r := newTestCSV(strings.NewReader(file))
		r.Next() // header
		return r
	}
	d, err := scanDuplicates(open(), v)
	if err != nil {
		t.Fatal(err)
	}
	exact := newSeenIDs()
	recs := open()
	dups := 0
	for {
		cells, row, err := recs.Next()
		if err != nil {
			break
		}
		id := v.ID(cells)
		if id == "" {
			continue
		}
		f1, d1 := exact.add(id, row)
		f2, d2 := d.add(id, row)
		if f1 != f2 || d1 != d2 {
			t.Fatalf("row %d %q: hash table says (%d, %v), two-pass says (%d, %v)", row, id, f1, d1, f2, d2)
		}
		if d1 {
			dups++
		}
	}
	if dups < n/4 {
		t.Fatalf("only %d repeats: the test lost its point", dups)
	}
	// Candidates are the repeated ids plus a few false positives.
	t.Logf("%d repeats, %d candidates", dups, d.Candidates())
}
