package importer

import (
	"sort"
	"strings"
)

// ProblemSeparator joins the problems of one row in its message.
const ProblemSeparator = "; "

// rowProblems gathers the problems of one row, each with the index of its
// column. It is nil, and costs nothing, for a row without any.
type rowProblems []columnProblem

type columnProblem struct {
	col  int
	text string
}

// add notes a problem of column col, unless that column has one already:
// a cell that is not text says nothing more by its length or its number.
func (ps *rowProblems) add(col int, text string) {
	for _, p := range *ps {
		if p.col == col {
			return
		}
	}
	*ps = append(*ps, columnProblem{col, text})
}

// message is the problems in the file's column order, joined.
func (ps rowProblems) message() string {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].col < ps[j].col })
	texts := make([]string, len(ps))
	for i, p := range ps {
		texts[i] = p.text
	}
	return strings.Join(texts, ProblemSeparator)
}

// SplitProblems takes the message of an invalid row apart into its
// problems, as Validate joined them. Each problem starts with its column
// and ": "; some carry advice after a "; " of their own ("not valid UTF-8;
// save the file as ..."), which has no ": " and so stays with its problem.
// A "; " inside a quoted value is not a separator.
func SplitProblems(msg string) []string {
	var parts []string
	start, quoted := 0, false
	for i := 0; i < len(msg); i++ {
		switch msg[i] {
		case '\\':
			if quoted {
				i++
			}
		case '"':
			quoted = !quoted
		case ';':
			if !quoted && strings.HasPrefix(msg[i:], ProblemSeparator) && startsProblem(msg[i+len(ProblemSeparator):]) {
				parts = append(parts, msg[start:i])
				start = i + len(ProblemSeparator)
			}
		}
	}
	return append(parts, msg[start:])
}

// startsProblem reports whether s begins with a column's name and ": "
// before the next "; ".
func startsProblem(s string) bool {
	if end := strings.Index(s, ProblemSeparator); end >= 0 {
		s = s[:end]
	}
	colon := strings.Index(s, ": ")
	return colon > 0 && !strings.ContainsAny(s[:colon], `"()`)
}
