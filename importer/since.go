package importer

import (
	"cmp"
	"hash/maphash"
	"slices"
	"strconv"
)

// Since is the last record of a nightly load, held compactly for a run
// that sends only what changed since (Config.Since): for each group that
// record settled successfully, a hash of its externalId, its entity id and
// its fingerprint, 32 bytes a group, sorted by hash. The externalIds
// themselves are not kept; a hash that two of the record's groups share is
// marked, and their rows take the normal path. A row whose externalId
// merely hashes like a group of the record is safe too: it is passed over
// only on an equal fingerprint, a hash of the externalId among the rest,
// and a PUT by the other group's id names this row's externalId, which the
// server refuses as another group's (see since in the run).
//
// Add every line, then Seal, before the run; the run only reads it, from
// its reader goroutine, and marks the groups the input has.
type Since struct {
	seed    maphash.Seed
	entries []sinceEntry
	sealed  bool

	// NoFingerprint counts the successful lines that carry no fingerprint
	// (a record written before fingerprints): their rows take the normal
	// path.
	NoFingerprint int
}

type sinceEntry struct {
	hash  uint64
	id    int64
	fp    uint64
	flags uint8
}

const (
	sinceShared uint8 = 1 << iota // two groups of the record share the hash
	sinceSeen                     // a row of the input has the hash
)

// NewSince returns an empty record, ready for Add.
func NewSince() *Since { return &Since{seed: maphash.MakeSeed()} }

// SinceSuccess reports whether a line of the last record counts for a
// since run: a final success that names the group's entity id.
func SinceSuccess(res Result) bool {
	switch res.Status {
	case Created, CreatedWithWarnings, Exists, Updated, Unchanged:
		return res.EntityID > 0
	}
	return false
}

// Add takes one line of the last record. Lines that do not count
// (SinceSuccess) are passed over; a successful one without a readable
// fingerprint is counted in NoFingerprint and passed over.
func (s *Since) Add(res Result) {
	if !SinceSuccess(res) {
		return
	}
	fp, err := strconv.ParseUint(res.Fingerprint, 16, 64)
	if err != nil || len(res.Fingerprint) != 16 {
		s.NoFingerprint++
		return
	}
	s.entries = append(s.entries, sinceEntry{hash: maphash.String(s.seed, res.ExternalID), id: res.EntityID, fp: fp})
}

// Seal sorts the record for lookups and marks the hashes two groups share.
func (s *Since) Seal() {
	slices.SortFunc(s.entries, func(a, b sinceEntry) int { return cmp.Compare(a.hash, b.hash) })
	for i := 1; i < len(s.entries); i++ {
		if s.entries[i].hash == s.entries[i-1].hash {
			s.entries[i].flags |= sinceShared
			s.entries[i-1].flags |= sinceShared
		}
	}
	s.entries = slices.Clip(s.entries)
	s.sealed = true
}

// Len is the number of groups the record holds.
func (s *Since) Len() int { return len(s.entries) }

// NotInInput counts, once the run is over, the groups of the record that
// no row of the input named: nothing was done with them.
func (s *Since) NotInInput() int {
	n := 0
	for _, e := range s.entries {
		if e.flags&sinceSeen == 0 {
			n++
		}
	}
	return n
}

// known is what the record says of externalID: the group's id and its
// fingerprint, with ok false when the record has no line that counts, or
// when its hash is shared. It marks the group as in the input.
func (s *Since) known(externalID string) (id int64, fp uint64, ok bool) {
	h := maphash.String(s.seed, externalID)
	i, found := slices.BinarySearchFunc(s.entries, h, func(e sinceEntry, h uint64) int { return cmp.Compare(e.hash, h) })
	if !found {
		return 0, 0, false
	}
	for j := i; j < len(s.entries) && s.entries[j].hash == h; j++ {
		s.entries[j].flags |= sinceSeen
	}
	e := s.entries[i]
	if e.flags&sinceShared != 0 {
		return 0, 0, false
	}
	return e.id, e.fp, true
}
