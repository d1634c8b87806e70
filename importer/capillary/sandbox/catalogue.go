package sandbox

import (
	"net/http"
	"strconv"
	"strings"
)

// ExtendedFieldsPath is the org's extended-field catalogue.
const ExtendedFieldsPath = "/v2/extendedFields"

// baseEntityTypes spells the catalogue's baseEntityType for the entities it
// knows; any other entity's is its type in lower case. The docs show
// "customer" and "usergroup2"; "lineitem" is the sandbox's guess.
var baseEntityTypes = map[string]string{
	EntityGroup:    "usergroup2",
	EntityCustomer: "customer",
	EntityLineItem: "lineitem",
}

// catalogueBody is the answer of GET /v2/extendedFields, built once from the
// configuration, which never changes:
//
//	{"entity":{"USERGROUP2":[{"id":1,"name":"joined","label":"joined",
//	"entityType":"USERGROUP2","baseEntityType":"usergroup2","dataType":"DATETIME"},...],
//	"CUSTOMER":[...],...},"warnings":[],"errors":[],"success":true}
//
// The group entity comes first, then the others by name; within an entity
// fields are sorted by name and numbered from 1 across the whole catalogue.
// An entity without fields is left out, as an org without group fields has
// no USERGROUP2 key at all.
func catalogueBody(cfg Config) []byte {
	b := make([]byte, 0, 1024)
	b = append(b, `{"entity":{`...)
	var id int64
	first := true
	entity := func(name string, fields map[string]FieldType) {
		if len(fields) == 0 {
			return
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		base, ok := baseEntityTypes[name]
		if !ok {
			base = strings.ToLower(name)
		}
		b = appendString(b, name)
		b = append(b, `:[`...)
		for i, field := range sortedKeys(fields) {
			if i > 0 {
				b = append(b, ',')
			}
			id++
			b = append(b, `{"id":`...)
			b = strconv.AppendInt(b, id, 10)
			b = append(b, `,"name":`...)
			b = appendString(b, field)
			b = append(b, `,"label":`...)
			b = appendString(b, field)
			b = append(b, `,"entityType":`...)
			b = appendString(b, name)
			b = append(b, `,"baseEntityType":`...)
			b = appendString(b, base)
			b = append(b, `,"dataType":`...)
			b = appendString(b, string(fields[field]))
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	entity(EntityGroup, cfg.Fields)
	for _, name := range sortedKeys(cfg.OtherFields) {
		entity(name, cfg.OtherFields[name])
	}
	return append(b, `},"warnings":[],"errors":[],"success":true}`...)
}

// catalogue is GET /v2/extendedFields.
func (s *Server) catalogue(w http.ResponseWriter) {
	s.stats.catalogue.Add(1)
	s.writeJSON(w, http.StatusOK, s.catalogueJSON)
}
