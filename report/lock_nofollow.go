//go:build !unix

package report

import (
	"fmt"
	"os"
)

// removeLockOnUnlock: elsewhere an open file may not be removable, so the
// lock file stays (and is reused by the next run).
const removeLockOnUnlock = false

// openLock refuses a symbolic link in place of the lock file, so that one
// planted there cannot make a run write to the file it names.
func openLock(name string) (*os.File, error) {
	if fi, err := os.Lstat(name); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		return nil, fmt.Errorf("%s is a symbolic link; remove it", name)
	}
	return os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o666)
}
