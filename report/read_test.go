package report

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
)

func readAll(data []byte) ([]importer.Result, error) {
	var rs []importer.Result
	err := ReadResults(bytes.NewReader(data), func(r importer.Result) error {
		rs = append(rs, r)
		return nil
	})
	return rs, err
}

// stored is r as a results file keeps it.
func stored(r importer.Result) importer.Result {
	r.Offset = 0
	if len(r.Warnings) == 0 {
		r.Warnings = nil
	}
	return r
}

func TestReadResultsRoundTrip(t *testing.T) {
	in := append([]importer.Result(nil), goldenResults...)
	in[0].Offset = 4096 // not stored
	got, err := readAll(writeAll(t, in))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(in) {
		t.Fatalf("read %d rows, want %d", len(got), len(in))
	}
	for i := range in {
		if want := stored(in[i]); !reflect.DeepEqual(got[i], want) {
			t.Errorf("row %d:\n got %#v\nwant %#v", want.Row, got[i], want)
		}
	}
}

func TestReadResultsGolden(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "results.golden.csv"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := readAll(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(goldenResults) || got[9].ExternalID != goldenResults[9].ExternalID {
		t.Errorf("golden file reads back as %d rows, first formula id %q", len(got), got[9].ExternalID)
	}
}

// oldHeader is the header of results written before the reason, action,
// fingerprint and differences columns: such files still read.
const oldHeader = "row,externalId,status,entityId,code,message,warnings,attempts,requestId"

func TestReadResultsHeader(t *testing.T) {
	header := oldHeader + "\n"
	row := "2,grp-001,created,9001,,,,1,req-0001\n"
	tests := []struct {
		name  string
		in    string
		rows  int
		isErr error
	}{
		{"empty", "", 0, nil},
		{"header only", header, 0, nil},
		{"byte order mark", "\ufeff" + header + row, 1, nil},
		{"CRLF", strings.ReplaceAll(header+row, "\n", "\r\n"), 1, nil},
		{"input file", "externalId,name\ngrp-001,A\n", 0, ErrNotResults},
		{"renamed column", strings.Replace(header, "status", "state", 1) + row, 0, ErrNotResults},
		{"column twice", strings.Replace(header, "code", "status", 1) + row, 0, ErrNotResults},
		{"column not known", strings.Replace(header, "requestId", "requestID", 1) + row, 1, nil},
		{"extra column", strings.TrimSuffix(header, "\n") + ",extra\n" + strings.TrimSuffix(row, "\n") + ",x\n", 1, nil},
		{"current header", strings.Join(Header, ",") + "\n" + strings.TrimSuffix(row, "\n") + ",,,,,\n", 1, nil},
		{"bad quote in header", `"row` + "\x00,\n", 0, ErrNotResults},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := readAll([]byte(tt.in))
			if !errors.Is(err, tt.isErr) || (tt.isErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.isErr)
			}
			if len(rs) != tt.rows {
				t.Errorf("read %d rows, want %d", len(rs), tt.rows)
			}
		})
	}
}

func TestReadResultsBadLine(t *testing.T) {
	header := oldHeader + "\n"
	good := "2,grp-001,created,9001,,,,1,req-0001\n"
	tests := []struct {
		name, line, want string
	}{
		{"status", "3,grp-002,made,,,,,1,\n", `line 3: status "made": unknown status`},
		{"row", "x,grp-002,created,,,,,1,\n", `line 3: row "x": invalid syntax`},
		{"entityId", "3,grp-002,created,12a,,,,1,\n", `line 3: entityId "12a": invalid syntax`},
		{"code", "3,grp-002,created,,1.5,,,1,\n", `line 3: code "1.5": invalid syntax`},
		{"attempts", "3,grp-002,created,,,,,x,\n", `line 3: attempts "x": invalid syntax`},
		{"fields", "3,grp-002,created\n", "line 3: 3 fields, want 9"},
		{"quote", "3,gr\"p,created,,,,,1,\n", "bare \" in non-quoted-field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A good line after the bad one makes it a damaged file, not
			// a cut one.
			rs, err := readAll([]byte(header + good + tt.line + good))
			if err == nil || !strings.Contains(err.Error(), tt.want) || errors.Is(err, ErrTruncated) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
			if len(rs) != 1 {
				t.Errorf("read %d rows before the bad line, want 1", len(rs))
			}
		})
	}
}

