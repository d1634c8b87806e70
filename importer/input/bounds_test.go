package input

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/capillary-tools/groupimport/importer"
)

// pastSample is a header and enough rows that what follows lies beyond
// the bytes Open sniffs; it returns the text and the next row's number.
func pastSample() (string, int) {
	var b strings.Builder
	b.WriteString("externalId,groupName,maxGroupSize\n")
	row := 2
	for ; b.Len() <= sniffSize; row++ {
		fmt.Fprintf(&b, "g%05d,Fleet %d,%d\n", row, row, row)
	}
	return b.String(), row
}

func TestRowOverTheCapIsOneInvalidRow(t *testing.T) {
	big := strings.Repeat("x", 2<<20)
	for name, cell := range map[string]string{
		"bare":      big,
		"quoted":    `"` + big[:1<<20] + "\n" + big[:1<<20] + `"`,
		"delimited": strings.Repeat("x,", 1<<20),
	} {
		t.Run(name, func(t *testing.T) {
			data := "externalId,groupName,maxGroupSize\n" +
				"a,Alpha,1\n" +
				"b," + cell + ",2\n" +
				"c,Gamma,3\n" +
				"d,\"Delta\",4\n"
			f := open(t, writeFile(t, "big.csv", []byte(data)), Options{})
			got := rows(t, f.Records)
			if len(got) != 4 {
				t.Fatalf("got %d rows, want 4: %.200q", len(got), got)
			}
			equal(t, []string{got[0], got[2], got[3]}, []string{"2: a|Alpha|1", "4: c|Gamma|3", "5: d|Delta|4"})
			size := fmt.Sprintf("%d", len("b,"+cell+",2"))
			size = size[:len(size)-6] + "," + size[len(size)-6:len(size)-3] + "," + size[len(size)-3:]
			if !strings.HasPrefix(got[1], "3! ") || !strings.Contains(got[1], "1 MiB a row may hold") || !strings.Contains(got[1], size+" bytes") {
				t.Errorf("row 3: got %.300q, want one invalid row saying it is over the 1 MiB and %s bytes long", got[1], size)
			}
		})
	}
}

func TestRowAtTheCap(t *testing.T) {
	bare := "b," + strings.Repeat("y", MaxRow-4) + ",2"
	quoted := `"b` + strings.Repeat("y", MaxRow-5) + `",2`
	for _, l := range []string{bare, quoted} {
		if len(l) != MaxRow {
			t.Fatal(len(l))
		}
		got := readAll(t, "externalId,groupName\na,1\n"+l+"\r\nc,3")
		if len(got) != 4 || got[2].err != "" || got[2].row != 3 || got[3] != (readRow{row: 4, cells: "c|3"}) {
			t.Errorf("a row of exactly %d bytes: got %d rows, row 3 %d %.100q %.100q", MaxRow, len(got), got[2].row, got[2].err, got[2].cells)
		}
		got = readAll(t, "externalId,groupName\na,1\n"+l+"z\r\nc,3")
		if len(got) != 4 || got[2].row != 3 || !strings.Contains(got[2].err, "1,048,577 bytes") || got[3] != (readRow{row: 4, cells: "c|3"}) {
			t.Errorf("a row of %d bytes: got %d rows, row 3 %d %.100q %.100q", MaxRow+1, len(got), got[2].row, got[2].err, got[2].cells)
		}
	}
}

func TestNULPastTheSampleIsAnInvalidRow(t *testing.T) {
	head, row := pastSample()
	data := head +
		"bad\x00id,Name,2\n" +
		"\"q\x00\",\"Quoted\",3\n" +
		"after,Name,4\n" +
		"tail,Name,5\n" + strings.Repeat("\x00", 4096)
	for name, raw := range map[string][]byte{
		"utf-8":  []byte(data),
		"utf-16": utf16(data, false, true),
	} {
		t.Run(name, func(t *testing.T) {
			f := open(t, writeFile(t, "nul.csv", raw), Options{})
			got := rows(t, f.Records)
			got = got[len(got)-5:]
			for i, want := range []string{
				fmt.Sprintf("%d! line %d, column 4: a NUL byte", row, row),
				fmt.Sprintf("%d! line %d, column 3: a NUL byte", row+1, row+1),
				fmt.Sprintf("%d: after|Name|4", row+2),
				fmt.Sprintf("%d: tail|Name|5", row+3),
				fmt.Sprintf("%d! line %d, column 1: a NUL byte", row+4, row+4),
			} {
				if !strings.HasPrefix(got[i], want) {
					t.Errorf("got %q, want it to start %q", got[i], want)
				}
			}
		})
	}
}

