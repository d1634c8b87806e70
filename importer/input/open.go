package input

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/capillary-tools/groupimport/importer"
)

// File is an opened input, read up to and including its header row.
type File struct {
	// Records yields the data rows after the header, numbered as the
	// spreadsheet numbers them.
	Records importer.Records
	// Columns is the parsed header.
	Columns *importer.Columns
	// Format is CSV or XLSX.
	Format string
	// Encoding is how a CSV file was decoded (UTF8, UTF16LE, UTF16BE or
	// Windows1252); "" for a workbook.
	Encoding string
	// Delimiter of a CSV file; 0 for a workbook.
	Delimiter rune
	// Sheet is the workbook sheet read; "" for CSV.
	Sheet string
	// HeaderRow is the header's row number; data starts after it.
	HeaderRow int
	// Size is the input's extent in the unit of Records.Offset, for
	// progress: bytes for CSV (Offset estimates the bytes of the file
	// behind the rows read, whatever the encoding), rows for a workbook
	// (Offset is the current row number, Size the sheet's last row).
	// -1 when unknown: standard input, a workbook that does not record
	// its extent.
	Size int64
	// Close releases the file. It may be called more than once.
	Close func() error

	// reopen reads the data rows again; nil for standard input.
	reopen func() (importer.Records, error)
	// snap is what a CSV file on disk was when opened; nil otherwise.
	snap *snapshot
}

// ErrNotReopenable is Reopen's error for an input that can be read only
// once: standard input, a pipe.
var ErrNotReopenable = errors.New("the input can be read only once (standard input or a pipe)")

// Reopen reads the input again from its first data row, as Open read it:
// with the encoding, delimiter, sheet and header row found then, none of
// them detected again. The Records it returns are independent of Records
// and of each other, numbered alike; release one with its Close method
// when it has one (File.Close releases everything in any case).
//
// Records of a file that can be reopened implement importer.Rewinder, so
// importer.Run reads them twice to find repeated externalIds in little
// memory.
func (f *File) Reopen() (importer.Records, error) {
	if f.reopen == nil {
		return nil, ErrNotReopenable
	}
	recs, err := f.reopen()
	if err != nil {
		return nil, err
	}
	return f.wrap(recs), nil
}

// setRecords makes recs, positioned after the header, the File's Records.
func (f *File) setRecords(recs importer.Records) {
	recs = f.wrap(recs)
	if f.reopen != nil {
		recs = rewindable{recs, f}
	}
	f.Records = recs
}

// wrap adds what every reading of the file's rows needs: a CSV file this
// tool wrote (a --failed-out file, which has the ErrorColumn) has the
// quote that keeps a spreadsheet from running a cell taken off again, so
// that it imports with the values it was made from.
func (f *File) wrap(recs importer.Records) importer.Records {
	if f.Columns.Error >= 0 && f.Format == CSV {
		return importer.UnquoteFormulas(recs)
	}
	return recs
}

// rewindable is the Records of a File that Reopen can read again.
type rewindable struct {
	importer.Records
	f *File
}

// Rewind implements importer.Rewinder.
func (r rewindable) Rewind() (importer.Records, error) { return r.f.Reopen() }

// Unchanged implements importer.Verifier: a CSV file is checked as a
// reading checks it at its end; a workbook, read whole at open, is
// always what was read.
func (r rewindable) Unchanged() error {
	if r.f.snap == nil {
		return nil
	}
	return r.f.snap.unchanged()
}

