package input

import (
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// cellSetter fills one cell of a test workbook.
type cellSetter func(f *excelize.File, sheet, cell string) error

func str(s string) cellSetter {
	return func(f *excelize.File, sheet, cell string) error { return f.SetCellStr(sheet, cell, s) }
}

// num stores a float as Excel does for a number cell, written with prec
// decimals (-1: as few as needed).
func num(v float64, prec int) cellSetter {
	return func(f *excelize.File, sheet, cell string) error { return f.SetCellFloat(sheet, cell, v, prec, 64) }
}

// raw stores a number cell with exactly the text given, as "1.1E+2".
func raw(v string) cellSetter {
	return func(f *excelize.File, sheet, cell string) error { return f.SetCellDefault(sheet, cell, v) }
}

// styled applies a number format (a built-in id, or a custom code).
func styled(c cellSetter, fmtID int, custom string) cellSetter {
	return func(f *excelize.File, sheet, cell string) error {
		if err := c(f, sheet, cell); err != nil {
			return err
		}
		st := &excelize.Style{NumFmt: fmtID}
		if custom != "" {
			st = &excelize.Style{CustomNumFmt: &custom}
		}
		id, err := f.NewStyle(st)
		if err != nil {
			return err
		}
		return f.SetCellStyle(sheet, cell, cell, id)
	}
}

// formatted gives an empty cell a style, as a sheet's formatted but empty
// rows have.
func formatted(f *excelize.File, sheet, cell string) error {
	id, err := f.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFFF00"}}})
	if err != nil {
		return err
	}
	return f.SetCellStyle(sheet, cell, cell, id)
}

// sheetSpec is a sheet of a test workbook: cells by reference.
type sheetSpec struct {
	name      string
	hidden    bool
	dimension string // as Excel records it; excelize writes "A1"
	cells     map[string]cellSetter
}

// fleetsSheet has a title, an empty row 2, the header on row 3, an empty
// row in the middle and numbers stored in the ways Excel stores them.
var fleetsSheet = sheetSpec{name: "Fleets", dimension: "A1:G16", cells: map[string]cellSetter{
	"A1": str("Fleet export 2026-11-25"),
	"A3": str("externalId"), "B3": str("groupName"), "C3": str("maxGroupSize"), "D3": str("limit"), "E3": str("ext.tier"),
	"A4": str("F-1"), "B4": str("Northwind"), "C4": num(110, 1), "E4": str("gold"),
	"A5": str("F-2"), "B5": str("Café Müller"), "C5": raw("1.1E+2"), "D5": num(5, -1),
	// row 6 is empty; row 7 holds only spaces
	"B7": str("   "),
	"A8": str("F-3"), "B8": str("Thousands"), "C8": styled(num(30000, -1), 3, ""), // #,##0
	"A9": str("F-4"), "B9": str("Float noise"), "C9": raw("110.00000000000001"),
	"A10": str("F-5"), "B10": str("Half"), "C10": num(12.5, -1),
	"A11": str("F-6"), "B11": str("Two\nlines"), "C11": styled(num(15, -1), 2, ""), // 0.00
	"A12": styled(num(123, -1), 0, "00000"), "B12": str("Zero-padded id"), "C12": num(1, -1),
	"A13": str("F-7"), "C13": num(7, -1), "G13": str("a note"),
	"A14": str("F-8"), "C14": num(8, -1), "E14": str("F-1 again"),
	// trailing rows that are formatted but empty
	"A15": formatted, "B15": formatted, "A16": formatted,
}}

var importSheet = sheetSpec{name: "Import", cells: map[string]cellSetter{
	"A1": str("Fleet Code"), "B1": str("Size"),
	"A2": str("I-1"), "B2": num(42, -1),
	"A4": str("I-2"), "B4": num(43, -1),
}}

// writeWorkbook writes a workbook with the given sheets (fleetsSheet and
// importSheet when nil) and returns its path.
func writeWorkbook(t testing.TB, sheets []sheetSpec) string {
	t.Helper()
	if sheets == nil {
		sheets = []sheetSpec{fleetsSheet, importSheet}
	}
	f := excelize.NewFile()
	defer f.Close()
	for i, s := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", s.name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(s.name); err != nil {
			t.Fatal(err)
		}
		for ref, set := range s.cells {
			if err := set(f, s.name, ref); err != nil {
				t.Fatalf("%s!%s: %v", s.name, ref, err)
			}
		}
	}
	for i, s := range sheets {
		if !s.hidden {
			f.SetActiveSheet(i)
			break
		}
	}
	for _, s := range sheets {
		if s.dimension != "" {
			if err := f.SetSheetDimension(s.name, s.dimension); err != nil {
				t.Fatal(err)
			}
		}
		if s.hidden {
			if err := f.SetSheetVisible(s.name, false); err != nil {
				t.Fatal(err)
			}
		}
	}
	path := writeFile(t, "fleets.xlsx", nil)
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestOpenXLSX(t *testing.T) {
	f := open(t, writeWorkbook(t, nil), Options{})
	if f.Format != XLSX || f.Sheet != "Fleets" || f.HeaderRow != 3 || f.Encoding != "" || f.Delimiter != 0 {
		t.Errorf("format %q, sheet %q, header row %d, encoding %q, delimiter %q", f.Format, f.Sheet, f.HeaderRow, f.Encoding, f.Delimiter)
	}
	if got := names(f.Columns); got != "id=0 name=1 size=2 limit=3 ext=[4=tier] unknown=[]" {
		t.Errorf("columns %s", got)
	}
	if f.Size != 16 {
		t.Errorf("Size %d, want 16: the sheet's last row", f.Size)
	}
	equal(t, rows(t, f.Records), []string{
		"4: F-1|Northwind|110||gold",   // stored 110.0
		"5: F-2|Café Müller|110|5|",    // stored 1.1E+2
		"8: F-3|Thousands|30,000||",    // shown with a thousands separator
		"9: F-4|Float noise|110||",     // 110.00000000000001, shown 110
		"10: F-5|Half|12.5||",          // not whole: the validator says so
		"11: F-6|Two\nlines|15.00||",   // shown with two decimals
		"12: 00123|Zero-padded id|1||", // the id as Excel shows it
		"13! cell G13 holds \"a note\" but column G has no header; give the column a header (it is then ignored) or clear the cell",
		"14: F-8||8||F-1 again",
	})
	if off := f.Records.Offset(); off != 16 {
		t.Errorf("Offset at the end %d, want 16", off)
	}
}

