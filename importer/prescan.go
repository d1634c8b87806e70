package importer

import (
	"hash/maphash"
	"io"
	"strings"
	"unicode/utf8"
)

// Duplicates finds repeated externalIds in a few bytes per row when the
// input can be read twice. A first pass (ScanDuplicates) puts every id into
// a Bloom filter; an id the filter already holds is a candidate: a real
// repeat, or one of the filter's rare false positives. Candidates are kept
// as strings (a small set). The run then needs to track first rows only for
// candidates: an id that is not one appears once in the file.
//
// The answer is exact, and memory is the filter (about 1.5 bytes a row)
// plus the candidates, instead of a hash table of every id.
type Duplicates struct {
	bloom      *scalableBloom
	candidates map[string]int // id -> first row seen by the run, or 0
}

// ScanDuplicates reads recs (a second reading of the input, positioned
// after the header) and collects the candidates. It extracts ids exactly
// as a run does, so the two agree row for row.
func ScanDuplicates(recs Records, v *Validator) (*Duplicates, error) {
	d := &Duplicates{bloom: newScalableBloom(), candidates: map[string]int{}}
	for rec, err := range Rows(recs) {
		if err != nil {
			return nil, err
		}
		if rec.Err != nil {
			continue
		}
		id := v.ID(rec.Cells)
		if id == "" {
			continue
		}
		if !d.bloom.addNew(id) {
			if _, ok := d.candidates[id]; !ok {
				d.candidates[strings.Clone(id)] = 0
			}
		}
	}
	d.bloom = nil // the run needs only the candidates
	return d, nil
}

// scanRewound makes the first pass over a second reading of the input.
func scanRewound(rw Rewinder, v *Validator) (*Duplicates, error) {
	recs, err := rw.Rewind()
	if err != nil {
		return nil, err
	}
	if c, ok := recs.(io.Closer); ok {
		defer c.Close()
	}
	return ScanDuplicates(recs, v)
}

// Candidates is how many ids the scan could not rule out (repeats and
// false positives).
func (d *Duplicates) Candidates() int { return len(d.candidates) }

func (d *Duplicates) add(id string, row int) (first int, dup bool) {
	f, ok := d.candidates[id]
	switch {
	case !ok:
		return 0, false
	case f == 0:
		d.candidates[id] = row
		return 0, false
	}
	return f, true
}

// ID is the externalId of a record as a run uses it: trimmed, and made
// printable when it is not valid UTF-8.
func (v *Validator) ID(cells []string) string {
	if v.Cols.ExternalID >= len(cells) {
		return ""
	}
	id := strings.TrimSpace(cells[v.Cols.ExternalID])
	if !utf8.ValidString(id) {
		id = sanitizeID(id)
	}
	return id
}

// scalableBloom is a Bloom filter that grows by adding filters of twice
// the capacity, since the number of rows is known only at the end.
type scalableBloom struct {
	seed    maphash.Seed
	filters []*bloom
}

// Each filter holds cap ids at 12 bits an id with 8 probes: a false
// positive rate near 0.3% per filter.
const (
	bloomFirstCap  = 1 << 16
	bloomBitsPerID = 12
	bloomProbes    = 8
)

func newScalableBloom() *scalableBloom {
	return &scalableBloom{seed: maphash.MakeSeed()}
}

// addNew adds id and reports whether it was certainly not there before.
func (s *scalableBloom) addNew(id string) bool {
	h := maphash.String(s.seed, id)
	h1, h2 := uint32(h), uint32(h>>32)|1
	for _, f := range s.filters {
		if f.has(h1, h2) {
			return false
		}
	}
	last := len(s.filters) - 1
	if last < 0 || s.filters[last].n >= s.filters[last].cap {
		c := bloomFirstCap
		if last >= 0 {
			c = s.filters[last].cap * 2
		}
		s.filters = append(s.filters, newBloom(c))
		last++
	}
	s.filters[last].add(h1, h2)
	return true
}

type bloom struct {
	bits   []uint64
	m      uint32
	n, cap int
}

func newBloom(capacity int) *bloom {
	m := uint32(capacity * bloomBitsPerID)
	return &bloom{bits: make([]uint64, (m+63)/64), m: m, cap: capacity}
}

// Probes use double hashing: h1 + i*h2.
func (b *bloom) has(h1, h2 uint32) bool {
	for i := range uint32(bloomProbes) {
		p := (h1 + i*h2) % b.m
		if b.bits[p/64]&(1<<(p%64)) == 0 {
			return false
		}
	}
	return true
}

func (b *bloom) add(h1, h2 uint32) {
	for i := range uint32(bloomProbes) {
		p := (h1 + i*h2) % b.m
		b.bits[p/64] |= 1 << (p % 64)
	}
	b.n++
}
