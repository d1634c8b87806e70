package importer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/capillary-tools/groupimport/importer/capillary"
)

// API is what a run needs from the server; *capillary.Client implements it.
type API interface {
	Create(ctx context.Context, g *capillary.Group) (*capillary.Response, error)
	Lookup(ctx context.Context, externalID string) (*capillary.Response, error)
	Update(ctx context.Context, g *capillary.Group) (*capillary.Response, error)
}

// OnConflict is what a run does when a group already exists (1633).
type OnConflict string

// The ways to settle an existing group.
const (
	// ConflictReport records the row as conflict and moves on.
	ConflictReport OnConflict = "report"
	// ConflictLookup fetches the group: exists when it matches the row,
	// conflict (naming the fields that differ) when not.
	ConflictLookup OnConflict = "lookup"
	// ConflictUpdate is ConflictLookup, and a group that differs is
	// updated to the row (PUT), which makes a re-run an upsert.
	ConflictUpdate OnConflict = "update"
)

// Errors that end a run early. A row's failure is never one of these.
var (
	// ErrInterrupted: the caller cancelled the run (Ctrl-C, SIGTERM).
	ErrInterrupted = errors.New("interrupted")
	// ErrAborted: the run stopped itself because going on was pointless
	// (credentials rejected, too many errors) or impossible (the results
	// could not be written).
	ErrAborted = errors.New("run aborted")
)

// Config is one run's settings.
type Config struct {
	Validator *Validator // required
	API       API        // required unless DryRun
	DryRun    bool       // validate only: no request is sent

	OnConflict OnConflict // default ConflictReport

	// Diff, when set, makes the run a read-only diff: see DiffConfig.
	Diff *DiffConfig
	// Undo, when set, makes the run take back what an import created:
	// see UndoConfig.
	Undo *UndoConfig

	// Since, when set, is the last record of the same load: a row it
	// settled with the same fingerprint is not sent (Unchanged), and,
	// under ConflictUpdate, a row it settled with another is one PUT by
	// the known id. See Since.
	Since *Since

	// KeepCells copies each row's cells into its Result.
	KeepCells bool

	// duplicates is a first pass over the input made already
	// (scanDuplicates). Nil lets Run choose: when the Records it reads
	// can be read again (they implement Rewinder) it makes that pass
	// itself and finds repeated externalIds in a few bytes a row;
	// otherwise it keeps a hash of every id (about 20 bytes a row).
	duplicates *duplicates

	Workers int    // concurrent requests
	Pacer   Pacer  // shared by all workers; nil sends as fast as workers go
	Policy  Policy // retries per row

	Timeout      time.Duration // per request
	DrainTimeout time.Duration // after a stop, how long requests in flight may finish

	// Kill, when done, cancels requests in flight at once (a second
	// Ctrl-C). Nil means never.
	Kill context.Context

	// Window bounds the rows between the reader and the results writer,
	// and so the memory a run uses, however slow one row is.
	Window int

	// Sink receives every row's Result in input order, from one goroutine.
	// An error from it stops the run.
	Sink func(Result) error

	// Early, when set, receives a row's Result as soon as the row finishes
	// while an earlier row is still unfinished; Sink gets it again, in
	// order, once the rows before it are done. One slow request can hold
	// up a whole Window of finished rows: a results file journals them
	// here so that a crash does not lose them. It is called from the same
	// goroutine as Sink, and an error from it stops the run.
	Early func(Result) error

	// Prior, for a resumed run, returns what an earlier run recorded for a
	// row (ok false when nothing). A row with a final status is kept as it
	// is, except a Local one (invalid, duplicate), which is judged again
	// from the current input; any other is sent again, and since an
	// earlier attempt may have created it, a 1633 is settled by a lookup.
	// An error (the results do not belong to this input) stops the run.
	// Called in row order for every data row, a malformed one included
	// (with an empty externalId).
	Prior func(row int, externalID string) (res Result, ok bool, err error)

	// StopAfterErrors stops the run (like an interrupt, with ErrAborted)
	// once this many rows have ended rejected or failed; 0 means never.
	// Rows are counted as the workers finish them, not as they are
	// written in order, so no new request starts once the limit is met:
	// at most Workers-1 requests already under way finish after it.
	StopAfterErrors int
	// MaxErrorRate stops the run once more than this share of the rows
	// sent so far end rejected or failed, judged after MinSample rows;
	// 0 means no limit.
	MaxErrorRate float64
	MinSample    int

	// StallTimeout stops the run (with ErrAborted and ErrStalled) once
	// no request has been accepted for this long while rows waited to be
	// sent; 0 means never.
	StallTimeout time.Duration
}

