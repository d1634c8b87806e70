package main

import (
	"fmt"
	"math"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/report"
)

// display is what a run shows and leaves beside the results: the live
// progress, the problems table, the --failed-out file and, with
// --log-format json, a record for every row that needs attention.
type display struct {
	traffic   *importer.Traffic // nil in a dry run
	limiter   *importer.Limiter // nil in a dry run
	toSend    int64             // rows a resumed run sends; 0 when unknown
	failedOut *report.FailedOut
	problems  *report.Problems
	progress  *report.Progress
	kept      map[importer.Status]int // a resumed run: the rows kept, by status
	// mayBeOurs counts, in the default mode (report), the rows that
	// ended exists: a first attempt of theirs failed, and the group
	// found may be the one it made, so they are not called conflict
	// as the other rows whose group was there before are.
	mayBeOurs int
	timeline  *report.Timeline // counts the pace cuts too; nil when none is kept
}

// start shows progress and returns the run's sink: every row goes to the
// display and then to the results.
func (d *display) start(o *importOptions, env *Env, size int64, write func(importer.Result) error) func(importer.Result) error {
	d.problems = report.NewProblems()
	if !o.noProgress {
		d.showProgress(o, env, size)
	}
	if d.limiter != nil {
		d.limiter.OnCut(func(c importer.PaceCut) {
			env.log.warnf("server answered 429 (every request held %s): pace cut from %s to %s", formatHold(c.Hold), paceText(c.From), paceText(c.To))
			if d.timeline != nil {
				d.timeline.Cut(c)
			}
		})
	}
	if o.resume {
		d.kept = map[importer.Status]int{}
	}
	reportMode := !o.dryRun && o.onConflict.value == string(importer.ConflictReport)
	return func(r importer.Result) error {
		d.observe(r, env, reportMode)
		if d.failedOut != nil {
			if err := d.failedOut.Write(r); err != nil {
				return fmt.Errorf("--failed-out: %w", err)
			}
		}
		return write(r)
	}
}

// showProgress starts the progress display, with the pace and the held
// requests when the run is paced.
func (d *display) showProgress(o *importOptions, env *Env, size int64) {
	opts := report.ProgressOptions{Bar: env.IsTerminal() && !env.log.json, DryRun: o.dryRun, JSON: env.log.json, ToSend: d.toSend, Traffic: d.traffic, Width: env.Width}
	if d.limiter != nil {
		opts.Pace = func() float64 {
			if l := d.limiter.Limit(); l != rate.Inf {
				return float64(l)
			}
			return math.Inf(1)
		}
		opts.Held = d.limiter.Held
	}
	d.progress = report.NewProgress(env.Stderr, size, opts)
	if opts.Bar {
		// Messages during the run clear the bar rather than tear it.
		env.log.setThrough(d.progress.Println)
	}
}

// observe counts a row and shows it: progress, the problems table, and a
// JSON log line for a row that needs attention.
func (d *display) observe(r importer.Result, env *Env, reportMode bool) {
	if r.Kept && d.kept != nil {
		d.kept[r.Status]++
	}
	if reportMode && !r.Kept && r.Status == importer.Exists {
		d.mayBeOurs++
	}
	if d.progress != nil {
		d.progress.Observe(r)
	}
	d.problems.Add(r)
	if env.log.json && needsAttention(r.Status) {
		line := report.RowLine(r, time.Now())
		if d.progress != nil {
			d.progress.Println(string(line))
		} else {
			env.Stderr.Write(line)
		}
	}
}

func needsAttention(s importer.Status) bool {
	return s == importer.Rejected || s == importer.Failed || s == importer.Invalid
}

func formatHold(d time.Duration) string {
	if d%time.Second == 0 {
		return d.String()
	}
	return d.Round(100 * time.Millisecond).String()
}

// stop ends the live display and adds the traffic to the summary.
func (d *display) stop(env *Env, sum *importer.Summary) {
	if d.progress != nil {
		d.progress.Finish()
	}
	env.log.setThrough(nil)
	sum.Kept = d.kept
	if d.traffic != nil {
		sum.Throttled = int(d.traffic.Throttled.Load())
		// Every 429 and failed answer is sent again, but the last failure
		// of a row that ran out of attempts.
		sum.Retries = max(sum.Throttled+int(d.traffic.Failed.Load())-sum.Counts[importer.Failed], 0)
	}
}

// summary prints the end of the run: the problems and the counts, and
// where the rows to fix went.
func (d *display) summary(env *Env, sum importer.Summary, out string) {
	if env.log.json {
		env.Stderr.Write(report.SummaryLine(sum, out, time.Now()))
	} else {
		width := 0
		if env.IsTerminal() {
			width = env.Width()
		}
		d.problems.Print(env.Stderr, width)
		report.PrintSummary(env.Stderr, sum, out)
	}
	if d.failedOut != nil {
		env.log.infof("%s", d.failedOut.Describe())
	}
	if d.mayBeOurs > 0 && sum.Counts[importer.Conflict] > 0 {
		env.log.infof("%s ended exists, not conflict: a first attempt of %s failed (5xx or no answer) and the group found may be the one it made, which the API cannot tell; the rows whose group was there before are conflict. --on-conflict lookup makes every matching row exists",
			importer.Plural(d.mayBeOurs, "row"), theirIts(d.mayBeOurs))
	}
}

func theirIts(n int) string {
	if n == 1 {
		return "its"
	}
	return "theirs"
}

// unknownColumns names the ignored columns in one phrase.
func unknownColumns(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	if len(q) == 1 {
		return "column " + q[0] + " is not a known field and is ignored"
	}
	return "columns " + strings.Join(q, ", ") + " are not known fields and are ignored"
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// resumeCommand is the command line as given, from the program as typed,
// with --resume added and --overwrite (which would throw the record away)
// taken out, quoted for a POSIX shell so that it can be pasted.
func resumeCommand(program, command string, args []string) string {
	if program == "" {
		program = "groupimport"
	}
	words := []string{program, command}
	has := false
	for i, a := range args {
		if a == "--" {
			words = append(words, args[i:]...)
			break
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && name == "overwrite" {
			continue
		}
		has = has || strings.HasPrefix(a, "-") && name == "resume"
		words = append(words, a)
	}
	if !has {
		words = append(words[:2], append([]string{"--resume"}, words[2:]...)...)
	}
	for i, w := range words {
		words[i] = shellQuote(w)
	}
	return strings.Join(words, " ")
}

// withOut is args with --out FILE in place of the --out given, if any.
func withOut(args []string, out string) []string {
	res := []string{"--out", out}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(res, args[i:]...)
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && name == "out" {
			if !hasValue {
				i++ // its value
			}
			continue
		}
		res = append(res, a)
	}
	return res
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
