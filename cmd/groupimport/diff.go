package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/capillary-tools/groupimport/importer/capillary"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/report"
)

const diffUsage = `Usage: groupimport diff [flags] FILE

diff holds the server against FILE, read-only: it looks up each valid
row's externalId (GET /v2/userGroup2) and writes a diff CSV with one line
per row, in input order:

  missing    no such group: an import would create it
  same       the group matches the row, extended fields included
  differs    the group differs; the differences column lists each field
             as it stands and as the row wants it
  inactive   the group exists but is not ACTIVE
  invalid, duplicate   as in import: not looked up
  failed     the lookup could not be done after retries
  mismatch   with --results: the import's results name another group id
             than the server's, or a group the server no longer has

It sends no write. Input, validation, pacing, retries, credentials, hosts
and --resume work as for import. The summary says what an import would do.

Exit 0 when every valid row is the same on the server (invalid and
duplicate rows are reported, not counted against it), 1 otherwise, 2 for
a mistake in the command or the file (nothing sent), 3 when the run
stopped itself (credentials rejected, the host is not the API).

Examples:
  groupimport diff --cluster eu --rate 100/min fleets.csv
  groupimport diff --cluster eu --results fleets.results.csv fleets.csv
  groupimport diff --cluster eu --ext-fields server tomorrow.csv
`

// diffFlags are the import flags diff takes, with the usage text of those
// whose meaning changes.
// borrowedFlag is one of import's flags that another command takes, with
// its own usage text ("" keeps import's).
type borrowedFlag struct{ name, usage string }

// borrowFlags returns the flag set of command name holding import's flags
// listed in which, bound to o: they parse and default as import's do.
func borrowFlags(o *importOptions, name string, which []borrowedFlag, getenv func(string) string) *flag.FlagSet {
	all := flag.NewFlagSet("", flag.ContinueOnError)
	o.register(all, getenv)
	fs := newFlagSet(name)
	for _, f := range which {
		def := all.Lookup(f.name)
		usage := f.usage
		if usage == "" {
			usage = def.Usage
		}
		fs.Var(def.Value, f.name, usage)
	}
	return fs
}

var diffFlags = []borrowedFlag{
	{"host", ""}, {"cluster", ""}, {"insecure-http", ""},
	{"out", "diff CSV `FILE` (default: the input name with .diff.csv; required with stdin)"},
	{"overwrite", "replace an existing diff file"},
	{"resume", "carry on from the diff file of an earlier run of the same input: rows already compared are kept, the rest are looked up"},
	{"workers", "concurrent lookups"}, {"rate", ""}, {"burst", ""}, {"timeout", ""}, {"drain-timeout", ""},
	{"max-attempts", "lookups per row on 5xx, timeouts and broken answers, the first included"},
	{"max-errors", "stop once more than `N` rows (or P% of the rows looked up, e.g. 5%) fail"},
	{"max-group-size", ""},
	{"ext-fields", "the org's extended-field catalogue: server (fetch it), or a `FILE` (name=TYPE lines or the JSON of GET /v2/extendedFields); fields the org would refuse (91016/91017) are then not differences"},
	{"sandbox", "diff against a local sandbox API started for the purpose (it holds only its demo group)"},
	{"summary-json", "also write the diff's summary as JSON to `FILE`"},
	{"report", ""},
	{"no-progress", ""}, {"log-format", ""},
	{"encoding", ""}, {"delimiter", ""}, {"sheet", ""}, {"header-row", ""}, {"map", ""}, {"format", ""},
}

type diffOptions struct {
	importOptions
	results string
}

func runDiff(ctx context.Context, args []string, env *Env) error {
	var o diffOptions
	o.args, o.command = args, "diff"
	fs := borrowFlags(&o.importOptions, "diff", diffFlags, env.Getenv)
	fs.StringVar(&o.results, "results", "", "also check an import's results `FILE`: every created, created_with_warnings, exists or updated line must name the server's group id for its externalId (else the row is mismatch)")
	pos, err := parseFlags(fs, "diff", diffUsage, args, env.Stderr)
	if err != nil {
		return err
	}
	o.hostSet = fsSet(fs, "host")
	env.log.json = o.logFormat.value == "json"
	if len(pos) != 1 {
		return usagef("diff takes one input FILE (or - for stdin); got %d. See groupimport diff --help", len(pos))
	}
	return o.run(ctx, pos[0], env)
}

