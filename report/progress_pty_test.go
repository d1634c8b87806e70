//go:build unix

package report

import (
	"bytes"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/capillary-tools/groupimport/importer"
)

// TestBarFitsTheTerminal draws the bar on a real pseudo-terminal of 80 and
// of 200 columns, and one shrunk from 120 to 50 halfway, and checks every
// frame the terminal receives: none may reach the last column, where a
// terminal wraps and the next redraw lands on a new line.
func TestBarFitsTheTerminal(t *testing.T) {
	for _, tt := range []struct {
		name          string
		before, after uint16
	}{
		{"80 columns", 80, 80},
		{"200 columns", 200, 200},
		{"resized 120 to 50", 120, 50},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ptmx, tty, err := pty.Open()
			if err != nil {
				t.Skipf("no pty: %v", err)
			}
			defer ptmx.Close()
			defer tty.Close()
			if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 24, Cols: tt.before}); err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			var got bytes.Buffer
			copied := make(chan struct{})
			go func() {
				defer close(copied)
				buf := make([]byte, 4096)
				for {
					n, err := ptmx.Read(buf)
					mu.Lock()
					got.Write(buf[:n])
					mu.Unlock()
					if err != nil {
						return
					}
				}
			}()
			if !IsTerminal(tty) {
				t.Fatal("the pty is not a terminal")
			}
			// The widest text a run shows: every status, retries, 429s,
			// a cut pace and an ETA in hours.
			traffic := new(importer.Traffic)
			traffic.Throttled.Add(12345)
			traffic.Failed.Add(678)
			p := newProgress(tty, 40_000_000, ProgressOptions{Bar: true, Traffic: traffic, Pace: func() float64 { return 1.4 }}, time.Millisecond)
			for i, st := range importer.Statuses {
				for range 1000 * (i + 1) {
					p.Observe(importer.Result{Status: st, Offset: int64(i+1) * 1000, Attempts: 1})
				}
			}
			drawn := func() int {
				mu.Lock()
				defer mu.Unlock()
				return strings.Count(got.String(), "\r")
			}
			waitFor(t, func() bool { return drawn() >= 5 })
			if tt.after != tt.before {
				if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 24, Cols: tt.after}); err != nil {
					t.Fatal(err)
				}
				n := drawn()
				waitFor(t, func() bool { return drawn() >= n+5 })
			}
			p.Finish()
			tty.Close()
			select {
			case <-copied:
			case <-time.After(5 * time.Second):
			}

			mu.Lock()
			out := got.String()
			mu.Unlock()
			// The pty turns \n into \r\n; frames start with \r and end
			// with an erase to the end of the line.
			ansi := regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]")
			var frames []string
			for _, f := range strings.FieldsFunc(out, func(r rune) bool { return r == '\r' || r == '\n' }) {
				if f = ansi.ReplaceAllString(f, ""); f != "" {
					frames = append(frames, f)
				}
			}
			if len(frames) < 5 {
				t.Fatalf("%d frames seen: %q", len(frames), out)
			}
			widest := 0
			for _, f := range frames {
				w := len([]rune(f))
				widest = max(widest, w)
				if w >= int(tt.before) {
					t.Errorf("a %d-column frame on a %d-column terminal: %q", w, tt.before, f)
				}
			}
			// The last frames are drawn after any resize.
			for _, f := range frames[len(frames)-3:] {
				if w := len([]rune(f)); w >= int(tt.after) {
					t.Errorf("on %d columns a frame is %d wide: %q", tt.after, w, f)
				}
			}
			if tt.before == 200 && widest < 120 {
				t.Errorf("on 200 columns the widest frame is %d: the bar does not use the room", widest)
			}
		})
	}
}
