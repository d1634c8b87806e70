package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary"
	"github.com/capillary-tools/groupimport/importer/input"
	"github.com/capillary-tools/groupimport/report"
)

const importUsage = `Usage: groupimport import [flags] FILE
       groupimport validate [flags] FILE

import creates one user group per row of FILE (CSV or XLSX with a header
row; "-" reads stdin) through POST /v2/userGroup2 and writes a results CSV with one
line per row. validate runs the same checks and sends nothing.

Credentials come from the environment only:
  CAP_TILL + CAP_PASSWORD            till login (Basic; the MD5 is sent)
  CAP_CLIENT_KEY + CAP_CLIENT_SECRET OAuth client key
  CAP_PASSWORD_FILE, CAP_CLIENT_SECRET_FILE name a file holding the secret.

Examples:
  groupimport validate fleets.csv
  CAP_TILL=store.server CAP_PASSWORD_FILE=~/.cap-pass groupimport import --cluster eu --rate 100/min fleets.csv
  groupimport import --sandbox samples/fleets.csv         # try it against a local fake API
`

type importOptions struct {
	host, cluster, out, summaryJSON string
	rate                            rateFlag
	workers, burst, maxAttempts     int
	maxGroupSize                    int64
	timeout, drain, stall           time.Duration
	dryRun, useSandbox, noProgress  bool
	overwrite, insecureHTTP         bool
	resume, allowEmpty              bool
	logFormat, onConflict           choiceFlag
	failedOut, extFields            string
	reportPage                      string // --report: the run's HTML page
	encoding, format                string
	delimiter                       delimiterFlag
	sheet, mapSpec                  string
	headerRow                       headerRowFlag
	maxErrors                       maxErrorsFlag
	hostSet                         bool            // --host given on the command line
	rescued                         string          // where the record went when the results file was lost
	unreached                       string          // the host nothing reached, when the record may move to another
	inputPath                       string          // the input as named, for the run's page
	args                            []string        // as given, for the resume command
	command                         string          // import or validate
	program                         string          // as typed, for the resume command
	since                           string          // --since: the last results of this load
	sinceRec                        *importer.Since // read from them
}