// Open opens the file at path, "-" meaning stdin (CSV only), detects what
// it is as the package documentation describes, and reads it up to the
// end of its header row. Every error is an *Error naming the file and,
// where it applies, the row, and says what to do.
func Open(path string, stdin io.Reader, opts Options) (*File, error) {
	file := path
	if path == "-" {
		file = "stdin"
	}
	enc, format, err := opts.check(file)
	if err != nil {
		return nil, err
	}
	if path == "-" {
		if stdin == nil {
			return nil, errorf(file, 0, "no standard input to read")
		}
		return openCSV(file, stdin, nil, -1, enc, format, opts)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{File: file, Msg: fmt.Sprintf("cannot open it: %v", unwrapPath(err)), Err: err}
	}
	st, err := f.Stat()
	switch {
	case err != nil:
		f.Close()
		return nil, &Error{File: file, Msg: fmt.Sprintf("cannot read it: %v", unwrapPath(err)), Err: err}
	case st.IsDir():
		f.Close()
		return nil, errorf(file, 0, "is a directory; name the spreadsheet file inside it")
	}
	size := int64(-1)
	var src io.Reader = f
	var snap *snapshot // nil: read once
	if st.Mode().IsRegular() {
		size = st.Size()
		snap = newSnapshot(file, path, f, st)
		src = snap.reader()
	}
	br := bufio.NewReaderSize(src, sniffSize)
	head, _ := br.Peek(8)
	if k, _ := sniffKind(head); k == kindZip && format != CSV && size >= 0 {
		f.Close()
		if enc != "" || opts.Delimiter != 0 {
			return nil, errorf(file, 0, "is an Excel workbook: an encoding or a delimiter applies only to CSV files; leave them out")
		}
		return openXLSX(path, file, opts)
	}
	out, err := openCSV(file, br, snap, size, enc, format, opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	out.Close = closeOnce(f.Close)
	return out, nil
}

// chooseEncoding settles the encoding of a text file from its first bytes:
// the one forced (enc), which must fit them, or the one they show. f, when
// set, lets a sample that is all ASCII be checked further into the file.
func chooseEncoding(file string, sample []byte, atEOF bool, enc string, f *os.File, size int64) (detection, error) {
	if enc != "" {
		d := resolveForced(enc, sample)
		if d.problem != "" {
			return d, errorf(file, 0, "does not fit the encoding given: %s", d.problem)
		}
		return d, nil
	}
	d := detectEncoding(sample, atEOF)
	if d.problem != "" {
		return d, notText(file, sample, d)
	}
	if d.ascii && f != nil && !atEOF {
		d.encoding = scanBeyond(f, int64(len(sample)), size)
	}
	return d, nil
}

// refuseDecoded refuses a decoded sample that is not text: a forced
// encoding skipped detection, and decoded UTF-16 can hide binary data the
// raw bytes did not show.
func refuseDecoded(file string, text []byte, encoding string) error {
	if i := bytes.IndexByte(text, 0); i >= 0 {
		return notText(file, text, detection{problem: fmt.Sprintf("read as %s it holds NUL bytes, which text never does", encoding), at: i})
	}
	if i, bad := controlHeavy(text); bad {
		return notText(file, text, detection{problem: fmt.Sprintf("read as %s it holds control characters that text does not", encoding), at: i})
	}
	return nil
}

// peekSample is the start of a text file, which the encoding and the
// delimiter are guessed from; atEOF when it is the whole file. An empty
// file is refused.
func peekSample(file string, br *bufio.Reader) (sample []byte, atEOF bool, err error) {
	sample, err = br.Peek(sniffSize)
	atEOF = errors.Is(err, io.EOF)
	if err != nil && !atEOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, false, &Error{File: file, Msg: fmt.Sprintf("cannot read it: %v", err), Err: err}
	}
	if len(sample) == 0 {
		return nil, false, errorf(file, 0, "is empty: it needs a header row (externalId,groupName,maxGroupSize,...) and one row per group")
	}
	return sample, atEOF, nil
}