// ErrTooManyErrors is why a run stopped at StopAfterErrors or MaxErrorRate.
var ErrTooManyErrors = errors.New("too many rows rejected or failed")

func (c *Config) defaults() error {
	if c.Undo != nil {
		c.Validator = &Validator{Cols: &Columns{}}
	}
	if c.Validator == nil || c.Validator.Cols == nil {
		return errors.New("importer: no validator")
	}
	if c.API == nil && !c.DryRun {
		return errors.New("importer: no API client")
	}
	if c.Diff != nil && c.DryRun {
		return errors.New("importer: a diff looks groups up; it cannot be a dry run")
	}
	if c.Sink == nil {
		return errors.New("importer: no results sink")
	}
	c.Workers = max(c.Workers, 1)
	c.Policy = c.Policy.withDefaults()
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = c.Timeout
	}
	if c.Kill == nil {
		c.Kill = context.Background()
	}
	if c.Window <= 0 {
		c.Window = max(1024, 16*c.Workers)
	}
	if c.MinSample <= 0 {
		c.MinSample = 50
	}
	return nil
}

type job struct {
	seq      int
	res      Result // Row, ExternalID and Offset filled in
	group    capillary.Group
	mayExist bool     // an earlier run may have created it
	warn     []Notice // found locally: added to the answer's warnings
	knownID  int64    // --since: the group's id in the last record; PUT by it
	undo     *undoJob
}

type done struct {
	seq int
	res Result
}

// runner is the state one Run shares between its goroutines.
type runner struct {
	cfg      Config
	requests atomic.Int64
	reqCtx   context.Context // requests in flight: outlives a stop by DrainTimeout
	stopped  context.Context // done once the run is stopping
	apiSeen  atomic.Bool     // some answer has come in the API's shape
	stop     context.CancelCauseFunc
	limit    *errorLimit // judged by the workers, as rows finish
	lastRow  int         // the last row read; the reader's until it ends
	stall    *stallWatch // nil without a StallTimeout
}

