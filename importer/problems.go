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

// list is the problems in the file's column order.
func (ps rowProblems) list() []string {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].col < ps[j].col })
	texts := make([]string, len(ps))
	for i, p := range ps {
		texts[i] = p.text
	}
	return texts
}

// JoinProblems is the message of a row with these problems.
func JoinProblems(problems []string) string { return strings.Join(problems, ProblemSeparator) }