// openCSV reads a text file: r is the input, snap the same input when it
// is a regular file, which may be read ahead and read again.
func openCSV(file string, r io.Reader, snap *snapshot, size int64, enc, format string, opts Options) (*File, error) {
	if opts.Sheet != "" {
		return nil, errorf(file, 0, "a sheet applies only to Excel workbooks and this is a text file; leave it out")
	}
	// A *bufio.Reader of this size comes back as it is: the bytes Open
	// peeked at are not lost.
	br := bufio.NewReaderSize(r, sniffSize)
	sample, atEOF, err := peekSample(file, br)
	if err != nil {
		return nil, err
	}
	if err := refuseBinary(file, sample, format); err != nil {
		return nil, err
	}

	var f *os.File
	if snap != nil {
		f = snap.f
	}
	d, err := chooseEncoding(file, sample, atEOF, enc, f, size)
	if err != nil {
		return nil, err
	}
	text := decodeSample(d, sample, atEOF)
	if err := refuseDecoded(file, text, d.encoding); err != nil {
		return nil, err
	}

	delim := opts.Delimiter
	if delim == 0 {
		delim = sniffDelimiter(text, opts.HeaderRow, opts.Map)
	}

	if _, err := br.Discard(d.bomLen); err != nil {
		return nil, &Error{File: file, Msg: fmt.Sprintf("cannot read it: %v", err), Err: err}
	}
	num, den := int64(1), int64(1)
	if d.encoding != UTF8 && len(text) > 0 {
		// Offset counts decoded bytes; progress compares it with the
		// file's size, so it is scaled by the ratio the sample shows.
		num, den = int64(len(sample)), max(1, int64(len(decodeSample(d, sample, true))))
	}
	records := func(br *bufio.Reader) *csvRecords {
		var in io.Reader = br
		if dec := decoder(d.encoding); dec != nil {
			in = dec.Reader(br)
		}
		if snap != nil {
			in = snap.endChecked(in)
		}
		return &csvRecords{CSVRecords: NewCSVRecords(in, delim), base: int64(d.bomLen), num: num, den: den}
	}
	recs := records(br)
	h, err := findHeader(recs, opts.HeaderRow, opts.Map)
	if err != nil {
		return nil, headerError(file, err)
	}
	cols, err := parseHeader(file, h, opts.Map)
	if err != nil {
		return nil, err
	}
	recs.SetWidth(len(h.cells))
	out := &File{
		Columns:   cols,
		Format:    CSV,
		Encoding:  d.encoding,
		Delimiter: delim,
		HeaderRow: h.row,
		Size:      size,
		Close:     func() error { return nil },
		snap:      snap,
	}
	if snap != nil {
		out.reopen = func() (importer.Records, error) {
			// Checked against the first reading, block by block.
			br := bufio.NewReaderSize(snap.reader(), sniffSize)
			if _, err := br.Discard(d.bomLen); err != nil {
				return nil, &Error{File: file, Msg: fmt.Sprintf("cannot read it again: %v", err), Err: err}
			}
			recs := records(br)
			if _, err := findHeader(recs, h.row, opts.Map); err != nil {
				return nil, headerError(file, err)
			}
			recs.SetWidth(len(h.cells))
			return recs, nil
		}
	}
	out.setRecords(recs)
	return out, nil
}

// refuseBinary names the binary formats people mistake for spreadsheets.
func refuseBinary(file string, sample []byte, format string) error {
	k, what := sniffKind(sample)
	switch k {
	case kindZip:
		if format == CSV {
			return errorf(file, 0, "is a zip archive (an Excel workbook?), not CSV text; leave out the csv format to read it as a workbook")
		}
		// Only standard input gets here: a workbook on disk went to
		// openXLSX.
		return errorf(file, 0, "is a zip archive (an Excel workbook?); a workbook cannot be read from standard input: pass its file name instead")
	case kindOLE:
		return errorf(file, 0, "is %s, which cannot be read; open it in Excel and save it as Excel Workbook (.xlsx) without a password, or as CSV UTF-8", what)
	case kindOther:
		return errorf(file, 0, "is %s, not a spreadsheet; export the sheet as CSV UTF-8 or Excel Workbook (.xlsx)", what)
	}
	if what := markupName(sample); what != "" {
		return errorf(file, 0, "is %s, not CSV; open it in Excel and save it as CSV UTF-8 or Excel Workbook (.xlsx)", what)
	}
	if format == XLSX {
		return errorf(file, 0, "is not an Excel workbook (.xlsx): it does not start as one does; leave out the xlsx format to read it as CSV")
	}
	return nil
}

// notText is the error for a sample that is no supported text.
func notText(file string, sample []byte, d detection) error {
	return errorf(file, 0, "does not look like a CSV text file: %s (line %d). Export the sheet as \"CSV UTF-8\" or Excel Workbook (.xlsx); if it is text in a known encoding, pass it with --encoding",
		d.problem, lineAt(sample, d.at))
}

// csvRecords reports Offset in bytes of the file rather than of the
// decoded text.
type csvRecords struct {
	*CSVRecords
	base     int64 // bytes skipped before the decoded text: a UTF-8 byte-order mark
	num, den int64 // file bytes per decoded byte
}

// Offset implements importer.Records.
func (r *csvRecords) Offset() int64 {
	if r.num == r.den {
		return r.base + r.CSVRecords.Offset()
	}
	return r.base + r.CSVRecords.Offset()*r.num/r.den
}

// closeOnce makes a Close safe to call twice.
func closeOnce(f func() error) func() error {
	var once sync.Once
	var err error
	return func() error {
		once.Do(func() { err = f() })
		return err
	}
}

// unwrapPath drops the path an *os.PathError repeats: the message names
// the file already.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
