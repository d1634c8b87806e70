package input

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

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

// refRecords is CSVRecords as encoding/csv alone reads it: the reference
// the lines split without it must agree with.
type refRecords struct {
	r     *csv.Reader
	extra int
}

func (c *refRecords) Offset() int64 { return c.r.InputOffset() }

func (c *refRecords) Next() ([]string, int, error) {
	for {
		rec, err := c.r.Read()
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				row := pe.StartLine - c.extra
				return nil, row, &importer.RowError{Row: row, Err: describeParseError(pe)}
			}
			return nil, 0, err
		}
		line, _ := c.r.FieldPos(0)
		row := line - c.extra
		blank := true
		for _, f := range rec {
			if strings.TrimSpace(f) != "" {
				blank = false
			}
			c.extra += strings.Count(f, "\n")
		}
		if !blank {
			return rec, row, nil
		}
	}
}

// sameAsEncodingCSV reads data with CSVRecords and with encoding/csv alone
// and fails at the first row, error or offset where they differ.
func sameAsEncodingCSV(t *testing.T, data string, delim rune) {
	t.Helper()
	sameAsEncodingCSVCapped(t, data, delim, MaxRow)
}

func TestCSVRecordsSplitAsEncodingCSV(t *testing.T) {
	for _, in := range []string{
		"", "\n", "\r\n", "a", "a\n", "a\r\n", "a\r", "a,b\r\nc,d", "a,b\n\n\r\n,\n c ,d\r\n",
		"a\rb,c\r\r\n", "x\n\"q\",1\ny,2\n", "\"a\nb\",1\nc,2\n\"d\n\ne\",3\nf\n",
		"a\"b,1\nc,2\n", "\"c\"x,2\nd,3\n", "a,1\n\"b,2\nc,3\n", "a,1\n\"b,2\nc,3",
		"é,ü\n\xff,\xfe\n", "a;b\nc;\"d;e\"\n",
		strings.Repeat("x", csvBuffer+10) + ",1\nb,2\n",
		strings.Repeat("y,", csvBuffer/2-3) + "\nz\n",
		strings.Repeat("id,12\r\n\n", chunk/4) + "q,\"u\"\n" + strings.Repeat("a,1\n", chunk) + "\"b\nc\",2\n" + strings.Repeat(strings.Repeat("z", 900)+"\n", 200) + "e",
	} {
		for _, d := range []rune{',', ';', '\t', '§'} {
			sameAsEncodingCSV(t, in, d)
		}
	}
}

func FuzzCSVRecordsSplitAsEncodingCSV(f *testing.F) {
	f.Add([]byte("externalId,maxGroupSize\n\"a\nb\",1\n\"unterminated,2\n"), uint8(0))
	f.Add([]byte("a;b\r\n\r\nc;d\r\n\"e\"\"\";f\n"), uint8(1))
	seeds, _ := filepath.Glob("../../samples/*.csv")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b, uint8(0))
			f.Add(b, uint8(1))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, d uint8) {
		sameAsEncodingCSV(t, string(data), []rune{',', ';', '\t', '|'}[d%4])
	})
}

// BenchmarkCSVRecords reads 100k rows of the bench harness's shape with
// CSVRecords, and with encoding/csv alone for comparison. ns/op is per row.
func BenchmarkCSVRecords(b *testing.B) {
	var data strings.Builder
	data.WriteString("externalId,groupName,maxGroupSize\n")
	const rows = 100_000
	for i := range rows {
		fmt.Fprintf(&data, "g%07d,Fleet %d,%d\n", i, i, 100+i%900)
	}
	for _, name := range []string{"CSVRecords", "encoding-csv"} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(data.Len()) / rows)
			b.ReportAllocs()
			var recs importer.Records
			for i := 0; b.Loop(); i++ {
				if i%(rows+1) == 0 {
					if name == "CSVRecords" {
						recs = NewCSVRecords(strings.NewReader(data.String()), ',')
					} else {
						cr := csv.NewReader(strings.NewReader(data.String()))
						cr.FieldsPerRecord, cr.ReuseRecord = -1, true
						recs = &refRecords{r: cr}
					}
				}
				if _, _, err := recs.Next(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCSVRecordsQuoted is BenchmarkCSVRecords on a file that quotes
// every cell, as some exporters write: every row goes to encoding/csv.
func BenchmarkCSVRecordsQuoted(b *testing.B) {
	var data strings.Builder
	data.WriteString("\"externalId\",\"groupName\",\"maxGroupSize\"\n")
	const rows = 100_000
	for i := range rows {
		fmt.Fprintf(&data, "\"g%07d\",\"Fleet %d\",\"%d\"\n", i, i, 100+i%900)
	}
	for _, name := range []string{"CSVRecords", "encoding-csv"} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(data.Len()) / rows)
			b.ReportAllocs()
			var recs importer.Records
			for i := 0; b.Loop(); i++ {
				if i%(rows+1) == 0 {
					if name == "CSVRecords" {
						recs = NewCSVRecords(strings.NewReader(data.String()), ',')
					} else {
						cr := csv.NewReader(strings.NewReader(data.String()))
						cr.FieldsPerRecord, cr.ReuseRecord = -1, true
						recs = &refRecords{r: cr}
					}
				}
				if _, _, err := recs.Next(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestCSVRecordsReadErrorCutsNoRow: a record that a failed read cuts off
// (the file found changed, a disk error) is not a row: the rows before it
// are read, then the error comes, and again at every call after it. Only
// the end of the input ends a record without a line break.
func TestCSVRecordsReadErrorCutsNoRow(t *testing.T) {
	failed := errors.New("read failed")
	long := strings.Repeat("y", csvBuffer+100) // past the buffer: gathered
	for name, cut := range map[string]string{
		"unterminated line":  "c,Gamma,3",
		"open quoted cell":   "c,\"Gam\nma",
		"line past a buffer": "c," + long,
		"row over the cap":   "c," + long + long,
		"closed quote":       "c,\"Gamma\",3",
	} {
		t.Run(name, func(t *testing.T) {
			in := io.MultiReader(strings.NewReader("a,Alpha,1\nb,\"Beta\",2\n"+cut), iotest.ErrReader(failed))
			r := NewCSVRecords(in, 0)
			r.max = csvBuffer + 200
			var got []string
			for {
				cells, row, err := r.Next()
				if err != nil {
					if !errors.Is(err, failed) {
						t.Fatalf("after %q: error %v, want the read's", got, err)
					}
					break
				}
				got = append(got, fmt.Sprintf("%d: %s", row, strings.Join(cells, "|")))
			}
			if want := "[1: a|Alpha|1 2: b|Beta|2]"; fmt.Sprint(got) != want {
				t.Errorf("rows %.200q, want %s", got, want)
			}
			if _, _, err := r.Next(); !errors.Is(err, failed) {
				t.Errorf("next call after the error: %v", err)
			}
		})
	}
}
