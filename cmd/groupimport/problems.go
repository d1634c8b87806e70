package main

import (
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/capillary-tools/groupimport/importer"
)

// problems collects the rows that need attention by kind, so that the end
// of a run can show what is wrong without opening the results: a kind is a
// status and its message with the row's own values taken out.
type problems struct {
	kinds map[string]*problemKind
	order []string
	other int
}

type problemKind struct {
	status  importer.Status
	example string
	rows    []int
	count   int
}

const (
	maxKinds      = 30
	rowsShown     = 5
	kindsShown    = 10
	exampleLength = 90
)

var (
	quoted = regexp.MustCompile(`"[^"]*"`)
	digits = regexp.MustCompile(`\d+`)
)

func newProblems() *problems { return &problems{kinds: map[string]*problemKind{}} }

func (p *problems) add(r importer.Result) {
	if r.Status.OK() {
		return
	}
	key := string(r.Status) + "\x00" + digits.ReplaceAllString(quoted.ReplaceAllString(r.Message, `"…"`), "N")
	k, ok := p.kinds[key]
	if !ok {
		if len(p.kinds) >= maxKinds {
			p.other++
			return
		}
		k = &problemKind{status: r.Status, example: r.Message}
		p.kinds[key] = k
		p.order = append(p.order, key)
	}
	k.count++
	if len(k.rows) < rowsShown {
		k.rows = append(k.rows, r.Row)
	}
}

// print writes the table, most frequent kinds first.
func (p *problems) print(w io.Writer) {
	if len(p.order) == 0 {
		return
	}
	keys := append([]string(nil), p.order...)
	sort.SliceStable(keys, func(i, j int) bool { return p.kinds[keys[i]].count > p.kinds[keys[j]].count })
	fmt.Fprintln(w, "Problems (first rows of each kind):")
	for i, key := range keys {
		if i == kindsShown {
			fmt.Fprintf(w, "  ... and %d more kinds; see the results file\n", len(keys)-kindsShown)
			break
		}
		k := p.kinds[key]
		rows := make([]string, len(k.rows))
		for j, r := range k.rows {
			rows[j] = fmt.Sprint(r)
		}
		more := ""
		if k.count > len(k.rows) {
			more = ", …"
		}
		example := k.example
		if len([]rune(example)) > exampleLength {
			example = string([]rune(example)[:exampleLength]) + "…"
		}
		fmt.Fprintf(w, "  %-9s %6d  rows %s%s: %s\n", k.status, k.count, strings.Join(rows, ", "), more, example)
	}
	if p.other > 0 {
		fmt.Fprintf(w, "  (%d more rows of other kinds)\n", p.other)
	}
}
