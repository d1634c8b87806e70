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
// Add is meant to be a Config.Sink step: rows come from one goroutine.
type Problems struct {
	kinds map[string]*problemKind
	order []string
	other int
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
	maxKinds      = 30
	rowsShown     = 5
	kindsShown    = 10
	valueLength   = 40
	messageLength = 100
)

// valuePattern finds the parts of a message that belong to the row: quoted
// text and whole numbers (not digits inside a word, such as a field name).
var valuePattern = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|\b\d+(?:[.,]\d+)*\b`)

// NewProblems returns an empty table.
func NewProblems() *Problems { return &Problems{kinds: map[string]*problemKind{}} }

// Add counts one row, if it needs attention.
func (p *Problems) Add(r importer.Result) {
	if r.Status.OK() && len(r.Warnings) == 0 {
		return
	}
	parts, values := splitValues(problemText(r), r.ExternalID)
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
//	  invalid        3  maxGroupSize: … is not a whole number
//	                    row 7 FLT-7 "12.5" · row 398 FLT-398 "abc" · row 592 FLT-592 "1,5"
//	  conflict       2  1633 Group external Id … already exists
//	                    row 52 MIG-00050 · row 53 MIG-00051
//
// Values every row of a kind shares stay in the message.
func (p *Problems) Print(w io.Writer) {
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
	var b strings.Builder
	b.WriteString("Problems by kind (the first rows of each, with their own values):\n")
	for i, key := range keys {
		if i == kindsShown {
			fmt.Fprintf(&b, "  ... and %d more kinds; see the results file\n", len(keys)-kindsShown)
			break
		}
		k := p.kinds[key]
		fmt.Fprintf(&b, "  %-*s  %*d  %s\n", statusWidth, k.status, countWidth, k.count, k.message())
		b.WriteString(indent)
		for j, r := range k.rows {
			if j > 0 {
				b.WriteString(" · ")
			}
			b.WriteString(k.describe(r))
		}
		if more := k.count - len(k.rows); more > 0 {
			fmt.Fprintf(&b, " · and %d more", more)
		}
		b.WriteByte('\n')
	}
	if p.other > 0 {
		fmt.Fprintf(&b, "  (%s of other kinds; see the results file)\n", importer.Plural(p.other, "more row"))
	}
	_, _ = io.WriteString(w, b.String())
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
	return clip(b.String(), messageLength)
}

func (k *problemKind) describe(r problemRow) string {
	s := "row " + strconv.Itoa(r.row)
	if r.id != "" {
		s += " " + clip(r.id, valueLength)
	}
	for i, v := range r.values {
		if !k.same[i] && v != r.id {
			s += " " + clip(v, valueLength)
		}
	}
	return s
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
