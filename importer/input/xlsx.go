package input

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/xuri/excelize/v2"
)

// zipContent says what a zip archive holds: "" for a workbook excelize
// reads, else a description for the error.
func zipContent(path string) string {
	z, err := zip.OpenReader(path)
	if err != nil {
		return "a damaged zip archive (an .xlsx that was cut short?)"
	}
	defer z.Close()
	var odf, word, ppt, numbers, xlsb bool
	for _, f := range z.File {
		name := strings.ToLower(f.Name)
		switch {
		case name == "xl/workbook.xml":
			return ""
		case name == "xl/workbook.bin":
			xlsb = true
		case name == "mimetype":
			odf = true
		case strings.HasPrefix(name, "word/"):
			word = true
		case strings.HasPrefix(name, "ppt/"):
			ppt = true
		case strings.HasPrefix(name, "index/document.iwa"):
			numbers = true
		}
	}
	switch {
	case xlsb:
		return "an Excel binary workbook (.xlsb)"
	case odf:
		return "an OpenDocument file (.ods, LibreOffice)"
	case word:
		return "a Word document"
	case ppt:
		return "a PowerPoint presentation"
	case numbers:
		return "an Apple Numbers document"
	}
	return "a zip archive, not an Excel workbook"
}

// openXLSX opens a workbook and positions its sheet after the header.
func openXLSX(path, file string, opts Options) (f *File, err error) {
	// excelize parses what the file says; a malformed workbook must
	// become an error, never a crash of the run.
	defer func() {
		if p := recover(); p != nil {
			f, err = nil, errorf(file, 0, "the workbook cannot be read (%v); open it in Excel and save it again, or save the sheet as CSV UTF-8", p)
		}
	}()
	if what := zipContent(path); what != "" {
		return nil, errorf(file, 0, "this is %s; open it in your spreadsheet and save the sheet as Excel Workbook (.xlsx) or CSV UTF-8", what)
	}
	wb, err := excelize.OpenFile(path)
	if err != nil {
		return nil, &Error{File: file, Msg: fmt.Sprintf("the workbook cannot be read: %v; open it in Excel and save it again, or save the sheet as CSV UTF-8", err), Err: err}
	}
	ok := false
	defer func() {
		if !ok {
			wb.Close()
		}
	}()
	sheet, err := pickSheet(wb, opts.Sheet)
	if err != nil {
		return nil, &Error{File: file, Msg: err.Error()}
	}
	rows, err := wb.Rows(sheet)
	if err != nil {
		return nil, &Error{File: file, Msg: fmt.Sprintf("sheet %q cannot be read: %v", sheet, err), Err: err}
	}
	recs := &sheetRecords{rows: rows, sheet: sheet}
	defer func() {
		if !ok {
			rows.Close()
		}
	}()
	h, err := findHeader(recs, opts.HeaderRow, opts.Map)
	if err != nil {
		return nil, headerError(file+" (sheet "+sheet+")", err)
	}
	cols, err := parseHeader(file+" (sheet "+sheet+")", h, opts.Map)
	if err != nil {
		return nil, err
	}
	recs.width = len(h.cells)
	ok = true
	out := &File{
		Columns:   cols,
		Format:    XLSX,
		Sheet:     sheet,
		HeaderRow: h.row,
		Size:      sheetRows(wb, sheet),
		Close: closeOnce(func() error {
			// rows.Close repeats a read error Next has returned already.
			_ = rows.Close()
			return wb.Close()
		}),
		reopen: func() (importer.Records, error) {
			// The workbook is open already: only the sheet's rows are
			// read again.
			rows, err := wb.Rows(sheet)
			if err != nil {
				return nil, &Error{File: file, Msg: fmt.Sprintf("sheet %q cannot be read again: %v", sheet, err), Err: err}
			}
			again := &sheetRecords{rows: rows, sheet: sheet}
			if _, err := findHeader(again, h.row, opts.Map); err != nil {
				rows.Close()
				return nil, headerError(file+" (sheet "+sheet+")", err)
			}
			again.width = recs.width
			return again, nil
		},
	}
	out.setRecords(recs)
	return out, nil
}

