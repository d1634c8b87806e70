package input

import (
	"bytes"
	"unicode/utf8"
)

// sniffSize is how much of the input decides its format, encoding,
// delimiter and header row.
const sniffSize = 64 << 10

// kind is what the leading bytes of a file say it is.
type kind int

const (
	kindText kind = iota
	kindZip
	kindOLE
	kindOther // a known binary format: see binaryName
)

var (
	zipMagic = [][]byte{[]byte("PK\x03\x04"), []byte("PK\x05\x06"), []byte("PK\x07\x08")}
	oleMagic = []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
	// binaryMagic names formats people mistake for spreadsheets.
	binaryMagic = []struct {
		magic, name string
	}{
		{"%PDF-", "a PDF document"},
		{"\x1f\x8b", "a gzip archive"},
		{"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"},
		{"Rar!\x1a\x07", "a RAR archive"},
		{"\x89PNG", "a PNG image"},
		{"\xff\xd8\xff", "a JPEG image"},
		{"GIF8", "a GIF image"},
		{"\x09\x08\x10\x00\x00\x06\x05\x00", "an Excel 2.x-95 workbook"},
		{"bplist", "an Apple property list"},
	}
)

// sniffKind looks at the leading bytes only.
func sniffKind(p []byte) (kind, string) {
	for _, m := range zipMagic {
		if bytes.HasPrefix(p, m) {
			return kindZip, "a zip archive"
		}
	}
	if bytes.HasPrefix(p, oleMagic) {
		return kindOLE, "an Excel 97-2003 workbook (.xls) or a password-protected workbook"
	}
	for _, b := range binaryMagic {
		if bytes.HasPrefix(p, []byte(b.magic)) {
			return kindOther, b.name
		}
	}
	return kindText, ""
}

// markupName recognises the text formats that some systems save with an
// .xls name: an HTML table or Excel 2003 XML. The prefix is raw bytes in
// an ASCII-compatible encoding.
func markupName(p []byte) string {
	p = bytes.TrimPrefix(p, []byte("\xef\xbb\xbf"))
	p = bytes.TrimLeft(p, " \t\r\n")
	head := bytes.ToLower(p[:min(len(p), 1024)])
	switch {
	case bytes.HasPrefix(head, []byte("<!doctype html")), bytes.HasPrefix(head, []byte("<html")),
		bytes.HasPrefix(head, []byte("<table")), bytes.HasPrefix(head, []byte("<meta")):
		return "an HTML page (some systems save a table this way with an .xls name)"
	case bytes.HasPrefix(head, []byte("<?xml")) && bytes.Contains(head, []byte("urn:schemas-microsoft-com:office:spreadsheet")):
		return "an Excel 2003 XML spreadsheet"
	}
	return ""
}

// detection is what detectEncoding found.
type detection struct {
	encoding string
	bomLen   int    // bytes of byte-order mark to skip (UTF-8 only; the UTF-16 decoder strips its own)
	ascii    bool   // the sample holds no byte above 0x7F: another encoding may follow
	problem  string // why the sample is not text in a supported encoding
	at       int    // offset in the sample of the first offending byte, for problem
}

var (
	bomUTF8    = []byte("\xef\xbb\xbf")
	bomUTF16LE = []byte("\xff\xfe")
	bomUTF16BE = []byte("\xfe\xff")
)

// detectEncoding classifies a sample from the start of a text file. atEOF
// says the sample is the whole file, so its last bytes are not cut short.
func detectEncoding(p []byte, atEOF bool) detection {
	switch {
	case bytes.HasPrefix(p, bomUTF8):
		return detection{encoding: UTF8, bomLen: len(bomUTF8)}
	case bytes.HasPrefix(p, bomUTF16LE):
		return detection{encoding: UTF16LE}
	case bytes.HasPrefix(p, bomUTF16BE):
		return detection{encoding: UTF16BE}
	}
	if enc, ok := utf16Guess(p); ok {
		return detection{encoding: enc}
	}
	if i := bytes.IndexByte(p, 0); i >= 0 {
		return detection{problem: "it holds NUL bytes, which text never does", at: i}
	}
	return classify8bit(p, atEOF)
}

