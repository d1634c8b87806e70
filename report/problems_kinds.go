package report

import (
	"sort"

	"github.com/capillary-tools/groupimport/importer"
)

// ProblemKind is one kind of problem as the terminal's table shows it: a
// status, an API code and a message with the rows' own values taken out.
type ProblemKind struct {
	Status   importer.Status
	Code     int
	Message  string
	Count    int
	Examples []string // the first rows of the kind, each with its own values
}

// Kinds lists the kinds gathered so far, most frequent first, as Print
// orders them; Other counts the rows of kinds past the table's limit.
func (p *Problems) Kinds() (kinds []ProblemKind, other int) {
	keys := append([]string(nil), p.order...)
	sort.SliceStable(keys, func(i, j int) bool { return p.kinds[keys[i]].count > p.kinds[keys[j]].count })
	for _, key := range keys {
		k := p.kinds[key]
		pk := ProblemKind{Status: k.status, Code: k.code, Message: k.message(), Count: k.count}
		for _, r := range k.rows {
			pk.Examples = append(pk.Examples, k.describe(r, false))
		}
		kinds = append(kinds, pk)
	}
	return kinds, p.other
}
