package report

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/capillary-tools/groupimport/importer"
)

// timelineSuffix names the record's timeline: RECORD.timeline, one JSON
// object a line, appended by every session that writes the record.
//
//	{"session":"start","time":"…","version":"…","input":"…","inputSha256":"…","rate":"10/s","workers":4,…}
//	{"minute":"2026-12-02T20:05:00+05:30","rows":{"created":57,"conflict":2},"requests":61,"throttled":3,"holds":1,"heldMs":1000,"paceCuts":1}
//	{"session":"end","time":"…","stopped":"interrupted"}
//
// A minute line is written when the minute is over (or the session ends)
// and only for a minute that had traffic; the file is synced with the
// record, once a second, so a kill loses the minute under way at most. A
// session killed before its end has no end line: its last minute ends it.
const timelineSuffix = ".timeline"

// RunFacts are what a session's start line says about the run: what ran,
// on what input, against which host, how fast. Secrets never go here: the
// command line holds none (credentials come from the environment).
type RunFacts struct {
	Version     string `json:"version,omitempty"`
	Command     string `json:"command,omitempty"`
	Input       string `json:"input,omitempty"`
	InputSHA256 string `json:"inputSha256,omitempty"`
	Host        string `json:"host,omitempty"`
	Rate        string `json:"rate,omitempty"`
	Workers     int    `json:"workers,omitempty"`
}

// timelineLine is one line of a .timeline file: a session mark (Session
// set) or a minute (Minute set).
type timelineLine struct {
	Session string `json:"session,omitempty"`
	Time    string `json:"time,omitempty"`
	Stopped string `json:"stopped,omitempty"`
	*RunFacts

	Minute    string         `json:"minute,omitempty"`
	Rows      map[string]int `json:"rows,omitempty"`
	Requests  int64          `json:"requests,omitempty"`
	Throttled int64          `json:"throttled,omitempty"`
	Holds     int            `json:"holds,omitempty"`
	HeldMS    int64          `json:"heldMs,omitempty"`
	PaceCuts  int            `json:"paceCuts,omitempty"`
}

// minuteCount is what the run did in one minute.
type minuteCount struct {
	minute    time.Time
	rows      map[string]int
	requests  int64
	throttled int64
	holds     int
	held      time.Duration
	cuts      int
}

func (m *minuteCount) empty() bool {
	return len(m.rows) == 0 && m.requests == 0 && m.throttled == 0 && m.holds == 0 && m.held == 0 && m.cuts == 0
}

// Timeline counts what a run does minute by minute, from the engine's own
// events, and keeps it in RECORD.timeline beside the record: rows finished
// by status (as Results records them), requests and 429s (sampled from an
// importer.Traffic), holds (through Pacer) and pace cuts (Cut). Results
// owns its file: it is opened by Start, written at the record's flush
// cadence, removed with the other companions when a record starts afresh,
// and appended to by a resume. Its methods are safe for concurrent use.
type Timeline struct {
	mu      sync.Mutex
	now     func() time.Time
	f       *os.File
	pending []byte // lines not yet handed to the file
	cur     minuteCount
	err     error
	closed  bool

	facts   RunFacts
	stopped string

	traffic          *importer.Traffic
	lastReq, lastThr int64
	early            map[int]bool // rows counted when they finished out of order

	holdMu sync.Mutex // one 429's hold is judged at a time
}

func newTimeline() *Timeline { return &Timeline{now: time.Now, early: map[int]bool{}} }

// SetClock replaces the clock the timeline reads (time.Now by default), so
// that a test can cover many minutes in a few seconds. Set it before Start.
func (t *Timeline) SetClock(now func() time.Time) { t.now = now }

// SetFacts sets what the session's start line says of the run. Call it
// before Start.
func (t *Timeline) SetFacts(f RunFacts) { t.facts = f }

// Stopped records why the session ended before every row was done, for its
// end line ("" when it ran to the end).
func (t *Timeline) Stopped(why string) {
	t.mu.Lock()
	t.stopped = why
	t.mu.Unlock()
}

// Watch counts the requests and 429s of tr, as the display does.
func (t *Timeline) Watch(tr *importer.Traffic) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.traffic = tr
	t.lastReq, t.lastThr = tr.Requests.Load(), tr.Throttled.Load()
}

// Pacer returns l with every hold that a 429 starts counted: a hold begins
// when a 429 finds no hold on, and the time it adds is held time.
func (t *Timeline) Pacer(l *importer.Limiter) importer.Pacer { return heldPacer{l, t} }

type heldPacer struct {
	*importer.Limiter
	t *Timeline
}