func TestNULTailOverTheCapSaysBoth(t *testing.T) {
	head, row := pastSample()
	f := open(t, writeFile(t, "tail.csv", []byte(head+strings.Repeat("\x00", 3<<20))), Options{})
	got := rows(t, f.Records)
	last := got[len(got)-1]
	if !strings.HasPrefix(last, fmt.Sprintf("%d! ", row)) || !strings.Contains(last, "over the 1 MiB") || !strings.Contains(last, "NUL") {
		t.Errorf("got %q", last)
	}
}

// TestHostileRowsAllocateLittle reads rows of 32 MiB in the shapes seen in
// the wild and checks that reading them allocates a bounded amount: the
// bytes over the cap are skipped, not gathered.
func TestHostileRowsAllocateLittle(t *testing.T) {
	const huge = 32 << 20
	head := "externalId,groupName,maxGroupSize\na,Alpha,1\n"
	for name, data := range map[string]string{
		"one cell":        head + "b," + strings.Repeat("x", huge) + ",2\nc,Gamma,3\n",
		"NUL tail":        head + strings.Repeat("\x00", huge),
		"unclosed quote":  head + "\"b,Beta,2\n" + strings.Repeat("c,Gamma,3\n", huge/10),
		"long quoted row": head + "b,\"" + strings.Repeat("x\n", huge/2) + "\",2\nc,Gamma,3\n",
	} {
		t.Run(name, func(t *testing.T) {
			r := NewCSVRecords(strings.NewReader(data), ',')
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			n := 0
			for {
				_, _, err := r.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				n++
			}
			runtime.ReadMemStats(&after)
			if got := after.TotalAlloc - before.TotalAlloc; got > 8<<20 {
				t.Errorf("reading %d rows allocated %d MiB", n, got>>20)
			}
		})
	}
}

// TestCSVRecordsSplitAsEncodingCSVUnderTheCap reads shapes that lead
// encoding/csv astray (quotes, delimiters and line ends in every
// position) with a small cap and checks that whatever fits under it reads
// as encoding/csv reads it, and that what does not is one invalid row
// spanning the same lines: the rows after it keep their numbers.
func TestCSVRecordsSplitAsEncodingCSVUnderTheCap(t *testing.T) {
	for _, in := range []string{
		"a,b\nccccccccccccc,d\ne,f\n",
		"a,\"bbbbbbbbbbbbbbbbbb\",c\nd,e\n",
		"a,\"bb\nbbbbbbbbbbbbbbbb\",c\nd,e\n",
		"a,\"unclosed\nbbbbbbbbbbbbbbbbbbb\nc,d\ne,\"f\"g\nh,i\n",
		"a\nb\"bbbbbbbbbbbbbbbbbbbb\nc\n",
		"a\n\"bbbbbbbbbbbbbbbbbbbb\"x,\"\nc\n",
		"a\n\"bbbbbbbbbbbbbbbbbbbb\"\r,\"\nc\n",
		"a\n\r\n\n\"bbbbbbbbbbbbbbbbbbbb\"\r\n\nc\n",
		"a\n\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
		"a\nbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\r",
		"a\nb§\"bb\nb\"§bbbbbbbbbbbbbbbbbbbbbbbb\nc\n",
		"a\nb\xc2\"bb\nb\"§bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"\xc2\nc\n",
	} {
		for _, d := range []rune{',', ';', '§'} {
			for _, limit := range []int{8, 16, 21, 40, MaxRow} {
				sameAsEncodingCSVCapped(t, in, d, limit)
			}
		}
	}
	// Records in batches across the buffer's end, NUL bytes among them.
	in := strings.Repeat("\"a\",\"b\nc\"\r\n\n", 5000) + "\"x\x00\",1\n" + strings.Repeat("\"d\",e\n", 3000) +
		strings.Repeat("f,g\n", 3000) + "\"h\",\x00\n\"i\",j\n\"unclosed\n" + strings.Repeat("k,l\n", 100)
	for _, limit := range []int{8, MaxRow} {
		sameAsEncodingCSVCapped(t, in, ',', limit)
	}
}

