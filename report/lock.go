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
// a crash never leaves a stale lock behind. The lock file stays: removing
// it would let a waiting run lock a file that no longer has a name.
func Lock(path string) (unlock func(), err error) {
	name := path + ".lock"
	f, err := openLock(name)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		if errors.Is(err, ErrLocked) {
			return nil, fmt.Errorf("%s: %w", path, ErrLocked)
		}
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	f.Truncate(0)
	fmt.Fprintf(f, "pid %d\n", os.Getpid())
	return func() {
		unlockFile(f)
		f.Close()
	}, nil
}