// Run streams recs through validation and, unless DryRun, the API, and hands
// each row's Result to cfg.Sink in input order. The pipeline:
//
//	reader (validate, dedupe) -> jobs -> Workers (pace, create, classify,
//	retry, look up) -> results -> one writer that restores input order
//
// A window semaphore, taken by the reader and released by the writer,
// bounds the rows in flight. Rows that need no request (invalid, duplicate,
// dry run) skip the workers but still pass through the writer, in order.
//
// When ctx is cancelled the run stops gracefully: no new request starts,
// requests in flight get DrainTimeout to finish, and every remaining row is
// still read and recorded as skipped, so the results have one line per row.
// Run then returns ErrInterrupted. Rejected credentials or a failing Sink
// stop it the same way with an error wrapping ErrAborted. Records that
// fail with an error wrapping ErrInputChanged end the reading only: the
// rows read before are finished as usual, and Run returns an
// *InputChangedError. Summary is valid in every case.
func Run(ctx context.Context, recs Records, cfg Config) (Summary, error) {
	sum := Summary{Counts: map[Status]int{}, Started: time.Now(), DryRun: cfg.DryRun}
	if err := cfg.defaults(); err != nil {
		return sum, err
	}
	if cfg.duplicates == nil {
		d, err := scanRepeats(recs, cfg.Validator)
		if err != nil {
			sum.Stopped = err.Error()
			return sum, err
		}
		cfg.duplicates = d
	}
	// Two contexts of its own: stopping is done once the run stops (the
	// caller's ctx, an error of the run, a worker's abort), and requests,
	// under Kill, is what requests in flight run under: it outlives
	// stopping by DrainTimeout.
	stopping, stopRun := context.WithCancelCause(ctx)
	defer stopRun(nil)
	requests, cancelRequests := context.WithCancel(cfg.Kill)
	defer cancelRequests()
	stopDrain := context.AfterFunc(stopping, func() { time.AfterFunc(cfg.DrainTimeout, cancelRequests) })
	defer stopDrain()

	r := &runner{cfg: cfg, reqCtx: requests, stopped: stopping, stop: stopRun,
		limit: &errorLimit{stopAt: cfg.StopAfterErrors, rate: cfg.MaxErrorRate, min: cfg.MinSample}}
	if cfg.StallTimeout > 0 && !cfg.DryRun {
		r.stall = &stallWatch{timeout: cfg.StallTimeout}
		go r.stall.watch(stopping, stopRun)
	}
	out := &delivery{cfg: &r.cfg, counts: new(tally), stop: stopRun}
	var readErr, workErr error
	if cfg.DryRun {
		sum.Rows, readErr = r.dryRun(recs, out.deliver)
	} else {
		workErr, readErr = r.pipeline(recs, cfg.Window, out.deliver, out.early, func(rows int, err error) {
			sum.Rows = rows
			// A changed input ends the reading only: the rows read
			// before the change are what was validated, and those
			// handed on already are finished.
			if err != nil && !errors.Is(err, ErrInputChanged) {
				stopRun(err)
			}
		})
	}

	sinkErr := out.err
	finished := readErr == nil && workErr == nil && sinkErr == nil && stopping.Err() == nil && cfg.Kill.Err() == nil
	if v, ok := recs.(Verifier); ok && finished {
		// Read to its end and sent as read, but changed while the last
		// rows were sent: the run does not end as if it held still.
		readErr = changedAt(v.Unchanged(), r.lastRow)
	}
	out.counts.into(sum.Counts)
	sum.Problems = out.problems
	sum.Requests = int(r.requests.Load())
	sum.Elapsed = time.Since(sum.Started)
	err := runError(sinkErr, readErr, workErr, context.Cause(stopping), cfg.Kill.Err() != nil || ctx.Err() != nil)
	switch {
	case err == ErrInterrupted:
		sum.Stopped = "interrupted"
	case err != nil:
		sum.Stopped = err.Error()
	}
	return sum, err
}

// delivery hands results to Config.Sink and Config.Early, and counts
// them. The first failure to write stops the run, and nothing more is
// handed on.
type delivery struct {
	cfg      *Config
	counts   *tally
	problems int // of the invalid rows: a row may have several
	err      error
	stop     context.CancelCauseFunc
}

// deliver is called in input order, from one goroutine.
func (d *delivery) deliver(res *Result) {
	d.counts.add(res.Status)
	if res.Status == Invalid {
		d.problems += max(1, len(res.Problems)) // a malformed row has one
	}
	if d.err == nil {
		if d.err = d.cfg.Sink(*res); d.err != nil {
			d.stop(fmt.Errorf("%w: writing results: %w", ErrAborted, d.err))
		}
	}
}

// early is called, from the same goroutine as deliver, with a row that
// finished while an earlier one has not.
func (d *delivery) early(res Result) {
	if d.err == nil && d.cfg.Early != nil {
		if d.err = d.cfg.Early(res); d.err != nil {
			d.stop(fmt.Errorf("%w: writing results: %w", ErrAborted, d.err))
		}
	}
}

// scanRepeats reads input that can be read twice once before the run, for
// repeated externalIds; nil for input that cannot.
func scanRepeats(recs Records, v *Validator) (*duplicates, error) {
	rw, ok := recs.(Rewinder)
	if !ok {
		return nil, nil
	}
	d, err := scanRewound(rw, v)
	if err == nil {
		return d, nil
	}
	if changed := changedAt(err, 0); changed != nil {
		return nil, changed
	}
	return nil, fmt.Errorf("reading the input for repeated externalIds: %w", err)
}

// runError is the one error a run ends with, the first cause first: the
// results that could not be written, the input, the requests, an abort,
// then an interruption.
func runError(sinkErr, readErr, workErr, stopCause error, interrupted bool) error {
	switch {
	case sinkErr != nil:
		return fmt.Errorf("%w: writing results: %w", ErrAborted, sinkErr)
	case readErr != nil:
		return readErr
	case workErr != nil:
		return workErr
	case errors.Is(stopCause, ErrAborted):
		return stopCause
	case interrupted:
		return ErrInterrupted
	}
	return nil
}

