package report

import (
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/capillary-tools/groupimport/importer"
)

// Problems gathers the rows that need attention into kinds, so that the
// end of a run can show what is wrong without opening the results. A kind
// is a status, an API code and a message with the row's own values taken
// out (quoted text, numbers and the row's externalId); each row shown keeps
// its own values beside it, so no row is described by another's message.
// Rows that ended well but lost extended fields (warnings) are problems
// too: data did not arrive.
//
// An invalid row names every problem it has (Result.Problems holds
// them apart): it is counted under the kind of each, so that a kind's
// count is how many rows have that problem, and the table's title says how
// many rows and problems there are in all when they differ.
//
// Add is meant to be a Config.Sink step: rows come from one goroutine.
type Problems struct {
	kinds    map[string]*problemKind
	order    []string
	other    int
	rows     int // rows added
	problems int // their problems: more than rows when a row has several
}

type problemKind struct {
	status importer.Status
	code   int
	parts  []string // the message around its values: len(values)+1
	common []string // the first row's values
	same   []bool   // whether every row so far had common[i]
	rows   []problemRow
	count  int
}

type problemRow struct {
	row    int
	id     string
	values []string
}

const (
	maxKinds    = 30
	rowsShown   = 3
	kindsShown  = 10
	valueLength = 40
)