func (o *diffOptions) run(ctx context.Context, inputPath string, env *Env) error {
	if err := o.check(); err != nil {
		return err
	}
	out, err := o.diffPath(inputPath)
	if err != nil {
		return err
	}
	claims, err := loadClaims(o.results)
	if err != nil {
		return err
	}
	e, err := o.setUp(ctx, inputPath, true, env)
	if err != nil {
		return err
	}
	defer e.close()
	var d display
	e.pace(&o.importOptions, &d)
	e.cfg.Diff = &importer.DiffConfig{}
	if claims != nil {
		e.cfg.Diff.Claimed = claims.claimed
	}
	results, err := report.OpenResults(out, report.ResultsOptions{Resume: o.resume, Overwrite: o.overwrite, Origin: o.origin(e), Kind: report.KindDiff})
	if err != nil {
		return resultsError(err, out)
	}
	defer results.Close()
	for _, n := range results.Notes {
		env.log.warnf("%s", n)
	}
	if o.summaryJSON != "" {
		if err := report.PrepareSummaryJSON(o.summaryJSON); err != nil {
			return usagef("--summary-json: %v", err)
		}
	}
	if o.resume {
		kept, todo, err := o.checkResume(e.in, results, env)
		if err != nil {
			return err
		}
		env.log.infof("resuming: %s already compared in %s %s kept; %s to look up", importer.Plural(kept, "row"), out, isAre(kept), importer.Plural(todo, "row"))
	}
	e.keepTimeline(&o.importOptions, &d, results, inputPath)
	if err := results.Start(); err != nil {
		return usagef("cannot create the diff file: %v", err)
	}
	e.cfg.Prior = results.Prior()
	e.cfg.Early = results.Early
	env.log.infof("comparing %s with %s at %s with %d workers (lookups only); diff in %s", displayName(inputPath), e.client.Host(), o.rate.text, o.workers, out)

	var prog *report.Progress
	if !o.noProgress {
		prog = report.NewProgress(env.Stderr, e.in.Size, report.ProgressOptions{Bar: env.IsTerminal() && !env.log.json, JSON: env.log.json, Diff: true, Traffic: d.traffic, Width: env.Width})
	}
	tally := report.NewDiffTally()
	e.cfg.Sink = func(r importer.Result) error {
		if prog != nil {
			prog.Observe(r)
		}
		tally.Observe(r)
		claims.seen(r)
		return results.Write(r)
	}
	sum, runErr := importer.Run(ctx, e.in.Records, e.cfg)
	if prog != nil {
		prog.Finish()
	}
	endTimeline(results, runErr)
	runErr = closeErr(runErr, "closing the diff", results.Close())
	runErr = reportPage(runErr, o.reportPage, out, env)
	tally.Unchecked = claims.unchecked()
	return o.finishDiff(env, sum, tally, runErr, out)
}