// TestReadResultsTruncated cuts a results file at every byte: whatever a
// crash leaves, every complete line is read and a partial one is reported
// as ErrTruncated.
func TestReadResultsTruncated(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	ends := []int{buf.Len()} // where each line, header first, ends
	for _, r := range goldenResults {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		ends = append(ends, buf.Len())
	}
	data := buf.Bytes()

	for cut := ends[0]; cut <= len(data); cut++ {
		complete := 0
		for complete+1 < len(ends) && ends[complete+1] <= cut {
			complete++
		}
		rs, err := readAll(data[:cut])
		if atEnd := cut == ends[complete]; atEnd != (err == nil) || !atEnd && !errors.Is(err, ErrTruncated) {
			t.Errorf("cut at %d (after %d lines): err = %v", cut, complete, err)
		}
		if len(rs) != complete {
			t.Errorf("cut at %d: read %d rows, want %d", cut, len(rs), complete)
		}
	}
}

func TestReadResultsCallbackError(t *testing.T) {
	errStop := errors.New("stop")
	n := 0
	err := ReadResults(bytes.NewReader(writeAll(t, goldenResults)), func(importer.Result) error {
		n++
		if n == 3 {
			return errStop
		}
		return nil
	})
	if err != errStop || n != 3 {
		t.Errorf("ReadResults = %v after %d rows, want errStop after 3", err, n)
	}
}

func TestParseWarnings(t *testing.T) {
	tests := []struct {
		in   string
		want []importer.Notice
	}{
		{"", nil},
		{"12: a", []importer.Notice{{Code: 12, Message: "a"}}},
		{"12: a | 13: b", []importer.Notice{{Code: 12, Message: "a"}, {Code: 13, Message: "b"}}},
		{"12: a | b | 13: c", []importer.Notice{{Code: 12, Message: "a | b"}, {Code: 13, Message: "c"}}},
		{"12: ", []importer.Notice{{Code: 12, Message: ""}}},
		{"-1: x", []importer.Notice{{Code: -1, Message: "x"}}},
		{"free text", []importer.Notice{{Code: 0, Message: "free text"}}},
	}
	for _, tt := range tests {
		if got := parseWarnings(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseWarnings(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// FuzzRoundTrip checks that any text cells come back from a results file
// as they were written.
func FuzzRoundTrip(f *testing.F) {
	for _, r := range goldenResults {
		var msg string
		if len(r.Warnings) > 0 {
			msg = r.Warnings[0].Message
		}
		f.Add(r.ExternalID, r.Message, r.RequestID, msg, r.Code)
	}
	f.Fuzz(func(t *testing.T, id, msg, reqID, warning string, code int) {
		// encoding/csv reads a CRLF inside a quoted cell back as LF.
		for _, s := range []string{id, msg, reqID, warning} {
			if strings.Contains(s, "\r\n") {
				t.Skip()
			}
		}
		in := importer.Result{Row: 2, ExternalID: id, Status: importer.Rejected, Code: code, Message: msg, RequestID: reqID, Attempts: 1}
		if warning != "" || code != 0 {
			in.Warnings = []importer.Notice{{Code: code, Message: warning}}
		}
		got, err := readAll(writeAll(t, []importer.Result{in}))
		if err != nil {
			t.Fatal(err)
		}
		// A message holding " | 12: " reads back as two notices, as
		// documented; everything else must survive.
		if len(got) == 1 && len(got[0].Warnings) > 1 {
			got[0].Warnings = parseWarnings(string(appendWarnings(nil, in.Warnings)))
		}
		if len(got) != 1 || !reflect.DeepEqual(got[0], in) {
			t.Errorf("read back %#v\nwant %#v", got, in)
		}
	})
}

// FuzzReadResults checks that no input makes ReadResults panic or loop.
func FuzzReadResults(f *testing.F) {
	golden, err := os.ReadFile(filepath.Join("testdata", "results.golden.csv"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(golden)
	f.Add([]byte(strings.Join(Header, ",") + "\n2,\"a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = readAll(data)
	})
}
