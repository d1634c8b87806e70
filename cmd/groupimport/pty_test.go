//go:build unix

package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// TestBinaryBarFitsAPty runs the real binary with its stderr on a
// pseudo-terminal of 80 and of 200 columns, slowed by a quota so that the
// bar shows retries, 429s and the pace, and checks that no line it draws
// reaches the terminal's width.
func TestBinaryBarFitsAPty(t *testing.T) {
	bin := binary(t)
	for _, cols := range []uint16{80, 200} {
		t.Run(strconv.Itoa(int(cols))+" columns", func(t *testing.T) {
			srv := sandbox.NewServer(sandbox.Config{RatePerMinute: 1200, RateBurst: 3})
			defer srv.Close()
			dir := t.TempDir()
			in := filepath.Join(dir, "in.csv")
			os.WriteFile(in, []byte(groupsCSV(30)+"bad,x,0\n"), 0o644)
			cmd := exec.Command(bin, "import", "--host", srv.URL, "--rate", "50/s", in)
			cmd.Env = append(os.Environ(), "CAP_TILL="+sandbox.DefaultTill, "CAP_PASSWORD="+sandbox.DefaultTillPassword)
			ptmx, tty, err := pty.Open()
			if err != nil {
				t.Skipf("no pty: %v", err)
			}
			defer ptmx.Close()
			if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 24, Cols: cols}); err != nil {
				t.Fatal(err)
			}
			cmd.Stderr, cmd.Stdout, cmd.Stdin = tty, tty, tty
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			tty.Close()
			var out bytes.Buffer
			done := make(chan struct{})
			go func() { io.Copy(&out, ptmx); close(done) }()
			waited := make(chan error, 1)
			go func() { waited <- cmd.Wait() }()
			select {
			case <-waited:
			case <-time.After(60 * time.Second):
				cmd.Process.Kill()
				t.Fatal("the run did not end")
			}
			select {
			case <-done:
			case <-time.After(5 * time.Second):
			}
			bars := checkRedraws(t, out.String(), int(cols))
			if bars == 0 {
				t.Fatalf("no bar drawn:\n%s", out.String())
			}
			if !strings.Contains(out.String(), " \x1b[0K") {
				t.Errorf("the frames are not progressbar's (a carriage return, the frame, ESC[0K):\n%q", out.String())
			}
		})
	}
}

// checkRedraws checks, in the raw bytes a terminal of the given width
// received, every piece of a line that is drawn over in place: what comes
// before a carriage return that no newline follows (the pty turns \n into
// \r\n), and every progress frame (it ends with ESC[0K). None may reach the
// last column, escape codes aside: that catches a frame too wide and
// padding with spaces to clear one. Log lines and the summary end with a
// newline and may wrap. It returns how many frames show the share done.
func checkRedraws(t *testing.T, out string, width int) (bars int) {
	t.Helper()
	ansi := regexp.MustCompile("\x1b\\[[0-9;?]*[A-Za-z]")
	frame := regexp.MustCompile(`^ *\d+% `)
	start := 0
	for i := 0; i <= len(out); i++ {
		if i < len(out) && out[i] != '\r' && out[i] != '\n' {
			continue
		}
		raw := out[start:i]
		start = i + 1
		text := ansi.ReplaceAllString(raw, "")
		redrawn := i < len(out) && out[i] == '\r' && (i+1 == len(out) || out[i+1] != '\n')
		if frame.MatchString(text) {
			bars++
			redrawn = true
		}
		if redrawn || strings.Contains(raw, "\x1b[0K") {
			if w := len([]rune(text)); w >= width {
				t.Errorf("a %d-column line drawn over in place on %d columns: %q", w, width, raw)
			}
		}
	}
	return bars
}
