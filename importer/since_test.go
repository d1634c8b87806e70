package importer

import (
	"testing"
	"unsafe"
)

// TestSinceRecord: only successful lines with an id and a fingerprint
// count; a hash two lines share sends their rows the normal way; each
// group costs 32 bytes.
func TestSinceRecord(t *testing.T) {
	if n := unsafe.Sizeof(sinceEntry{}); n > 32 {
		t.Errorf("a group of the record costs %d bytes, want at most 32", n)
	}
	s := NewSince()
	s.Add(Result{ExternalID: "a", Status: Created, EntityID: 1, Fingerprint: "00000000000000aa"})
	s.Add(Result{ExternalID: "b", Status: Unchanged, EntityID: 2, Fingerprint: "00000000000000bb"})
	s.Add(Result{ExternalID: "c", Status: Conflict, EntityID: 3, Fingerprint: "00000000000000cc"})
	s.Add(Result{ExternalID: "d", Status: Failed, Fingerprint: "00000000000000dd"})
	s.Add(Result{ExternalID: "e", Status: Exists, EntityID: 5})                                   // before fingerprints
	s.Add(Result{ExternalID: "f", Status: Updated, EntityID: 6, Fingerprint: "00000000000000ff"}) // twice: a
	s.Add(Result{ExternalID: "f", Status: Updated, EntityID: 7, Fingerprint: "00000000000000ff"}) // shared hash
	s.Seal()
	if s.Len() != 4 || s.NoFingerprint != 1 {
		t.Fatalf("Len %d NoFingerprint %d, want 4 and 1", s.Len(), s.NoFingerprint)
	}
	if id, fp, ok := s.known("a"); !ok || id != 1 || fp != 0xaa {
		t.Errorf("a: %d %x %v", id, fp, ok)
	}
	for _, id := range []string{"c", "d", "e", "f", "zz"} {
		if _, _, ok := s.known(id); ok {
			t.Errorf("%s is known; want the normal path", id)
		}
	}
	// b was never asked for; f's two lines were (one row named both).
	if n := s.NotInInput(); n != 1 {
		t.Errorf("NotInInput %d, want 1 (b)", n)
	}
}
