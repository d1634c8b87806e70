// Package input opens the files people bring to groupimport and turns them
// into an importer.Records stream positioned after the header row, plus the
// header's importer.Columns.
//
// # What it reads
//
//   - Excel workbooks (.xlsx, .xlsm): the first visible sheet or the one
//     named in Options.Sheet, streamed row by row with excelize, so a large
//     sheet is never held in memory as a whole. Cells come out as Excel
//     displays them: a whole number stored as the float 110.0 or 1.1E+2
//     reads "110", a cell formatted "#,##0" reads "30,000". Rows are
//     numbered as Excel numbers them, empty rows included.
//   - CSV text in UTF-8 (with or without a byte-order mark), UTF-16 LE or
//     BE (Excel's "Unicode text", tab-delimited) or Windows-1252 (Excel's
//     plain "CSV" on Windows and macOS), delimited by a comma, a semicolon
//     (European Excel), a tab or a vertical bar. Row numbers are the
//     spreadsheet's: a newline inside a quoted cell does not start a row.
//
// # How it tells them apart
//
// The first 64 KiB decide, so standard input works as well as a file:
//
//   - the format comes from the leading bytes, not the file name: a zip
//     holding xl/workbook.xml is a workbook. Other zips (OpenDocument,
//     Word), Excel 97-2003 and password-protected workbooks, PDFs, images
//     and other binary files are refused with an error that says how to
//     save the data instead.
//   - the encoding: a byte-order mark names it; without one, NUL bytes in
//     every other position mean UTF-16; text that holds valid multi-byte
//     UTF-8 is UTF-8, even when some bytes are not (the file mixes
//     encodings: the rows holding those bytes are invalid, the others are
//     read as typed); otherwise text that reads as Windows-1252 is
//     Windows-1252. When the
//     first 64 KiB of a file are plain ASCII the next 64 MiB are scanned
//     for the first other byte, so a file whose first accented name sits
//     on row 5,000 is still detected (standard input cannot be read
//     twice: there the first 64 KiB decide). Anything else is refused
//     rather than decoded into mojibake. Options.Encoding forces one.
//   - the header row: the first of the first 20 non-empty rows that names
//     both required columns (externalId and maxGroupSize, after
//     Options.Map), so title rows above the header are skipped. Rows before
//     the header are not data. Options.HeaderRow names the row instead.
//   - the delimiter: the one among , ; tab | that splits that header row
//     into the required columns, honouring quotes. Options.Delimiter forces
//     one.
//
// Rows whose cells are all empty are not data, in both formats. A row that
// cannot be read (broken quoting, a cell beyond the last named column of a
// sheet, a CSV row over MaxRow bytes or holding a NUL byte) comes out as an
// *importer.RowError and reading goes on after it. A CSV row over MaxRow is
// read past in constant memory, whatever its length: a runaway cell, a
// quote left open over the rest of the file, a tail of zero bytes. NUL
// bytes in the first 64 KiB make a file binary; past them, each row that
// holds one is invalid, so that a file damaged or padded with zero bytes
// loses only the rows they touch.
// A CSV file that has the importer.ErrorColumn is one this tool wrote for
// the rows to fix: the quote it put before a cell a spreadsheet would run
// as a formula is taken off again.
//
// # Reading again
//
// File.Reopen reads a file again from its first data row with what Open
// found: nothing is detected twice. The Records of a file implement
// importer.Rewinder, so that importer.Run can find repeated externalIds
// in two passes. Standard input cannot be read again (ErrNotReopenable).
//
// Every reading of a CSV file reads what the file was when it was opened,
// or nothing: no further than its size then, and each block of raw bytes
// checked against what the first reading of that block found, before any
// row is parsed from it. A file that grows, shrinks, is written to or is
// replaced under its name makes the reading fail with an error wrapping
// importer.ErrInputChanged, at the next block or at the end, where a last
// line without a newline would otherwise be handed on; the Records also
// implement importer.Verifier, for the run to check the file once more
// after its last request. A workbook is read
// into memory whole when it is opened, so a change to it afterwards
// changes nothing; standard input is read once and is not checked.
//
// # Dependencies
//
// input imports the engine (importer) for Records, Columns and the field
// table, excelize for workbooks and golang.org/x/text for encodings: the
// file-format code lives here and nowhere else.
package input
