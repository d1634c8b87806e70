//go:build unix

package report

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestLockFileGoneAfterUnlock: a clean exit leaves no .lock behind, and the
// lock still excludes a second run while held.
func TestLockFileGoneAfterUnlock(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.csv")
	unlock, err := Lock(out)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Lock(out); !errors.Is(err, ErrLocked) {
		t.Fatalf("second lock while held: %v", err)
	}
	unlock()
	if _, err := os.Lstat(out + ".lock"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf(".lock left behind after unlock (%v)", err)
	}
	unlock, err = Lock(out)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	unlock()
}

// TestLockOnARemovedFileDoesNotCount plays the race that removing the lock
// file opens: run B opens the lock file, run A removes it and unlocks, run
// C locks a new file under the name, and B locks the nameless file. B's
// lock must not count: only the file under the name is the lock, and C
// holds it.
func TestLockOnARemovedFileDoesNotCount(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.csv")
	unlockA, err := Lock(out)
	if err != nil {
		t.Fatal(err)
	}
	var unlockC func()
	lockOpened = func() {
		lockOpened = func() {}
		unlockA()
		if unlockC, err = Lock(out); err != nil {
			t.Errorf("C: %v", err)
		}
	}
	defer func() { lockOpened = func() {} }()
	unlockB, errB := Lock(out)
	if unlockC == nil {
		t.Fatal("the race was not played")
	}
	defer unlockC()
	if errB == nil {
		unlockB()
		t.Fatal("B took a lock while C holds the lock file")
	}
	if !errors.Is(errB, ErrLocked) {
		t.Errorf("B: %v, want ErrLocked", errB)
	}
}
