package input

import (
	"fmt"
	"strings"
	"testing"
)

// quoteFile is a header and 19 data rows; row 12 (line 13) opens a quote
// it never closes, and row 16 (line 17) holds a quoted cell, whose quote
// closes the open one.
func quoteFile() string {
	var b strings.Builder
	b.WriteString("externalId,groupName,maxGroupSize\n")
	for i := 1; i <= 19; i++ {
		switch i {
		case 12:
			fmt.Fprintf(&b, "S-%03d,\"Fleet %d,%d\n", i, i, i)
		case 16:
			fmt.Fprintf(&b, "S-%03d,\"Fleet %d\",%d\n", i, i, i)
		default:
			fmt.Fprintf(&b, "S-%03d,Fleet %d,%d\n", i, i, i)
		}
	}
	return b.String()
}

// TestUnclosedQuoteCostsOnlyItsRow: the rows after a quote left open are
// read as rows of their own, each numbered by its line, and the broken
// row says which line was taken as it.
func TestUnclosedQuoteCostsOnlyItsRow(t *testing.T) {
	for _, tt := range []struct{ name, data string }{
		{"closed by a later quote", quoteFile()},
		{"open to the end", strings.Replace(quoteFile(), `"Fleet 16"`, "Fleet 16", 1)},
		{"CRLF", strings.ReplaceAll(quoteFile(), "\n", "\r\n")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := open(t, writeFile(t, "q.csv", []byte(tt.data)), Options{})
			got := rows(t, f.Records)
			if len(got) != 19 {
				t.Fatalf("%d rows, want 19:\n%s", len(got), strings.Join(got, "\n"))
			}
			for i, line := range got {
				n := i + 1
				want := fmt.Sprintf("%d: S-%03d|Fleet %d|%d", n+1, n, n, n)
				switch n {
				case 12:
					if !strings.HasPrefix(line, "13! line 13: a quoted cell opened on this line is not closed on it") ||
						!strings.Contains(line, "the lines after it are read as rows of their own") {
						t.Errorf("row 13: %q", line)
					}
					continue
				case 16:
					if tt.name == "closed by a later quote" || tt.name == "CRLF" {
						want = "17: S-016|Fleet 16|16"
					}
				}
				if line != want {
					t.Errorf("got %q, want %q", line, want)
				}
			}
			// Read again (as a run's second pass does), the rows are the same.
			again, err := f.Reopen()
			if err != nil {
				t.Fatal(err)
			}
			equal(t, rows(t, again), got)
		})
	}
}

// TestMultiLineCellStaysOneRow: a quoted cell over several lines that
// closes and gives the header's cells is one row, and the rows after it
// keep their spreadsheet numbers.
func TestMultiLineCellStaysOneRow(t *testing.T) {
	data := "externalId,groupName,maxGroupSize\na,\"two\nlines\",1\nb,x,2\nc,\"stray\nend\",3,4\nd,y,5\n"
	f := open(t, writeFile(t, "m.csv", []byte(data)), Options{})
	got := rows(t, f.Records)
	want := []string{
		"2: a|two\nlines|1",
		"3: b|x|2",
		"4! line 5: a quoted cell opened on this line is not closed on it, so this line alone is taken as the row (read on to its closing quote, lines 5 to 6 give 4 cells, not the header's 3)",
		"5! broken quoting at line 6",
		"6: d|y|5",
	}
	if len(got) != len(want) {
		t.Fatalf("got:\n%s", strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("got %q, want it to start %q", got[i], want[i])
		}
	}
}

// TestManyOpenQuotesEachCostTheirRow: quotes left open all over a file
// larger than the read buffer each cost their own row, and every other
// row is read, on its own line, once.
func TestManyOpenQuotesEachCostTheirRow(t *testing.T) {
	var b strings.Builder
	b.WriteString("externalId,groupName,maxGroupSize\r\n")
	const n = 20000
	for i := 1; i <= n; i++ {
		if i%997 == 0 {
			fmt.Fprintf(&b, "g%d,\"open %d,%d\r\n", i, i, i)
			continue
		}
		fmt.Fprintf(&b, "g%d,name %d,%d\r\n", i, i, i)
	}
	f := open(t, writeFile(t, "many.csv", []byte(b.String())), Options{})
	got := rows(t, f.Records)
	if len(got) != n {
		t.Fatalf("%d rows, want %d", len(got), n)
	}
	for i, line := range got {
		k := i + 1
		want := fmt.Sprintf("%d: g%d|name %d|%d", k+1, k, k, k)
		if k%997 == 0 {
			want = fmt.Sprintf("%d! line %d: a quoted cell opened on this line is not closed on it", k+1, k+1)
		}
		if !strings.HasPrefix(line, want) {
			t.Fatalf("got %q, want %q", line, want)
		}
	}
}
