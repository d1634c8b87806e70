// Package pagetest opens a run's page in headless Chromium for tests, as
// report/page's own browser test does: it finds the browser (failing, not
// skipping, when CI is set and none is installed), lets no name but
// loopback resolve, and records every script error and every request the
// page makes.
package pagetest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Chromium finds a Chromium or Chrome to drive: $CHROME, or the usual
// names on PATH. Without one it skips the test, or fails it when CI is set.
func Chromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("CHROME"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no Chromium found (looked for $CHROME, chromium, chromium-browser, google-chrome) and CI is set: install the chromium package")
	}
	t.Skip("no Chromium found: install the chromium package or set CHROME to run the browser test; with CI set, this fails instead")
	return ""
}

// Browser is one headless tab.
type Browser struct {
	Ctx context.Context

	mu        sync.Mutex
	problems  []string
	requested []string
}

// Open starts the browser with one tab, listening for script errors and
// requests; it is closed when the test ends.
func Open(t testing.TB) *Browser {
	t.Helper()
	bin := Chromium(t)
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(bin),
		chromedp.WindowSize(1100, 900),
		chromedp.NoSandbox, // root in a container has no user namespaces for the sandbox
		// Any name but loopback fails to resolve: a page that reached for
		// a font or a CDN shows up as a request, and fails.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(bctx); err != nil { // start the browser and open the tab
		t.Fatal(err)
	}
	b := &Browser{Ctx: bctx}
	if err := chromedp.Listen(bctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := e.ExceptionDetails
			text := d.Text
			if d.Exception != nil {
				text += " " + d.Exception.Description
			}
			b.problems = append(b.problems, fmt.Sprintf("exception at %s:%d: %s", d.URL, d.LineNumber+1, text))
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				b.problems = append(b.problems, "console."+string(e.Type)+": "+strings.Join(args, " "))
			}
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError {
				b.problems = append(b.problems, "log: "+e.Entry.Text+" "+e.Entry.URL)
			}
		case *network.EventRequestWillBeSent:
			b.requested = append(b.requested, e.Request.URL)
		}
	}); err != nil {
		t.Fatal(err)
	}
	return b
}

// Problems are the script and console errors seen so far.
func (b *Browser) Problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.problems)
}

// Requested are the URLs the page asked for so far.
func (b *Browser) Requested() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.requested)
}