func pronoun(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// finishDiff prints the summary, writes --summary-json and turns how the
// diff ended into an exit code; a --summary-json that cannot be written is
// exit 3, as for an import.
func (o *diffOptions) finishDiff(env *Env, sum importer.Summary, tally *report.DiffTally, runErr error, out string) error {
	if env.log.json {
		env.Stderr.Write(report.DiffSummaryLine(sum, tally, out, time.Now()))
	} else {
		report.PrintDiffSummary(env.Stderr, sum, tally, out)
	}
	if n := tally.Unverified; n > 0 {
		// The rows are marked by the diff itself (or kept so from the
		// run resumed); the summary counts them apart from the updates.
		env.log.warnf("%s %s extended fields that the server's %s: an org refuses fields it does not know (91016/91017), and no update can set those; pass --ext-fields server to read the org's catalogue and tell which differences an update would fix (reason ext_fields_unverified in %s)",
			importer.Plural(n, "row"), pronoun(n, "has", "have"), pronoun(n, "group lacks", "groups lack"), out)
	}
	if o.summaryJSON != "" {
		if err := report.WriteDiffSummaryJSON(o.summaryJSON, sum, tally, out); err != nil && runErr == nil {
			return &exitError{exitAborted, fmt.Errorf("--summary-json: %w", err)}
		} else if err != nil {
			env.log.errorf("writing --summary-json: %v", err)
		}
	}
	switch {
	case runErr != nil:
		hint := ""
		if !o.useSandbox && !errors.Is(runErr, capillary.ErrUnauthorized) {
			hint = "to carry on, run: " + resumeCommand(env.Program, o.command, o.args)
		}
		return exitFor(sum, runErr, hint)
	case !sum.DiffOK():
		return &exitError{exitRowsFailed, fmt.Errorf("the server does not match the file; see the status, differences and message columns of %s", out)}
	}
	return nil
}

// diffPath picks the diff file and refuses to replace one by accident.
func (o *diffOptions) diffPath(inputPath string) (string, error) {
	out := o.out
	if out == "" {
		if inputPath == "-" {
			return "", usagef("reading stdin: pass --out FILE for the diff")
		}
		out = strings.TrimSuffix(inputPath, filepath.Ext(inputPath)) + ".diff.csv"
	}
	switch {
	case inputPath != "-" && report.SameFile(out, inputPath):
		return "", usagef("--out %s is the input file", out)
	case o.results != "" && report.SameFile(out, o.results):
		return "", usagef("--out %s is the --results file", out)
	case o.summaryJSON != "" && report.SameFile(out, o.summaryJSON):
		return "", usagef("--out %s and --summary-json %s are the same file; choose another", out, o.summaryJSON)
	case o.summaryJSON != "" && o.results != "" && report.SameFile(o.summaryJSON, o.results):
		return "", usagef("--summary-json %s is the --results file; choose another", o.summaryJSON)
	case o.reportPage != "" && (report.SameFile(o.reportPage, out) || inputPath != "-" && report.SameFile(o.reportPage, inputPath)):
		return "", usagef("--report %s is the diff or the input file; choose another", o.reportPage)
	}
	if _, err := os.Stat(out); err == nil && !o.overwrite && !o.resume {
		return "", usagef("diff file %s already exists; pass --resume to carry on from it, --overwrite to replace it, or --out to choose another", out)
	}
	return out, nil
}

// claims are the groups an import's results file says are on the server,
// by externalId.
type claims struct {
	byID    map[string]importer.Claim
	checked map[string]bool // written by the sink only
}

// loadClaims reads --results. A nil *claims (no file) claims nothing.
func loadClaims(path string) (*claims, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, usagef("--results: %v", err)
	}
	defer f.Close()
	c := &claims{byID: map[string]importer.Claim{}, checked: map[string]bool{}}
	err = report.ReadResults(f, func(r importer.Result) error {
		if _, dup := c.byID[r.ExternalID]; r.Status.Claims() && !dup {
			c.byID[r.ExternalID] = importer.Claim{Row: r.Row, Status: r.Status, EntityID: r.EntityID}
		}
		return nil
	})
	switch {
	case errors.Is(err, report.ErrTruncated):
		// A crash cut the last line: the lines before it are still a record.
	case errors.Is(err, report.ErrNotResults):
		return nil, usagef("--results %s is not a groupimport results file (%v)", path, err)
	case err != nil:
		return nil, usagef("--results %s: %v", path, err)
	}
	return c, nil
}

// claimed is safe for concurrent use: byID is only read once loaded.
func (c *claims) claimed(externalID string) (importer.Claim, bool) {
	cl, ok := c.byID[externalID]
	return cl, ok
}

// seen notes that a row's claim, if any, was checked.
func (c *claims) seen(r importer.Result) {
	if c == nil || r.Diff == nil || r.Diff.Plan == "" {
		return
	}
	if _, ok := c.byID[r.ExternalID]; ok && !c.checked[r.ExternalID] {
		// A row's id shares its memory with the lines around it: a
		// copy keeps only the id.
		c.checked[strings.Clone(r.ExternalID)] = true
	}
}

// unchecked counts the claims of externalIds that no row looked up.
func (c *claims) unchecked() int {
	if c == nil {
		return 0
	}
	return len(c.byID) - len(c.checked)
}
