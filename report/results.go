package report

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/capillary-tools/groupimport/importer"
)

// A results file has companions beside it, named by suffix:
//
//	RESULTS.lock     held by the run writing RESULTS (see Lock)
//	RESULTS.meta     where the rows were sent: host and credential (Origin)
//	RESULTS.partial  a resumed run's new record, merged into RESULTS at its end
//	RESULTS.journal  rows that finished while an earlier row was still in
//	                 flight, so that a crash does not lose them
//	RESULTS.timeline what the run did minute by minute, each session's
//	                 start and end (see Timeline); kept with the record
//
// A run that ends, however it ends, leaves only RESULTS and its .meta (and,
// where an open file cannot be removed, the .lock), except one whose RESULTS was deleted, moved or replaced under it:
// that one leaves its record in a rescue file (see LostError). A run that is killed may leave .partial and .journal; the next
// resume merges them into RESULTS before anything else.
const (
	metaSuffix    = ".meta"
	partialSuffix = ".partial"
	journalSuffix = ".journal"
)

// Errors of OpenResults.
var (
	// ErrExists: the results file exists and neither resuming nor
	// overwriting was asked for.
	ErrExists = errors.New("results file already exists")
	// ErrOtherOrigin: the results were made against another host or with
	// another credential than the run that would resume them.
	ErrOtherOrigin = errors.New("the results file was made against another API")
	// ErrOtherKind: the record is of another kind (a diff given to an
	// import's resume, say) than the run that would resume it.
	ErrOtherKind = errors.New("the record is of another kind")
)

// Kind is what a record is the record of. Every kind is written and
// resumed by the same protocol; the kind, kept in the .meta, stops a
// resume from carrying on a record of another kind.
type Kind string

// The kinds of record.
const (
	KindImport     Kind = "import"     // an import's results
	KindValidation Kind = "validation" // a dry run's results: nothing sent
	KindDiff       Kind = "diff"       // a diff's lines
	KindUndo       Kind = "undo"       // an undo's lines: what it deleted of an import
)

// Origin is where a run sends its rows: the host and the public identity of
// the credential (a till id or an OAuth client key, never a secret). It is
// recorded beside the results, because a results file says which groups
// exist on one server for one org, and resuming it against another would
// keep rows as created that are not there.
type Origin struct {
	// Host is the API's base URL, or "sandbox" for the built-in sandbox
	// (whose address changes with every run).
	Host string `json:"host"`
	// Identity is the credential's public name: "till ID" or "OAuth
	// client key KEY".
	Identity string `json:"identity"`
}

func (o Origin) String() string { return o.Host + " as " + o.Identity }

type meta struct {
	Origin
	Created string `json:"created"`
	// Kind is empty in a .meta written before kinds were recorded: only
	// imports wrote one then.
	Kind Kind `json:"kind,omitempty"`
	// NothingReached says that every session of the record so far ended
	// on a fault of the whole run before any request had an answer from
	// the API (see Results.MarkUnreached): nothing of it is on Host, and a
	// resume may go to another host. A session clears it when it starts,
	// so that one killed midway leaves it false.
	NothingReached bool `json:"nothingReached,omitempty"`
}

// kind is the record's kind, an old .meta's included.
func (m meta) kind() Kind {
	if m.Kind == "" {
		return KindImport
	}
	return m.Kind
}

// ResultsOptions say how OpenResults treats an existing results file.
type ResultsOptions struct {
	// Resume carries on from an existing results file.
	Resume bool
	// Overwrite replaces an existing results file.
	Overwrite bool
	// Origin is where the run sends rows; nil for a dry run, which sends
	// nothing.
	Origin *Origin
	// OnLost, when set, is told (once, from another goroutine) that the
	// results path no longer names the file the run writes: the run
	// should stop. The lines go on to the open file, and Close saves them
	// to a rescue file (see LostError).
	OnLost func(error)
	// Kind is the kind of record the run writes; empty means KindImport.
	Kind Kind
}

func (o ResultsOptions) kind() Kind {
	if o.Kind == "" {
		return KindImport
	}
	return o.Kind
}

