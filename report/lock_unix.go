//go:build unix

package report

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// removeLockOnUnlock: a Unix file can be removed while open and locked.
const removeLockOnUnlock = true

// openLock opens the lock file without following a symbolic link: one
// planted in its place must not make a run write to the file it names.
func openLock(name string) (*os.File, error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o666)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("%s is a symbolic link; remove it", name)
	}
	return f, err
}

func lockFile(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return ErrLocked
	}
	return err
}

func unlockFile(f *os.File) { syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
