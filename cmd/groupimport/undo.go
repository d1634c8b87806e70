package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary"
	"github.com/capillary-tools/groupimport/report"
)

const undoUsage = `Usage: groupimport undo [flags] RESULTS

undo takes back what one import created, and nothing else. RESULTS is the
import's results file; its .meta says which host and credentials it was
made with, and undo refuses (exit 2, nothing sent) a record of another
host or credential, or one that is not an import's.

  created, created_with_warnings   looked up, then deleted (DELETE with the
                                   group's id and externalId) when it is
                                   still the same group and unchanged
  exists whose answer was lost     kept (kept_uncertain): the import could
                                   not tell whether it made the group;
                                   --include-uncertain deletes these too
  anything else                    nothing to do (not_created)

A group changed since the import (name, size where the lookup reports it,
extended fields, status) is kept (kept_changed) and its line says what
changed; --force deletes it anyway. A group already deleted or not found
is gone, which is not an error. The record of the undo (RESULTS with
.undo.csv) has one line per line of RESULTS; running undo again carries on
from it and deletes nothing more.

--dry-run sends only lookups and prints the plan. Otherwise undo asks
"Delete N groups from HOST? [y/N]" in a terminal, and needs --yes without
one (else exit 2, nothing sent).

Exit 0 when every group the import created is now deleted or gone, 1 when
some were kept as changed or failed, 2 for a mistake in the command, the
record or the confirmation (nothing sent), 3 when the run stopped itself.

Examples:
  groupimport undo --cluster eu --dry-run fleets.results.csv
  groupimport undo --cluster eu --yes fleets.results.csv
`

// undoFlags are the import flags undo takes, with the usage text of those
// whose meaning changes.
var undoFlags = []borrowedFlag{
	{"host", ""}, {"cluster", ""}, {"insecure-http", ""},
	{"out", "the undo's record `FILE` (default: RESULTS with .undo.csv)"},
	{"overwrite", "start the undo's record afresh instead of carrying on from it"},
	{"resume", "carry on from the undo's record (the default when it exists)"},
	{"workers", "concurrent requests"}, {"rate", ""}, {"burst", ""}, {"timeout", ""}, {"drain-timeout", ""},
	{"max-attempts", "requests per group on 5xx, timeouts and broken answers, the first included"},
	{"max-errors", "stop once more than `N` groups (or P% of them, e.g. 5%) fail"},
	{"dry-run", "look the groups up and print the plan; delete nothing"},
	{"summary-json", "also write the undo's summary as JSON to `FILE`"},
	{"no-progress", ""}, {"log-format", ""},
}

type undoOptions struct {
	importOptions
	yes, force, includeUncertain bool
}

func runUndo(ctx context.Context, args []string, env *Env) error {
	var o undoOptions
	o.args, o.command, o.program = args, "undo", env.Program
	fs := borrowFlags(&o.importOptions, "undo", undoFlags, env.Getenv)
	fs.BoolVar(&o.yes, "yes", false, "delete without asking (required when not in a terminal)")
	fs.BoolVar(&o.force, "force", false, "also delete groups that changed since the import")
	fs.BoolVar(&o.includeUncertain, "include-uncertain", false, "also delete, when unchanged, the groups of exists lines whose answer was lost: they may have existed before the import")
	pos, err := parseFlags(fs, "undo", undoUsage, args, env.Stderr)
	if err != nil {
		return err
	}
	env.log.json = o.logFormat.value == "json"
	if len(pos) != 1 {
		return usagef("undo takes one RESULTS file, an import's record; got %d. See groupimport undo --help", len(pos))
	}
	return o.run(ctx, pos[0], env)
}

// undoCount is what a first pass over the import's record finds.
type undoCount struct {
	lines, candidates, uncertain int
}

