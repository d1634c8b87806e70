package importer

import (
	"hash/maphash"
	"io"
	"strings"
	"unicode/utf8"
)

// duplicates finds repeated externalIds in a few bytes per row when the
// input can be read twice. A first pass (scanDuplicates) puts every id into
// a Bloom filter; an id the filter already holds is a candidate: a real
// repeat, or one of the filter's rare false positives. Candidates are kept
// as strings (a small set). The run then needs to track first rows only for
// candidates: an id that is not one appears once in the file.
//
// The answer is exact, and memory is the filter (about 1.5 bytes a row)
// plus the candidates, instead of a hash table of every id.
type duplicates struct {
	bloom      *scalableBloom
	candidates map[string]int // id -> its index in first
	// first is the row where the run first saw each candidate, or 0.
	// It is apart from the map because storing into a map stores the
	// key too: the run's id, a part of a larger string, would stay
	// alive in the map instead of the small copy.
	first []int
	// alike is the same search for ids that differ only by case or
	// Unicode form (lookalike.go).
	alike *lookAlikes
}

// scanDuplicates reads recs (a second reading of the input, positioned
// after the header) and collects the candidates. It extracts ids exactly
// as a run does, so the two agree row for row.
func scanDuplicates(recs Records, v *Validator) (*duplicates, error) {
	d := &duplicates{bloom: newScalableBloom(), candidates: map[string]int{}}
	d.alike = newLookAlikeScan(d.bloom.seed)
	// The filters are filled on this goroutine while the next rows are
	// read on another: reading is most of the pass.
	const batch = 1024
	full := make(chan []string, 4)
	free := make(chan []string, cap(full)+1)
	for range cap(free) {
		free <- make([]string, 0, batch)
	}
	var readErr error
	go func() {
		defer close(full)
		b := <-free
		for rec, err := range Rows(recs) {
			if err != nil {
				readErr = err
				break
			}
			if rec.Err != nil {
				continue
			}
			// An id is a part of its row's cells, which are strings:
			// the next row does not overwrite it.
			if id := v.ID(rec.Cells); id != "" {
				if b = append(b, id); len(b) == batch {
					full <- b
					b = <-free
				}
			}
		}
		full <- b
	}()
	for b := range full {
		for _, id := range b {
			d.scan(id)
		}
		clear(b)
		free <- b[:0]
	}
	if readErr != nil {
		return nil, readErr
	}
	d.finish()
	return d, nil
}

// finish drops the Bloom filters: the run needs only the candidates.
func (d *duplicates) finish() { d.bloom = nil; d.alike.finish() }

// scanRewound makes the first pass over a second reading of the input.
func scanRewound(rw Rewinder, v *Validator) (*duplicates, error) {
	recs, err := rw.Rewind()
	if err != nil {
		return nil, err
	}
	if c, ok := recs.(io.Closer); ok {
		defer c.Close()
	}
	return scanDuplicates(recs, v)
}

// scan is the first pass's work for one id.
//
// The filter is keyed by the id's folded form (lookalike.go), which finds
// the ids that differ only by case or Unicode form in the same probe: a
// repeated id folds alike too, so every repeat is still a candidate.
func (d *duplicates) scan(id string) {
	h := d.alike.hash(id)
	if !d.bloom.addNewHash(h) {
		if _, ok := d.candidates[id]; !ok {
			d.candidates[strings.Clone(id)] = len(d.first)
			d.first = append(d.first, 0)
		}
		d.alike.candidate(h)
	}
}

// Candidates is how many ids the scan could not rule out (repeats and
// false positives).
func (d *duplicates) Candidates() int { return len(d.candidates) }

func (d *duplicates) add(id string, row int) (first int, dup bool) {
	i, ok := d.candidates[id]
	switch {
	case !ok:
		return 0, false
	case d.first[i] == 0:
		d.first[i] = row
		return 0, false
	}
	return d.first[i], true
}

// ID is the externalId of a record as a run uses it: trimmed, and made
// printable when it is not valid UTF-8.
func (v *Validator) ID(cells []string) string {
	if v.Cols.ExternalID >= len(cells) {
		return ""
	}
	id := strings.TrimSpace(cells[v.Cols.ExternalID])
	if !isASCII(id) && !utf8.ValidString(id) {
		id = sanitizeID(id)
	}
	return id
}

// scalableBloom is a Bloom filter that grows by adding filters of four
// times the capacity, since the number of rows is known only at the end.
// Every filter is probed for every id, so they are few: two up to 1.3
// million ids, three up to 5.5 million.
type scalableBloom struct {
	seed    maphash.Seed
	filters []*bloom
}

// Each filter holds cap ids at 12 bits an id with 8 probes, all in one
// 512-bit block (a cache line) picked by the hash: one memory access per
// filter, where probes spread over the whole filter cost one each. The
// false positive rate stays under 0.5% per filter.
const (
	bloomFirstCap  = 1 << 18
	bloomBitsPerID = 12
	bloomProbes    = 8
)

func newScalableBloom() *scalableBloom {
	return &scalableBloom{seed: maphash.MakeSeed()}
}

// addNewHash adds a key hashed with s.seed and reports whether it was
// certainly not there before.
func (s *scalableBloom) addNewHash(h uint64) bool {
	for _, f := range s.filters {
		if f.has(h) {
			return false
		}
	}
	last := len(s.filters) - 1
	if last < 0 || s.filters[last].n >= s.filters[last].cap {
		c := bloomFirstCap
		if last >= 0 {
			c = s.filters[last].cap * 4
		}
		s.filters = append(s.filters, newBloom(c))
		last++
	}
	s.filters[last].add(h)
	return true
}

type bloom struct {
	blocks [][8]uint64
	n, cap int
}

func newBloom(capacity int) *bloom {
	return &bloom{blocks: make([][8]uint64, max(1, capacity*bloomBitsPerID/512)), cap: capacity}
}

// block picks an id's block from the hash's low half by multiplying
// rather than dividing (Lemire's fast range reduction); the probes inside
// it come from the high half by double hashing.
func (b *bloom) block(h uint64) (blk *[8]uint64, p, step uint32) {
	blk = &b.blocks[(h&0xffffffff)*uint64(len(b.blocks))>>32]
	hi := uint32(h >> 32)
	return blk, hi, hi>>9 | 1
}

func (b *bloom) has(h uint64) bool {
	blk, p, step := b.block(h)
	for range bloomProbes {
		if blk[p>>6&7]&(1<<(p&63)) == 0 {
			return false
		}
		p += step
	}
	return true
}

func (b *bloom) add(h uint64) {
	blk, p, step := b.block(h)
	for range bloomProbes {
		blk[p>>6&7] |= 1 << (p & 63)
		p += step
	}
	b.n++
}