// Results is the results file of one run, with everything that keeps it
// trustworthy: the lock, the record of its origin, the resume protocol
// (the earlier record read alongside the input, the new one written to a
// partial file and merged back), and the journal of rows finished out of
// order. Its life is OpenResults, Check (when resuming), Start, then Write
// and Early from the run, then Close.
type Results struct {
	path string // the results file, symbolic links resolved
	opts ResultsOptions

	// Notes are what the user should be told about the earlier record:
	// a partial record merged in, results without an origin.
	Notes []string

	// unreached: the record holds nothing that reached its host (a fresh
	// record, or one whose .meta and lines both say so), so a resume may
	// change its origin, and a session that reaches nothing keeps it so.
	unreached bool
	created   string // when the record was started, from its .meta

	unlock    func()
	timeline  *Timeline
	prior     *Prior
	priorFile *os.File

	w       *Writer
	writeTo string                  // the file w writes: path, or its partial record
	lost    atomic.Pointer[string]  // the path found not to name its file
	journal atomic.Pointer[journal] // created by the first Early
	lastRow atomic.Int64            // the row of the last line handed to w
	stop    chan struct{}
	done    chan struct{}
	closed  bool
}

// OpenResults takes the results file at path for a run: it locks it (the
// check that it exists is made under the lock, so two runs cannot both find
// it free), refuses it when it exists and opts allow neither resuming nor
// overwriting, and, to resume, checks that it was made against opts.Origin
// and merges in what a killed run left beside it. Nothing is written to
// path itself before Start.
func OpenResults(path string, opts ResultsOptions) (_ *Results, err error) {
	path, err = resolve(path)
	if err != nil {
		return nil, err
	}
	unlock, err := Lock(path)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			unlock()
		}
	}()
	r := &Results{path: path, opts: opts, unlock: unlock}
	removeStaleTemps(path)
	_, err = os.Lstat(path)
	exists := err == nil
	switch {
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, err
	case exists && !opts.Resume && !opts.Overwrite && !ownValidation(path, opts.kind()):
		return nil, existsError(path)
	case !opts.Resume:
		// A fresh record: what an earlier run left beside the old one
		// does not belong to it.
		for _, s := range []string{partialSuffix, journalSuffix, metaSuffix, timelineSuffix} {
			if err := os.Remove(path + s); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
		}
		r.unreached = true
		return r, nil
	}
	if err := r.checkOrigin(exists); err != nil {
		return nil, err
	}
	if err := r.settle(); err != nil {
		return nil, err
	}
	return r, nil
}

// ExistsError is ErrExists with what the existing file is a record of.
type ExistsError struct {
	Path string
	// Kind is the kind its .meta records; empty when it has none (a file
	// of no run, or results of an older version).
	Kind Kind
}

func (e *ExistsError) Error() string {
	if e.Kind == "" {
		return e.Path + ": " + ErrExists.Error()
	}
	return fmt.Sprintf("%s: %v: it holds %s", e.Path, ErrExists, e.Kind.Record())
}

func (e *ExistsError) Unwrap() error { return ErrExists }

func existsError(path string) error {
	e := &ExistsError{Path: path}
	if b, err := os.ReadFile(path + metaSuffix); err == nil {
		if m, err := readMeta(b); err == nil {
			e.Kind = m.kind()
		}
	}
	return e
}

// ownValidation reports whether a validation would replace the record of
// an earlier validation, which it does without being asked: that record
// holds nothing that was sent, and the next check after a fix is the point
// of the command. Its .meta must say so; any other file is someone's.
func ownValidation(path string, kind Kind) bool {
	if kind != KindValidation {
		return false
	}
	b, err := os.ReadFile(path + metaSuffix)
	if err != nil {
		return false
	}
	m, err := readMeta(b)
	return err == nil && m.Kind == KindValidation
}

// removeStaleTemps removes the temporary files of merges that a kill
// interrupted (createBeside's names). Only the holder of the lock makes
// them, so none is in use.
func removeStaleTemps(path string) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if n := e.Name(); strings.HasPrefix(n, "."+base+".") && strings.HasSuffix(n, ".tmp") && e.Type().IsRegular() {
			os.Remove(filepath.Join(dir, n))
		}
	}
}

// resolve follows symbolic links to the file they name, so that the lock
// and the merge's rename act beside the real file, and refuses one that
// names nothing: the user meant some file, and it is not there.
func resolve(path string) (string, error) {
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		return path, nil
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		target, _ := os.Readlink(path)
		return "", fmt.Errorf("%s is a symbolic link to %s, which does not exist", path, target)
	}
	return real, nil
}

