package report

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/report/page"
)

// ReadPage reads the record at path, its .meta and its .timeline, and
// fills the page of the run (report/page renders it). The totals are the
// record's own counts; the timeline is what the sessions kept as they ran.
// A record of any kind reads: import, validation, diff, and kinds this
// version does not know by their statuses. Notes say what the page could
// not learn from the record (no timeline, a run left unfinished).
func ReadPage(path string) (p *page.Page, notes []string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	m, _ := readMetaLoose(path + metaSuffix)
	p = &page.Page{Kind: page.Kind(m.Kind)}
	p.Header.Record = filepath.Base(path)
	p.Header.Host = m.Host

	b := newPageBuilder(m.Kind)
	err = ReadResults(bufio.NewReaderSize(f, 1<<20), func(r importer.Result) error {
		b.add(r)
		return nil
	})
	switch {
	case errors.Is(err, ErrTruncated):
		notes = append(notes, fmt.Sprintf("%s ends with an incomplete line (a run was killed while writing it); every complete line is counted", path))
	case err != nil:
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if p.Kind == "" {
		p.Kind = b.guessKind()
	}
	b.fill(p)

	sessions, points, terr := readTimeline(path + timelineSuffix)
	switch {
	case errors.Is(terr, fs.ErrNotExist):
		notes = append(notes, fmt.Sprintf("%s has no timeline beside it (%s%s): the page has no chart and no sessions", path, path, timelineSuffix))
	case terr != nil:
		notes = append(notes, fmt.Sprintf("reading %s%s: %v", path, timelineSuffix, terr))
	}
	p.Timeline = points
	headerFromSessions(&p.Header, sessions)
	for _, s := range []string{partialSuffix, journalSuffix} {
		if _, err := os.Lstat(path + s); err == nil {
			p.Header.Stopped = joinStop(p.Header.Stopped, "a run did not finish and left "+filepath.Base(path+s)+": its rows there are not counted until a resume merges them")
		}
	}
	if p.Header.InputSHA256 == "" && p.Header.Input != "" && p.Header.Input != "-" {
		if sum, err := fileSHA256(inputBeside(p.Header.Input, path)); err == nil {
			p.Header.InputSHA256 = sum + " (of the file as it is now: the run did not record it)"
		}
	}
	return p, notes, nil
}

func joinStop(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// readMetaLoose reads a .meta for what the page shows, without the checks
// a resume makes: a kind this version does not know still names itself.
func readMetaLoose(name string) (meta, error) {
	var m meta
	b, err := os.ReadFile(name)
	if err != nil {
		return m, err
	}
	err = json.Unmarshal(b, &m)
	return m, err
}

// inputBeside finds the input a run named: as named (from where the run
// was started), else beside the record.
func inputBeside(input, record string) string {
	if _, err := os.Stat(input); err == nil || filepath.IsAbs(input) {
		return input
	}
	return filepath.Join(filepath.Dir(record), filepath.Base(input))
}

// FileSHA256 is the hex SHA-256 of the file at path.
func FileSHA256(path string) (string, error) { return fileSHA256(path) }

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return "", errors.New("not a regular file")
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// pageBuilder adds up a record's lines for its page.
type pageBuilder struct {
	kind     Kind
	counts   map[importer.Status]int
	problems *Problems
	rows     []page.Row
	more     int
	plan     map[importer.Status]int
	fields   map[string]*page.FieldDiff
	kept     map[string]int
}

func newPageBuilder(k Kind) *pageBuilder {
	return &pageBuilder{kind: k, counts: map[importer.Status]int{}, problems: NewProblems(),
		plan: map[importer.Status]int{}, fields: map[string]*page.FieldDiff{}, kept: map[string]int{}}
}

// fieldExamples is how many rows each differing field shows.
const fieldExamples = 3

func (b *pageBuilder) add(r importer.Result) {
	b.counts[r.Status]++
	b.problems.Add(r)
	if !b.success(r.Status) {
		if len(b.rows) < page.MaxRows {
			b.rows = append(b.rows, page.Row{Row: r.Row, ExternalID: r.ExternalID, Status: string(r.Status), Message: r.Message, RequestID: r.RequestID})
		} else {
			b.more++
		}
		why := string(r.Status)
		for i, x := range r.Reasons {
			if i == 0 {
				why += ":"
			}
			why += " " + string(x)
		}
		b.kept[why]++
	}
	if d := r.Diff; d != nil && d.Plan != "" {
		b.plan[d.Plan]++
		for _, fd := range d.Fields {
			x := b.fields[fd.Field]
			if x == nil {
				x = &page.FieldDiff{Field: fd.Field}
				b.fields[fd.Field] = x
			}
			x.Count++
			if len(x.Examples) < fieldExamples {
				x.Examples = append(x.Examples, page.FieldExample{Row: r.Row, ExternalID: r.ExternalID, Server: fd.Server, Input: fd.Row})
			}
		}
	}
}

// success says whether a row of status s is counted and not listed.
func (b *pageBuilder) success(s importer.Status) bool {
	return s.OK() || s == importer.Deleted
}

// guessKind names the kind of a record without a .meta by its statuses.
func (b *pageBuilder) guessKind() page.Kind {
	for s := range b.counts {
		switch {
		case s == importer.Deleted:
			return page.KindUndo
		case slices.Contains(importer.DiffStatuses(), s) && !slices.Contains(importer.Statuses(), s):
			return page.KindDiff
		case s == importer.Valid || s == importer.ValidWithWarnings:
			return page.KindValidation
		}
	}
	return page.KindImport
}

func (b *pageBuilder) fill(p *page.Page) {
	order := importer.Statuses()
	switch p.Kind {
	case page.KindDiff:
		order = importer.DiffStatuses()
	case page.KindUndo:
		order = importer.UndoStatuses()
	}
	seen := map[importer.Status]bool{}
	for _, s := range order {
		if n := b.counts[s]; n > 0 {
			p.Totals = append(p.Totals, page.Total{Status: string(s), Count: n})
			seen[s] = true
		}
	}
	var rest []string
	for s := range b.counts {
		if !seen[s] {
			rest = append(rest, string(s))
		}
	}
	sort.Strings(rest)
	for _, s := range rest {
		p.Totals = append(p.Totals, page.Total{Status: s, Count: b.counts[importer.Status(s)]})
	}
	kinds, _ := b.problems.Kinds()
	for _, k := range kinds {
		p.Problems = append(p.Problems, page.Problem{Status: string(k.Status), Code: k.Code, Message: k.Message, Count: k.Count, Examples: k.Examples})
	}
	p.Rows, p.RowsNotListed = b.rows, b.more
	switch p.Kind {
	case page.KindDiff:
		d := &page.Diff{Create: b.plan[importer.Missing], Update: b.plan[importer.Differs], Same: b.plan[importer.Same]}
		for _, f := range b.fields {
			d.Fields = append(d.Fields, *f)
		}
		sort.Slice(d.Fields, func(i, j int) bool {
			if d.Fields[i].Count != d.Fields[j].Count {
				return d.Fields[i].Count > d.Fields[j].Count
			}
			return d.Fields[i].Field < d.Fields[j].Field
		})
		p.Diff = d
	case page.KindUndo:
		u := &page.Undo{Deleted: b.counts["deleted"]}
		for why, n := range b.kept {
			u.Kept = append(u.Kept, page.Reason{Why: why, Count: n})
		}
		sort.Slice(u.Kept, func(i, j int) bool {
			if u.Kept[i].Count != u.Kept[j].Count {
				return u.Kept[i].Count > u.Kept[j].Count
			}
			return u.Kept[i].Why < u.Kept[j].Why
		})
		p.Undo = u
	}
}

// timelineSession is one session as its timeline lines tell it.
type timelineSession struct {
	start, end time.Time
	facts      *RunFacts
	stopped    string
	ended      bool // an end line was written: the session was not killed
}

// readTimeline reads a .timeline: its sessions and one point per minute
// line. A line that does not parse (the end of a line a kill cut off) is
// passed over.
func readTimeline(name string) ([]timelineSession, []page.Point, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	var sessions []timelineSession
	var points []page.Point
	var last time.Time // the end of the latest minute of the current session
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var l timelineLine
		if json.Unmarshal(sc.Bytes(), &l) != nil {
			continue
		}
		switch {
		case l.Session == "start":
			at, err := time.Parse(time.RFC3339Nano, l.Time)
			if err != nil {
				continue
			}
			if n := len(sessions); n > 0 && !sessions[n-1].ended {
				endKilled(&sessions[n-1], last, at)
			}
			sessions = append(sessions, timelineSession{start: at, facts: l.RunFacts})
			last = time.Time{}
		case l.Session == "end":
			at, err := time.Parse(time.RFC3339Nano, l.Time)
			if err != nil || len(sessions) == 0 {
				continue
			}
			s := &sessions[len(sessions)-1]
			s.end, s.stopped, s.ended = at, l.Stopped, true
		case l.Minute != "":
			at, err := time.Parse(time.RFC3339, l.Minute)
			if err != nil {
				continue
			}
			pt := page.Point{Time: at, Rows: l.Rows, Requests: int(l.Requests), Throttled: int(l.Throttled),
				Holds: l.Holds, Held: time.Duration(l.HeldMS) * time.Millisecond, PaceCuts: l.PaceCuts}
			points = append(points, pt)
			if e := at.Add(time.Minute); e.After(last) {
				last = e
			}
		}
	}
	if n := len(sessions); n > 0 && !sessions[n-1].ended {
		endKilled(&sessions[n-1], last, time.Time{})
	}
	return sessions, points, sc.Err()
}

// endKilled ends a session that wrote no end line at its last minute (not
// past the next session's start, when there is one).
func endKilled(s *timelineSession, last, next time.Time) {
	s.end = s.start
	if last.After(s.end) {
		s.end = last
	}
	if !next.IsZero() && s.end.After(next) {
		s.end = next
	}
}

// headerFromSessions puts the sessions and the facts of the latest one
// into h.
func headerFromSessions(h *page.Header, sessions []timelineSession) {
	if len(sessions) == 0 {
		return
	}
	h.Start, h.End = sessions[0].start, sessions[len(sessions)-1].end
	for i, s := range sessions {
		h.Sessions = append(h.Sessions, page.Session{Start: s.start, End: s.end})
		if f := s.facts; f != nil {
			h.Version, h.Command, h.Input, h.InputSHA256 = f.Version, f.Command, f.Input, f.InputSHA256
			h.Rate, h.Workers = f.Rate, f.Workers
			if f.Host != "" {
				h.Host = f.Host
			}
		}
		if i == len(sessions)-1 {
			switch {
			case !s.ended:
				h.Stopped = "the last session recorded no end: it was killed, or it is still running"
			case s.stopped != "":
				h.Stopped = s.stopped
			}
		}
	}
}