// dryRun reads on a goroutine of its own and delivers on this one, in
// batches: nothing waits on the network, so the rows come in order
// already, and one row's result is written while the next rows are read.
func (r *runner) dryRun(recs Records, deliver func(*Result)) (rows int, err error) {
	const batch = 256
	full := make(chan []Result, 4)
	free := make(chan []Result, cap(full)+1) // room for every batch
	for range cap(free) {
		free <- make([]Result, 0, batch)
	}
	go func() {
		defer close(full)
		b := &batches{kill: r.cfg.Kill, full: full, free: free, b: <-free}
		rows, err = r.read(recs, nil, b)
		if len(b.b) > 0 {
			full <- b.b
		}
	}()
	for b := range full {
		for i := range b {
			deliver(&b[i])
			b[i] = Result{} // let go of its strings
		}
		free <- b[:0]
	}
	return rows, err
}

// pipeline runs the reader and the workers, and restores input order for
// deliver. read reports the rows read and any input error as soon as the
// reader ends, so that an input error stops the workers.
func (r *runner) pipeline(recs Records, window int, deliver func(*Result), early func(Result), read func(int, error)) (workErr, readErr error) {
	jobs := make(chan job)
	w := &inFlight{kill: r.cfg.Kill, results: make(chan done, window), slots: make(chan struct{}, window)}
	results, slots := w.results, w.slots
	var readers sync.WaitGroup
	readers.Add(1)
	go func() {
		defer readers.Done()
		defer close(jobs)
		var rows int
		if r.cfg.Undo != nil {
			rows, readErr = r.readUndo(jobs, w)
		} else {
			rows, readErr = r.read(recs, jobs, w)
		}
		read(rows, readErr)
	}()
	// A plain group: a worker that fails stops the run through r.stop,
	// the one way a run stops.
	var g errgroup.Group
	for range r.cfg.Workers {
		g.Go(func() error {
			for j := range jobs {
				res, err := r.process(j)
				res.noteWarnings()
				res.addLocal(j.warn)
				if r.cfg.Diff == nil && r.cfg.Undo == nil && res.Status.Claims() && res.Status != Updated {
					res.Sent = string(j.group.AppendJSON(nil))
				}
				// Judged here rather than in input order, so that the
				// run stops within a request per worker of the limit
				// however far ahead of the writer the workers are.
				if e := r.limit.observe(res); e != nil {
					r.stop(e)
				}
				results <- done{j.seq, res}
				if err != nil {
					r.stop(err)
					return err
				}
			}
			return nil
		})
	}
	go func() {
		readers.Wait()
		workErr = g.Wait()
		close(results)
	}()

	// Results arrive in any order; the ring holds them until the rows
	// before them are done. The window bounds how far apart they can be.
	ring := make([]Result, window)
	have := make([]bool, window)
	next := 0
	for d := range results {
		i := d.seq % window
		ring[i], have[i] = d.res, true
		if d.seq != next {
			early(d.res)
		}
		for i = next % window; have[i]; i = next % window {
			deliver(&ring[i])
			ring[i], have[i] = Result{}, false
			next++
			<-slots
		}
	}
	return workErr, readErr
}

// rowFlow is where read hands rows on: the window of rows in flight of a
// run that sends (inFlight), or the batches of a dry run (batches).
type rowFlow interface {
	// acquire takes a place for the next row; false means stop reading.
	acquire() bool
	// release gives back a place that a row did not use.
	release()
	// emit hands on the result of a row that needs no request.
	emit(seq int, res Result)
}

// inFlight is the window of rows between the reader and the writer that
// restores their order: a place is taken by the reader and given back by
// the writer, so one slow row holds up at most the window.
type inFlight struct {
	kill    context.Context
	results chan done
	slots   chan struct{}
}

func (w *inFlight) acquire() bool {
	select {
	case w.slots <- struct{}{}:
		return true
	case <-w.kill.Done():
		return false
	}
}

