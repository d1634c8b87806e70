package input

import (
	"strings"
	"unicode/utf8"
)

// Options say what to assume about a file; the zero value detects
// everything.
type Options struct {
	// Encoding of a CSV file: "" detects it; otherwise "utf-8",
	// "utf-16le", "utf-16be", "utf-16" (the byte-order mark decides,
	// little-endian without one, as Windows writes it) or "windows-1252".
	// Common aliases are accepted: utf8, utf-8-sig, unicode (Excel's name
	// for UTF-16LE), cp1252, ansi, and latin1/iso-8859-1, which are read as
	// Windows-1252 as every browser does: the two differ only where
	// Latin-1 has invisible control codes.
	Encoding string
	// Delimiter of a CSV file; 0 sniffs it from the header row among
	// , ; tab and |. Any other single character that is not a quote or a
	// line break may be forced.
	Delimiter rune
	// Sheet of a workbook, matched ignoring case; "" is the first visible
	// sheet.
	Sheet string
	// HeaderRow is the spreadsheet row number of the header; 0 finds it
	// among the first 20 non-empty rows.
	HeaderRow int
	// Map renames columns: folded header name -> field, as ParseMap
	// returns and importer.ParseHeader takes.
	Map map[string]string
	// Format is "csv" or "xlsx"; "" decides by the file's content.
	Format string
}

// Encoding names as File.Encoding reports them.
const (
	UTF8        = "utf-8"
	UTF16LE     = "utf-16le"
	UTF16BE     = "utf-16be"
	Windows1252 = "windows-1252"
	utf16BOM    = "utf-16" // forced: the byte-order mark decides
)

// Format names as File.Format reports them.
const (
	CSV  = "csv"
	XLSX = "xlsx"
)

// canonicalEncoding maps a user's spelling of an encoding to one name.
func canonicalEncoding(s string) (string, bool) {
	k := strings.ToLower(strings.TrimSpace(s))
	k = strings.NewReplacer("_", "-", " ", "-").Replace(k)
	switch k {
	case "", "auto", "detect":
		return "", true
	case "utf-8", "utf8", "utf-8-sig", "utf8-sig", "utf-8-bom":
		return UTF8, true
	case "utf-16le", "utf16le", "utf-16-le", "unicode", "ucs-2le", "ucs-2":
		return UTF16LE, true
	case "utf-16be", "utf16be", "utf-16-be", "ucs-2be":
		return UTF16BE, true
	case "utf-16", "utf16":
		return utf16BOM, true
	case "windows-1252", "windows1252", "cp1252", "cp-1252", "win-1252", "win1252", "ansi",
		"latin1", "latin-1", "iso-8859-1", "iso8859-1", "l1":
		return Windows1252, true
	}
	return "", false
}

// check validates the options and returns the canonical encoding.
func (o *Options) check(file string) (encoding, format string, err error) {
	enc, ok := canonicalEncoding(o.Encoding)
	if !ok {
		return "", "", errorf(file, 0, "encoding %q is not supported; use utf-8, utf-16le, utf-16be or windows-1252 (or leave it out to detect it)", o.Encoding)
	}
	if d := o.Delimiter; d != 0 && !validDelimiter(d) {
		return "", "", errorf(file, 0, "delimiter %q cannot separate cells; use , ; | or a tab", d)
	}
	if o.HeaderRow < 0 {
		return "", "", errorf(file, 0, "header row %d: rows are numbered from 1", o.HeaderRow)
	}
	switch f := strings.ToLower(strings.TrimSpace(o.Format)); f {
	case "":
	case "csv", "txt", "tsv", "text":
		format = CSV
	case "xlsx", "xlsm", "excel":
		format = XLSX
	default:
		return "", "", errorf(file, 0, "format %q is not supported; use csv or xlsx (or leave it out to detect it)", o.Format)
	}
	return enc, format, nil
}

// validDelimiter is what encoding/csv accepts and a header can be split by.
func validDelimiter(r rune) bool {
	return r != '"' && r != '\r' && r != '\n' && r != utf8.RuneError && r != '\ufeff' && utf8.ValidRune(r)
}