func (o *importOptions) register(fs *flag.FlagSet, getenv func(string) string) {
	o.rate = rateFlag{text: "100/min", limit: 100.0 / 60}
	o.maxErrors = maxErrorsFlag{count: -1}
	o.logFormat = choiceFlag{"text", []string{"text", "json"}}
	o.onConflict = choiceFlag{"report", []string{"report", "lookup", "update"}}
	hostVar(fs, &o.host, getenv("CAP_HOST"), "API base `URL`, e.g. https://eu.api.capillarytech.com (env CAP_HOST)")
	fs.StringVar(&o.cluster, "cluster", "", "Capillary cluster `NAME` instead of --host: "+clusterNames())
	fs.StringVar(&o.out, "out", "", "results CSV `FILE` (default: the input name with .results.csv; required with stdin)")
	fs.IntVar(&o.workers, "workers", 4, "concurrent requests")
	fs.Var(&o.rate, "rate", "request `RATE` shared by all workers: 100/min, 5/s, 6000/h, unlimited")
	fs.IntVar(&o.burst, "burst", 1, "requests the limiter may send at once after a pause")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "per request")
	fs.DurationVar(&o.drain, "drain-timeout", 0, "after Ctrl-C, how long requests in flight may finish (default: --timeout)")
	fs.DurationVar(&o.stall, "stall-timeout", 30*time.Minute, "stop the run (exit 3) once no request has been accepted for this long, as when the quota stays spent (0: never)")
	fs.IntVar(&o.maxAttempts, "max-attempts", 5, "requests per row on 5xx, timeouts and broken answers, the first included")
	fs.Int64Var(&o.maxGroupSize, "max-group-size", importer.DefaultMaxGroupSize, "the org's CONF_MAX_FLEET_GROUP_SIZE")
	fs.BoolVar(&o.dryRun, "dry-run", false, "validate only; send nothing")
	fs.BoolVar(&o.useSandbox, "sandbox", false, "start a local sandbox API on a free loopback port and import into it")
	fs.StringVar(&o.summaryJSON, "summary-json", "", "also write the run's summary as JSON to `FILE`")
	fs.BoolVar(&o.noProgress, "no-progress", false, "no progress bar or periodic status lines")
	fs.BoolVar(&o.overwrite, "overwrite", false, "replace an existing results file, --failed-out file or --summary-json file")
	fs.StringVar(&o.encoding, "encoding", "", "force the CSV encoding: utf-8, utf-16le, utf-16be, windows-1252 (default: detected)")
	fs.Var(&o.delimiter, "delimiter", "force the CSV `DELIMITER`: , ; tab | (default: sniffed from the header line)")
	fs.StringVar(&o.sheet, "sheet", "", "XLSX: the sheet `NAME` to read (default: the first)")
	fs.Var(&o.headerRow, "header-row", "the spreadsheet row `N` holding the header (default: found among the first 20 rows)")
	fs.StringVar(&o.mapSpec, "map", "", "rename columns: `\"Fleet Code=externalId,Name=groupName,Size=maxGroupSize,Tier=ext.tier\"`")
	fs.StringVar(&o.format, "format", "", "the input's format, csv or xlsx (default: from its content)")
	fs.Var(&o.onConflict, "on-conflict", "when a group exists (1633): `report` it as conflict, lookup (exists when it matches the row), or update it to the row (PUT)")
	fs.StringVar(&o.failedOut, "failed-out", "", "write the rows to fix to `FILE`, in the input's columns plus groupimport_error (why), to fix and import alone: every row not created/exists/updated, and the rows created without some extended fields; skipped rows are left for --resume")
	fs.StringVar(&o.extFields, "ext-fields", "", "the org's extended-field catalogue `FILE` (name=TYPE lines or the JSON of GET /v2/extendedFields), or server to read it from the API: predict 91016/91017 before sending")
	fs.Var(&o.logFormat, "log-format", "stderr messages as `text` or json (one record a line, for log shippers)")
	fs.BoolVar(&o.resume, "resume", false, "carry on from the results file of an earlier run of the same input: settled rows are kept, the rest are sent")
	fs.Var(&o.maxErrors, "max-errors", "stop the run once more than `N` rows (or P% of the rows sent, e.g. 5%) end rejected or failed")
	fs.BoolVar(&o.allowEmpty, "allow-empty", false, "an input with no data rows is a success (exit 0), not an error (exit 2)")
	fs.StringVar(&o.since, "since", "", "the last results `FILE` of this load: rows unchanged since are not sent, and with --on-conflict update a changed row is one PUT by its known id")
	fs.StringVar(&o.reportPage, "report", "", "when the run ends, however it ends, write its HTML page to `FILE` (see groupimport report)")
	fs.BoolVar(&o.insecureHTTP, "insecure-http", false, "allow a plain http:// host that is not loopback (credentials travel unencrypted)")
}

func runImport(ctx context.Context, args []string, env *Env, validateOnly bool) error {
	name := "import"
	if validateOnly {
		name = "validate"
	}
	o := importOptions{args: args, command: name, program: env.Program}
	fs := newFlagSet(name)
	o.register(fs, env.Getenv)
	pos, err := parseFlags(fs, name, importUsage, args, env.Stderr)
	if err != nil {
		return err
	}
	o.hostSet = fsSet(fs, "host")
	o.dryRun = o.dryRun || validateOnly
	env.log.json = o.logFormat.value == "json"
	if len(pos) != 1 {
		return usagef("%s takes one input FILE (or - for stdin); got %d. See groupimport %s --help", name, len(pos), name)
	}
	return o.run(ctx, pos[0], env)
}

