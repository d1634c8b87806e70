package page

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// samplePage is a run as an operator would see it: 420 rows sent over a
// little more than three minutes at 3 rows a second with 4 workers, with
// conflicts, invalid and duplicate rows, answers lost in transit (looked up
// afterwards), a failed row, and a hold after a burst of 429s in the second
// minute that cut the pace.
func samplePage() *Page {
	ist := time.FixedZone("IST", 5*3600+1800)
	start := time.Date(2026, 11, 30, 10, 2, 13, 0, ist)
	const rows = 420
	p := &Page{
		Kind: KindImport,
		Header: Header{
			Version:     "v1.4.0",
			Command:     "groupimport import --host https://eu.api.capillarytech.com --rate 3/s --workers 4 --on-conflict lookup --report fleets.html fleets.xlsx",
			Record:      "fleets.results.csv",
			Input:       "fleets.xlsx",
			InputSHA256: "9f2c4e1a77b03d5e8c61f0a2b4d9e3c5a1f7b8e6d2c4a9f0e1b3c5d7a9e2f4b6",
			Host:        "https://eu.api.capillarytech.com",
			Rate:        "3/s",
			Workers:     4,
		},
	}
	statusOf := func(i int) (status, msg string) {
		row := i + 2
		switch {
		case row%97 == 0:
			return "invalid", fmt.Sprintf("maxGroupSize %q is not a whole number", fmt.Sprint(row%7, ".5"))
		case row%89 == 0:
			return "invalid", "groupName is empty"
		case row%61 == 0:
			return "duplicate", fmt.Sprintf("the externalId FLT-%05d is on row %d too", 1000+i-40, row-40)
		case row%37 == 0:
			return "conflict", "error 1633: a group with this externalId exists; it differs in groupName"
		case row%113 == 0:
			return "exists", "the answer was lost; the lookup found the group, which matches the row and may be this run's"
		case row == 211:
			return "failed", "attempts ran out: 503 Service Unavailable (3 attempts)"
		case row%71 == 0:
			return "created_with_warnings", "ext.tier was not saved: 1411 unknown extended field"
		}
		return "created", ""
	}
	totals := map[string]int{}
	points := map[int64]*Point{}
	// The run ends when the last row finishes; rows slow down during the
	// hold (minute 2) and resume at a lower pace after the cut.
	t := start
	for i := range rows {
		st, msg := statusOf(i)
		gap := 333 * time.Millisecond
		if st == "invalid" || st == "duplicate" {
			gap = 0 // never sent
		}
		if i >= 150 && i < 170 {
			gap = 900 * time.Millisecond // the hold
		} else if i >= 170 {
			gap = 430 * time.Millisecond // after the pace cut
		}
		t = t.Add(gap)
		totals[st]++
		key := t.Truncate(10 * time.Second).UnixNano()
		pt := points[key]
		if pt == nil {
			pt = &Point{Time: t.Truncate(10 * time.Second), Rows: map[string]int{}}
			points[key] = pt
		}
		pt.Rows[st]++
		if gap > 0 {
			pt.Requests++
		}
		if st == "exists" || st == "failed" {
			pt.Requests += 2 // a retry and a lookup, or retries
		}
		if i >= 148 && i < 160 {
			pt.Requests++
			pt.Throttled++
		}
		if i == 150 {
			pt.Holds++
			pt.PaceCuts++
			pt.Held += 12 * time.Second
		}
		if i == 168 {
			pt.PaceCuts++
		}
		// Success rows (created, with warnings or not, and exists) are
		// counted, not listed.
		if st != "created" && st != "created_with_warnings" && st != "exists" {
			p.Rows = append(p.Rows, Row{Row: i + 2, ExternalID: fmt.Sprintf("FLT-%05d", 1000+i), Status: st,
				Message: msg, RequestID: reqID(i)})
		}
	}
	p.Header.Start = start
	p.Header.End = t.Add(400 * time.Millisecond)
	p.Header.Sessions = []Session{{p.Header.Start, p.Header.End}}
	for _, st := range []string{"created", "created_with_warnings", "exists", "conflict", "failed", "invalid", "duplicate"} {
		p.Totals = append(p.Totals, Total{st, totals[st]})
	}
	for _, pt := range points {
		p.Timeline = append(p.Timeline, *pt)
	}
	p.Problems = []Problem{
		{Status: "conflict", Code: 1633, Message: "a group with this externalId exists; it differs in groupName", Count: totals["conflict"],
			Examples: []string{"row 37  FLT-01035  groupName \"Blue Harbor Freight\" on the server", "row 74  FLT-01072  groupName \"Coastal Haulage\" on the server"}},
		{Status: "invalid", Message: "maxGroupSize \"…\" is not a whole number", Count: 4,
			Examples: []string{"row 97  FLT-01095  \"6.5\"", "row 194  FLT-01192  \"5.5\""}},
		{Status: "created_with_warnings", Code: 1411, Message: "ext.tier was not saved: unknown extended field", Count: totals["created_with_warnings"],
			Examples: []string{"row 71  FLT-01069", "row 142  FLT-01140"}},
		{Status: "duplicate", Message: "the externalId is on an earlier row too", Count: totals["duplicate"],
			Examples: []string{"row 61  FLT-01059 (row 21)", "row 122  FLT-01120 (row 82)"}},
		{Status: "invalid", Message: "groupName is empty", Count: 4, Examples: []string{"row 89  FLT-01087", "row 178  FLT-01176"}},
		{Status: "failed", Message: "attempts ran out: 503 Service Unavailable", Count: 1, Examples: []string{"row 211  FLT-01209  3 attempts"}},
	}
	return p
}