func (o *undoOptions) run(ctx context.Context, path string, env *Env) error {
	if err := o.check(); err != nil {
		return err
	}
	if o.resume && o.overwrite {
		return usagef("--resume carries on from the undo's record and --overwrite replaces it: pick one")
	}
	origin, err := o.importRecord(path)
	if err != nil {
		return err
	}
	unlock, err := lockRecord(path)
	if err != nil {
		return err
	}
	defer unlock()
	client, stop, who, err := o.client(env)
	if err != nil {
		return err
	}
	defer stop()
	here := report.Origin{Host: client.Host(), Identity: who}
	if here != origin {
		return usagef("%s was made against %s; this undo is against %s: refused, nothing sent. Run undo with the --host/--cluster and credentials of the import", path, origin, here)
	}
	out, err := o.undoPath(path)
	if err != nil {
		return err
	}
	var results *report.Results
	if !o.dryRun {
		if results, err = o.openRecord(env, out, here); err != nil {
			return err
		}
		defer results.Close()
	}
	count, err := o.countRecord(path, results)
	if err != nil {
		return err
	}
	if err := o.confirm(env, count, client.Host()); err != nil {
		return err
	}
	if results == nil {
		out = "" // a dry run leaves no record
	}
	return o.send(ctx, env, path, out, client, results, count.lines)
}

// send runs the undo once confirmed: lookups, the deletes unless
// --dry-run, the record, the summary and the exit code.
func (o *undoOptions) send(ctx context.Context, env *Env, path, out string, client *capillary.Client, results *report.Results, lines int) error {
	traffic := new(importer.Traffic)
	cfg := o.config(env, path, traffic.Watch(client))
	write := func(importer.Result) error { return nil }
	if results != nil {
		if err := results.Start(); err != nil {
			return usagef("cannot create the undo's record: %v", err)
		}
		cfg.Prior, cfg.Early, write = results.Prior(), results.Early, results.Write
	}
	verb := "undoing"
	if o.dryRun {
		verb = "planning the undo of"
	}
	env.log.infof("%s %s on %s at %s with %d workers", verb, path, client.Host(), o.rate.text, o.workers)
	var prog *report.Progress
	if !o.noProgress {
		prog = report.NewProgress(env.Stderr, int64(lines), report.ProgressOptions{Bar: env.IsTerminal() && !env.log.json, JSON: env.log.json, DryRun: o.dryRun, Traffic: traffic, Width: env.Width})
	}
	var changed []importer.Result
	earlier := map[importer.Status]int{}
	cfg.Sink = func(r importer.Result) error {
		if prog != nil {
			prog.Observe(r)
		}
		if r.Kept {
			earlier[r.Status]++
		}
		changed = noteChanged(changed, r)
		return write(r)
	}
	sum, runErr := importer.Run(ctx, nil, cfg)
	if prog != nil {
		prog.Finish()
	}
	sum.Throttled = int(traffic.Throttled.Load())
	sum.Retries = max(sum.Throttled+int(traffic.Failed.Load())-sum.Counts[importer.Failed], 0)
	if results != nil {
		runErr = closeErr(runErr, "closing the undo's record", results.Close())
		if results.Path() != "" {
			out = results.Path()
		}
	}
	return o.finish(env, sum, runErr, report.UndoPlan{Host: client.Host(), Record: out, Of: path, Summary: sum, Earlier: earlier}, changed)
}

// lockRecord takes the import's record's lock, so that no import resumes
// it while it is undone.
func lockRecord(path string) (unlock func(), err error) {
	unlock, err = report.Lock(path)
	switch {
	case errors.Is(err, report.ErrLocked):
		return nil, usagef("%s: %v; wait for it to finish", path, err)
	case err != nil:
		return nil, usagef("%s: %v", path, err)
	}
	return unlock, nil
}

// openRecord opens the undo's record at out: carried on from when it
// exists, unless --overwrite.
func (o *undoOptions) openRecord(env *Env, out string, here report.Origin) (*report.Results, error) {
	if _, err := os.Lstat(out); err == nil && !o.overwrite && !o.resume {
		o.resume = true
		env.log.infof("carrying on from %s, the record of an earlier undo (--overwrite starts afresh)", out)
	}
	results, err := report.OpenResults(out, report.ResultsOptions{Resume: o.resume, Overwrite: o.overwrite, Origin: &here, Kind: report.KindUndo})
	if err != nil {
		return nil, resultsError(err, out)
	}
	for _, n := range results.Notes {
		env.log.warnf("%s", n)
	}
	return results, nil
}