func (o *importOptions) run(ctx context.Context, inputPath string, env *Env) error {
	if err := o.check(); err != nil {
		return err
	}
	out, err := o.resultsPath(inputPath)
	if err != nil {
		return err
	}
	if err := o.checkSince(out); err != nil {
		return err
	}
	o.inputPath = inputPath
	e, err := o.setUp(ctx, inputPath, !o.dryRun, env)
	if err != nil {
		return err
	}
	defer e.close()
	if err := o.loadSince(e, env); err != nil {
		return err
	}
	e.cfg.KeepCells = o.failedOut != ""
	var d display
	// A results file lost mid-run stops the run as any other fault of
	// the record does.
	ctx, abort := context.WithCancelCause(ctx)
	defer abort(nil)
	onLost := func(err error) {
		env.log.errorf("%v; stopping: letting requests in flight finish", err)
		abort(fmt.Errorf("%w: %w", importer.ErrAborted, err))
	}
	results, err := o.takeResults(e, &d, inputPath, out, onLost, env)
	if err != nil {
		return err
	}
	defer results.Close()
	if err := o.prepare(e, &d, results, env); err != nil {
		return err
	}
	e.cfg.Prior, e.cfg.Early = results.Prior(), results.Early
	e.cfg.Sink = d.start(o, env, e.in.Size, results.Write)

	sum, runErr := importer.Run(ctx, e.in.Records, e.cfg)
	d.stop(env, &sum)
	endTimeline(results, runErr)
	if !o.dryRun && reachedNoAPI(runErr) && results.MarkUnreached() {
		o.unreached = e.client.Host()
	}
	if err := results.Close(); errors.Is(err, report.ErrResultsLost) {
		// Said whatever else stopped the run: it says where the rows are.
		out, runErr = o.lost(err, &sum)
	} else {
		runErr = closeErr(runErr, "closing the results", err)
	}
	runErr = reportPage(runErr, o.reportPage, out, env)
	if d.failedOut != nil {
		runErr = closeErr(runErr, "--failed-out", d.failedOut.Close())
	}
	return o.finish(env, &d, sum, runErr, out, inputPath)
}

// takeResults paces the requests of an import and takes the results file:
// its lock, then, under it, the check that it may be written and, for a
// resume, that it was made against this host with these credentials. It
// comes before the long duplicate pre-scan.
func (o *importOptions) takeResults(e *engine, d *display, inputPath, out string, onLost func(error), env *Env) (*report.Results, error) {
	var origin *report.Origin
	kind := report.KindValidation
	if !o.dryRun {
		e.pace(o, d)
		origin, kind = o.origin(e), report.KindImport
	}
	results, err := report.OpenResults(out, report.ResultsOptions{Resume: o.resume, Overwrite: o.overwrite, Origin: origin, OnLost: onLost, Kind: kind})
	if ee, ok := errors.AsType[*report.ExistsError](err); ok && o.dryRun {
		// A validation replaces only its own earlier record; --resume,
		// which a dry run refuses, is no way out.
		what := "a file that no validation wrote"
		if ee.Kind != "" {
			what = ee.Kind.Record()
		}
		return nil, usagef("results file %s holds %s; validate writes over no other record: choose another --out, or pass --overwrite to replace it", out, what)
	}
	if err != nil {
		return nil, resultsError(err, out)
	}
	if !o.dryRun {
		// Said once the results are taken: a run refused because
		// another holds them imports nothing.
		env.log.infof("importing %s into %s at %s with %d workers; results in %s", displayName(inputPath), e.client.Host(), o.rate.text, o.workers, out)
	}
	for _, n := range results.Notes {
		env.log.warnf("%s", n)
	}
	return results, nil
}

// origin is where the run's rows go, as its record says.
func (o *importOptions) origin(e *engine) *report.Origin {
	origin := &report.Origin{Host: e.client.Host(), Identity: e.who}
	if o.useSandbox {
		// Its port changes with every run; what matters is that it is
		// the sandbox and not a real org.
		origin.Host = "sandbox"
	}
	return origin
}