func (w *inFlight) release()                 { <-w.slots }
func (w *inFlight) emit(seq int, res Result) { w.results <- done{seq, res} }

// batches hands a dry run's rows on in batches from a free list: nothing
// waits on the network, so the rows are in order already.
type batches struct {
	kill       context.Context
	full, free chan []Result
	b          []Result
}

func (b *batches) acquire() bool { return b.kill.Err() == nil }
func (b *batches) release()      {}

func (b *batches) emit(_ int, res Result) {
	if b.b = append(b.b, res); len(b.b) == cap(b.b) {
		b.full <- b.b
		b.b = <-b.free
	}
}

// read is the only goroutine that touches recs. It returns the number of
// data rows, and an error only when the input itself fails.
func (r *runner) read(recs Records, jobs chan<- job, flow rowFlow) (int, error) {
	seen, alike := r.repeatTables()
	v := r.cfg.Validator
	var g capillary.Group
	seq := 0
	for rec, err := range Rows(recs) {
		if err != nil {
			if changed := changedAt(err, r.lastRow); changed != nil {
				return seq, changed
			}
			return seq, fmt.Errorf("reading the input after row %d: %w", seq+1, err)
		}
		r.lastRow = rec.Num
		if !flow.acquire() {
			return seq, nil
		}
		res := Result{Row: rec.Num, Offset: recs.Offset()}
		if rec.Err != nil {
			res.Status, res.Message = Invalid, rec.Err.Err.Error()
			// The earlier line for this row is passed over: the row is
			// judged again, and a malformed row is invalid.
			if _, _, _, err := r.priorOf(rec.Num, ""); err != nil {
				flow.release()
				return seq, err
			}
			flow.emit(seq, res)
			seq++
			continue
		}
		id, problems, warn := v.Validate(rec.Cells, &g)
		res.ExternalID = id
		if r.cfg.KeepCells {
			res.Cells = append([]string(nil), rec.Cells...)
		}
		rep := checkRepeat(seen, alike, id, rec.Num, len(problems) > 0)
		prior, hasPrior, mayExist, err := r.priorOf(rec.Num, id)
		if err != nil {
			flow.release()
			return seq, err
		}
		if len(problems) == 0 {
			res.Fingerprint = Fingerprint(&g)
		}
		var knownID int64
		switch {
		case Keep(prior, hasPrior):
			if err := editedSince(prior, res.Fingerprint); err != nil {
				flow.release()
				return seq, fmt.Errorf("%w: %w", ErrAborted, err)
			}
			res = keptLine(prior, res)
		case r.settled(&res, &g, problems, warn, rep, &knownID):
			// Judged without a request: res is its line.
		default:
			j := job{seq: seq, res: res, group: g, mayExist: mayExist, warn: rep.local, knownID: knownID}
			j.group.ExtendedFields = append([]capillary.Field(nil), g.ExtendedFields...)
			select {
			case jobs <- j:
				seq++
				continue
			case <-r.stopped.Done():
				res.Status, res.Message = Skipped, r.stopMessage(0, false)
			}
		}
		flow.emit(seq, res)
		seq++
	}
	return seq, nil
}

// repeatTables are where read finds repeated externalIds: the tables a
// scan of the whole input filled before the run, or, on input that cannot
// be read twice, tables filled as the rows come.
func (r *runner) repeatTables() (idTable, *lookAlikes) {
	if r.cfg.duplicates == nil {
		exact := newSeenIDs()
		return exact, newLookAlikeTable(exact)
	}
	return r.cfg.duplicates, r.cfg.duplicates.alike
}

// idTable records the row of each externalId and reports the first row
// that had it.
type idTable interface {
	add(id string, row int) (first int, dup bool)
}

// repeat is what the tables of externalIds say of one row: whether an
// earlier row (first; negative when that row is invalid) has its
// externalId, and the look-alike warning of a row sent.
type repeat struct {
	first int
	dup   bool
	local []Notice
}

func checkRepeat(seen idTable, alike *lookAlikes, id string, row int, invalid bool) repeat {
	var rep repeat
	if id == "" {
		return rep
	}
	at := row
	if invalid {
		at = -row // marks a first row that is not sent
	}
	rep.first, rep.dup = seen.add(id, at)
	if !invalid && !rep.dup {
		if like := alike.check(id, row); like != 0 {
			rep.local = append(rep.local, lookAlikeWarning(like))
		}
	}
	return rep
}

