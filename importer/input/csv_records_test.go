package input

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
)

type readRow struct {
	row   int
	cells string // joined with |
	err   string
}

func readAll(t *testing.T, in string) []readRow {
	t.Helper()
	r := NewCSVRecords(strings.NewReader(in), 0)
	var out []readRow
	for {
		cells, row, err := r.Next()
		if err == io.EOF {
			return out
		}
		var re *importer.RowError
		if errors.As(err, &re) {
			out = append(out, readRow{row: re.Row, err: re.Err.Error()})
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, readRow{row: row, cells: strings.Join(cells, "|")})
	}
}

func TestCSVRecordsRowNumbers(t *testing.T) {
	in := "externalId,groupName,maxGroupSize\r\n" +
		"a,\"two\nlines\",1\r\n" + // row 2 spans two lines
		"b,plain,2\r\n" + // row 3 although on line 4
		"\r\n" + // blank line: a spreadsheet shows an empty row 4
		",,\r\n" + // formatted but empty row 5: not data
		"c,\"three\n\nlines\",3\n" + // row 6
		"d,x,4" // row 7, no final newline
	got := readAll(t, in)
	want := []readRow{
		{row: 1, cells: "externalId|groupName|maxGroupSize"},
		{row: 2, cells: "a|two\nlines|1"},
		{row: 3, cells: "b|plain|2"},
		{row: 6, cells: "c|three\n\nlines|3"},
		{row: 7, cells: "d|x|4"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d rows %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestCSVRecordsBrokenQuotingKeepsReading(t *testing.T) {
	in := "externalId,maxGroupSize\n" +
		"a\"b,1\n" + // bare quote: row 2 invalid
		"\"c\"x,2\n" + // text after a closing quote: row 3 invalid
		"d,3\n" // row 4 still read
	got := readAll(t, in)
	if len(got) != 4 {
		t.Fatalf("got %+v", got)
	}
	if got[1].row != 2 || !strings.Contains(got[1].err, "quote inside an unquoted cell") {
		t.Errorf("row 2: %+v", got[1])
	}
	if got[2].row != 3 || !strings.Contains(got[2].err, "broken quoting") {
		t.Errorf("row 3: %+v", got[2])
	}
	if got[3] != (readRow{row: 4, cells: "d|3"}) {
		t.Errorf("row 4: %+v", got[3])
	}
}

func TestCSVRecordsUnterminatedQuoteNamesItsLine(t *testing.T) {
	got := readAll(t, "externalId,maxGroupSize\na,1\n\"b,2\nc,3\n")
	last := got[len(got)-1]
	if last.row != 3 || !strings.Contains(last.err, "opened on line 3 is not closed") {
		t.Fatalf("got %+v", got)
	}
}