// sameAsEncodingCSVCapped is sameAsEncodingCSV with a cap of limit bytes
// on a row: a row encoding/csv reads, fails to read or skips as blank is
// one invalid row from CSVRecords when it is over the cap or holds a NUL
// byte, and every other row, error and offset is the same.
func sameAsEncodingCSVCapped(t *testing.T, data string, delim rune, limit int) {
	t.Helper()
	cr := csv.NewReader(strings.NewReader(data))
	cr.Comma, cr.FieldsPerRecord, cr.ReuseRecord = delim, -1, true
	want := listing(t, &refRecords{r: cr}, len(data))
	// The buffer is reused: the exhaustive tests read many inputs.
	testBuffer.Reset(strings.NewReader(data))
	c := newCSVRecords(testBuffer, delim)
	c.max = limit
	got := listing(t, c, len(data))
	for i, j := 0, 0; i < len(got) || j < len(want); i++ {
		if i < len(got) && got[i].skipped {
			if j < len(want) && want[j].row == got[i].row {
				j++ // the same row, read or not by encoding/csv
			}
			continue
		}
		var g, w record
		if i < len(got) {
			g = got[i]
		}
		if j < len(want) {
			w = want[j]
		}
		j++
		if g != w {
			t.Fatalf("%q, cap %d, delimiter %q:\nencoding/csv: %+v\nCSVRecords:   %+v", data, limit, delim, w, g)
		}
	}
}

var testBuffer = bufio.NewReaderSize(nil, csvBuffer)

// record is one step of a listing.
type record struct {
	row     int
	text    string // the cells or the error
	offset  int64
	skipped bool // over the cap, or a NUL byte
}

// listing reads recs to the end.
func listing(t *testing.T, recs importer.Records, size int) []record {
	t.Helper()
	var out []record
	for range size + 2 {
		cells, row, err := recs.Next()
		if err == io.EOF {
			return append(out, record{text: "EOF", offset: recs.Offset()})
		}
		r := record{row: row, text: fmt.Sprintf("%q", cells), offset: recs.Offset()}
		if err != nil {
			var re *importer.RowError
			if !errors.As(err, &re) {
				t.Fatal(err)
			}
			r.text = err.Error()
			r.skipped = strings.Contains(r.text, "a row may hold") || strings.Contains(r.text, "NUL byte")
		}
		out = append(out, r)
	}
	t.Fatal("no end")
	return nil
}

func FuzzCSVRecordsUnderTheCap(f *testing.F) {
	f.Add([]byte("a,\"unclosed\nbbbbbbbbbbbbbbbbbbb\nc,d\ne,\"f\"g\nh,i\n"), uint8(0), uint8(10))
	f.Add([]byte("a\nb§\"bb\nb\"§bbbbbbbbbbbbbbbb\nc\n"), uint8(3), uint8(12))
	f.Fuzz(func(t *testing.T, data []byte, d, limit uint8) {
		sameAsEncodingCSVCapped(t, string(data), []rune{',', ';', '\t', '§'}[d%4], 1+int(limit%64))
	})
}

// TestCSVRecordsEveryShortInput compares CSVRecords with encoding/csv on
// every input of up to five bytes (four with a delimiter of two bytes)
// made of what CSV syntax is made of, under a cap that cuts rows anywhere
// and under MaxRow. Up to six bytes, rowScan must end records in the same
// places, broken or not, whether it is given the input at once or a byte at a
// time, as a record that spans the end of the buffer is given to it.
func TestCSVRecordsEveryShortInput(t *testing.T) {
	for _, c := range []struct {
		delim    rune
		alphabet string
		read     int // the longest input read
	}{
		{',', "a,\"\n\r\x00", 5},
		{'§', "a\xc2\xa7\"\n\r", 4},
	} {
		buf := make([]byte, 0, 6)
		var walk func()
		walk = func() {
			whole, bytewise := scanEnds(buf, c.delim, len(buf)+1), scanEnds(buf, c.delim, 1)
			if whole != bytewise {
				t.Fatalf("%q: at once %s, a byte at a time %s", buf, whole, bytewise)
			}
			if len(buf) <= c.read {
				for _, limit := range []int{2, MaxRow} {
					sameAsEncodingCSVCapped(t, string(buf), c.delim, limit)
				}
			}
			if len(buf) == cap(buf) {
				return
			}
			for i := range len(c.alphabet) {
				buf = append(buf, c.alphabet[i])
				walk()
				buf = buf[:len(buf)-1]
			}
		}
		walk()
	}
}

// scanEnds lists where rowScan ends each record of data, and in which
// state, given the bytes chunk at a time.
func scanEnds(data []byte, delim rune, chunk int) string {
	var out strings.Builder
	for off := 0; off < len(data); {
		s := rowScan{comma: utf8.AppendRune(nil, delim)}
		start := off
		for off < len(data) {
			n, done := s.scan(data[off:min(len(data), off+chunk)])
			off += n
			if done {
				break
			}
		}
		fmt.Fprintf(&out, "[%d:%d broken %v quoted %v] ", start, off, s.broken(), s.quoted)
	}
	return out.String()
}