// valuePattern finds the parts of a message that belong to the row: quoted
// text and whole numbers (not digits inside a word, such as a field name).
var valuePattern = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|\b\d+(?:[.,]\d+)*\b`)

// NewProblems returns an empty table.
func NewProblems() *Problems { return &Problems{kinds: map[string]*problemKind{}} }

// Add counts one row, if it needs attention. A skipped row does not: the
// run stopped before it, nothing is wrong with it, and the summary counts
// it apart (a resume sends it).
func (p *Problems) Add(r importer.Result) {
	if r.Status.OK() && len(r.Warnings) == 0 || r.Status == importer.Skipped {
		return
	}
	p.rows++
	if r.Status != importer.Invalid {
		p.problems++
		p.add(r, problemText(r))
		return
	}
	if len(r.Problems) == 0 {
		// Malformed, or read back from a record: one problem, as worded.
		p.problems++
		p.add(r, r.Message)
		return
	}
	for _, text := range r.Problems {
		p.problems++
		p.add(r, text)
	}
}

// add counts one problem of row r, whose text is msg.
func (p *Problems) add(r importer.Result, msg string) {
	parts, values := splitValues(msg, r.ExternalID)
	key := string(r.Status) + "\x00" + strconv.Itoa(r.Code) + "\x00" + strings.Join(parts, "\x00")
	k, ok := p.kinds[key]
	if !ok {
		if len(p.kinds) >= maxKinds {
			p.other++
			return
		}
		k = &problemKind{status: r.Status, code: r.Code, parts: parts, common: values, same: make([]bool, len(values))}
		for i := range k.same {
			k.same[i] = true
		}
		p.kinds[key] = k
		p.order = append(p.order, key)
	}
	k.count++
	for i, v := range values {
		if v != k.common[i] {
			k.same[i] = false
		}
	}
	if len(k.rows) < rowsShown {
		k.rows = append(k.rows, problemRow{row: r.Row, id: r.ExternalID, values: values})
	}
}

// problemText is what a row's kind is made of: the message, and for a row
// whose only trouble is its warnings, the warnings.
func problemText(r importer.Result) string {
	if len(r.Warnings) == 0 || !(r.Status == importer.ValidWithWarnings || r.Status.OK()) {
		return r.Message
	}
	ws := make([]string, len(r.Warnings))
	for i, w := range r.Warnings {
		ws[i] = w.Message
		if w.Code != 0 { // 0: found without the API, which has no code for it
			ws[i] = strconv.Itoa(w.Code) + " " + w.Message
		}
	}
	return strings.Join(ws, "; ")
}

// splitValues cuts msg into the text around the row's values and the
// values. The externalId goes first, since it may hold digits.
func splitValues(msg, id string) (parts, values []string) {
	var b strings.Builder
	rest := msg
	for rest != "" {
		loc := valuePattern.FindStringIndex(rest)
		idAt := -1
		if id != "" {
			idAt = strings.Index(rest, id)
		}
		switch {
		case idAt >= 0 && (loc == nil || idAt <= loc[0]):
			b.WriteString(rest[:idAt])
			parts = append(parts, b.String())
			b.Reset()
			values = append(values, id)
			rest = rest[idAt+len(id):]
		case loc != nil:
			b.WriteString(rest[:loc[0]])
			parts = append(parts, b.String())
			b.Reset()
			values = append(values, rest[loc[0]:loc[1]])
			rest = rest[loc[1]:]
		default:
			b.WriteString(rest)
			rest = ""
		}
	}
	return append(parts, b.String()), values
}

// Print writes the table, most frequent kinds first, for example
//
//	Problems by kind (the first rows of each, with their own values):
//	  invalid   3  maxGroupSize: … is not a whole number
//	               row 7, FLT-7: "12.5" is not a whole number
//	               row 398, FLT-398: "abc" is not a whole number
//	               row 592, FLT-592: "1,5" is not a whole number
//	  conflict  2  1633 Group external Id … already exists
//	               row 52, MIG-00050
//	               row 53, MIG-00051
//
// Values every row of a kind shares stay in the message; each example row
// reads on its own: its message from its first value of its own. width is
// the terminal's columns, to wrap the lines to; 0 (not a terminal: a file,
// a pipe, a log) wraps nothing and cuts nothing, so that a log holds every
// word.
func (p *Problems) Print(w io.Writer, width int) {
	if len(p.order) == 0 {
		return
	}
	keys := append([]string(nil), p.order...)
	sort.SliceStable(keys, func(i, j int) bool { return p.kinds[keys[i]].count > p.kinds[keys[j]].count })
	statusWidth, countWidth := 0, 0
	for _, key := range keys {
		k := p.kinds[key]
		statusWidth = max(statusWidth, len(k.status))
		countWidth = max(countWidth, len(strconv.Itoa(k.count)))
	}
	indent := strings.Repeat(" ", 2+statusWidth+2+countWidth+2)
	if width > 0 && width-len(indent) < 30 {
		// A narrow terminal: the text goes under the status instead.
		indent = "    "
	}
	lw := lineWrapper{b: new(strings.Builder), width: width}
	lw.line("", "Problems by kind (the first rows of each, with their own values):")
	if p.problems > p.rows {
		lw.line("  ", fmt.Sprintf("%s with %d problems; a row with several is counted under each of its kinds", importer.Plural(p.rows, "row"), p.problems))
	}
	for i, key := range keys {
		if i == kindsShown {
			lw.line("  ", fmt.Sprintf("... and %d more kinds; see the results file", len(keys)-kindsShown))
			break
		}
		k := p.kinds[key]
		head := fmt.Sprintf("  %-*s  %*d  ", statusWidth, k.status, countWidth, k.count)
		if len(head) > len(indent) {
			lw.line("", strings.TrimRight(head, " "))
			lw.line(indent, k.message())
		} else {
			lw.lineAfter(head, indent, k.message())
		}
		for _, r := range k.rows {
			lw.line(indent, k.describe(r, width > 0))
		}
		if more := k.count - len(k.rows); more > 0 {
			lw.line(indent, fmt.Sprintf("and %d more", more))
		}
	}
	if p.other > 0 {
		lw.line("  ", fmt.Sprintf("(%s of other kinds; see the results file)", importer.Plural(p.other, "more row")))
	}
	_, _ = io.WriteString(w, lw.b.String())
}

// lineWrapper writes lines of text after an indent, wrapped at spaces to
// width columns (0: not wrapped); a continuation is indented two more.
type lineWrapper struct {
	b     *strings.Builder
	width int
}

func (lw lineWrapper) line(indent, text string) { lw.lineAfter(indent, indent, text) }

// lineAfter writes text after first (the start of its first line) and
// indent (the start of the lines it wraps onto).
func (lw lineWrapper) lineAfter(first, indent, text string) {
	lw.b.WriteString(first)
	col := len([]rune(first))
	if lw.width <= 0 {
		lw.b.WriteString(text + "\n")
		return
	}
	more := indent + "  "
	for i, word := range strings.Split(text, " ") {
		n := len([]rune(word))
		if i > 0 {
			if col+1+n > lw.width && col > len(more) {
				lw.b.WriteString("\n" + more)
				col = len(more)
			} else {
				lw.b.WriteByte(' ')
				col++
			}
		}
		lw.b.WriteString(word)
		col += n
	}
	lw.b.WriteByte('\n')
}

func (k *problemKind) message() string {
	var b strings.Builder
	if k.code != 0 && !strings.Contains(k.parts[0], strconv.Itoa(k.code)) {
		b.WriteString(strconv.Itoa(k.code) + " ")
	}
	for i, part := range k.parts {
		b.WriteString(part)
		if i < len(k.common) {
			if k.same[i] {
				b.WriteString(k.common[i])
			} else {
				b.WriteString("…")
			}
		}
	}
	return b.String()
}

// describe is one example row: "row 27, FLEET-00024" and, when the row has
// values of its own beyond its id, its message from the first of them:
// `row 27, FLEET-00024: "30.000" could be 30 or 30000`. clipValues cuts a
// long value, on a terminal only.
func (k *problemKind) describe(r problemRow, clipValues bool) string {
	s := "row " + strconv.Itoa(r.row)
	if r.id != "" {
		s += ", " + r.id
	}
	from := -1
	for i, v := range r.values {
		if !k.same[i] && v != r.id {
			from = i
			break
		}
	}
	if from < 0 {
		return s
	}
	var b strings.Builder
	for i := from; i < len(r.values); i++ {
		v := r.values[i]
		if clipValues {
			v = clip(v, valueLength)
		}
		b.WriteString(v)
		b.WriteString(k.parts[i+1])
	}
	return s + ": " + strings.TrimSpace(strings.TrimRight(b.String(), ".;, "))
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