func reqID(i int) string {
	return fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", 0x5eed0000+i*7919, i*31%0xffff, i%0xfff, (i*13)%0xfff, int64(i)*104729)
}

// TestSample writes the sample page to $PAGE_OUT/sample.html, and a long
// resumed run's to long.html, when PAGE_OUT is set (go test ./report/page -run TestSample, with PAGE_OUT=dir), so a
// person can open it; otherwise it only checks that it renders.
func TestSample(t *testing.T) {
	dir := os.Getenv("PAGE_OUT")
	if dir == "" {
		dir = t.TempDir()
	}
	path := filepath.Join(dir, "sample.html")
	writeSample(t, path)
	long := filepath.Join(dir, "long.html")
	f, err := os.Create(long)
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(f, longPage()); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s and %s", path, long)
}

func writeSample(t *testing.T, path string) *Page {
	t.Helper()
	p := samplePage()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(f, p); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// longPage is a night's import of 300,000 rows that crashed after four
// hours and was resumed forty minutes later: the timeline bins by five
// minutes and shows the gap as a break.
func longPage() *Page {
	start := time.Date(2026, 11, 30, 1, 0, 0, 0, time.FixedZone("IST", 5*3600+1800))
	s1 := Session{start, start.Add(4*time.Hour + 10*time.Minute)}
	s2 := Session{s1.End.Add(40 * time.Minute), s1.End.Add(40*time.Minute + 5*time.Hour + 50*time.Minute)}
	p := &Page{Kind: KindImport, Header: Header{Version: "v1.4.0", Input: "night.csv", Record: "night.results.csv",
		Rate: "10/s", Workers: 8, Start: s1.Start, End: s2.End, Sessions: []Session{s1, s2}}}
	counts := map[string]int{}
	for _, s := range p.Header.Sessions {
		for t := s.Start; t.Before(s.End); t = t.Add(time.Minute) {
			m := int(t.Sub(start) / time.Minute)
			pt := Point{Time: t, Rows: map[string]int{}, Requests: 600}
			pt.Rows["created"] = 570
			pt.Rows["conflict"] = 20 + m%7
			pt.Rows["invalid"] = 5
			if m%97 < 6 { // the quota bites now and then
				pt.Throttled = 40
				pt.Rows["created"] = 300
				if m%97 == 0 {
					pt.Holds, pt.Held, pt.PaceCuts = 1, 30*time.Second, 1
				}
			}
			if m > 300 && m < 310 { // a host blip
				pt.Rows["failed"] = 12
			}
			for st, n := range pt.Rows {
				counts[st] += n
			}
			p.Timeline = append(p.Timeline, pt)
		}
	}
	for _, st := range []string{"created", "conflict", "failed", "invalid"} {
		p.Totals = append(p.Totals, Total{st, counts[st]})
	}
	return p
}
