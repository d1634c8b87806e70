package report

import (
	"strconv"
	"strings"

	"github.com/capillary-tools/groupimport/importer"
)

// needsQuote is importer.IsFormula for strings and bytes: whether a text
// cell must be written with a leading single quote (see restoreCell).
func needsQuote[T ~string | ~[]byte](s T) bool {
	i := 0
	for i < len(s) && s[i] == '\'' {
		i++
	}
	return i < len(s) && strings.IndexByte(importer.FormulaTriggers, s[i]) >= 0
}

// restoreCell undoes the quoting of a text cell read from a results file.
func restoreCell(s string) string {
	if len(s) > 0 && s[0] == '\'' && needsQuote(s) {
		return s[1:]
	}
	return s
}

// warningSep separates the items of the warnings column.
const warningSep = " | "

// appendWarnings appends notices as "CODE: message" items joined by
// warningSep.
func appendWarnings(b []byte, ws []importer.Notice) []byte {
	for i, n := range ws {
		if i > 0 {
			b = append(b, warningSep...)
		}
		b = strconv.AppendInt(b, int64(n.Code), 10)
		b = append(b, ": "...)
		b = append(b, n.Message...)
	}
	return b
}

// parseWarnings splits a warnings cell back into notices. A message that
// itself contains " | " followed by a number and ": " cannot be told from
// two items; any other separator inside a message is kept, because an item
// that does not start with a number continues the previous message.
func parseWarnings(s string) []importer.Notice {
	if s == "" {
		return nil
	}
	var ns []importer.Notice
	for item := range strings.SplitSeq(s, warningSep) {
		code, msg, ok := splitNotice(item)
		switch {
		case ok:
			ns = append(ns, importer.Notice{Code: code, Message: msg})
		case len(ns) > 0:
			ns[len(ns)-1].Message += warningSep + item
		default:
			// Not written by Writer; keep the text rather than fail a
			// column that is informational only.
			ns = append(ns, importer.Notice{Message: item})
		}
	}
	return ns
}

// splitNotice parses one "CODE: message" item.
func splitNotice(item string) (code int, msg string, ok bool) {
	head, msg, found := strings.Cut(item, ": ")
	if !found {
		return 0, "", false
	}
	code, err := strconv.Atoi(head)
	if err != nil {
		return 0, "", false
	}
	return code, msg, true
}
