package importer

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"

	"github.com/capillary-tools/groupimport/importer/capillary"
)

// benchCSV is n rows of the shape the bench harness generates, plus a
// column of extended fields.
func benchCSV(n int) []byte {
	var b bytes.Buffer
	b.WriteString("externalId,groupName,maxGroupSize,limit,ext.region\n")
	for i := range n {
		fmt.Fprintf(&b, "g%07d,Fleet %d,%d,%d,North\n", i, i, 100+i%900, i%7)
	}
	return b.Bytes()
}

// BenchmarkParseValidate is the reader's work per row: CSV parsing, the
// checks, duplicate and look-alike detection, as Run's reader does it
// without a first pass. ns/op is per row.
func BenchmarkParseValidate(b *testing.B) {
	const rows = 10000
	data := benchCSV(rows)
	b.SetBytes(int64(len(data)) / rows)
	b.ReportAllocs()
	var g capillary.Group
	done := 0
	for b.Loop() {
		if done%rows == 0 {
			b.StopTimer()
			recs := newTestCSV(bytes.NewReader(data))
			header, row, err := recs.Next()
			if err != nil {
				b.Fatal(err)
			}
			cols, err := ParseHeader(append([]string(nil), header...), row, nil)
			if err != nil {
				b.Fatal(err)
			}
			seen := newSeenIDs()
			parseState = parseBench{recs: recs, v: &Validator{Cols: cols, MaxGroupSize: DefaultMaxGroupSize}, seen: seen, alike: newLookAlikeTable(seen)}
			b.StartTimer()
		}
		done++
		cells, row, err := parseState.recs.Next()
		if err != nil {
			b.Fatal(err)
		}
		id, problems, _ := parseState.v.Validate(cells, &g)
		if len(problems) > 0 {
			b.Fatal(problems)
		}
		if _, dup := parseState.seen.add(id, row); dup {
			b.Fatal("duplicate")
		}
		if parseState.alike.check(id, row) != 0 {
			b.Fatal("look-alike")
		}
	}
}

type parseBench struct {
	recs  *testCSV
	v     *Validator
	seen  *seenIDs
	alike *lookAlikes
}

var parseState parseBench

// BenchmarkSeenIDs is duplicate detection alone. seen-MB is the size of
// the table after a million distinct ids, the memory it holds at the end
// of a million-row run.
func BenchmarkSeenIDs(b *testing.B) {
	const n = 1_000_000
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("g%07d", i)
	}
	b.ReportAllocs()
	s := newSeenIDs()
	for i := 0; b.Loop(); i++ {
		if i%n == 0 {
			s = newSeenIDs()
		}
		s.add(ids[i%n], i%n+2)
	}
	b.StopTimer()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	full := newSeenIDs()
	for i, id := range ids {
		full.add(id, i+2)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(full)
	runtime.KeepAlive(ids)
	b.ReportMetric((float64(after.HeapAlloc)-float64(before.HeapAlloc))/(1<<20), "seen-MB")
}

// BenchmarkDuplicates is two-pass duplicate detection of a million
// distinct ids: the first pass (the Bloom filters) and the run's lookups.
// ns/op is per id and pass.
func BenchmarkDuplicates(b *testing.B) {
	const n = 1_000_000
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("g%07d", i)
	}
	b.ReportAllocs()
	for b.Loop() {
		d := &duplicates{bloom: newScalableBloom(), candidates: map[string]int{}}
		d.alike = newLookAlikeScan(d.bloom.seed)
		for _, id := range ids {
			d.scan(id)
		}
		d.finish()
		for i, id := range ids {
			if _, dup := d.add(id, i+2); dup {
				b.Fatal("duplicate")
			}
		}
		b.ReportMetric(float64(d.Candidates()), "candidates")
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/(2*n), "ns/id")
}
