package importer

import (
	"hash/maphash"
	"math/bits"
)

// seenIDs remembers which externalIds appeared, and on which row, in a few
// bytes per row: a 64-bit hash and a row number in an open-addressing table,
// instead of the ids themselves. With a random seed per run, two different
// ids share a hash with odds of about n²/2⁶⁵ (3e-8 for a million rows).
type seenIDs struct {
	seed   maphash.Seed
	hashes []uint64 // 0 marks an empty slot
	rows   []int32  // signed: a caller may mark a row by its sign
	n      int
}

func newSeenIDs() *seenIDs {
	s := &seenIDs{seed: maphash.MakeSeed()}
	s.alloc(1 << 12)
	return s
}

func (s *seenIDs) alloc(size int) {
	s.hashes = make([]uint64, size)
	s.rows = make([]int32, size)
}

// add records id at row, or returns the row where it was first seen. A
// row may be negative (read marks a row that is not sent so); it comes
// back as it was given.
func (s *seenIDs) add(id string, row int) (first int, dup bool) {
	return s.addHash(maphash.String(s.seed, id), row)
}

// addHash is add for a key already hashed with s.seed.
func (s *seenIDs) addHash(h uint64, row int) (first int, dup bool) {
	h |= 1
	if s.n >= len(s.hashes)*3/4 {
		s.grow()
	}
	mask := uint64(len(s.hashes) - 1)
	for i := s.slot(h) & mask; ; i = (i + 1) & mask {
		switch s.hashes[i] {
		case 0:
			s.hashes[i], s.rows[i] = h, int32(row)
			s.n++
			return 0, false
		case h:
			return int(s.rows[i]), true
		}
	}
}

// find returns the row recorded under a hash made with s.seed.
func (s *seenIDs) find(h uint64) (row int, ok bool) {
	h |= 1
	mask := uint64(len(s.hashes) - 1)
	for i := s.slot(h) & mask; ; i = (i + 1) & mask {
		switch s.hashes[i] {
		case 0:
			return 0, false
		case h:
			return int(s.rows[i]), true
		}
	}
}

// first returns the row recorded under a hash made with s.seed, and
// records row there when that is 0 (none yet); it returns 0 too when the
// hash is not in s.
func (s *seenIDs) first(h uint64, row int) int {
	h |= 1
	mask := uint64(len(s.hashes) - 1)
	for i := s.slot(h) & mask; ; i = (i + 1) & mask {
		switch s.hashes[i] {
		case 0:
			return 0
		case h:
			first := int(s.rows[i])
			if first == 0 {
				s.rows[i] = int32(row)
			}
			return first
		}
	}
}

// slot spreads the hash over the table using its high bits, leaving the
// low bit (forced to 1) out.
func (s *seenIDs) slot(h uint64) uint64 {
	hi, _ := bits.Mul64(h, 0x9e3779b97f4a7c15)
	return hi
}

func (s *seenIDs) grow() {
	oldH, oldR := s.hashes, s.rows
	s.alloc(len(oldH) * 2)
	mask := uint64(len(s.hashes) - 1)
	for j, h := range oldH {
		if h == 0 {
			continue
		}
		i := s.slot(h) & mask
		for s.hashes[i] != 0 {
			i = (i + 1) & mask
		}
		s.hashes[i], s.rows[i] = h, oldR[j]
	}
}