// config is the engine's run of the undo of the record at path, as the
// flags say.
func (o *undoOptions) config(env *Env, path string, api importer.API) importer.Config {
	cfg := importer.Config{
		API: api, Pacer: importer.NewLimiter(o.rate.limit, o.burst),
		Undo:    &importer.UndoConfig{Lines: recordLines(path), Force: o.force, IncludeUncertain: o.includeUncertain, DryRun: o.dryRun},
		Workers: o.workers, Policy: importer.DefaultPolicy(), Timeout: o.timeout, DrainTimeout: o.drain, Kill: env.Kill,
		MaxErrorRate: o.maxErrors.share,
	}
	cfg.Policy.MaxAttempts = o.maxAttempts
	if o.maxErrors.count >= 0 {
		cfg.StopAfterErrors = o.maxErrors.count + 1
	}
	return cfg
}

// noteChanged keeps the first groups kept as changed, to name them after
// the run.
func noteChanged(changed []importer.Result, r importer.Result) []importer.Result {
	if r.Status == importer.KeptChanged && len(changed) < 20 {
		changed = append(changed, importer.Result{Row: r.Row, ExternalID: strings.Clone(r.ExternalID), Message: strings.Clone(r.Message)})
	}
	return changed
}

// importRecord checks that path is an import's record, complete, with an
// origin, and returns it.
func (o *undoOptions) importRecord(path string) (report.Origin, error) {
	if _, err := os.Stat(path); err != nil {
		return report.Origin{}, usagef("%v", err)
	}
	origin, kind, err := report.RecordOrigin(path)
	switch {
	case errors.Is(err, report.ErrNoOrigin):
		return origin, usagef("%v: undo deletes only on a server it can be sure of; nothing sent", err)
	case err != nil:
		return origin, usagef("%v", err)
	case kind != report.KindImport:
		return origin, usagef("%s is the record of a %s, not of an import: undo takes back only what an import created; nothing sent", path, kind)
	case origin.Host == "sandbox":
		return origin, usagef("%s was made against the sandbox that import --sandbox started, which ended with it: there is nothing to undo", path)
	}
	if left := report.Unfinished(path); len(left) > 0 {
		return origin, usagef("%s is not complete: %v were left by an import that did not finish; resume that import (import --resume) first", path, left)
	}
	return origin, nil
}

// countRecord reads the import's record once before anything is sent: it
// must be an import's lines, whole, and (when carrying on) the undo's
// earlier record must be of it. It counts the groups to delete.
func (o *undoOptions) countRecord(path string, results *report.Results) (undoCount, error) {
	var c undoCount
	var prior *report.Prior
	if results != nil && o.resume {
		p, done, err := results.Earlier()
		if err != nil {
			return c, usagef("--resume: %v", err)
		}
		defer done()
		prior = p
	}
	for line, err := range recordLines(path) {
		if err != nil {
			return c, usagef("%s: %v", path, err)
		}
		if !report.Holds(report.KindImport, line.Status) {
			return c, usagef("%s: row %d is %s, which an import's record does not hold: this is not an import's record; nothing sent", path, line.Row, line.Status)
		}
		c.lines++
		if prior != nil {
			res, ok, err := prior.At(line.Row, line.ExternalID)
			if err != nil {
				return c, usagef("%s is not the undo of %s (%v); choose another --out or pass --overwrite", results.Path(), path, err)
			}
			if importer.KeepUndo(res, ok) {
				continue
			}
		}
		switch candidate, uncertain := importer.UndoCandidate(line); {
		case candidate && uncertain:
			c.uncertain++
		case candidate:
			c.candidates++
		}
	}
	if prior != nil {
		if err := prior.End(); err != nil {
			return c, usagef("%s is not the undo of %s (%v); choose another --out or pass --overwrite", results.Path(), path, err)
		}
	}
	return c, nil
}

