package importer

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"unicode/utf8"

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
// Memory is kept as the duplicate check keeps it, and in the same
// structures (see lookAlikes). Folded forms are known by a 64-bit hash
// with a random seed per run, as seenIDs knows ids: two that differ share
// one with odds of about n²/2⁶⁵, and would draw a warning they do not
// deserve.

// lookAlikeWarning is the warning of a row whose id looks like first's.
func lookAlikeWarning(first int) Notice {
	return Notice{Message: fmt.Sprintf("externalId differs from row %d's only in letter case or Unicode form; "+
		"how the API compares ids is not documented, so it may take the two rows for one group", first)}
}

// idFolder folds an externalId to the form look-alike ids share: NFKC
// (full-width letters, ligatures and composed or decomposed accents come
// to one form), Unicode case folding, then NFKC again, since a folded
// letter may compose with what follows. An ASCII id, the common case,
// needs only its letters lowered, in a buffer that is reused; only an id
// that is not ASCII costs allocations.
type idFolder struct {
	fold cases.Caser
	buf  []byte
}

func newIDFolder() *idFolder { return &idFolder{fold: cases.Fold()} }

// key returns the folded form of id, in a buffer the next call reuses;
// same says the id is its own folded form (then k is nil), as most ids
// are: lower case ASCII. ASCII goes eight bytes at a time.
func (f *idFolder) key(id string) (k []byte, same bool) {
	b := f.buf[:0]
	var upper uint64
	i := 0
	for ; i+8 <= len(id); i += 8 {
		x := load8(id, i)
		if x&highs != 0 {
			return f.unicodeKey(id)
		}
		m := (x + ones*0x3f) &^ (x + ones*0x25) & highs // see hasUpper
		b = binary.LittleEndian.AppendUint64(b, x|m>>2)
		upper |= m
	}
	for ; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= utf8.RuneSelf:
			return f.unicodeKey(id)
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
			upper = 1
		}
		b = append(b, c)
	}
	f.buf = b
	if upper == 0 {
		return nil, true
	}
	return b, false
}

// unicodeKey is key for an id that is not ASCII.
func (f *idFolder) unicodeKey(id string) (k []byte, same bool) {
	folded := f.fold.String(norm.NFKC.String(id))
	f.buf = norm.NFKC.AppendString(f.buf[:0], folded)
	if string(f.buf) == id {
		return nil, true
	}
	return f.buf, false
}

// lookAlikes finds rows whose ids fold alike.
//
// With a first pass (duplicates), the duplicate check's Bloom filter is
// keyed by the folded form of each id, so a folded form it may hold
// already is a candidate of both searches: a repeat, a look-alike or one
// of the filter's rare false positives. The run tracks the candidates
// exactly (first). An id that is its own folded form (lower case ASCII,
// as most ids are) hashes as itself, so a file of such ids costs what it
// cost before; and when no id needs folding, no two ids fold alike, and
// the run folds none.
//
// Without one, check looks each folded form up in the duplicate check's
// table (where an id that is its own folded form already is) and in
// folded (the folded forms of the other ids).
type lookAlikes struct {
	f *idFolder

	// With a first pass. A candidate is known by the hash of its folded
	// form, as the table without one knows every folded form.
	seed       maphash.Seed // the duplicate check's filter's
	candidates *seenIDs     // hash -> the row that first had it, or 0
	// folds is whether the first pass met an id that is not its own
	// folded form.
	folds bool

	// Without one.
	exact  *seenIDs // the duplicate check's; an invalid row is negative
	folded *seenIDs
}

// newLookAlikeScan is for a first pass whose filter hashes with seed:
// call hash for every id, candidate for those the filter may hold, then
// finish.
func newLookAlikeScan(seed maphash.Seed) *lookAlikes {
	return &lookAlikes{f: newIDFolder(), seed: seed, candidates: newSeenIDs()}
}

// newLookAlikeTable is for a run without a first pass, alongside the
// duplicate check's table exact.
func newLookAlikeTable(exact *seenIDs) *lookAlikes {
	return &lookAlikes{f: newIDFolder(), exact: exact, folded: newSeenIDs()}
}

// hash is the hash of id's folded form, which both the first pass and the
// run key it by.
func (l *lookAlikes) hash(id string) uint64 {
	if k, same := l.f.key(id); !same {
		l.folds = true
		return maphash.Bytes(l.seed, k)
	}
	return maphash.String(l.seed, id)
}

// candidate records the hash of a folded form the filter may hold.
func (l *lookAlikes) candidate(h uint64) { l.candidates.addHash(h, 0) }

// finish drops the candidates when no id folds: no two can fold alike.
func (l *lookAlikes) finish() {
	if !l.folds {
		l.candidates = nil
	}
}

// check is the run's work for a row that is sent (or, in a dry run,
// valid) and whose id no earlier row had: it returns the first earlier
// such row whose id folds alike, or 0.
func (l *lookAlikes) check(id string, row int) int {
	if l.folded != nil {
		return l.checkTable(id, row)
	}
	if l.candidates == nil || l.candidates.n == 0 {
		return 0
	}
	return l.candidates.first(l.hash(id), row)
}

// checkTable is check without a first pass.
func (l *lookAlikes) checkTable(id string, row int) int {
	k, same := l.f.key(id)
	if same {
		if l.folded.n == 0 {
			return 0
		}
		first, _ := l.folded.find(maphash.String(l.exact.seed, id))
		return first
	}
	h := maphash.Bytes(l.exact.seed, k)
	first, ok := l.exact.find(h)
	if !ok || first < 0 { // an invalid row is not sent
		first = 0
	}
	if f, seen := l.folded.addHash(h, row); seen && (first == 0 || f < first) {
		first = f
	}
	return first
}
