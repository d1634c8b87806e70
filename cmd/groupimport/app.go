package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
)

// Exit codes; the README documents them.
const (
	exitOK          = 0   // every row created (dry run: every row valid)
	exitRowsFailed  = 1   // the run finished but some rows are not created
	exitUsage       = 2   // bad flag, unreadable file, missing column, no data rows: nothing was sent
	exitAborted     = 3   // the run stopped itself: credentials rejected, too many errors, results unwritable
	exitInterrupted = 130 // Ctrl-C, SIGTERM or SIGHUP
)

// Env is everything a command takes from the process, so that tests can run
// commands in-process.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Kill is cancelled by a second interrupt: stop now. Nil means never.
	Kill context.Context
	// IsTerminal reports whether Stderr is a terminal; nil means no.
	IsTerminal func() bool
	// Width reports the terminal's columns, asked on every redraw of the
	// bar; nil means 80.
	Width func() int
	// Proxy chooses the proxy for a request, as http.Transport.Proxy does;
	// nil means the environment's HTTPS_PROXY, HTTP_PROXY and NO_PROXY
	// (http.ProxyFromEnvironment, which never proxies a loopback host, so
	// tests of a proxy set this).
	Proxy func(*http.Request) (*url.URL, error)
	// Program is the program as the user typed it (os.Args[0]), the first
	// word of every command the tool suggests, so that it pastes: a user
	// who ran ./bin/groupimport has no groupimport on the PATH. Empty
	// means "groupimport".
	Program string

	log *logger
}

// usageError is a mistake in how the command was called: exit 2, with a
// hint.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// exitError carries an exit code decided by a command.
type exitError struct {
	code int
	err  error
}

// hinted is an error and the next step to take (the resume command): a
// line of its own in text, a field of its own in a JSON record.
type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() + "\n" + h.hint }
func (h *hinted) Unwrap() error { return h.err }

// withHint is err with hint as its next step; err itself when hint is "".
func withHint(err error, hint string) error {
	if hint == "" {
		return err
	}
	return &hinted{err, hint}
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

const topUsage = `groupimport loads user groups (fleets) into Capillary from a spreadsheet.

Usage:
  groupimport import   [flags] FILE   create the groups in FILE, CSV or XLSX ("-" reads stdin)
  groupimport validate [flags] FILE   check FILE without sending anything (import --dry-run)
  groupimport diff     [flags] FILE   compare FILE with the server, read-only: what an import would do
  groupimport undo     [flags] RESULTS delete what one import created, and nothing else
  groupimport report   [flags] RECORD write the HTML page of the run that left RECORD
  groupimport check    [flags]        read-only preflight of an org: host, TLS, credentials, contract
  groupimport sandbox  [flags]        run a local fake of the API for trying the tool
  groupimport version                 print the version

Run "groupimport COMMAND --help" for a command's flags and examples.
`

const versionUsage = `Usage: groupimport version

version prints the version of groupimport: the release, or the commit it
was built from.
`

// Main runs one command and returns the process exit code.
func Main(ctx context.Context, args []string, env *Env) int {
	if env.Kill == nil {
		env.Kill = context.Background()
	}
	if env.IsTerminal == nil {
		env.IsTerminal = func() bool { return false }
	}
	if env.Width == nil {
		env.Width = func() int { return 80 }
	}
	// Workers log too (the API version found on the first lookup), so
	// every write to stderr is one whole write, under one lock.
	env.Stderr = &syncWriter{w: env.Stderr}
	env.log = newLogger(env.Stderr, env.IsTerminal())
	if len(args) > 0 {
		// Before the flags are parsed, so that a refused flag is a JSON
		// record too: a log shipper reads every line.
		env.log.json = wantsJSONLog(args[1:])
	}
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, topUsage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "import":
		err = runImport(ctx, args[1:], env, false)
	case "validate":
		err = runImport(ctx, args[1:], env, true)
	case "diff":
		err = runDiff(ctx, args[1:], env)
	case "undo":
		err = runUndo(ctx, args[1:], env)
	case "report":
		err = runReport(ctx, args[1:], env)
	case "check":
		err = runCheck(ctx, args[1:], env)
	case "sandbox":
		err = runSandbox(ctx, args[1:], env)
	case "version", "--version", "-version":
		if len(args) > 1 && (args[1] == "-h" || args[1] == "-help" || args[1] == "--help") {
			fmt.Fprint(env.Stdout, versionUsage)
			return exitOK
		}
		fmt.Fprintln(env.Stdout, "groupimport", versionString(version, debug.ReadBuildInfo))
	case "help", "-h", "-help", "--help":
		fmt.Fprint(env.Stdout, topUsage)
	default:
		fmt.Fprintf(env.Stderr, "groupimport: unknown command %q\n\n%s", args[0], topUsage)
		return exitUsage
	}
	return exitCode(err, env.log)
}

// exitCode prints err, if any, and maps it to an exit code.
func exitCode(err error, log *logger) int {
	if err == nil {
		return exitOK
	}
	var ue *usageError
	var ee *exitError
	switch {
	case errors.Is(err, errHelp):
		return exitOK
	case errors.As(err, &ue):
		log.errorf("%s", ue.msg)
		return exitUsage
	case errors.As(err, &ee):
		if h, ok := ee.err.(*hinted); ok {
			log.errorHint(h.err.Error(), h.hint)
		} else if ee.err != nil && ee.err != errQuiet {
			log.errorf("%v", ee.err)
		}
		return ee.code
	}
	log.errorf("%v", err)
	return exitAborted
}

// wantsJSONLog reports whether args ask for --log-format json, read
// before the flags are parsed. Only the flag's own spellings count, and
// nothing after "--".
func wantsJSONLog(args []string) bool {
	json := false
	for i, a := range args {
		if a == "--" {
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "log-format" {
			continue
		}
		if !hasValue && i+1 < len(args) {
			value = args[i+1]
		}
		json = strings.EqualFold(value, "json")
	}
	return json
}

var (
	errHelp  = errors.New("help shown")
	errQuiet = errors.New("already reported")
)

// version is stamped at build time with -ldflags "-X main.version=...".
var version = "dev"

// vcsRevision is the build's VCS revision, shortened and marked -dirty
// when the tree had changes, and its commit time.
func vcsRevision(settings []debug.BuildSetting) (rev, at string) {
	dirty := false
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return rev, at
}

// versionString is the version to print: the stamped one, else what the Go
// toolchain recorded in the binary (go install pkg@v1.2.3 records the
// module version; go build in a checkout, the VCS revision and its time),
// with the revision beside the module version when it has both, else the
// stamped value ("dev" by default).
func versionString(stamped string, info func() (*debug.BuildInfo, bool)) string {
	if stamped != "" && stamped != "dev" {
		return stamped
	}
	bi, ok := info()
	if !ok || bi == nil {
		return stamped
	}
	v := bi.Main.Version
	if v == "(devel)" {
		v = ""
	}
	rev, at := vcsRevision(bi.Settings)
	switch {
	case v != "" && rev != "":
		return v + " (" + rev + ")"
	case v != "":
		return v
	case rev != "" && at != "":
		return "dev (" + rev + ", " + at + ")"
	case rev != "":
		return "dev (" + rev + ")"
	}
	return stamped
}