// prepare checks a resumed record against the input, creates the
// --failed-out file and starts the results. (The run itself finds the
// repeated ids: it reads a file twice, stdin once.)
func (o *importOptions) prepare(e *engine, d *display, results *report.Results, env *Env) error {
	if o.resume {
		kept, todo, err := o.checkResume(e.in, results, env)
		if err != nil {
			return err
		}
		d.toSend = int64(todo)
		env.log.infof("resuming: %s already settled in %s %s kept; %s to do", importer.Plural(kept, "row"), results.Path(), isAre(kept), importer.Plural(todo, "row"))
	}
	if o.failedOut != "" {
		var err error
		cols := e.in.Columns
		if d.failedOut, err = report.CreateFailedOut(o.failedOut, cols.Names, cols.Error, e.in.Delimiter, o.dryRun); err != nil {
			return usagef("--failed-out: %v", err)
		}
	}
	if o.summaryJSON != "" {
		if err := report.PrepareSummaryJSON(o.summaryJSON); err != nil {
			return usagef("--summary-json: %v", err)
		}
	}
	e.keepTimeline(o, d, results, o.inputPath)
	if err := results.Start(); err != nil {
		return usagef("cannot create the results file: %v", err)
	}
	return nil
}

// lost words a run whose results file was deleted, moved or replaced under
// it, and returns the path that now holds its record ("" when none does).
// A resume carries on from the rescue file.
func (o *importOptions) lost(err error, sum *importer.Summary) (string, error) {
	le, _ := errors.AsType[*report.LostError](err)
	sum.Stopped = err.Error()
	if le == nil || le.Rescue == "" {
		return "", fmt.Errorf("%w: %w; a new run with --on-conflict lookup finds the groups this run made as exists", importer.ErrAborted, err)
	}
	o.rescued = le.Rescue
	return le.Rescue, fmt.Errorf("%w: %w", importer.ErrAborted, err)
}

// finish prints the summary, writes --summary-json and turns how the run
// ended into an exit code. A --summary-json that cannot be written fails
// the run, as an unwritable --failed-out does: a script would read no
// summary, or an old one.
func (o *importOptions) finish(env *Env, d *display, sum importer.Summary, runErr error, out, inputPath string) error {
	d.summary(env, sum, out)
	o.sinceSummary(env)
	hint := o.resumeHint(sum, runErr)
	if o.summaryJSON != "" {
		if err := report.WriteSummaryJSON(o.summaryJSON, sum, out); err != nil && runErr == nil {
			runErr = fmt.Errorf("%w: --summary-json: %w", importer.ErrAborted, err)
		} else if err != nil {
			env.log.errorf("writing --summary-json: %v", err)
		}
	}
	if sum.Rows == 0 && runErr == nil {
		if o.allowEmpty {
			env.log.infof("no data rows in %s (--allow-empty: not an error)", displayName(inputPath))
			return nil
		}
		if !o.resume {
			discardEmpty(out)
		}
		return &exitError{exitUsage, fmt.Errorf("no data rows in %s: the file has a header and nothing under it, so nothing was imported; pass --allow-empty where an empty file is normal", displayName(inputPath))}
	}
	return exitFor(sum, runErr, hint)
}

// discardEmpty removes the results of a refused empty input, which hold a
// header and nothing else, and their record of origin: a refused run
// leaves no file to mistake for a record. It takes the lock again, so that
// it removes nothing another run has since taken, and checks under it that
// the file still holds no row.
func discardEmpty(out string) {
	unlock, err := report.Lock(out)
	if err != nil {
		return
	}
	defer unlock()
	f, err := os.Open(out)
	if err != nil {
		return
	}
	rows := 0
	err = report.ReadResults(f, func(importer.Result) error { rows++; return nil })
	f.Close()
	if err == nil && rows == 0 {
		os.Remove(out)
		os.Remove(out + ".meta")
	}
}

