package report

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/capillary-tools/groupimport/importer"
)

// TestProgressHoldsStillAtAStop: the rows a stopping run marks skipped
// were not done, so the share done stays where the run stopped.
func TestProgressHoldsStillAtAStop(t *testing.T) {
	clock := &fakeClock{now: clockStart}
	p := NewProgress(&lockedBuffer{}, 100*100, ProgressOptions{Interval: time.Hour, Now: clock.Now})
	defer p.Finish()
	off := int64(0)
	for range 49 {
		clock.Advance(time.Second)
		off += 100
		p.Observe(importer.Result{Status: importer.Created, Offset: off, Attempts: 1})
	}
	before := p.Status()
	for range 51 {
		off += 100
		p.Observe(importer.Result{Status: importer.Skipped, Offset: off})
	}
	after := p.Status()
	if !strings.Contains(before, "done=49.0%") || !strings.Contains(after, "done=49.0%") {
		t.Errorf("share done moved at the stop:\nbefore %s\nafter  %s", before, after)
	}
}

// TestProgressRateKeepsItsUnit: a rate that wanders across 10/s is shown
// in one unit all run long.
func TestProgressRateKeepsItsUnit(t *testing.T) {
	clock := &fakeClock{now: clockStart}
	p := NewProgress(&lockedBuffer{}, -1, ProgressOptions{Interval: time.Hour, Now: clock.Now})
	defer p.Finish()
	units := map[string]bool{}
	rate := regexp.MustCompile(`rate=[0-9.]+/(\w+)`)
	// 9 rows a second, then 11, then 9.
	for _, perSecond := range []int{9, 9, 11, 11, 11, 11, 9, 9, 9, 9, 9, 9} {
		for range perSecond {
			clock.Advance(time.Second / time.Duration(perSecond))
			p.Observe(importer.Result{Status: importer.Created, Attempts: 1})
		}
		if m := rate.FindStringSubmatch(p.Status()); m != nil {
			units[m[1]] = true
		}
	}
	if len(units) != 1 {
		t.Errorf("the rate was shown in %v", units)
	}
}