// keptLine is the earlier run's line for a row a resume keeps, placed
// where the row is now.
func keptLine(prior, now Result) Result {
	if prior.Fingerprint == "" {
		// A record written before fingerprints: the row, which has the
		// same externalId, is the one it describes.
		prior.Fingerprint = now.Fingerprint
	}
	prior.Offset, prior.Cells, prior.Kept = now.Offset, now.Cells, true
	return prior
}

// settled judges a row that needs no request: invalid, a repeat, unchanged
// since the last record, a dry run, or read after the run stopped. It
// fills res and reports true; false means the row is to be sent.
func (r *runner) settled(res *Result, g *capillary.Group, problems []string, warn []Notice, rep repeat, knownID *int64) bool {
	switch {
	case len(problems) > 0:
		res.Status, res.Message, res.Problems = Invalid, JoinProblems(problems), problems
	case rep.dup && rep.first < 0:
		res.Status, res.Message = Duplicate, fmt.Sprintf("externalId also on row %d, which is invalid; neither is sent", -rep.first)
	case rep.dup:
		res.Status, res.Message = Duplicate, fmt.Sprintf("externalId also on row %d; only that row is sent", rep.first)
	case r.cfg.Since != nil && r.unchangedSince(res, g, knownID):
		// As the last record settled it: res is its line.
	case r.cfg.DryRun:
		res.Status, res.Warnings = Valid, warn
		if len(warn) > 0 {
			res.Status = ValidWithWarnings
			res.noteWarnings()
			res.Message = "would be created, but some extended fields would not be saved"
		}
		res.addLocal(rep.local)
	case r.stopped.Err() != nil:
		res.Status, res.Message = Skipped, r.stopMessage(0, false)
	default:
		return false
	}
	return true
}

// priorOf is what the earlier run recorded for a row (Config.Prior), and
// whether an earlier attempt may have created its group; all zero without
// an earlier run.
func (r *runner) priorOf(row int, id string) (prior Result, has, mayExist bool, err error) {
	if r.cfg.Prior == nil {
		return Result{}, false, false, nil
	}
	if prior, has, err = r.cfg.Prior(row, id); err != nil {
		return Result{}, false, false, fmt.Errorf("%w: %w", ErrAborted, err)
	}
	// A row an earlier run judged from the input alone was never sent, so
	// a 1633 now is no sign of a lost answer.
	return prior, has, !has || !prior.Status.Final(), nil
}

// tally counts rows by status without hashing each one: a run has a few
// statuses, most rows the same one. The padding keeps its counters off the
// cache lines of what the reader writes.
type tally struct {
	_      [64]byte
	status [16]Status
	n      [16]int
	used   int
	more   map[Status]int // past 16 statuses
	_      [64]byte
}

func (t *tally) add(s Status) {
	for i := range t.used {
		if t.status[i] == s {
			t.n[i]++
			return
		}
	}
	if t.used < len(t.status) {
		t.status[t.used], t.n[t.used] = s, 1
		t.used++
		return
	}
	if t.more == nil {
		t.more = map[Status]int{}
	}
	t.more[s]++
}

func (t *tally) into(counts map[Status]int) {
	for i := range t.used {
		counts[t.status[i]] += t.n[i]
	}
	for s, n := range t.more {
		counts[s] += n
	}
}

// stopMessage explains a row the run did not finish.
func (r *runner) stopMessage(attempts int, mayExist bool) string {
	why := "the run stopped"
	if cause := context.Cause(r.stopped); cause != nil && !errors.Is(cause, context.Canceled) {
		why = "the run stopped (" + cause.Error() + ")"
	} else if cause != nil {
		why = "the run was interrupted"
	}
	switch {
	case mayExist:
		return fmt.Sprintf("not finished: %s after %s, which may have created the group; a resumed run looks it up", why, Plural(attempts, "attempt"))
	case attempts > 0:
		return fmt.Sprintf("not finished: %s after %s", why, Plural(attempts, "attempt"))
	}
	return "not sent: " + why
}
