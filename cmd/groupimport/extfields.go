package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"strings"
)

var extTypes = map[string]bool{"STRING": true, "INTEGER": true, "INT": true, "LONG": true, "NUMBER": true, "DOUBLE": true, "FLOAT": true, "DECIMAL": true, "BOOLEAN": true, "BOOL": true, "DATE": true}

// loadExtFields reads the org's extended-field catalogue for --ext-fields:
// either "name=TYPE" lines (# comments allowed) or the JSON that GET
// /v2/extendedFields returns, in which every object with a name and a
// dataType (or type) is a field, wherever it sits. Names are folded to
// lower case, as the validator looks them up.
func loadExtFields(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("--ext-fields: %v", err)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	fields := map[string]string{}
	if t := bytes.TrimSpace(data); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		var doc any
		if err := json.Unmarshal(t, &doc); err != nil {
			return nil, usagef("--ext-fields %s: not valid JSON: %v", path, err)
		}
		collectFields(doc, fields)
	} else {
		sc := bufio.NewScanner(bytes.NewReader(data))
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			name, typ, ok := strings.Cut(line, "=")
			name, typ = strings.TrimSpace(name), strings.ToUpper(strings.TrimSpace(typ))
			if !ok || name == "" || !extTypes[typ] {
				return nil, usagef("--ext-fields %s line %d: %q: want name=TYPE with TYPE one of STRING, INTEGER, DOUBLE, BOOLEAN, DATE", path, n, line)
			}
			fields[strings.ToLower(name)] = typ
		}
	}
	if len(fields) == 0 {
		return nil, usagef("--ext-fields %s: no fields found (want name=TYPE lines or the JSON of GET /v2/extendedFields)", path)
	}
	return fields, nil
}

func collectFields(v any, out map[string]string) {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			collectFields(e, out)
		}
	case map[string]any:
		name, _ := x["name"].(string)
		typ, _ := x["dataType"].(string)
		if typ == "" {
			typ, _ = x["type"].(string)
		}
		if name != "" && extTypes[strings.ToUpper(typ)] {
			out[strings.ToLower(name)] = strings.ToUpper(typ)
		}
		for _, e := range x {
			collectFields(e, out)
		}
	}
}