// Path is the results file's path, symbolic links resolved.
func (r *Results) Path() string { return r.path }

// checkOrigin compares the recorded kind and origin with this run's.
func (r *Results) checkOrigin(exists bool) error {
	b, err := os.ReadFile(r.path + metaSuffix)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !exists:
		r.unreached = true
		return nil
	case r.opts.Origin == nil && errors.Is(err, fs.ErrNotExist):
		return nil
	case errors.Is(err, fs.ErrNotExist) && exists:
		r.Notes = append(r.Notes, fmt.Sprintf("%s does not say which host and credentials it was made with (an older version wrote it); resuming against %s on trust: if it was made elsewhere, its created rows are not on this server", r.path, r.opts.Origin))
		return nil
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	}
	m, err := readMeta(b)
	if err != nil {
		return fmt.Errorf("%s%s is damaged (%v); it should say where %s was made", r.path, metaSuffix, err, r.path)
	}
	if m.kind() != r.opts.kind() {
		return fmt.Errorf("%w: %s is %s record, and this run would resume %s record", ErrOtherKind, r.path, m.kind().article(), r.opts.kind().article())
	}
	r.created = m.Created
	r.unreached = m.NothingReached && reachedNothing(r.path)
	if r.opts.Origin != nil && m.Origin != *r.opts.Origin {
		if !r.unreached {
			return fmt.Errorf("%w: %s was made against %s, and this run is against %s", ErrOtherOrigin, r.path, m.Origin, r.opts.Origin)
		}
		r.Notes = append(r.Notes, fmt.Sprintf("nothing of %s reached %s; its rows now go to %s", r.path, m.Host, r.opts.Origin.Host))
	}
	return nil
}

// reachedNothing reports whether the record at path holds no line that a
// server answered or may have acted on: every line is skipped (the run
// stopped before the row was settled), invalid or duplicate, with no
// entity id, API code, request id or group sent. A skipped line's attempts
// alone do not count: the .meta's NothingReached says whether its
// requests got anywhere. An unreadable record reached something, to be
// safe.
func reachedNothing(path string) bool {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return true
	}
	if err != nil {
		return false
	}
	defer f.Close()
	errReached := errors.New("reached")
	err = ReadResults(f, func(res importer.Result) error {
		local := res.Status == importer.Skipped || res.Status.Local()
		if !local || res.EntityID != 0 || res.Code != 0 || res.RequestID != "" || res.Sent != "" {
			return errReached
		}
		return nil
	})
	return err == nil
}

// MarkUnreached records, before Close, that the session ended on a fault
// of the whole run before any request had an answer from the API (a host
// that refuses connections, does not resolve, has no route, or is not the
// API). When the record held nothing of its host before the session
// either, its .meta says so, and a resume may go to another host: the
// hint after a mistyped --host can then be the resume itself. It reports
// whether the mark was made.
func (r *Results) MarkUnreached() bool {
	if !r.unreached || r.opts.Origin == nil || r.w == nil {
		return false
	}
	return r.recordMeta(true) == nil
}

