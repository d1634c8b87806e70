package importer

import (
	"fmt"
	"testing"
)

// BenchmarkLookAlikes is the look-alike search alone, as a run makes it
// beside the duplicate check, for a million distinct ids in lower case
// (their own folded form: the common case) and in upper case: with a
// first pass (the scan, then the run's checks) and without one (the
// run's checks on a table). ns/id is per id, both passes together.
func BenchmarkLookAlikes(b *testing.B) {
	const n = 1_000_000
	for _, format := range []string{"fleet-%07d", "FLEET-%07d"} {
		ids := make([]string, n)
		for i := range ids {
			ids[i] = fmt.Sprintf(format, i)
		}
		b.Run(format[:5]+"/first-pass", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				d := &duplicates{bloom: newScalableBloom(), candidates: map[string]int{}}
				d.alike = newLookAlikeScan(d.bloom.seed)
				for _, id := range ids {
					d.scan(id)
				}
				d.finish()
				for i, id := range ids {
					if _, dup := d.add(id, i+2); dup || d.alike.check(id, i+2) != 0 {
						b.Fatal("repeat")
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/id")
		})
		b.Run(format[:5]+"/table", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				exact := newSeenIDs()
				alike := newLookAlikeTable(exact)
				for i, id := range ids {
					if _, dup := exact.add(id, i+2); dup || alike.check(id, i+2) != 0 {
						b.Fatal("repeat")
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/id")
		})
	}
}
