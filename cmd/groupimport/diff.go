package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
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
var diffFlags = []struct{ name, usage string }{
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
	{"no-progress", ""}, {"log-format", ""},
	{"encoding", ""}, {"delimiter", ""}, {"sheet", ""}, {"header-row", ""}, {"map", ""}, {"format", ""},
}

type diffOptions struct {
	importOptions
	results string
}

func runDiff(ctx context.Context, args []string, env *Env) error {
	var o diffOptions
	// The flags are import's own, so that they parse and default alike.
	all := flag.NewFlagSet("", flag.ContinueOnError)
	o.register(all, env.Getenv)
	fs := newFlagSet("diff")
	for _, f := range diffFlags {
		def := all.Lookup(f.name)
		usage := f.usage
		if usage == "" {
			usage = def.Usage
		}
		fs.Var(def.Value, f.name, usage)
	}
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
	in, err := o.open(inputPath, env)
	if err != nil {
		return err
	}
	defer in.Close()
	env.log.infof("reading %s", describeInput(in))
	if len(in.Columns.Unknown) > 0 {
		env.log.warnf("%s (known: %s; rename with --map)", unknownColumns(in.Columns.Unknown), importer.FieldNames())
	}
	client, stop, _, err := o.client(env)
	if err != nil {
		return err
	}
	defer stop()
	extTypes, err := loadCatalogue(ctx, o.extFields, client, env)
	if err != nil {
		return err
	}
	cfg := importer.Config{
		Validator:    &importer.Validator{Cols: in.Columns, MaxGroupSize: o.maxGroupSize, ExtTypes: extTypes},
		API:          client,
		Diff:         &importer.DiffConfig{},
		Workers:      o.workers,
		Pacer:        importer.NewLimiter(o.rate.limit, o.burst),
		Policy:       importer.DefaultPolicy,
		Timeout:      o.timeout,
		DrainTimeout: o.drain,
		Kill:         env.Kill,
	}
	cfg.Policy.MaxAttempts = o.maxAttempts
	if claims != nil {
		cfg.Diff.Claimed = claims.claimed
	}
	if inputPath != "-" {
		if cfg.Duplicates, err = o.scanDuplicates(inputPath, cfg.Validator, env); err != nil {
			return err
		}
	}
	cfg.MaxErrorRate = o.maxErrors.share
	if o.maxErrors.count >= 0 {
		cfg.StopAfterErrors = o.maxErrors.count + 1
	}

	unlock, err := report.Lock(out)
	if err != nil {
		return usagef("%v; wait for it to finish or choose another --out", err)
	}
	defer unlock()
	writeTo := out
	var prior *report.Prior
	if o.resume {
		if err := settleDiffPartial(out, env.log); err != nil {
			return &exitError{exitAborted, err}
		}
		f, err := os.Open(out)
		switch {
		case err == nil:
			defer f.Close()
			prior = report.NewDiffPrior(f)
			defer prior.Close()
			cfg.Prior = prior.At
			env.log.infof("resuming: rows already compared in %s are kept; the rest are looked up", out)
		case !errors.Is(err, os.ErrNotExist):
			return usagef("--resume: %v", err)
		}
		writeTo = partialPath(out)
	}
	env.log.infof("comparing %s with %s at %s with %d workers (lookups only); diff in %s", displayName(inputPath), client.Host(), o.rate.text, o.workers, out)

	w, err := report.CreateDiff(writeTo)
	if err != nil {
		return usagef("cannot create the diff file: %v", err)
	}
	var prog *report.Progress
	if !o.noProgress {
		prog = report.NewProgress(env.Stderr, in.Size, report.ProgressOptions{Bar: env.IsTerminal() && !env.log.json, JSON: env.log.json, Diff: true})
	}
	tally := report.NewDiffTally()
	cfg.Sink = func(r importer.Result) error {
		if prog != nil {
			prog.Observe(r)
		}
		tally.Observe(r)
		claims.seen(r)
		return w.Write(r)
	}

	sum, runErr := importer.Run(ctx, in.Records, cfg)
	if prog != nil {
		prog.Finish()
	}
	if err := w.Close(); err != nil && runErr == nil {
		runErr = fmt.Errorf("%w: closing the diff: %w", importer.ErrAborted, err)
	}
	if prior != nil && runErr == nil {
		if err := prior.End(); err != nil {
			runErr = fmt.Errorf("%w: %w", importer.ErrAborted, err)
		}
	}
	notOurs := errors.Is(runErr, report.ErrMismatch) || errors.Is(runErr, report.ErrNotResults)
	switch {
	case o.resume && notOurs:
		// The earlier diff is of another input: keep it as it is.
		os.Remove(writeTo)
		return usagef("--resume: %s: %v. Resume with the same input file, or start over with --overwrite or another --out", out, strings.TrimPrefix(runErr.Error(), importer.ErrAborted.Error()+": "))
	case o.resume:
		if err := mergeDiffInto(out, writeTo); err != nil && runErr == nil {
			runErr = fmt.Errorf("%w: %w", importer.ErrAborted, err)
		}
	}
	tally.Unchecked = claims.unchecked()
	if env.log.json {
		env.Stderr.Write(report.DiffSummaryLine(sum, tally, out, time.Now()))
	} else {
		report.PrintDiffSummary(env.Stderr, sum, tally, out)
	}
	if o.summaryJSON != "" {
		if err := report.WriteDiffSummaryJSON(o.summaryJSON, sum, tally, out); err != nil {
			env.log.errorf("writing --summary-json: %v", err)
		}
	}
	hint := fmt.Sprintf("to carry on, run the same command with --resume: groupimport diff --resume --out %s [your other flags] %s", out, inputPath)
	switch {
	case runErr != nil:
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
	case abs(out) == abs(inputPath):
		return "", usagef("--out %s is the input file", out)
	case o.results != "" && abs(out) == abs(o.results):
		return "", usagef("--out %s is the --results file", out)
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
	if _, ok := c.byID[r.ExternalID]; ok {
		c.checked[r.ExternalID] = true
	}
}

// unchecked counts the claims of externalIds that no row looked up.
func (c *claims) unchecked() int {
	if c == nil {
		return 0
	}
	return len(c.byID) - len(c.checked)
}

// partialPath is where a resumed diff writes until it merges into out.
func partialPath(out string) string { return out + ".partial" }

// eofReader is an empty earlier file.
type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// settleDiffPartial merges a partial diff file left by a resumed diff that
// died into out, so that its finished rows are not looked up again.
func settleDiffPartial(out string, log *logger) error {
	partial := partialPath(out)
	if _, err := os.Stat(partial); err != nil {
		return nil
	}
	log.warnf("%s is left from a resumed diff that did not finish; merging it into %s", partial, out)
	return mergeDiffInto(out, partial)
}

// mergeDiffInto is mergeInto for a diff file: out becomes partial's lines
// followed by out's lines for the rows after them, atomically.
func mergeDiffInto(out, partial string) error {
	newer, err := os.Open(partial)
	if err != nil {
		return err
	}
	defer newer.Close()
	var older io.Reader = eofReader{}
	if f, err := os.Open(out); err == nil {
		defer f.Close()
		older = f
	}
	tmp := out + ".tmp"
	w, err := report.CreateDiff(tmp)
	if err != nil {
		return err
	}
	if err := report.MergeDiff(w, newer, older); err != nil {
		w.Close()
		os.Remove(tmp)
		return fmt.Errorf("merging %s into %s: %w", partial, out, err)
	}
	if err := w.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		return err
	}
	newer.Close()
	return os.Remove(partial)
}