// resumeHint is the command that carries on after a run that left rows to
// send, or "" when a resume would not help: a dry run, a sandbox (which is
// gone with this process), rejected credentials (the same again), or a run
// whose every row is settled.
func (o *importOptions) resumeHint(sum importer.Summary, runErr error) string {
	switch {
	case o.dryRun || o.useSandbox || errors.Is(runErr, capillary.ErrUnauthorized):
		return ""
	case runErr == nil && sum.Counts[importer.Failed]+sum.Counts[importer.Skipped] == 0:
		return ""
	case o.rescued != "":
		return "to carry on from the rescued record, run: " + resumeCommand(o.program, o.command, withOut(o.args, o.rescued))
	case o.unreached != "":
		// The record holds nothing of that host, so the resume may name
		// another: the same command with the host fixed.
		fix := "--host"
		if o.cluster != "" {
			fix = "--cluster or the network"
		}
		return "nothing reached " + o.unreached + "; fix " + fix + " and carry on with: " + resumeCommand(o.program, o.command, o.args)
	}
	return "to carry on, run: " + resumeCommand(o.program, o.command, o.args)
}

// reachedNoAPI reports whether the run stopped on a fault of the host that
// proves no request of it had an answer from the API: the host refused
// connections, did not resolve, had no route, or answered as something
// else than the API. These are faults of the whole run only before the
// API has answered once (see importer's hostFault). Rejected credentials
// are the API's answer; an untrusted certificate or a redirect may come
// after answers.
func reachedNoAPI(err error) bool {
	f, ok := errors.AsType[*capillary.HostFault](err)
	if !ok {
		return false
	}
	switch f.Problem {
	case capillary.Refused, capillary.NoSuchHost, capillary.Unreachable, capillary.NotTheAPI:
		return true
	}
	return false
}

// exitFor maps how the run ended to an exit code and a closing hint ("" for
// none).
func exitFor(sum importer.Summary, err error, hint string) error {
	exit := func(code int, msg string) error { return &exitError{code, withHint(errors.New(msg), hint)} }
	switch {
	case errors.Is(err, importer.ErrInterrupted):
		return exit(exitInterrupted, "interrupted; rows not finished are marked skipped")
	case errors.Is(err, capillary.ErrUnauthorized):
		return &exitError{exitAborted, fmt.Errorf("%w; check CAP_TILL/CAP_PASSWORD or CAP_CLIENT_KEY/CAP_CLIENT_SECRET, and that they belong to this host", err)}
	case errors.Is(err, importer.ErrInputChanged):
		// What was read before the change was validated and is recorded;
		// what comes after it is another file than the one validated.
		then := "carry on"
		if hint == "" {
			then = "run again"
		}
		return exit(exitAborted, err.Error()+". Every row read is in the results; once the file is complete and nothing writes it, "+then)
	case errors.Is(err, importer.ErrStalled):
		return exit(exitAborted, err.Error()+" (--stall-timeout); the org's quota may be spent by another job: carry on once it is free")
	case errors.Is(err, importer.ErrTooManyErrors):
		return exit(exitAborted, err.Error()+" (--max-errors); see the results for why, fix that, then carry on")
	case errors.Is(err, importer.ErrAborted):
		return exit(exitAborted, err.Error())
	case err != nil:
		return &exitError{exitAborted, err}
	case !sum.OK() && sum.DryRun && sum.Counts[importer.ValidWithWarnings] > 0 && sum.Counts[importer.ValidWithWarnings] == nonOK(sum):
		return exit(exitRowsFailed, importer.Plural(sum.Counts[importer.ValidWithWarnings], "row")+" would lose extended fields (valid_with_warnings); see the problems above and the results file")
	case !sum.OK() && sum.DryRun:
		return exit(exitRowsFailed, "some rows would not be sent as they are; see the problems above and the results file")
	case !sum.OK():
		return exit(exitRowsFailed, "some rows were not created; see the status and message columns of the results")
	}
	return nil
}

