package report

import (
	"os"
	"path/filepath"
)

// SameFile reports whether two paths name one file: by the file's identity
// (device and inode, so symbolic and hard links are seen through) when both
// exist, and otherwise by where the paths lead once every symbolic link on
// the way is followed. A run must never write one of its outputs over
// another, or over its input.
func SameFile(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(fa, fb)
	}
	if errA == nil || errB == nil {
		return false // one exists and the other does not
	}
	return canonical(a) == canonical(b)
}

// canonical is where a path that does not exist (yet) leads: its symbolic
// links followed, a dangling one included, in an absolute form.
func canonical(p string) string {
	for range 40 { // as many links as a system follows
		target, err := os.Readlink(p)
		if err != nil {
			break
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(p), target)
		}
		p = target
	}
	dir, base := filepath.Split(p)
	if dir == "" {
		dir = "."
	}
	if d, err := filepath.EvalSymlinks(dir); err == nil {
		dir = d
	}
	if d, err := filepath.Abs(dir); err == nil {
		dir = d
	}
	return filepath.Join(dir, base)
}
