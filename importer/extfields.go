package importer

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// checkExt predicts the API's answer to one extended field: 91016 when the
// catalogue has no such name, 91017 when the value does not fit its type.
func checkExt(types map[string]string, name, value string) (Notice, bool) {
	typ, ok := types[strings.ToLower(name)]
	if !ok {
		return Notice{Code: 91016, Message: fmt.Sprintf("Extended field name %s is invalid.", name)}, false
	}
	v := strings.TrimSpace(value)
	var err error
	switch strings.ToUpper(typ) {
	case "INTEGER", "INT", "LONG", "NUMBER":
		_, err = strconv.ParseInt(v, 10, 64)
	case "DOUBLE", "FLOAT", "DECIMAL":
		_, err = strconv.ParseFloat(v, 64)
	case "BOOLEAN", "BOOL":
		_, err = strconv.ParseBool(v)
	case "DATE":
		_, err = time.Parse(time.DateOnly, v)
	}
	if err != nil {
		return Notice{Code: 91017, Message: fmt.Sprintf("Extended field value for %s does not match the data type %s", name, strings.ToUpper(typ))}, false
	}
	return Notice{}, true
}