// recordMeta records the run's origin and kind, keeping when the record
// was started.
func (r *Results) recordMeta(nothingReached bool) error {
	m := meta{Created: r.created, Kind: r.opts.kind(), NothingReached: nothingReached}
	if m.Created == "" {
		m.Created = time.Now().UTC().Format(time.RFC3339)
	}
	if r.opts.Origin != nil {
		m.Origin = *r.opts.Origin
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	return writeFileAtomic(r.path+metaSuffix, append(b, '\n'))
}

// readMeta parses a .meta: a JSON object with the origin of a record that
// was sent somewhere, and the kind of record.
func readMeta(b []byte) (meta, error) {
	var m meta
	if err := json.Unmarshal(b, &m); err != nil {
		return m, err
	}
	switch {
	case m.Kind != "" && m.Kind != KindImport && m.Kind != KindValidation && m.Kind != KindDiff && m.Kind != KindUndo:
		return m, fmt.Errorf("kind %q is not one this version knows", m.Kind)
	case m.Host == "" && m.kind() != KindValidation:
		return m, errors.New("no host")
	}
	return m, nil
}

// Record is what a record of the kind holds, for messages: "an import's
// results".
func (k Kind) Record() string {
	switch k {
	case KindImport:
		return "an import's results"
	case KindValidation:
		return "a validation's results"
	case KindUndo:
		return "an undo's lines"
	}
	return "a " + string(k) + "'s lines"
}

// article is the kind with its article, for messages.
func (k Kind) article() string {
	if k == KindImport {
		return "an import"
	}
	return "a " + string(k)
}

// settle merges what a killed run left beside the results into them: a
// resumed run's partial record and the journal of rows it had finished.
func (r *Results) settle() error {
	var left []string
	for _, s := range []string{partialSuffix, journalSuffix} {
		if _, err := os.Lstat(r.path + s); err == nil {
			left = append(left, r.path+s)
		}
	}
	if len(left) == 0 {
		return nil
	}
	r.Notes = append(r.Notes, fmt.Sprintf("merging %v, left by a run that did not finish, into %s", left, r.path))
	return r.merge()
}

// merge rewrites the results file as: the partial record's lines, then
// the earlier lines for the rows after them, with every journaled line in
// place of the line for its row. The journal and the partial record hold
// the newest run's outcomes; the earlier file the older ones. The new file
// replaces the old one atomically, and only then are the partial record
// and the journal removed, so a crash at any point loses nothing.
func (r *Results) merge() error {
	journaled, err := readJournal(r.path + journalSuffix)
	if err != nil {
		return err
	}
	var newer, older io.Reader = eofReader{}, eofReader{}
	var open []*os.File
	closeAll := func() {
		for _, f := range open {
			f.Close()
		}
		open = nil
	}
	defer closeAll()
	if f, err := os.Open(r.path + partialSuffix); err == nil {
		open = append(open, f)
		newer = f
	}
	mode := fs.FileMode(0)
	if f, err := os.Open(r.path); err == nil {
		open = append(open, f)
		older = f
		if fi, err := f.Stat(); err == nil {
			mode = fi.Mode().Perm()
		}
	}
	tmp, err := createBeside(r.path)
	if err != nil {
		return err
	}
	tmpName := tmp.Name()
	w := NewWriter(tmp)
	w.file = tmp
	err = writeMerged(w, journaled, newer, older)
	if err == nil && mode != 0 {
		// The merged file keeps the permissions the user gave the old one.
		err = tmp.Chmod(mode)
	}
	if e := w.Close(); err == nil {
		err = e
	}
	closeAll() // Windows renames only over a file nobody holds open
	if err == nil {
		err = os.Rename(tmpName, r.path)
	}
	if err != nil {
		os.Remove(tmpName)
		return fmt.Errorf("merging the record of an earlier run into %s: %w", r.path, err)
	}
	syncDir(filepath.Dir(r.path))
	for _, s := range []string{partialSuffix, journalSuffix} {
		if err := os.Remove(r.path + s); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// writeMerged writes to w the lines of newer, then those of older for the
// rows after them, with every journaled line in place of the line for its
// row (see merge).
func writeMerged(w rowWriter, journaled map[int]importer.Result, newer, older io.Reader) error {
	o := &journalOverlay{w: w, lines: journaled}
	if err := Merge(o, newer, older); err != nil {
		return err
	}
	return o.rest()
}

type rowWriter interface{ Write(importer.Result) error }

// journalOverlay sits between Merge and the Writer and puts the journaled
// line of a row in place of the merged one, and journaled rows missing from
// both files (a gap left by rows in flight before them) in row order.
type journalOverlay struct {
	w     rowWriter
	lines map[int]importer.Result
}

func (o *journalOverlay) Write(res importer.Result) error {
	if err := o.before(res.Row); err != nil {
		return err
	}
	if j, ok := o.lines[res.Row]; ok {
		delete(o.lines, res.Row)
		res = j
	}
	return o.w.Write(res)
}

func (o *journalOverlay) before(row int) error {
	var rows []int
	for r := range o.lines {
		if r < row {
			rows = append(rows, r)
		}
	}
	slices.Sort(rows)
	for _, r := range rows {
		if err := o.w.Write(o.lines[r]); err != nil {
			return err
		}
		delete(o.lines, r)
	}
	return nil
}

// rest writes the journaled rows after the last merged line.
func (o *journalOverlay) rest() error { return o.before(int(^uint(0) >> 1)) }

func readJournal(name string) (map[int]importer.Result, error) {
	f, err := os.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return map[int]importer.Result{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	lines, err := readJournalFrom(f)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return lines, nil
}

// readJournalFrom reads a journal's lines by row; a last line cut short is
// left out.
func readJournalFrom(r io.Reader) (map[int]importer.Result, error) {
	lines := map[int]importer.Result{}
	err := ReadResults(r, func(res importer.Result) error {
		lines[res.Row] = res
		return nil
	})
	if err != nil && !errors.Is(err, ErrTruncated) {
		return nil, err
	}
	return lines, nil
}

// writeMeta records the origin (nil for a record of no host) and the kind
// of record beside the record at path.
func writeMeta(path string, origin *Origin, kind Kind) error {
	m := meta{Created: time.Now().UTC().Format(time.RFC3339), Kind: kind}
	if origin != nil {
		m.Origin = *origin
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	return writeFileAtomic(path+metaSuffix, append(b, '\n'))
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// Earlier opens the earlier record, for the engine's check of a resume
// against the input (importer.CheckResume); nil when there is none. The
// engine judges the rows; the record only reads them back. done releases
// it.
func (r *Results) Earlier() (prior *Prior, done func(), err error) {
	f, err := os.Open(r.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, func() {}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	prior = NewPrior(f)
	prior.kind = r.opts.kind()
	return prior, func() { prior.Close(); f.Close() }, nil
}

// Start opens the earlier record for Prior (when resuming) and creates the
// file the run writes: the results file, or its partial record when
// resuming. It records the origin first, so that the results are never
// without it.
func (r *Results) Start() error {
	if o := r.opts.Origin; o != nil || r.opts.kind() == KindValidation {
		// A resume rewrites the .meta of a record that held nothing of its
		// host: the origin may be another, and NothingReached is cleared
		// until the session proves it again.
		if _, err := os.Lstat(r.path + metaSuffix); !r.opts.Resume || r.unreached || errors.Is(err, fs.ErrNotExist) {
			if err := r.recordMeta(false); err != nil {
				return err
			}
		}
	}
	writeTo := r.path
	if r.opts.Resume {
		f, err := os.Open(r.path)
		switch {
		case err == nil:
			r.priorFile, r.prior = f, NewPrior(f)
			r.prior.kind = r.opts.kind()
			writeTo = r.path + partialSuffix
		case !errors.Is(err, fs.ErrNotExist):
			return err
		}
	}
	w, err := Create(writeTo)
	if err != nil {
		return err
	}
	if err := r.startTimeline(); err != nil {
		w.Close()
		return err
	}
	r.w, r.writeTo = w, writeTo
	syncDir(filepath.Dir(r.path))
	r.stop, r.done = make(chan struct{}), make(chan struct{})
	go r.flushEvery(DefaultFlushInterval)
	return nil
}

// Prior is what the earlier run recorded for a row, for
// importer.Config.Prior; nil when there is no earlier record.
func (r *Results) Prior() func(row int, externalID string) (importer.Result, bool, error) {
	if r.prior == nil {
		return nil
	}
	return r.prior.At
}

// Write records a row's final line, in input order (importer.Config.Sink).
func (r *Results) Write(res importer.Result) error {
	if err := r.w.Write(res); err != nil {
		return err
	}
	r.timeline.row(res, false)
	r.lastRow.Store(int64(res.Row))
	return nil
}

// Early journals a row that finished while rows before it are still in
// flight (importer.Config.Early): within a second it is on disk, where a
// resumed run finds it however long the row before it takes.
func (r *Results) Early(res importer.Result) error {
	j := r.journal.Load()
	if j == nil {
		var err error
		if j, err = createJournal(r.path + journalSuffix); err != nil {
			if r.checkLost() {
				// The folder is gone: the run is told to stop, and the
				// row reaches the record, and the rescue, in order.
				return nil
			}
			return err
		}
		syncDir(filepath.Dir(r.path)) // so that a power cut keeps its name
		r.journal.Store(j)            // Early is called from one goroutine
	}
	r.timeline.row(res, true)
	return j.write(res)
}

// flushEvery hands the lines to the file and syncs it once an interval:
// the results (or partial record) first, then the journal, which is
// emptied once the in-order lines have caught up with every row in it.
func (r *Results) flushEvery(d time.Duration) {
	defer close(r.done)
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			_ = r.sync() // an error is kept by the writers for the next Write
		}
	}
}

func (r *Results) sync() error {
	r.checkLost()
	last := r.lastRow.Load()
	r.timeline.sync()
	if err := r.w.Sync(); err != nil {
		return err
	}
	if j := r.journal.Load(); j != nil {
		return j.sync(int(last))
	}
	return nil
}

// Close ends the run's record: it flushes and syncs the lines written,
// merges a resumed run's partial record into the results file, removes the
// journal once its rows are safely in the results, and releases the lock.
// After an error the partial record and the journal stay for the next
// resume to merge. When the results path was found not to name the
// file written any more (deleted, moved, replaced: see OnLost), whether by
// the periodic check or by the last one made here before the merge, the
// lines are saved to a rescue file instead, and the error is a *LostError
// naming it.
func (r *Results) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	defer r.unlock()
	if r.w == nil {
		return nil
	}
	close(r.stop)
	<-r.done
	if r.checkLost() {
		return r.rescue()
	}
	err := r.w.Close()
	_ = r.timeline.close() // an aid: the record matters, not its timeline
	if j := r.journal.Load(); j != nil {
		if e := j.close(); err == nil {
			err = e
		}
	}
	if r.prior != nil {
		r.prior.Close()
		r.priorFile.Close()
	}
	if err != nil {
		return err
	}
	if r.opts.Resume && r.prior != nil {
		return r.merge()
	}
	if err := os.Remove(r.path + journalSuffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// journal is an append-only file of results lines in the order rows
// finished. It is emptied (back to its header) whenever the results file
// has caught up with every row in it, so it stays small.
type journal struct {
	mu     sync.Mutex
	f      *os.File
	bw     *bufio.Writer
	line   []byte
	maxRow int // the highest row since it was last emptied
	err    error
}

var headerLine = []byte(strings.Join(Header, ",") + "\n")

func createJournal(name string) (*journal, error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o666)
	if err != nil {
		return nil, err
	}
	// The header goes straight to the file: emptying the journal cuts it
	// back to the header, which must then be there to keep.
	if _, err := f.Write(headerLine); err != nil {
		f.Close()
		return nil, err
	}
	return &journal{f: f, bw: bufio.NewWriterSize(f, bufferSize)}, nil
}

func (j *journal) write(res importer.Result) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return j.err
	}
	j.line = appendResult(j.line[:0], &res)
	if j.bw.Available() < len(j.line) && j.bw.Buffered() > 0 {
		if err := j.bw.Flush(); err != nil {
			return j.fail(err)
		}
	}
	if _, err := j.bw.Write(j.line); err != nil {
		return j.fail(err)
	}
	j.maxRow = max(j.maxRow, res.Row)
	return nil
}

func (j *journal) fail(err error) error {
	if j.err == nil {
		j.err = fmt.Errorf("report: writing the journal: %w", err)
	}
	return j.err
}

// sync flushes and syncs the journal; when the results hold every row up
// to upTo on disk and the journal has no row past it, it is emptied.
func (j *journal) sync(upTo int) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return j.err
	}
	if j.maxRow == 0 {
		return nil
	}
	if j.maxRow <= upTo {
		j.bw.Reset(j.f)
		if err := j.f.Truncate(int64(len(headerLine))); err != nil {
			return j.fail(err)
		}
		if _, err := j.f.Seek(int64(len(headerLine)), io.SeekStart); err != nil {
			return j.fail(err)
		}
		j.maxRow = 0
		return nil
	}
	if err := j.bw.Flush(); err != nil {
		return j.fail(err)
	}
	if err := j.f.Sync(); err != nil {
		return j.fail(err)
	}
	return nil
}

func (j *journal) close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	err := j.err
	if err == nil {
		if e := j.bw.Flush(); e != nil {
			err = j.fail(e)
		} else if e := j.f.Sync(); e != nil {
			err = j.fail(e)
		}
	}
	if e := j.f.Close(); err == nil && e != nil {
		err = e
	}
	return err
}