func (p heldPacer) Throttled(retryAfter time.Duration) {
	p.t.holdMu.Lock()
	before := p.Limiter.Held()
	p.Limiter.Throttled(retryAfter)
	after := p.Limiter.Held()
	p.t.holdMu.Unlock()
	if after <= before {
		return
	}
	p.t.mu.Lock()
	defer p.t.mu.Unlock()
	m := p.t.at(p.t.now())
	if before <= 0 {
		m.holds++
	}
	m.held += after - before
}

// Cut counts one pace cut (importer.Limiter.OnCut).
func (t *Timeline) Cut(importer.PaceCut) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.at(t.now()).cuts++
}

// row counts a row when it finishes: a row seen early (out of order) is
// not counted again when it comes in order. Rows a resume kept finished in
// an earlier session, and skipped rows never did.
func (t *Timeline) row(res importer.Result, early bool) {
	if res.Kept || res.Status == importer.Skipped {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if !early && t.early[res.Row] {
		delete(t.early, res.Row)
		return
	}
	if early {
		t.early[res.Row] = true
	}
	m := t.at(t.now())
	if m.rows == nil {
		m.rows = map[string]int{}
	}
	m.rows[string(res.Status)]++
}

// at is the count of the minute of now; a minute that is over goes to
// pending first. Called with mu held.
func (t *Timeline) at(now time.Time) *minuteCount {
	if m := now.Truncate(time.Minute); !m.Equal(t.cur.minute) {
		t.roll()
		t.cur = minuteCount{minute: m}
	}
	return &t.cur
}

// roll moves the current minute, if it had traffic, to pending.
func (t *Timeline) roll() {
	m := &t.cur
	if m.minute.IsZero() || m.empty() {
		return
	}
	t.add(timelineLine{Minute: m.minute.Format(time.RFC3339), Rows: m.rows, Requests: m.requests, Throttled: m.throttled,
		Holds: m.holds, HeldMS: m.held.Milliseconds(), PaceCuts: m.cuts})
	*m = minuteCount{minute: m.minute}
}

func (t *Timeline) add(l timelineLine) {
	b, _ := json.Marshal(l)
	t.pending = append(append(t.pending, b...), '\n')
}

// sample adds the traffic since the last sample to the current minute.
func (t *Timeline) sample(now time.Time) {
	if t.traffic == nil {
		return
	}
	req, thr := t.traffic.Requests.Load(), t.traffic.Throttled.Load()
	if req != t.lastReq || thr != t.lastThr {
		m := t.at(now)
		m.requests += req - t.lastReq
		m.throttled += thr - t.lastThr
		t.lastReq, t.lastThr = req, thr
	}
}

// start opens (or, on a resume, appends to) the timeline file and writes
// the session's start line, synced.
func (t *Timeline) start(path string, fresh bool) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_APPEND
	if fresh {
		flags |= os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o666)
	if err != nil {
		return fmt.Errorf("report: the timeline: %w", err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.f = f
	facts := t.facts
	t.add(timelineLine{Session: "start", Time: t.now().Format(time.RFC3339Nano), RunFacts: &facts})
	return t.flush(true)
}

// flush hands the pending lines to the file, and syncs it when asked.
// Called with mu held. An error is kept: the timeline is an aid, and a
// run does not stop for it.
func (t *Timeline) flush(sync bool) error {
	if t.f == nil || t.err != nil {
		return t.err
	}
	if len(t.pending) > 0 {
		if _, err := t.f.Write(t.pending); err != nil {
			t.err = err
			return err
		}
		t.pending = t.pending[:0]
		if sync {
			if err := t.f.Sync(); err != nil {
				t.err = err
				return err
			}
		}
	}
	return nil
}

// sync samples the traffic, closes a minute that is over and writes it
// out: called at the record's flush cadence.
func (t *Timeline) sync() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	now := t.now()
	t.sample(now)
	t.at(now)
	_ = t.flush(true)
}

// close writes the minute under way and the session's end line.
func (t *Timeline) close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.f == nil || t.closed {
		return nil
	}
	t.closed = true
	now := t.now()
	t.sample(now)
	t.roll()
	t.add(timelineLine{Session: "end", Time: now.Format(time.RFC3339Nano), Stopped: t.stopped})
	err := t.flush(true)
	if e := t.f.Close(); err == nil {
		err = e
	}
	return err
}

// Timeline is the run's timeline, counted as it goes and kept beside the
// record. Set it up (SetFacts, Watch, Pacer) before Start.
func (r *Results) Timeline() *Timeline {
	if r.timeline == nil {
		r.timeline = newTimeline()
	}
	return r.timeline
}

// startTimeline opens RECORD.timeline for this session: a fresh record
// starts a new one, a resume appends to what the earlier sessions left.
func (r *Results) startTimeline() error {
	return r.Timeline().start(r.path+timelineSuffix, !r.opts.Resume)
}