func nonOK(sum importer.Summary) int {
	n := 0
	for st, c := range sum.Counts {
		if !st.OK() {
			n += c
		}
	}
	return n
}

func (o *importOptions) check() error {
	switch {
	case o.workers < 1 || o.workers > 1024:
		return usagef("--workers %d: want 1 to 1024", o.workers)
	case o.burst < 1:
		return usagef("--burst %d: want at least 1", o.burst)
	case o.maxAttempts < 1:
		return usagef("--max-attempts %d: want at least 1 (the first try counts)", o.maxAttempts)
	case o.timeout <= 0:
		return usagef("--timeout %s: want a positive duration such as 30s", o.timeout)
	case o.stall < 0:
		return usagef("--stall-timeout %s: want a duration such as 30m, or 0 never to stop", o.stall)
	case o.maxGroupSize < 1:
		return usagef("--max-group-size %d: want a positive number", o.maxGroupSize)
	case o.resume && o.overwrite:
		return usagef("--resume carries on from the results file and --overwrite replaces it: pick one")
	case o.resume && o.dryRun:
		return usagef("--resume is for import runs; a dry run is quick to repeat")
	case o.useSandbox && (o.hostSet || o.cluster != ""):
		return usagef("--sandbox imports into a local fake API; drop --host/--cluster")
	case !o.useSandbox && o.cluster == "":
		return checkEnvHost(o.host, o.hostSet)
	case !o.useSandbox:
		// --cluster: a name it knows, and no --host beside it (CAP_HOST
		// from the environment gives way to it).
		host := ""
		if o.hostSet {
			host = o.host
		}
		_, err := resolveHost(host, o.cluster, o.insecureHTTP)
		return err
	}
	return nil
}

// resultsPath picks the results file and checks that no output names
// another output or the input: each would destroy the other. Whether the
// results file may be replaced is decided under its lock (OpenResults); an
// existing --failed-out or --summary-json file is replaced only with
// --overwrite or --resume, like the results.
func (o *importOptions) resultsPath(inputPath string) (string, error) {
	out := o.out
	if out == "" {
		if inputPath == "-" {
			return "", usagef("reading stdin: pass --out FILE for the results")
		}
		suffix := ".results.csv"
		if o.dryRun {
			suffix = ".validation.csv"
		}
		out = strings.TrimSuffix(inputPath, filepath.Ext(inputPath)) + suffix
	}
	type named struct{ flag, path string }
	files := []named{{"--out", out}}
	if o.failedOut != "" {
		files = append(files, named{"--failed-out", o.failedOut})
	}
	if o.summaryJSON != "" {
		files = append(files, named{"--summary-json", o.summaryJSON})
	}
	if o.reportPage != "" {
		files = append(files, named{"--report", o.reportPage})
	}
	for i, f := range files {
		if inputPath != "-" && report.SameFile(f.path, inputPath) {
			return "", usagef("%s %s is the input file; choose another", f.flag, f.path)
		}
		for _, g := range files[:i] {
			if report.SameFile(f.path, g.path) {
				return "", usagef("%s %s and %s %s are the same file; choose another", g.flag, g.path, f.flag, f.path)
			}
		}
		if i > 0 && !o.overwrite && !o.resume {
			if _, err := os.Lstat(f.path); err == nil {
				return "", usagef("%s %s already exists; pass --overwrite to replace it, or choose another", f.flag, f.path)
			}
		}
	}
	return out, nil
}

