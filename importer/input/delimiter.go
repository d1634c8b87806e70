package input

import (
	"bytes"
	"errors"
)

// delimiters are the ones sniffed, in order of preference on a tie.
var delimiters = []rune{',', ';', '\t', '|'}

// sniffDelimiter picks the delimiter that splits the header row of sample
// (UTF-8, whole lines) into the required columns, parsing the sample as
// the reader will so that quoted cells holding another delimiter do not
// mislead it. With want > 0 the header is that row, and the delimiter that
// maps it, or else splits it into the most cells, wins. When no delimiter
// finds a header the one that occurs most on the first line is returned:
// the header error that follows then lists sensible columns.
func sniffDelimiter(sample []byte, want int, aliases map[string]string) rune {
	best, bestRow, bestCells, bestMaps := rune(0), 0, 0, false
	for _, d := range delimiters {
		h, err := findHeader(NewCSVRecords(bytes.NewReader(sample), d), want, aliases)
		if err != nil {
			continue
		}
		maps := isHeader(h.cells, aliases)
		better := false
		switch {
		case best == 0:
			better = true
		case maps != bestMaps:
			better = maps
		case h.row != bestRow:
			better = h.row < bestRow
		default:
			better = len(h.cells) > bestCells
		}
		if better {
			best, bestRow, bestCells, bestMaps = d, h.row, len(h.cells), maps
		}
	}
	if best != 0 && (bestMaps || want > 0) {
		return best
	}
	var nh *errNoHeader
	if _, err := findHeader(NewCSVRecords(bytes.NewReader(sample), ','), 0, aliases); errors.As(err, &nh) && nh.first != nil {
		return mostFrequent(firstLine(sample, nh.first.row))
	}
	return mostFrequent(firstLine(sample, 1))
}

// firstLine returns line n (1-based) of sample, for counting delimiters.
func firstLine(sample []byte, n int) []byte {
	for i := 1; i < n; i++ {
		j := bytes.IndexByte(sample, '\n')
		if j < 0 {
			return nil
		}
		sample = sample[j+1:]
	}
	if j := bytes.IndexByte(sample, '\n'); j >= 0 {
		sample = sample[:j]
	}
	return sample
}

// mostFrequent counts the candidate delimiters outside quotes.
func mostFrequent(line []byte) rune {
	counts := map[rune]int{}
	quoted := false
	for _, c := range line {
		switch {
		case c == '"':
			quoted = !quoted
		case !quoted:
			counts[rune(c)]++
		}
	}
	best := delimiters[0]
	for _, d := range delimiters {
		if counts[d] > counts[best] {
			best = d
		}
	}
	return best
}
