package report

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
)

// TestMergeRenamesOverAFileOnlyOthersHoldOpen_WindowsRefusesThat: the
// merge at the end of a resume renames its new file over the results.
// Windows refuses to rename over a file anyone holds open, so the record
// closes every handle it has on the results before the rename; a handle
// someone else holds (a viewer, a tail) is the user's to close, and on
// this OS the rename works all the same. The test holds the old file open
// across the merge, checks the merge, and checks that, at the end, no
// handle of this process is on the results file but its own.
func TestMergeRenamesOverAFileOnlyOthersHoldOpen_WindowsRefusesThat(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.csv")
	old := strings.Join(Header, ",") + "\n2,a,created,1,,,,1,,,,,,\n3,b,failed,,,x,,5,,,,,,\n"
	os.WriteFile(out, []byte(old), 0o644)
	held, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()

	r, err := OpenResults(out, ResultsOptions{Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	prior := r.Prior()
	for _, row := range []struct {
		n  int
		id string
	}{{2, "a"}, {3, "b"}} {
		res, ok, err := prior(row.n, row.id)
		if err != nil {
			t.Fatal(err)
		}
		if !ok || res.Status == importer.Failed {
			res = importer.Result{Row: row.n, ExternalID: row.id, Status: importer.Created, EntityID: 2, Attempts: 1}
		}
		if err := r.Write(res); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatalf("the merge over a file held open: %v", err)
	}
	if got := readLines(t, out); len(got) != 2 || !strings.HasPrefix(got[1], "3,b,created,2,") {
		t.Errorf("merged: %q", got)
	}
	// The handle held across the merge still reads the old record.
	if b, _ := io.ReadAll(held); string(b) != old {
		t.Errorf("the held handle reads %q", b)
	}
	// Only the test's own handle is on the results, old or new.
	fds, _ := os.ReadDir("/proc/self/fd")
	n := 0
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil && strings.HasPrefix(target, out) && !strings.HasSuffix(target, ".lock") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d handles on %s after Close, want only the test's", n, out)
	}
}
