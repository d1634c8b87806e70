package report

import (
	"errors"
	"fmt"
	"os"
)

// ErrLocked means another run is writing the same results file.
var ErrLocked = errors.New("another groupimport run is writing this results file")

// Lock takes an exclusive lock on path+".lock" for as long as the process
// holds it. The operating system drops the lock when the process dies, so
// a crash never leaves a stale lock behind.
//
// Where a file can be removed while it is open (Unix), unlock removes the
// lock file, so that a clean exit leaves nothing behind; it does so while
// still holding the lock, so no other run can be inside its own check. The
// race that makes this delicate: run B opens the lock file, run A then
// removes it and unlocks, and B's lock succeeds on a file that no longer
// has a name, while run C creates a new file under the name and locks that.
// B and C would both think they hold the lock. So a lock counts only when,
// once taken, the name still names the very file locked; otherwise the run
// lets it go and starts again on the file now under the name, where it
// meets C's lock (ErrLocked) or takes its own. Each retry means that
// another run removed the file, which happens once per run, so the loop
// ends.
func Lock(path string) (unlock func(), err error) {
	name := path + ".lock"
	for {
		f, err := openLock(name)
		if err != nil {
			return nil, fmt.Errorf("lock %s: %w", name, err)
		}
		lockOpened()
		if err := lockFile(f); err != nil {
			f.Close()
			if errors.Is(err, ErrLocked) {
				return nil, fmt.Errorf("%s: %w", path, ErrLocked)
			}
			return nil, fmt.Errorf("lock %s: %w", name, err)
		}
		if !lockStillNamed(name, f) {
			unlockFile(f)
			f.Close()
			continue
		}
		f.Truncate(0)
		fmt.Fprintf(f, "pid %d\n", os.Getpid())
		return func() {
			if removeLockOnUnlock {
				os.Remove(name)
			}
			unlockFile(f)
			f.Close()
		}, nil
	}
}

// lockOpened runs between opening the lock file and locking it: tests
// play the race there.
var lockOpened = func() {}

// lockStillNamed reports whether name still names the open file f.
func lockStillNamed(name string, f *os.File) bool {
	held, err := f.Stat()
	if err != nil {
		return false
	}
	now, err := os.Lstat(name)
	return err == nil && os.SameFile(held, now)
}