func TestOpenXLSXSheets(t *testing.T) {
	path := writeWorkbook(t, nil)
	m, err := ParseMap("Fleet Code=externalId,Size=maxGroupSize")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("by name, ignoring case", func(t *testing.T) {
		f := open(t, path, Options{Sheet: "import", Map: m})
		// No dimension: Size comes from counting the rows.
		if f.Sheet != "Import" || f.HeaderRow != 1 || f.Size != 4 {
			t.Errorf("sheet %q, header row %d, size %d", f.Sheet, f.HeaderRow, f.Size)
		}
		equal(t, rows(t, f.Records), []string{"2: I-1|42", "4: I-2|43"})
	})
	t.Run("unknown sheet", func(t *testing.T) {
		_, err := Open(path, nil, Options{Sheet: "Fleet"})
		if err == nil || !strings.Contains(err.Error(), `fleets.xlsx: the workbook has no sheet "Fleet"; its sheets are "Fleets", "Import"`) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("hidden first sheet is passed over", func(t *testing.T) {
		secret := sheetSpec{name: "Lookup", hidden: true, cells: map[string]cellSetter{"A1": str("code")}}
		f := open(t, writeWorkbook(t, []sheetSpec{secret, importSheet}), Options{Map: m})
		if f.Sheet != "Import" {
			t.Errorf("sheet %q, want Import", f.Sheet)
		}
	})
	t.Run("header row given", func(t *testing.T) {
		f := open(t, path, Options{HeaderRow: 3})
		if f.HeaderRow != 3 {
			t.Errorf("header row %d", f.HeaderRow)
		}
	})
	t.Run("no header", func(t *testing.T) {
		_, err := Open(path, nil, Options{Sheet: "Import"})
		if err == nil || !strings.Contains(err.Error(), `fleets.xlsx (sheet Import): no header row found in the first 20 non-empty rows: the header names the externalId and maxGroupSize columns; the first row with cells (row 1) reads "Fleet Code", "Size"`) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("csv options", func(t *testing.T) {
		_, err := Open(path, nil, Options{Encoding: "cp1252"})
		if err == nil || !strings.Contains(err.Error(), "is an Excel workbook: an encoding or a delimiter applies only to CSV files") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestOpenXLSXEmptySheet(t *testing.T) {
	path := writeWorkbook(t, []sheetSpec{{name: "Empty"}})
	_, err := Open(path, nil, Options{})
	if err == nil || !strings.Contains(err.Error(), "the file has no rows") {
		t.Errorf("err = %v", err)
	}
}