// resultsError words why the results file cannot be taken.
func resultsError(err error, out string) error {
	switch {
	case errors.Is(err, report.ErrExists):
		if ee, ok := errors.AsType[*report.ExistsError](err); ok && ee.Kind != "" {
			return usagef("results file %s already exists and holds %s; pass --resume to carry on from it, --overwrite to replace it, or --out to choose another", out, ee.Kind.Record())
		}
		return usagef("results file %s already exists; pass --resume to carry on from it, --overwrite to replace it, or --out to choose another", out)
	case errors.Is(err, report.ErrLocked):
		return usagef("%v; wait for it to finish or choose another --out", err)
	case errors.Is(err, report.ErrOtherKind):
		return usagef("--resume: %v; start a new record with another --out", err)
	case errors.Is(err, report.ErrOtherOrigin):
		return usagef("--resume: %v. Resume with the --host/--cluster/--sandbox and credentials of the run that made it, or start a new record with another --out", err)
	}
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return usagef("cannot create %s: %v; choose another --out", pe.Path, pe.Err)
	}
	return usagef("results file %s: %v", out, err)
}

// checkResume walks the input alongside the earlier results before
// anything is sent, and refuses results of another input. It reads the
// opened input again, from its first data row.
func (o *importOptions) checkResume(in *input.File, results *report.Results, env *Env) (kept, todo int, err error) {
	recs, err := in.Reopen()
	switch {
	case errors.Is(err, input.ErrNotReopenable):
		return 0, 0, usagef("--resume reads the input twice, and standard input can be read only once; pass the file's name instead")
	case err != nil:
		return 0, 0, usagef("%v", err)
	}
	if c, ok := recs.(interface{ Close() error }); ok {
		defer c.Close()
	}
	prior, done, err := results.Earlier()
	if err != nil {
		return 0, 0, usagef("--resume: %v", err)
	}
	defer done()
	if prior == nil {
		return 0, 0, nil
	}
	kept, todo, err = importer.CheckResume(recs, &importer.Validator{Cols: in.Columns, MaxGroupSize: o.maxGroupSize}, prior)
	switch {
	case errors.Is(err, report.ErrNotResults):
		return 0, 0, usagef("--resume: %s is not a groupimport record (%v); choose another --out", results.Path(), err)
	case errors.Is(err, report.ErrOtherKind):
		return 0, 0, usagef("--resume: %s: %v; start a new record with another --out", results.Path(), err)
	case err != nil:
		return 0, 0, usagef("--resume: %s: %v. Resume with the same input file, or start over with --overwrite or another --out", results.Path(), err)
	}
	return kept, todo, nil
}

// open opens the input with the input flags; every problem with it is a
// usage error (exit 2), found before anything is sent.
func (o *importOptions) open(name string, env *Env) (*input.File, error) {
	aliases, err := input.ParseMap(o.mapSpec)
	if err != nil {
		return nil, usagef("--map: %v", err)
	}
	f, err := input.Open(name, env.Stdin, input.Options{
		Encoding: o.encoding, Delimiter: o.delimiter.r, Sheet: o.sheet, HeaderRow: o.headerRow.n, Map: aliases, Format: o.format,
	})
	if err != nil {
		return nil, usagef("%v", err)
	}
	return f, nil
}

// describeInput says what was detected, so that a wrong guess is visible.
func describeInput(f *input.File) string {
	if f.Format == input.XLSX {
		return fmt.Sprintf("workbook sheet %q, header on row %d", f.Sheet, f.HeaderRow)
	}
	d := string(f.Delimiter)
	if f.Delimiter == '\t' {
		d = "tab"
	}
	return fmt.Sprintf("CSV in %s, delimiter %q, header on row %d", f.Encoding, d, f.HeaderRow)
}

func displayName(inputPath string) string {
	if inputPath == "-" {
		return "stdin"
	}
	return strconv.Quote(inputPath)[1 : len(strconv.Quote(inputPath))-1]
}

// client builds the API client: the sandbox's with --sandbox, else the
// host and credentials the user gave. who is the credential's public name
// (never its secret).
func (o *importOptions) client(env *Env) (*capillary.Client, func(), string, error) {
	conn := connection{host: o.host, cluster: o.cluster, useSandbox: o.useSandbox, insecureHTTP: o.insecureHTTP}
	return conn.dial(env, o.workers)
}
