package importer

import "strings"

// FormulaTriggers are the first characters that make a spreadsheet read a
// cell as a formula (OWASP, "CSV Injection").
const FormulaTriggers = "=+-@\t\r"

// IsFormula reports whether a text cell must be written to a CSV file with
// a leading single quote to keep a spreadsheet from running it. Quotes
// already at the start are skipped before looking for a trigger, so that
// the quote added can be told apart from the cell's own: "'=1" becomes
// "”=1", and unquoteFormula takes exactly one quote back off.
func IsFormula(s string) bool {
	i := 0
	for i < len(s) && s[i] == '\'' {
		i++
	}
	return i < len(s) && strings.IndexByte(FormulaTriggers, s[i]) >= 0
}

// QuoteFormula neutralises a cell a spreadsheet would run as a formula.
func QuoteFormula(s string) string {
	if IsFormula(s) {
		return "'" + s
	}
	return s
}

// unquoteFormula undoes QuoteFormula.
func unquoteFormula(s string) string {
	if len(s) > 0 && s[0] == '\'' && IsFormula(s) {
		return s[1:]
	}
	return s
}

// UnquoteFormulas reads recs with QuoteFormula undone on every cell: for
// a CSV file this tool wrote (a --failed-out file, marked by its
// ErrorColumn), so that it imports with the values it was made from.
func UnquoteFormulas(recs Records) Records { return unquoted{recs} }

type unquoted struct{ Records }

func (u unquoted) Next() ([]string, int, error) {
	cells, row, err := u.Records.Next()
	for i, c := range cells {
		cells[i] = unquoteFormula(c)
	}
	return cells, row, err
}