// classify8bit decides between UTF-8 and Windows-1252 for a sample without
// NUL bytes.
func classify8bit(p []byte, atEOF bool) detection {
	if !atEOF {
		p = trimPartialRune(p)
	}
	ascii := true
	for _, c := range p {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if i, ok := controlHeavy(p); ok {
		return detection{problem: "it holds control characters that text does not", at: i}
	}
	if ascii {
		return detection{encoding: UTF8, ascii: true}
	}
	// The bytes that are not UTF-8 must read as Windows-1252: text in
	// a double-byte encoding holds valid UTF-8 sequences by chance.
	rest, utf8Seen := maskUTF8(p)
	if i, ok := plausible1252(rest); !ok {
		return detection{problem: "it is neither UTF-8 nor Windows-1252 text", at: i}
	}
	if utf8Seen {
		// Valid multi-byte UTF-8 is no accident in Windows-1252 text:
		// the file is UTF-8, and any bytes that are not come from
		// another encoding pasted in. Read as UTF-8, the cells typed in
		// it stay right and the validator marks the rows of the others
		// invalid; read as Windows-1252, every UTF-8 name would be sent
		// garbled.
		return detection{encoding: UTF8}
	}
	return detection{encoding: Windows1252}
}

// utf16Guess recognises UTF-16 without a byte-order mark by its NUL bytes:
// in text that is mostly ASCII, every other byte is NUL, the odd ones in
// little-endian and the even ones in big-endian.
func utf16Guess(p []byte) (string, bool) {
	n := len(p) &^ 1
	if n < 4 {
		return "", false
	}
	var even, odd int
	for i := 0; i < n; i += 2 {
		if p[i] == 0 {
			even++
		}
		if p[i+1] == 0 {
			odd++
		}
	}
	pairs := n / 2
	switch {
	case odd*10 >= pairs*6 && even*50 <= pairs:
		return UTF16LE, true
	case even*10 >= pairs*6 && odd*50 <= pairs:
		return UTF16BE, true
	}
	return "", false
}

// trimPartialRune drops the start of a multi-byte sequence the sample cut
// in two.
func trimPartialRune(p []byte) []byte {
	for i := len(p) - 1; i >= 0 && i >= len(p)-utf8.UTFMax; i-- {
		if utf8.RuneStart(p[i]) {
			if !utf8.FullRune(p[i:]) {
				return p[:i]
			}
			break
		}
	}
	return p
}

// maskUTF8 is p with each valid multi-byte UTF-8 sequence replaced by as
// many ASCII bytes, so that offsets stay; seen reports one was found. p is
// not changed.
func maskUTF8(p []byte) (masked []byte, seen bool) {
	masked = p
	for i := 0; i < len(p); {
		if p[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(p[i:])
		if r == utf8.RuneError && size <= 1 {
			i++
			continue
		}
		if !seen {
			masked, seen = bytes.Clone(p), true
		}
		for j := i; j < i+size; j++ {
			masked[j] = 'x'
		}
		i += size
	}
	return masked, seen
}

// isControl reports the C0 controls and DEL that text files do not hold;
// tab, line feed, carriage return and form feed are text.
func isControl(c rune) bool {
	return (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7f
}

// controlHeavy reports a sample with so many control characters that it
// is binary data. A few stray ones (a vertical tab pasted into a cell) do
// not make a file binary; the rows holding them are sent as they are.
func controlHeavy(p []byte) (int, bool) {
	n, first := 0, -1
	for i, c := range p {
		if c < 0x80 && isControl(rune(c)) {
			if first < 0 {
				first = i
			}
			n++
		}
	}
	return first, n > 8 && n*100 > len(p)
}

// plausible1252 reports whether 8-bit text reads as Windows-1252. Two
// things give other encodings away: the five bytes Windows-1252 leaves
// undefined, and high bytes that come in runs. Western text puts an
// accented letter between ASCII letters ("Müller", "Société"); the
// double-byte encodings of Chinese or Japanese, and UTF-8 garbled on the
// way, put high bytes next to each other.
func plausible1252(p []byte) (int, bool) {
	high, paired, firstPaired := 0, 0, -1
	for i, c := range p {
		switch c {
		case 0x81, 0x8d, 0x8f, 0x90, 0x9d:
			return i, false
		}
		if c < 0x80 {
			continue
		}
		high++
		if (i > 0 && p[i-1] >= 0x80) || (i+1 < len(p) && p[i+1] >= 0x80) {
			if firstPaired < 0 {
				firstPaired = i
			}
			paired++
		}
	}
	if high >= 8 && paired*2 > high {
		return firstPaired, false
	}
	return 0, true
}

// lineAt is the 1-based line of byte offset i in p, for messages.
func lineAt(p []byte, i int) int {
	if i < 0 || i > len(p) {
		return 0
	}
	return bytes.Count(p[:i], []byte("\n")) + 1
}