// recordLines reads the import's record, opened afresh.
func recordLines(path string) iter.Seq2[importer.Result, error] {
	return func(yield func(importer.Result, error) bool) {
		f, err := os.Open(path)
		if err != nil {
			yield(importer.Result{}, err)
			return
		}
		defer f.Close()
		errStop := errors.New("stop")
		last := 0
		err = report.ReadResults(f, func(r importer.Result) error {
			last = r.Row
			if !yield(r, nil) {
				return errStop
			}
			return nil
		})
		if err != nil && err != errStop {
			yield(importer.Result{Row: last}, err)
		}
	}
}

// confirm asks before anything is deleted: in a terminal, a question;
// without one, --yes.
func (o *undoOptions) confirm(env *Env, c undoCount, host string) error {
	n := c.candidates
	if c.uncertain > 0 {
		if o.includeUncertain {
			n += c.uncertain
			env.log.warnf("--include-uncertain: %s whose creation by the import is uncertain (the answer was lost) will be deleted when unchanged; a group that existed before the import with the same values would be deleted too", importer.Plural(c.uncertain, "group"))
		} else {
			env.log.infof("%s kept: the import could not tell whether it created %s (the answer was lost); --include-uncertain deletes them", importer.Plural(c.uncertain, "group"), itThem(c.uncertain))
		}
	}
	if o.force {
		env.log.warnf("--force: groups changed since the import are deleted too")
	}
	if o.dryRun || o.yes || n == 0 {
		return nil
	}
	if !env.IsTerminal() {
		return usagef("undo would delete up to %s from %s: pass --yes to confirm (not in a terminal, so undo cannot ask); nothing sent", importer.Plural(n, "group"), host)
	}
	fmt.Fprintf(env.Stderr, "Each group is looked up first and kept if it changed since the import.\nDelete %s from %s? [y/N] ", importer.Plural(n, "group"), host)
	answer, _ := bufio.NewReader(env.Stdin).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return nil
	}
	return usagef("not confirmed; nothing deleted")
}

func itThem(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

// undoPath picks the undo's record.
func (o *undoOptions) undoPath(path string) (string, error) {
	out := o.out
	if out == "" {
		base, ok := strings.CutSuffix(path, ".results.csv")
		if !ok {
			base = strings.TrimSuffix(path, filepath.Ext(path))
		}
		out = base + ".undo.csv"
	}
	switch {
	case report.SameFile(out, path):
		return "", usagef("--out %s is the import's record", out)
	case o.summaryJSON != "" && report.SameFile(o.summaryJSON, path):
		return "", usagef("--summary-json %s is the import's record", o.summaryJSON)
	case o.summaryJSON != "" && report.SameFile(o.summaryJSON, out):
		return "", usagef("--out %s and --summary-json %s are the same file; choose another", out, o.summaryJSON)
	}
	return out, nil
}

// finish prints the summary, writes --summary-json and turns how the undo
// ended into an exit code.
func (o *undoOptions) finish(env *Env, sum importer.Summary, runErr error, plan report.UndoPlan, changed []importer.Result) error {
	for _, r := range changed {
		env.log.warnf("row %d %s: %s", r.Row, r.ExternalID, r.Message)
	}
	if env.log.json {
		env.Stderr.Write(report.UndoSummaryLine(plan, time.Now()))
	} else {
		report.PrintUndoSummary(env.Stderr, plan)
	}
	if o.summaryJSON != "" {
		if err := report.WriteUndoSummaryJSON(o.summaryJSON, plan); err != nil {
			env.log.errorf("writing --summary-json: %v", err)
		}
	}
	switch {
	case runErr != nil:
		hint := ""
		if !o.dryRun && !errors.Is(runErr, importer.ErrTooManyErrors) {
			hint = "to carry on, run: " + resumeCommand(o.program, o.command, o.args)
		}
		return exitFor(sum, runErr, hint)
	case !sum.UndoOK() && o.dryRun:
		return &exitError{exitRowsFailed, fmt.Errorf("%s changed since the import and would be kept; see the lines above", importer.Plural(sum.Counts[importer.KeptChanged], "group"))}
	case !sum.UndoOK():
		return &exitError{exitRowsFailed, fmt.Errorf("not everything the import created was deleted: %d kept as changed, %d failed; see the status and message columns of %s", sum.Counts[importer.KeptChanged], sum.Counts[importer.Failed], plan.Record)}
	}
	return nil
}