// pickSheet returns the sheet to read: the named one, or the first that is
// not hidden, as the user sees the workbook's tabs.
func pickSheet(wb *excelize.File, want string) (string, error) {
	list := wb.GetSheetList()
	if len(list) == 0 {
		return "", errors.New("the workbook has no sheets")
	}
	if want != "" {
		for _, s := range list {
			if strings.EqualFold(s, want) {
				return s, nil
			}
		}
		q := make([]string, len(list))
		for i, s := range list {
			q[i] = fmt.Sprintf("%q", s)
		}
		return "", fmt.Errorf("the workbook has no sheet %q; its sheets are %s", want, strings.Join(q, ", "))
	}
	for _, s := range list {
		if visible, err := wb.GetSheetVisible(s); err == nil && visible {
			return s, nil
		}
	}
	return list[0], nil
}

// sheetRows is the sheet's last row, for progress, or -1. The dimension
// Excel records costs nothing to read; when a writer left it out or wrote
// "A1" whatever the sheet holds (excelize does), the rows are counted in a
// first pass over the sheet, which skips the cells without decoding them.
func sheetRows(wb *excelize.File, sheet string) int64 {
	if ref, err := wb.GetSheetDimension(sheet); err == nil && ref != "" {
		last := ref[strings.LastIndexByte(ref, ':')+1:]
		if _, row, err := excelize.CellNameToCoordinates(strings.ReplaceAll(last, "$", "")); err == nil && row > 1 {
			return int64(row)
		}
	}
	rows, err := wb.Rows(sheet)
	if err != nil {
		return -1
	}
	defer rows.Close()
	n := int64(0)
	for rows.Next() {
		n++
	}
	if rows.Error() != nil || n == 0 {
		return -1
	}
	return n
}

// sheetRecords streams a sheet's rows. Offset is the current row number,
// in the unit of File.Size for a workbook.
type sheetRecords struct {
	rows  *excelize.Rows
	sheet string
	row   int // the Excel number of the last row read
	width int // the header's cells; shorter rows are padded to it
	done  bool
}

// Offset implements importer.Records.
func (s *sheetRecords) Offset() int64 { return int64(s.row) }

// Close releases what the sheet's reader holds.
func (s *sheetRecords) Close() error { return s.rows.Close() }

// Next implements importer.Records. Excel numbers every row, empty or
// not: excelize's iterator stops at each number, with no cells for a row
// the sheet does not store, so counting its steps gives Excel's numbers.
func (s *sheetRecords) Next() (cells []string, row int, err error) {
	defer func() {
		if p := recover(); p != nil {
			s.done = true
			cells, row, err = nil, 0, fmt.Errorf("sheet %q cannot be read after row %d (%v); open the workbook in Excel and save it again", s.sheet, s.row, p)
		}
	}()
	for !s.done && s.rows.Next() {
		s.row++
		cells, err := s.rows.Columns()
		if err != nil {
			return nil, s.row, &importer.RowError{Row: s.row, Err: fmt.Errorf("the row cannot be read: %v", err)}
		}
		if blank(cells) {
			continue
		}
		if s.width > 0 {
			if len(cells) > s.width {
				if err := s.unnamed(cells); err != nil {
					return nil, s.row, &importer.RowError{Row: s.row, Err: err}
				}
				cells = cells[:s.width]
			}
			for len(cells) < s.width {
				cells = append(cells, "")
			}
		}
		return cells, s.row, nil
	}
	s.done = true
	if err := s.rows.Error(); err != nil {
		return nil, 0, fmt.Errorf("sheet %q after row %d: %w", s.sheet, s.row, err)
	}
	return nil, 0, io.EOF
}

// unnamed describes a value in a column the header does not name, which
// would otherwise be dropped without a word; nil when the cells past the
// header hold only spaces.
func (s *sheetRecords) unnamed(cells []string) error {
	for i := len(cells) - 1; i >= s.width; i-- {
		if strings.TrimSpace(cells[i]) == "" {
			continue
		}
		ref, _ := excelize.CoordinatesToCellName(i+1, s.row)
		col := strings.TrimRight(ref, "0123456789")
		return fmt.Errorf("cell %s holds %q but column %s has no header; give the column a header (it is then ignored) or clear the cell", ref, cells[i], col)
	}
	return nil
}

// blank reports a row with no cell that holds anything but spaces:
// formatted but empty rows are not data.
func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
