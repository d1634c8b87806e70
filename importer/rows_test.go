package importer

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

// sliceRecords yields fixed rows; a row whose first cell is "!" cannot be
// read, and fail is returned once the rows run out, io.EOF when nil.
type sliceRecords struct {
	rows    [][]string
	at      int
	fail    error
	rewinds int
}

func (s *sliceRecords) Next() ([]string, int, error) {
	if s.at == len(s.rows) {
		if s.fail != nil {
			return nil, 0, s.fail
		}
		return nil, 0, io.EOF
	}
	s.at++
	if s.rows[s.at-1][0] == "!" {
		return nil, s.at + 1, &RowError{Row: s.at + 1, Err: errors.New("broken")}
	}
	return s.rows[s.at-1], s.at + 1, nil
}

func (s *sliceRecords) Offset() int64 { return int64(s.at) }

// rewinding is sliceRecords that can be read again.
type rewinding struct{ *sliceRecords }

func (r rewinding) Rewind() (Records, error) {
	r.rewinds++
	return &sliceRecords{rows: r.rows}, nil
}

func TestRows(t *testing.T) {
	boom := errors.New("disk on fire")
	recs := &sliceRecords{rows: [][]string{{"a", "1"}, {"!"}, {"b", "2"}}, fail: boom}
	var got []string
	for r, err := range Rows(recs) {
		switch {
		case err != nil:
			got = append(got, "error "+err.Error())
		case r.Err != nil:
			got = append(got, "row "+string(rune('0'+r.Num))+" broken: "+r.Err.Err.Error())
		default:
			got = append(got, "row "+string(rune('0'+r.Num))+": "+strings.Join(r.Cells, "|"))
		}
	}
	want := "row 2: a|1,row 3 broken: broken,row 4: b|2,error disk on fire"
	if strings.Join(got, ",") != want {
		t.Fatalf("got %q, want %q", strings.Join(got, ","), want)
	}
	// Breaking out of the loop stops reading.
	recs = &sliceRecords{rows: [][]string{{"a", "1"}, {"b", "2"}}}
	for range Rows(recs) {
		break
	}
	if recs.at != 1 {
		t.Fatalf("read %d rows after a break", recs.at)
	}
}

// TestRunRewinds: Records that can rewind are read twice, the first time
// to find the repeated ids, and the repeats come out as with a hash table.
func TestRunRewinds(t *testing.T) {
	rows := [][]string{{"a", "1"}, {"b", "1"}, {"!"}, {"a", "2"}, {"c", "x"}, {"b", "3"}}
	run := func(recs Records) string {
		var got []string
		_, err := Run(context.Background(), recs, Config{
			Validator: &Validator{Cols: mustHeader(t, "externalId", "maxGroupSize"), MaxGroupSize: 10},
			DryRun:    true,
			Sink:      func(r Result) error { got = append(got, string(r.Status)+" "+r.Message); return nil },
		})
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(got, "\n")
	}
	once := run(&sliceRecords{rows: rows})
	rw := rewinding{&sliceRecords{rows: rows}}
	if twice := run(rw); twice != once {
		t.Fatalf("with a first pass:\n%s\nwith a hash table:\n%s", twice, once)
	}
	if rw.rewinds != 1 {
		t.Fatalf("rewound %d times", rw.rewinds)
	}
	if !strings.Contains(once, "duplicate externalId also on row 2") || !strings.Contains(once, "duplicate externalId also on row 3") {
		t.Fatalf("no duplicates found:\n%s", once)
	}
}
