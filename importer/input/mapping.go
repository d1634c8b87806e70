package input

import (
	"fmt"
	"strings"

	"github.com/capillary-tools/groupimport/importer"
)

// ParseMap parses a column mapping such as
//
//	Fleet Code=externalId,Name=groupName,Size=maxGroupSize,Tier=ext.tier
//
// into the aliases importer.ParseHeader and Options.Map take: the folded
// header name (case, spaces, '_' and '-' ignored) to a field's folded key
// (importer.Fields()) or importer.ExtKey(NAME), NAME spelled as given. Pairs are separated by commas; a header that holds a comma is put
// in double quotes ("Size, max"=maxGroupSize). The header is what is left
// of the last '='. Mapping two headers to one field is allowed, for a
// mapping shared by files that name the column differently; a file that has
// both is refused when its header is read.
func ParseMap(s string) (map[string]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	if strings.ContainsAny(s, "\r\n") {
		return nil, fmt.Errorf("map %q: write it on one line, as \"Header=field,Header=field\"", s)
	}
	pairs, err := splitPairs(s)
	if err != nil {
		return nil, err
	}
	aliases := make(map[string]string, len(pairs))
	spelled := make(map[string]string, len(pairs))
	for _, pair := range pairs {
		if strings.TrimSpace(pair) == "" {
			continue // a trailing comma
		}
		pair = unquote(strings.TrimSpace(pair))
		i := strings.LastIndexByte(pair, '=')
		if i < 0 {
			return nil, fmt.Errorf("map: %q has no '=': write each pair as Header=field, e.g. \"Fleet Code=externalId\"", pair)
		}
		from, to := unquote(strings.TrimSpace(pair[:i])), strings.TrimSpace(pair[i+1:])
		if fold(from) == "" {
			return nil, fmt.Errorf("map: %q names no column before '='", pair)
		}
		target, err := mapTarget(to)
		if err != nil {
			return nil, fmt.Errorf("map: %q: %v", pair, err)
		}
		key := fold(from)
		if prev, dup := spelled[key]; dup {
			return nil, fmt.Errorf("map: column %q is mapped twice (%q and %q); keep one", from, prev, pair)
		}
		spelled[key] = pair
		aliases[key] = target
	}
	return aliases, nil
}

// mapTarget folds a field name a column is mapped to.
func mapTarget(to string) (string, error) {
	if to == "" {
		return "", fmt.Errorf("no field after '='; the fields are %s", importer.FieldNames())
	}
	if f, ok := importer.FieldByKey(fold(to)); ok {
		return f.Key, nil
	}
	if rest, ok := importer.CutExtPrefix(strings.ToLower(to)); ok {
		name := strings.TrimSpace(to[len(to)-len(rest):])
		if name == "" {
			return "", fmt.Errorf("%q names no extended field; write ext.NAME, e.g. ext.tier", to)
		}
		return importer.ExtKey(name), nil
	}
	return "", fmt.Errorf("unknown field %q; the fields are %s", to, importer.FieldNames())
}

// splitPairs splits at the commas outside double quotes.
func splitPairs(s string) ([]string, error) {
	var pairs []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				pairs = append(pairs, s[start:i])
				start = i + 1
			}
		}
	}
	if quoted {
		return nil, fmt.Errorf("map %q: a quote is not closed; quote a header that holds a comma, as \"Size, max\"=maxGroupSize", s)
	}
	return append(pairs, s[start:]), nil
}

// unquote removes the quotes around a header, "" standing for one quote.
func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
	}
	return s
}
