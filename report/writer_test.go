package report

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/capillary-tools/groupimport/importer"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenResults covers every status and every kind of cell the writer must
// take care of.
var goldenResults = []importer.Result{
	{Row: 2, ExternalID: "grp-001", Status: importer.Created, EntityID: 9001, Attempts: 1, RequestID: "req-0001"},
	{Row: 3, ExternalID: "grp-002", Status: importer.CreatedWithWarnings, EntityID: 9002, Attempts: 2, RequestID: "req-0002",
		Warnings: []importer.Notice{
			{Code: 8015, Message: "extended field colour not saved"},
			{Code: 8016, Message: "extended field region: value too long"},
			{Code: 8017, Message: ""},
		}},
	{Row: 4, ExternalID: "grp-003", Status: importer.Conflict, Code: 1633, Message: "Group with external id already exists", Attempts: 1, RequestID: "req-0003"},
	{Row: 5, ExternalID: "grp-004", Status: importer.Rejected, Code: 1601, Message: "name \"A, B\"\nis invalid", Attempts: 1, RequestID: "req-0004"},
	{Row: 6, ExternalID: "grp-005", Status: importer.Failed, Message: "HTTP 503: Service Unavailable", Attempts: 5, RequestID: "req-0005"},
	{Row: 7, Status: importer.Invalid, Message: "externalId is empty"},
	{Row: 8, ExternalID: "grp-001", Status: importer.Duplicate, Message: "same externalId as row 2"},
	{Row: 9, ExternalID: "grp-007", Status: importer.Skipped, Message: "run interrupted"},
	{Row: 10, ExternalID: "grp-008", Status: importer.Valid},
	{Row: 11, ExternalID: "=HYPERLINK(\"http://evil\",\"x\")", Status: importer.Invalid, Message: "+1 more problem", RequestID: "@req"},
	{Row: 12, ExternalID: "-5", Status: importer.Rejected, Code: 1601, Message: "-", Attempts: 1,
		Warnings: []importer.Notice{{Code: -1, Message: "negative code"}, {Code: 2, Message: "=1+1"}}},
	{Row: 13, ExternalID: "\ttabbed", Status: importer.Invalid, Message: "\rcarriage return"},
	{Row: 14, ExternalID: "'=already quoted", Status: importer.Invalid, Message: "'plain quote"},
	{Row: 15, ExternalID: "grüppe-日本", Status: importer.Created, EntityID: 9223372036854775807, Attempts: 1, Message: "Ünïcødé ✓ 🚀", RequestID: "req-ü"},
	{Row: 16, ExternalID: " padded ", Status: importer.Rejected, Code: 400, Message: "", Attempts: 3},
}

func writeAll(t testing.TB, rs []importer.Result) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for _, r := range rs {
		if err := w.Write(r); err != nil {
			t.Fatalf("Write(row %d): %v", r.Row, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return buf.Bytes()
}

func TestWriterGolden(t *testing.T) {
	tests := []struct {
		name string
		rows []importer.Result
	}{
		{"results", goldenResults},
		{"empty", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := writeAll(t, tt.rows)
			path := filepath.Join("testdata", tt.name+".golden.csv")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (run with -update if intended)\ngot:\n%s\nwant:\n%s", path, got, want)
			}
		})
	}
}

func TestWriterNeutralisesFormulas(t *testing.T) {
	tests := []struct{ in, want string }{
		{"=1+2", "'=1+2"},
		{"+1", "'+1"},
		{"-1", "'-1"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"'=1+2", "''=1+2"},
		{"''-x", "'''-x"},
		{"'plain", "'plain"},
		{"'", "'"},
		{"a=b", "a=b"},
		{"", ""},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		w := NewWriter(&buf)
		w.fill(importer.Result{Row: 2, ExternalID: tt.in, Message: tt.in, RequestID: tt.in, Status: importer.Invalid})
		for _, col := range []int{colExternalID, colMessage, colRequestID} {
			if got := w.rec[col]; got != tt.want {
				t.Errorf("%s cell for %q = %q, want %q", Header[col], tt.in, got, tt.want)
			}
		}
		if got := restoreCell(tt.want); got != tt.in {
			t.Errorf("restoreCell(%q) = %q, want %q", tt.want, got, tt.in)
		}
	}
}

