package importer

import (
	"fmt"
	"hash/maphash"
	"strings"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Ids that differ only by letter case or Unicode form ("FLEET-1" and
// "fleet-1", "Café" composed and decomposed, a full-width "Ｆ" and "F")
// are distinct strings, and the run sends each. Whether the API takes them
// for one group is not documented: it may answer the second with 1633, or
// create a second group that nobody can tell from the first. So a row whose
// id folds to the same form as an earlier row's gets a warning naming that
// row; its status stays what the run makes it.
//
// Only rows that pass validation and are not exact repeats are compared:
// an invalid row is never sent, and a repeat is reported as a duplicate.
// The warning goes on the later row: results are written in input order,
// and the earlier row's line may be written already.
//
// Memory is kept as the duplicate check keeps it. With a first pass over
// the input (Duplicates), a second Bloom filter, keyed by the folded form,
// finds the folded forms seen more than once; the run tracks only those,
// exactly. Without one, a table holds a hash of each folded form and its
// row, as seenIDs does for the ids themselves.

// lookAlikeWarning is the warning of a row whose id looks like first's.
func lookAlikeWarning(first int) Notice {
	return Notice{Message: fmt.Sprintf("externalId differs from row %d's only in letter case or Unicode form; "+
		"how the API compares ids is not documented, so it may take the two rows for one group", first)}
}

// idFolder folds an externalId to the form look-alike ids share: NFKC
// (full-width letters, ligatures and composed or decomposed accents come
// to one form), Unicode case folding, then NFKC again, since a folded
// letter may compose with what follows. An ASCII id needs only its
// letters lowered, which is the common case and costs no allocation.
type idFolder struct {
	fold cases.Caser
	buf  []byte
}

func newIDFolder() *idFolder { return &idFolder{fold: cases.Fold()} }

// key returns the folded form of id, in a buffer the next call reuses;
// same says the id is its own folded form (then k is nil), as most ids
// are: lower case ASCII.
func (f *idFolder) key(id string) (k []byte, same bool) {
	if isASCII(id) {
		i := 0
		for i < len(id) && (id[i] < 'A' || id[i] > 'Z') {
			i++
		}
		if i == len(id) {
			return nil, true
		}
		b := append(f.buf[:0], id...)
		for ; i < len(b); i++ {
			if c := b[i]; 'A' <= c && c <= 'Z' {
				b[i] = c + 'a' - 'A'
			}
		}
		f.buf = b
		return b, false
	}
	folded := f.fold.String(norm.NFKC.String(id))
	f.buf = norm.NFKC.AppendString(f.buf[:0], folded)
	if string(f.buf) == id {
		return nil, true
	}
	return f.buf, false
}

// lookAlikes finds rows whose ids fold alike. An id that is its own folded
// form is already in the duplicate check's filter or table, under the same
// hash, so only the other ids need a second one: a file of lower case ids
// costs next to nothing.
//
// With a first pass (Duplicates), scan finds the candidates: the folded
// forms that some other id may share, given that Bloom filters have no
// false negatives. For ids A before B that fold alike and differ, either
// A is its own form, in the exact filter when B is scanned, or it is in
// folded. The run then tracks the candidates exactly (first). Without one,
// check looks each folded form up in the exact table and in folded, a
// table of the folded forms of the ids that are not their own.
type lookAlikes struct {
	f *idFolder

	// With a first pass.
	exactBloom *scalableBloom // the duplicate check's
	bloom      *scalableBloom // folded forms that are not their ids
	candidates map[string]int // folded form -> its index in first
	first      []int          // the row that first had each candidate, or 0

	// Without one.
	exact  *seenIDs // the duplicate check's; an invalid row is negative
	folded *seenIDs
}

// newLookAlikeScan is for a first pass alongside the duplicate check's
// filter exact: call scan with every id, then finish.
func newLookAlikeScan(exact *scalableBloom) *lookAlikes {
	return &lookAlikes{f: newIDFolder(), exactBloom: exact, bloom: newScalableBloom(), candidates: map[string]int{}}
}

// newLookAlikeTable is for a run without a first pass, alongside the
// duplicate check's table exact.
func newLookAlikeTable(exact *seenIDs) *lookAlikes {
	return &lookAlikes{f: newIDFolder(), exact: exact, folded: newSeenIDs()}
}

// scan is the first pass's work for one id.
func (l *lookAlikes) scan(id string) {
	k, same := l.f.key(id)
	if same {
		if len(l.bloom.filters) > 0 && l.bloom.has(maphash.String(l.exactBloom.seed, id)) {
			l.candidate(id)
		}
		return
	}
	h := maphash.Bytes(l.exactBloom.seed, k)
	if !l.bloom.addNewHash(h) || l.exactBloom.has(h) {
		l.candidate(string(k))
	}
}

func (l *lookAlikes) candidate(k string) {
	if _, ok := l.candidates[k]; !ok {
		l.candidates[strings.Clone(k)] = len(l.first)
		l.first = append(l.first, 0)
	}
}

// finish drops the filters: the run needs only the candidates.
func (l *lookAlikes) finish() { l.exactBloom, l.bloom = nil, nil }

// check is the run's work for a row that is sent (or, in a dry run,
// valid) and whose id no earlier row had: it returns the first earlier
// such row whose id folds alike, or 0.
func (l *lookAlikes) check(id string, row int) int {
	k, same := l.f.key(id)
	if l.folded != nil {
		if same {
			if l.folded.n == 0 {
				return 0
			}
			first, _ := l.folded.find(maphash.String(l.exact.seed, id))
			return first
		}
		h := maphash.Bytes(l.exact.seed, k)
		first, ok := l.exact.find(h)
		if !ok || first < 0 {
			first = 0
		}
		if f, seen := l.folded.addHash(h, row); seen && (first == 0 || f < first) {
			first = f
		}
		return first
	}
	if len(l.candidates) == 0 {
		return 0
	}
	var i int
	var ok bool
	if same {
		i, ok = l.candidates[id]
	} else {
		i, ok = l.candidates[string(k)]
	}
	switch {
	case !ok:
		return 0
	case l.first[i] == 0:
		l.first[i] = row
		return 0
	}
	return l.first[i]
}

// has reports whether some filter may hold h.
func (s *scalableBloom) has(h uint64) bool {
	for _, f := range s.filters {
		if f.has(h) {
			return true
		}
	}
	return false
}
