package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/report"
	"github.com/capillary-tools/groupimport/report/page"
)

const reportUsage = `Usage: groupimport report [flags] RECORD

report writes one HTML page of the run that left RECORD (the results of an
import or a validation, or a diff file): what ran, on which input and host,
the totals by status, a timeline per minute across every session (rows
finished, requests, 429s, holds and pace cuts, kept by the run beside the
record in RECORD.timeline), the problems by kind, and every row that did
not succeed, with a filter and a search. For a diff, the plan and the
differences by field.

The page is one self-contained file: it fetches nothing, so it opens
offline, as an e-mail attachment or in a ticket. It prints the page's path.
import, validate and diff write it themselves with --report FILE.

Examples:
  groupimport report fleets.results.csv          # writes fleets.results.html
  groupimport report --out run.html fleets.diff.csv
`

func runReport(_ context.Context, args []string, env *Env) error {
	fs := newFlagSet("report")
	var out string
	fs.StringVar(&out, "out", "", "the page `FILE` (default: RECORD with .html in place of .csv)")
	pos, err := parseFlags(fs, "report", reportUsage, args, env.Stderr)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("report takes one RECORD (a results, validation or diff CSV); got %d. See groupimport report --help", len(pos))
	}
	record := pos[0]
	if out == "" {
		out = pagePath(record)
	}
	if report.SameFile(out, record) {
		return usagef("--out %s is the record; choose another", out)
	}
	if _, err := os.Stat(record); err != nil {
		return usagef("%v", err)
	}
	if err := writeRunPage(record, out, env); err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, out)
	return nil
}

// pagePath is the page's default name: the record's with .html for .csv.
func pagePath(record string) string {
	return strings.TrimSuffix(record, filepath.Ext(record)) + ".html"
}

// writeRunPage renders the page of record to out, whole or not at all: it
// is written beside out and renamed over it.
func writeRunPage(record, out string, env *Env) error {
	p, notes, err := report.ReadPage(record)
	if err != nil {
		if errors.Is(err, report.ErrNotResults) {
			return usagef("%v", err)
		}
		return err
	}
	for _, n := range notes {
		env.log.warnf("%s", n)
	}
	tmp := out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	err = page.Write(f, p)
	if e := f.Close(); err == nil {
		err = e
	}
	if err == nil {
		err = os.Rename(tmp, out)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing the page %s: %w", out, err)
	}
	env.log.infof("the run's page is in %s", out)
	return nil
}

// timelineClock, when set, is the clock a run's timeline reads: a test
// sets it to cover minutes in seconds. Nil means time.Now.
var timelineClock func() time.Time

// keepTimeline sets up the run's timeline beside its record: what ran and
// on what, and the engine's events it counts (the traffic, the holds and
// pace cuts of the limiter). Call it before results.Start.
func (e *engine) keepTimeline(o *importOptions, d *display, results *report.Results, inputPath string) {
	tl := results.Timeline()
	if timelineClock != nil {
		tl.SetClock(timelineClock)
	}
	facts := report.RunFacts{
		Version: versionString(version, debug.ReadBuildInfo),
		Command: commandLine(o.command, o.args),
		Input:   inputPath,
	}
	if inputPath != "-" {
		// One more read of the file, at disk speed: the page names the
		// exact input the run read.
		facts.InputSHA256, _ = report.FileSHA256(inputPath)
	}
	if !o.dryRun {
		facts.Rate, facts.Workers = o.rate.text, o.workers
		if e.client != nil {
			facts.Host = e.client.Host()
		}
	}
	tl.SetFacts(facts)
	if d.traffic != nil {
		tl.Watch(d.traffic)
	}
	if d.limiter != nil {
		e.cfg.Pacer = tl.Pacer(d.limiter)
		d.limiter.OnCut(tl.Cut) // display.start chains it with its warning
		d.timeline = tl
	}
}

// endTimeline says in the timeline why the run stopped, if it did.
func endTimeline(results *report.Results, runErr error) {
	switch {
	case runErr == nil:
	case errors.Is(runErr, importer.ErrInterrupted):
		results.Timeline().Stopped("interrupted")
	default:
		results.Timeline().Stopped(runErr.Error())
	}
}

// commandLine is the command as run, quoted for a shell. Credentials are
// never on it: they come from the environment.
func commandLine(command string, args []string) string {
	words := []string{"groupimport", command}
	for _, a := range args {
		words = append(words, shellQuote(a))
	}
	return strings.Join(words, " ")
}

// reportPage writes --report after the run, the record closed; a page
// that cannot be written stops nothing but makes the exit 3.
func reportPage(runErr error, pagePath, record string, env *Env) error {
	if pagePath == "" {
		return runErr
	}
	err := writeRunPage(record, pagePath, env)
	if err != nil && runErr != nil {
		env.log.errorf("--report: %v", err)
	}
	return closeErr(runErr, "--report", err)
}
