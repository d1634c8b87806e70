package importer

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/capillary-tools/groupimport/importer/capillary"
)

// Catalogue is the org's extended fields of user groups: the folded name
// of each, with its data type as the API spells it (INTEGER, STRING,
// DOUBLE, DATETIME, STANDARD_ENUM, ...). Any type is a known field; only
// the types whose values can be checked here (numbers, dates, booleans)
// predict 91017.
type Catalogue map[string]string

// NewCatalogue folds the fields of a live catalogue into a Catalogue.
func NewCatalogue(fields []capillary.FieldDef) Catalogue {
	c := make(Catalogue, len(fields))
	for _, f := range fields {
		c[strings.ToLower(f.Name)] = strings.ToUpper(f.DataType)
	}
	return c
}

var typeWord = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)

// ParseCatalogue reads a catalogue saved to a file: either the JSON that
// GET /v2/extendedFields returns (only its usergroup2 fields count), or
// lines of name=TYPE, with # comments.
func ParseCatalogue(data []byte) (Catalogue, error) {
	data = bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\ufeff")))
	if len(data) > 0 && data[0] == '{' {
		fields, err := capillary.ParseCatalogue(data)
		if err != nil {
			return nil, fmt.Errorf("not the JSON of GET %s: %w", capillary.FieldsPath, err)
		}
		return NewCatalogue(fields), nil
	}
	c := Catalogue{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, typ, ok := strings.Cut(line, "=")
		name, typ = strings.TrimSpace(name), strings.ToUpper(strings.TrimSpace(typ))
		if !ok || name == "" || !typeWord.MatchString(typ) {
			return nil, fmt.Errorf("line %d: %q: want name=TYPE, TYPE a data type such as STRING, INTEGER, DOUBLE, DATETIME or STANDARD_ENUM", n, line)
		}
		c[strings.ToLower(name)] = typ
	}
	return c, nil
}

// dateTimeLayouts are the forms a DATETIME value is accepted in.
var dateTimeLayouts = []string{time.DateOnly, time.DateTime, time.RFC3339, "2006-01-02T15:04:05"}

// checkExt predicts the API's answer to one extended field: 91016 when the
// catalogue has no such name, 91017 when the value does not fit its type.
func checkExt(types map[string]string, name, value string) (Notice, bool) {
	typ, ok := types[strings.ToLower(name)]
	if !ok {
		return Notice{Code: 91016, Message: fmt.Sprintf("Extended field name %s is invalid.", name)}, false
	}
	v := strings.TrimSpace(value)
	var err error
	switch typ = strings.ToUpper(typ); typ {
	case "INTEGER", "INT", "LONG", "NUMBER":
		_, err = strconv.ParseInt(v, 10, 64)
	case "DOUBLE", "FLOAT", "DECIMAL":
		_, err = strconv.ParseFloat(v, 64)
	case "BOOLEAN", "BOOL":
		_, err = strconv.ParseBool(v)
	case "DATE", "DATETIME":
		err = fmt.Errorf("not a date")
		for _, layout := range dateTimeLayouts {
			if _, perr := time.Parse(layout, v); perr == nil {
				err = nil
				break
			}
		}
	}
	if err != nil {
		return Notice{Code: 91017, Message: fmt.Sprintf("Extended field value for %s does not match the data type %s", name, typ)}, false
	}
	return Notice{}, true
}
