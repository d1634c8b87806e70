package input

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// decoder returns the transformer from enc to UTF-8, or nil for UTF-8.
// UTF-8 is passed through untouched on purpose: a byte that is not UTF-8
// must reach the validator, which marks its row invalid, instead of
// turning into U+FFFD and being sent.
func decoder(enc string) *encoding.Decoder {
	switch enc {
	case UTF16LE:
		// UseBOM strips the byte-order mark, and honours one that says
		// the other byte order.
		return unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder()
	case UTF16BE:
		return unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewDecoder()
	case Windows1252:
		return charmap.Windows1252.NewDecoder()
	}
	return nil
}

// resolveForced turns a forced encoding into the one to read with, given
// the sample: "utf-16" follows the byte-order mark. A byte-order mark of
// another encoding is a certain sign the choice is wrong.
func resolveForced(enc string, p []byte) detection {
	var bom string
	switch {
	case bytes.HasPrefix(p, bomUTF8):
		bom = UTF8
	case bytes.HasPrefix(p, bomUTF16LE):
		bom = UTF16LE
	case bytes.HasPrefix(p, bomUTF16BE):
		bom = UTF16BE
	}
	switch {
	case enc == utf16BOM && bom == UTF16BE:
		return detection{encoding: UTF16BE}
	case enc == utf16BOM:
		enc = UTF16LE
	}
	isUTF16 := func(e string) bool { return e == UTF16LE || e == UTF16BE }
	switch {
	case isUTF16(bom) && isUTF16(enc):
		enc = bom // the decoder follows the mark; say so
	case bom == "" || bom == enc:
	default:
		return detection{encoding: enc, problem: fmt.Sprintf("it starts with a %s byte-order mark, so it is not %s; leave out the encoding to read it as %s", bom, enc, bom)}
	}
	if bom == UTF8 {
		return detection{encoding: UTF8, bomLen: len(bomUTF8)}
	}
	return detection{encoding: enc}
}

// decodeSample decodes a sample to UTF-8 for sniffing. When the sample is
// not the whole input its last line may be cut, so it is dropped.
func decodeSample(d detection, p []byte, atEOF bool) []byte {
	p = p[d.bomLen:]
	if dec := decoder(d.encoding); dec != nil {
		if !atEOF && (d.encoding == UTF16LE || d.encoding == UTF16BE) {
			p = p[:len(p)&^1]
		}
		out, _, err := transform.Bytes(dec, p)
		if err != nil {
			return nil
		}
		p = out
	}
	if !atEOF {
		if i := bytes.LastIndexByte(p, '\n'); i >= 0 {
			p = p[:i+1]
		}
	}
	return p
}

// maxScan bounds how far past the sample a file is read to find the first
// byte that is not ASCII.
const maxScan = 64 << 20

// scanBeyond looks past an all-ASCII sample of a regular file for the
// first byte above 0x7F and classifies the text from there, so that a
// Windows-1252 file whose first accented name is on row 5,000 is not read
// as UTF-8. It reads with ReadAt and leaves the file's offset alone.
func scanBeyond(f *os.File, from, size int64) string {
	buf := make([]byte, sniffSize)
	for off := from; off < size && off-from < maxScan; {
		n, err := f.ReadAt(buf, off)
		if i := firstHigh(buf[:n]); i >= 0 {
			// Re-read from the byte so the window starts on it.
			m, err := f.ReadAt(buf, off+int64(i))
			d := classify8bit(buf[:m], err == io.EOF || off+int64(i)+int64(m) >= size)
			if d.encoding == Windows1252 {
				return Windows1252
			}
			// UTF-8, or bytes that are neither: rows holding them are
			// reported invalid with a hint to pass --encoding.
			return UTF8
		}
		if err != nil || n == 0 {
			break
		}
		off += int64(n)
	}
	return UTF8
}

func firstHigh(p []byte) int {
	i := 0
	// Eight bytes at a time: a file past its sample is mostly ASCII.
	for ; i+8 <= len(p); i += 8 {
		if binary.LittleEndian.Uint64(p[i:])&0x8080808080808080 != 0 {
			break
		}
	}
	for ; i < len(p); i++ {
		if p[i] >= 0x80 {
			return i
		}
	}
	return -1
}