func TestWriterStickyError(t *testing.T) {
	errBoom := errors.New("boom")

	t.Run("Flush", func(t *testing.T) {
		w := NewWriter(failingWriter{errBoom})
		if err := w.Write(goldenResults[0]); err != nil {
			t.Fatalf("buffered Write: %v", err)
		}
		steps := []struct {
			name string
			f    func() error
		}{
			{"Flush", w.Flush},
			{"Write", func() error { return w.Write(goldenResults[1]) }},
			{"Flush again", w.Flush},
			{"Close", w.Close},
			{"Close again", w.Close},
		}
		for _, s := range steps {
			if err := s.f(); !errors.Is(err, errBoom) {
				t.Errorf("%s = %v, want %v", s.name, err, errBoom)
			}
		}
	})

}

func TestWriterWritesWholeLines(t *testing.T) {
	var chunks lineChecker
	w := NewWriter(&chunks)
	r := goldenResults[3] // its message holds a newline
	r.Message = strings.Repeat("x", 500) + r.Message
	for i := range 2000 {
		r.Row = i + 2
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if chunks.n < 10 {
		t.Fatalf("only %d writes reached the underlying writer; the test needs the buffer to fill", chunks.n)
	}
	if chunks.bad != "" {
		t.Errorf("a write ended inside a line: ...%q", chunks.bad)
	}
}

func TestCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.csv")
	if err := os.WriteFile(path, []byte("old content, longer than the header and the rows that replace it\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range goldenResults {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if err := w.Write(goldenResults[0]); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Write after Close = %v, want os.ErrClosed", err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := writeAll(t, goldenResults); !bytes.Equal(got, want) {
		t.Errorf("file holds\n%s\nwant\n%s", got, want)
	}

	if _, err := Create(filepath.Join(t.TempDir(), "missing", "results.csv")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Create in a missing directory = %v, want os.ErrNotExist", err)
	}
}

func BenchmarkWriterWrite(b *testing.B) {
	cases := []struct {
		name string
		r    importer.Result
	}{
		{"created", importer.Result{ExternalID: "grp-000123", Status: importer.Created, EntityID: 48151623, Attempts: 1, RequestID: "7f3c9a2e-5b1d-4c8e-9f0a-1b2c3d4e5f60"}},
		{"conflict", importer.Result{ExternalID: "grp-000124", Status: importer.Conflict, Code: 1633, Message: "Group with external id already exists", Attempts: 1, RequestID: "7f3c9a2e-5b1d-4c8e-9f0a-1b2c3d4e5f61"}},
		{"warnings", goldenResults[1]},
		{"formula", goldenResults[10]},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			w := NewWriter(io.Discard)
			defer w.Close()
			r := c.r
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				r.Row = i + 2
				if err := w.Write(r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// waitFor polls cond until it holds, failing the test after a generous
// deadline; it synchronises with background goroutines without assuming
// how long they take.
func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met before the deadline")
		}
		time.Sleep(time.Millisecond)
	}
}

// lockedBuffer is a bytes.Buffer safe for a background writer and a
// polling reader.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type failingWriter struct{ err error }

func (f failingWriter) Write([]byte) (int, error) { return 0, f.err }

// lineChecker records whether every chunk it receives ends a CSV line.
type lineChecker struct {
	n   int
	bad string
}

func (c *lineChecker) Write(p []byte) (int, error) {
	c.n++
	if !bytes.HasSuffix(p, []byte("\n")) || bytes.Count(p, []byte(`"`))%2 != 0 {
		c.bad = string(p[max(0, len(p)-40):])
	}
	return len(p), nil
}
