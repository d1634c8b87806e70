package importer

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// lookAlikeRows has ids that differ only in case or Unicode form, and ids
// that merely share letters.
var lookAlikeRows = [][]string{
	{"Café", "1"},         // row 2, NFC
	{"Cafe\u0301", "1"},   // row 3, NFD: looks like row 2
	{"FLEET-1", "1"},      // row 4
	{"fleet-1", "1"},      // row 5: case only, like row 4
	{"\uff26LEET-1", "1"}, // row 6: full-width F, like row 4
	{"fleet-1", "1"},      // row 7: an exact repeat of row 5: duplicate, no look-alike warning
	{"fleet-2", "1"},      // row 8: distinct
	{"CAFÉ", "x"},         // row 9: invalid, so not a look-alike of anything sent
	{"Straße", "1"},       // row 10
	{"STRASSE", "1"},      // row 11: full case folding
	{"plain", "1"},        // row 12
	{"PLAIN\u200b", "1"},  // row 13: invisible character: invalid
	{"ﬁle", "1"},          // row 14: a ligature, compatibility form of "file"
	{"FILE", "1"},         // row 15
	{"bad-1", "x"},        // row 16: invalid
	{"BAD-1", "1"},        // row 17: not a look-alike of a row that is not sent
}

// TestLookAlikeIDsAreWarnedOf: with a first pass over the input and without
// one (standard input), a row whose id differs from an earlier row's only by
// case or Unicode normalisation is sent with a warning naming that row, and
// its status is what it would have been.
func TestLookAlikeIDsAreWarnedOf(t *testing.T) {
	want := map[int]int{3: 2, 5: 4, 6: 4, 11: 10, 15: 14} // row -> the row it looks like
	for _, rewind := range []bool{false, true} {
		t.Run(fmt.Sprintf("first pass %v", rewind), func(t *testing.T) {
			var recs Records = &sliceRecords{rows: lookAlikeRows}
			if rewind {
				recs = rewinding{&sliceRecords{rows: lookAlikeRows}}
			}
			var got []Result
			_, err := Run(context.Background(), recs, Config{
				Validator: &Validator{Cols: mustHeader(t, "externalId", "maxGroupSize"), MaxGroupSize: 10},
				DryRun:    true,
				Sink:      func(r Result) error { got = append(got, r); return nil },
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range got {
				var lookAlike []Notice
				for _, w := range r.Warnings {
					if strings.Contains(w.Message, "letter case or Unicode form") {
						lookAlike = append(lookAlike, w)
					}
				}
				first, ok := want[r.Row]
				switch {
				case ok && (len(lookAlike) != 1 || !strings.Contains(lookAlike[0].Message, fmt.Sprintf("row %d's", first))):
					t.Errorf("row %d (%q): warnings %+v, want one naming row %d", r.Row, r.ExternalID, r.Warnings, first)
				case ok && !strings.Contains(lookAlike[0].Message, "not documented"):
					t.Errorf("row %d: warning %q does not say the API's comparison is unknown", r.Row, lookAlike[0].Message)
				case ok && r.Status != Valid:
					t.Errorf("row %d: status %s, want valid: the warning does not change it", r.Row, r.Status)
				case !ok && len(lookAlike) > 0:
					t.Errorf("row %d (%q): unexpected %+v", r.Row, r.ExternalID, lookAlike)
				}
			}
			if s := got[5].Status; s != Duplicate {
				t.Errorf("row 7: %s, want duplicate", s)
			}
			if s := got[11].Status; s != Invalid {
				t.Errorf("row 13: %s, want invalid", s)
			}
		})
	}
}

// TestLookAlikeFirstPassIsExact: the first pass's Bloom filter only narrows
// the ids to track; on many ids it finds the same look-alikes as a table of
// every folded id.
func TestLookAlikeFirstPassIsExact(t *testing.T) {
	var rows [][]string
	const n = 120000 // past a filter growth
	for i := range n {
		id := fmt.Sprintf("id-%d", i)
		switch i % 1000 {
		case 3:
			id = fmt.Sprintf("LATE-%d", i) // before its own folded form
		case 4:
			id = fmt.Sprintf("late-%d", i-1)
		case 5:
			id = fmt.Sprintf("Mixed-%d", i) // neither is its folded form
		case 6:
			id = fmt.Sprintf("MIXED-%d", i-1)
		case 7:
			id = strings.ToUpper(fmt.Sprintf("id-%d", i-7)) // after its folded form
		case 8:
			id = fmt.Sprintf("Café-%d", i)
		case 9:
			id = fmt.Sprintf("id-%d", i-8) // an exact repeat
		case 10:
			id = fmt.Sprintf("Cafe\u0301-%d", i-2)
		case 11:
			id = fmt.Sprintf("MIXED-%d", i-6) // an exact repeat of a look-alike
		}
		rows = append(rows, []string{id, "1"})
	}
	run := func(recs Records) []string {
		var got []string
		_, err := Run(context.Background(), recs, Config{
			Validator: &Validator{Cols: mustHeader(t, "externalId", "maxGroupSize"), MaxGroupSize: 10},
			DryRun:    true,
			Sink: func(r Result) error {
				for _, w := range r.Warnings {
					got = append(got, fmt.Sprintf("row %d: %s", r.Row, w.Message))
				}
				return nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	stream := run(&sliceRecords{rows: rows})
	twice := run(rewinding{&sliceRecords{rows: rows}})
	if len(stream) != 4*n/1000 {
		t.Fatalf("%d warnings, want %d", len(stream), 4*n/1000)
	}
	if strings.Join(stream, "\n") != strings.Join(twice, "\n") {
		t.Fatalf("a first pass found\n%s\na table found\n%s", strings.Join(twice, "\n"), strings.Join(stream, "\n"))
	}
}

// TestDuplicateOfAnInvalidRowSaysNeitherIsSent: the message of a repeated
// externalId is true whether the first row is sent or not.
func TestDuplicateOfAnInvalidRowSaysNeitherIsSent(t *testing.T) {
	rows := [][]string{
		{"a", "x"}, // row 2: invalid
		{"a", "1"}, // row 3
		{"b", "1"}, // row 4
		{"b", "2"}, // row 5
		{"a", "2"}, // row 6
	}
	for _, rewind := range []bool{false, true} {
		var recs Records = &sliceRecords{rows: rows}
		if rewind {
			recs = rewinding{&sliceRecords{rows: rows}}
		}
		var got []string
		_, err := Run(context.Background(), recs, Config{
			Validator: &Validator{Cols: mustHeader(t, "externalId", "maxGroupSize"), MaxGroupSize: 10},
			DryRun:    true,
			Sink:      func(r Result) error { got = append(got, string(r.Status)+": "+r.Message); return nil },
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			`invalid: maxGroupSize: "x" is not a whole number`,
			"duplicate: externalId also on row 2, which is invalid; neither is sent",
			"valid: ",
			"duplicate: externalId also on row 4; only that row is sent",
			"duplicate: externalId also on row 2, which is invalid; neither is sent",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("first pass %v:\n%s\nwant\n%s", rewind, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}
