package capillary

import (
	"strconv"
	"unicode/utf8"
)

// Field is one extended field sent with a group.
type Field struct {
	Name  string
	Value string
}

// Group is the body of a create or update request.
type Group struct {
	ID             int64 // the group id, for an update; 0 leaves it out
	ExternalID     string
	GroupName      string
	MaxGroupSize   int64
	Limit          int64
	HasLimit       bool    // send Limit; the column was present and filled
	ExtendedFields []Field // sent as a JSON object, in this order
}

// AppendJSON appends the group's JSON encoding to dst. It is hand-written
// because it runs once per row on the hot path and the shape never changes.
func (g *Group) AppendJSON(dst []byte) []byte {
	dst = append(dst, '{')
	if g.ID != 0 {
		dst = append(dst, `"id":`...)
		dst = strconv.AppendInt(dst, g.ID, 10)
		dst = append(dst, ',')
	}
	dst = append(dst, `"externalId":`...)
	dst = appendString(dst, g.ExternalID)
	if g.GroupName != "" {
		dst = append(dst, `,"groupName":`...)
		dst = appendString(dst, g.GroupName)
	}
	dst = append(dst, `,"maxGroupSize":`...)
	dst = strconv.AppendInt(dst, g.MaxGroupSize, 10)
	if g.HasLimit {
		dst = append(dst, `,"limit":`...)
		dst = strconv.AppendInt(dst, g.Limit, 10)
	}
	if len(g.ExtendedFields) > 0 {
		dst = append(dst, `,"extendedFields":{`...)
		for i, f := range g.ExtendedFields {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, f.Name)
			dst = append(dst, ':')
			dst = appendString(dst, f.Value)
		}
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD, as
// encoding/json does, so the body is always valid JSON.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
