//go:build unix

package report

import (
	"bytes"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/capillary-tools/groupimport/importer"
)

// TestBarFitsTheTerminal draws the bar on a real pseudo-terminal of 80 and
// of 200 columns, and one shrunk from 120 to 50 halfway, and replays the
// bytes the terminal receives: no frame, and no padding that clears one,
// may reach the last column, where a terminal wraps and the next redraw
// lands on a new line; after the resize, not of the new width.
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
			for i, st := range importer.Statuses() {
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
				// The drawing waits while the window shrinks and the
				// output is marked: every frame after the mark is drawn
				// after the resize, and must fit the new width.
				p.draw.Lock()
				err := pty.Setsize(ptmx, &pty.Winsize{Rows: 24, Cols: tt.after})
				_, _ = io.WriteString(tty, resizeMark)
				p.draw.Unlock()
				if err != nil {
					t.Fatal(err)
				}
				waitFor(t, func() bool {
					mu.Lock()
					defer mu.Unlock()
					_, after, _ := strings.Cut(got.String(), "<resized>")
					return strings.Count(after, "\x1b[0K") >= 5
				})
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
			// progressbar drew the frames: a carriage return, the frame,
			// ESC[0K; and cleared the last with ESC[2K.
			if !strings.Contains(out, " \x1b[0K") || !strings.HasSuffix(out, "\x1b[2K\r") {
				t.Errorf("not progressbar's frames, or the last not cleared: %q", out[max(0, len(out)-200):])
			}
			// The raw bytes, as the terminal receives them (the pty turns
			// \n into \r\n), are replayed column by column: no frame, and
			// no padding that clears one, may reach the last column.
			before, after, resized := strings.Cut(out, strings.ReplaceAll(resizeMark, "\n", "\r\n"))
			if tt.after != tt.before && !resized {
				t.Fatalf("no resize mark in %q", out)
			}
			frames := checkFrames(t, before, int(tt.before))
			if resized {
				later := checkFrames(t, after, int(tt.after))
				if len(later) < 5 {
					t.Errorf("%d frames after the resize: %q", len(later), after)
				}
				frames = append(frames, later...)
			}
			if len(frames) < 5 {
				t.Fatalf("%d frames seen: %q", len(frames), out)
			}
			widest := 0
			bar := regexp.MustCompile(`^ +\d+% \[#* *\]  `)
			bars := 0
			for _, f := range frames {
				widest = max(widest, len([]rune(f)))
				if bar.MatchString(f) {
					bars++
				}
			}
			if tt.before == 200 && widest < 120 {
				t.Errorf("on 200 columns the widest frame is %d: the bar does not use the room", widest)
			}
			if tt.before >= 120 && bars == 0 {
				t.Errorf("on %d columns no frame has a bar: %q", tt.before, frames)
			}
		})
	}
}
