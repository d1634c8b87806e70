package sandbox

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

const notValid = "Group id/externalId/primary userId passed is not valid"

func TestLookupCurrent(t *testing.T) {
	clk := newClock()
	s := start(t, Config{Now: clk.Now})
	if s.cfg.API != APICurrent {
		t.Fatalf("default API = %q, want %q", s.cfg.API, APICurrent)
	}
	call{body: `{"externalId":"purple","groupName":"name_purple","maxGroupSize":110,"extendedFields":{"platinum":"25"}}`}.do(t, s)
	call{body: createBody("other")}.do(t, s)
	want := `{"pagination":{"limit":10,"offset":0,"total":1},"data":[{"groupId":2000,"groupName":"name_purple",` +
		`"groupStatus":"ACTIVE","groupExternalId":"purple","primaryMemberId":0,"totalMembers":0,` +
		`"extendedFields":{"platinum":"25"}}],"warnings":[],"errors":[]}`

	tests := []struct {
		name   string
		query  string
		status int
		code   int
		msg    string
	}{
		{"by external id", "?id=purple", 200, 0, ""},
		{"by id", "?id=2000", 200, 0, ""},
		{"externalId beside id is ignored", "?id=2000&externalId=other", 200, 0, ""},
		{"externalId alone", "?externalId=purple", 400, 1635, "Group query param is not passed"},
		{"no query", "", 400, 1635, "Group query param is not passed"},
		{"empty id", "?id=", 400, 1635, ""},
		{"unknown external id", "?id=nope", 400, 1632, notValid},
		{"unknown id", "?id=99", 400, 1632, notValid},
		{"negative id", "?id=-2000", 400, 1632, notValid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call{method: http.MethodGet, path: GroupPath + tt.query}.do(t, s)
			if tt.status == 200 {
				if r.status != 200 || r.raw != want {
					t.Errorf("got HTTP %d\n%s\nwant\n%s", r.status, r.raw, want)
				}
				return
			}
			r.wantError(t, tt.status, tt.code, tt.msg)
		})
	}
	if st := s.Stats(); st.Lookups != len(tests) || st.NotFound != 3 || st.Ambiguous != 0 {
		t.Errorf("Stats = %+v, want %d lookups, 3 not found, none ambiguous", st, len(tests))
	}
}

// TestLookupCollision seeds a group whose id is another group's external
// id: under the current contract one ?id= finds both.
func TestLookupCollision(t *testing.T) {
	for _, api := range []string{APICurrent, APILegacy} {
		t.Run(api, func(t *testing.T) {
			s := start(t, Config{API: api})
			s.Seed(Group{ID: 2001, ExternalID: "MIG-1", GroupName: "migrated", MaxGroupSize: 5},
				Group{ExternalID: "2001", GroupName: "numeric", MaxGroupSize: 7, GroupStatus: StatusInactive},
				Group{ID: 3, ExternalID: "3", GroupName: "self"})
			if g, _ := s.Group("2001"); g.ID != 2002 {
				t.Fatalf("seeded external id 2001 got id %d, want 2002", g.ID)
			}
			r := call{method: http.MethodGet, path: GroupPath + "?id=2001"}.do(t, s)
			if api == APILegacy {
				if r.status != 200 || r.body.ID != 2001 || r.body.ExternalID != "MIG-1" {
					t.Errorf("legacy ?id=2001: %s, want the group whose id is 2001", r.raw)
				}
				r = call{method: http.MethodGet, path: GroupPath + "?externalId=2001"}.do(t, s)
				if r.status != 200 || r.body.ID != 2002 || r.body.GroupStatus != StatusInactive {
					t.Errorf("legacy ?externalId=2001: %s, want group 2002, INACTIVE", r.raw)
				}
				return
			}
			want := `{"pagination":{"limit":10,"offset":0,"total":2},"data":[` +
				`{"groupId":2001,"groupName":"migrated","groupStatus":"ACTIVE","groupExternalId":"MIG-1","primaryMemberId":0,"totalMembers":0,"extendedFields":{}},` +
				`{"groupId":2002,"groupName":"numeric","groupStatus":"EXITED","groupExternalId":"2001","primaryMemberId":0,"totalMembers":0,"extendedFields":{}}` +
				`],"warnings":[],"errors":[]}`
			if r.status != 200 || r.raw != want {
				t.Errorf("got HTTP %d\n%s\nwant\n%s", r.status, r.raw, want)
			}
			// A group whose id is its own external id is listed once.
			r = call{method: http.MethodGet, path: GroupPath + "?id=3"}.do(t, s)
			if gs := r.body.groups(t); r.body.Pagination == nil || r.body.Pagination.Total != 1 || len(gs) != 1 || gs[0].GroupID != 3 {
				t.Errorf("?id=3: %s, want group 3 once", r.raw)
			}
			if strings.Contains(r.raw, "createdOn") || strings.Contains(r.raw, "maxGroupSize") {
				t.Errorf("search shape carries createdOn or maxGroupSize: %s", r.raw)
			}
			if st := s.Stats(); st.Ambiguous != 1 {
				t.Errorf("Stats().Ambiguous = %d, want 1", st.Ambiguous)
			}
		})
	}
}

func TestUpdateCurrent(t *testing.T) {
	s := start(t, Config{})
	s.Seed(Group{ID: 2000, ExternalID: "g", GroupName: "old", MaxGroupSize: 10},
		Group{ID: 2001, ExternalID: "2000", GroupName: "decoy", MaxGroupSize: 10})

	tests := []struct {
		name     string
		body     string
		status   int
		code     int
		msg      string
		wantName string
		warnings int
	}{
		{"no id", `{"externalId":"g","groupName":"new"}`, 400, 403, "Field id is mandatory", "old", 0},
		{"no groupName", `{"id":2000,"maxGroupSize":20}`, 400, 403, "Field groupName is mandatory", "old", 0},
		{"empty groupName", `{"id":2000,"groupName":""}`, 400, 403, "Field groupName is mandatory", "old", 0},
		{"neither", `{"maxGroupSize":20}`, 400, 403, "Field id is mandatory", "old", 0},
		{"id not positive", `{"id":0,"groupName":"new"}`, 400, 1645, "", "old", 0},
		{"unknown id", `{"id":99,"groupName":"new"}`, 400, 1632, notValid, "old", 0},
		{"externalId of another group", `{"id":2000,"externalId":"2000","groupName":"new"}`, 400, 1645, "", "old", 0},
		{"rename", `{"id":2000,"externalId":"g","groupName":"new","extendedFields":{"gender":"m"}}`, 200, 0, "", "new", 1},
		{"nothing to update", `{"id":2000,"externalId":"g","groupName":"new","extendedFields":{"platinum":"x"}}`, 400, 1643, "Nothing to update.", "new", 1},
		{"by id alone", `{"id":2000,"groupName":"newer"}`, 200, 0, "", "newer", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call{method: http.MethodPut, body: tt.body}.do(t, s)
			if tt.status == 200 {
				if r.status != 200 || r.body.ID != 2000 || r.body.ExternalID != "g" || r.body.GroupName != tt.wantName {
					t.Errorf("got HTTP %d %s", r.status, r.raw)
				}
			} else {
				r.wantError(t, tt.status, tt.code, tt.msg)
			}
			if len(r.body.Warnings) != tt.warnings {
				t.Errorf("warnings = %v, want %d", r.body.Warnings, tt.warnings)
			}
			if g, _ := s.Group("g"); g.GroupName != tt.wantName {
				t.Errorf("stored name %q, want %q", g.GroupName, tt.wantName)
			}
			if g, _ := s.Group("2000"); g.GroupName != "decoy" {
				t.Errorf("the group with external id 2000 was changed: %+v", g)
			}
		})
	}
}

func TestUpdateEcho(t *testing.T) {
	for _, api := range []string{APICurrent, APILegacy} {
		t.Run(api, func(t *testing.T) {
			s := start(t, Config{API: api})
			s.Seed(Group{ExternalID: "g", GroupName: "old", MaxGroupSize: 10, ExtendedFields: map[string]string{"tier": "silver"}})
			r := call{method: http.MethodPut, body: `{"id":2000,"externalId":"g","groupName":"new","extendedFields":{"platinum":"5","gender":"m"}}`}.do(t, s)
			want := `{"id":2000,"externalId":"g","groupName":"new","maxGroupSize":10,"extendedFields":{"platinum":"5","tier":"silver"},` +
				`"warnings":[{"status":false,"code":91016,"message":"Extended field name gender is invalid."}]}`
			if r.status != 200 || r.raw != want {
				t.Errorf("got HTTP %d\n%s\nwant\n%s", r.status, r.raw, want)
			}
		})
	}
}

func TestExtendedFields(t *testing.T) {
	s := start(t, Config{
		Fields:      map[string]FieldType{"tier": String, "platinum": Integer},
		OtherFields: map[string]map[string]FieldType{EntityCustomer: {"gender": StandardEnum}, EntityLineItem: {"store_code": String}},
	})
	r := call{method: http.MethodGet, path: ExtendedFieldsPath}.do(t, s)
	want := `{"entity":{` +
		`"USERGROUP2":[{"id":1,"name":"platinum","label":"platinum","entityType":"USERGROUP2","baseEntityType":"usergroup2","dataType":"INTEGER"},` +
		`{"id":2,"name":"tier","label":"tier","entityType":"USERGROUP2","baseEntityType":"usergroup2","dataType":"STRING"}],` +
		`"CUSTOMER":[{"id":3,"name":"gender","label":"gender","entityType":"CUSTOMER","baseEntityType":"customer","dataType":"STANDARD_ENUM"}],` +
		`"REGULAR_LINEITEM":[{"id":4,"name":"store_code","label":"store_code","entityType":"REGULAR_LINEITEM","baseEntityType":"lineitem","dataType":"STRING"}]` +
		`},"warnings":[],"errors":[],"success":true}`
	if r.status != 200 || r.raw != want {
		t.Errorf("got HTTP %d\n%s\nwant\n%s", r.status, r.raw, want)
	}
	// A customer field's name is not a group field.
	r = call{body: `{"externalId":"a","maxGroupSize":1,"extendedFields":{"gender":"m","store_code":"S1","tier":"gold"}}`}.do(t, s)
	if r.status != 200 || len(r.body.Warnings) != 2 || r.body.Warnings[0].Code != 91016 || r.body.Warnings[1].Code != 91016 {
		t.Errorf("create with other entities' fields: %s, want two 91016", r.raw)
	}
	call{method: http.MethodGet, path: ExtendedFieldsPath, auth: "-"}.do(t, s).wantError(t, 401, 401, "")
	r = call{method: http.MethodPost, path: ExtendedFieldsPath}.do(t, s)
	r.wantError(t, 405, 405, "")
	if got := r.header.Get("Allow"); got != "GET" {
		t.Errorf("Allow = %q, want GET", got)
	}
	if st := s.Stats(); st.Catalogue != 1 || st.AuthFailures != 1 {
		t.Errorf("Stats = %+v, want 1 catalogue answer and 1 auth failure", st)
	}
}

func TestExtendedFieldsDefault(t *testing.T) {
	s := start(t, Config{})
	r := call{method: http.MethodGet, path: ExtendedFieldsPath}.do(t, s)
	for _, want := range []string{
		`"USERGROUP2":[{"id":1,"name":"joined","label":"joined","entityType":"USERGROUP2","baseEntityType":"usergroup2","dataType":"DATETIME"}`,
		`"name":"platinum","label":"platinum","entityType":"USERGROUP2","baseEntityType":"usergroup2","dataType":"INTEGER"`,
		`"name":"region","label":"region","entityType":"USERGROUP2","baseEntityType":"usergroup2","dataType":"STRING"`,
		`"name":"tier","label":"tier","entityType":"USERGROUP2","baseEntityType":"usergroup2","dataType":"STRING"`,
		`"name":"gender","label":"gender","entityType":"CUSTOMER","baseEntityType":"customer","dataType":"STANDARD_ENUM"`,
		`"name":"tier","label":"tier","entityType":"CUSTOMER","baseEntityType":"customer","dataType":"INTEGER"`,
		`"name":"store_code","label":"store_code","entityType":"REGULAR_LINEITEM","baseEntityType":"lineitem","dataType":"STRING"`,
	} {
		if !strings.Contains(r.raw, want) {
			t.Errorf("catalogue lacks %s:\n%s", want, r.raw)
		}
	}
	if n := strings.Count(r.raw, `"entityType":"USERGROUP2"`); n != 4 {
		t.Errorf("%d group fields listed, want 4", n)
	}
	// The customer field tier is an INTEGER; the group field tier is not.
	r = call{body: `{"externalId":"a","maxGroupSize":1,"extendedFields":{"tier":"gold","joined":"2021-09-27 15:07:22"}}`}.do(t, s)
	if r.status != 200 || len(r.body.Warnings) != 0 {
		t.Errorf("create: %s, want no warnings", r.raw)
	}
}

func TestExtendedFieldsNone(t *testing.T) {
	s := start(t, Config{Fields: map[string]FieldType{}, OtherFields: map[string]map[string]FieldType{}})
	r := call{method: http.MethodGet, path: ExtendedFieldsPath}.do(t, s)
	if want := `{"entity":{},"warnings":[],"errors":[],"success":true}`; r.raw != want {
		t.Errorf("got %s, want %s", r.raw, want)
	}
}

func TestExtendedFieldsRateLimited(t *testing.T) {
	clk := newClock()
	s := start(t, Config{Now: clk.Now, RatePerMinute: 60, RateBurst: 1})
	if r := (call{method: http.MethodGet, path: ExtendedFieldsPath}).do(t, s); r.status != 200 {
		t.Fatalf("first: HTTP %d", r.status)
	}
	if r := (call{method: http.MethodGet, path: GroupPath + "?id=x"}).do(t, s); r.status != 429 {
		t.Errorf("a lookup right after the catalogue: HTTP %d, want 429: both draw on one quota", r.status)
	}
	if r := (call{method: http.MethodGet, path: ExtendedFieldsPath}).do(t, s); r.status != 429 {
		t.Errorf("catalogue again: HTTP %d, want 429", r.status)
	}
}

func TestDateHeader(t *testing.T) {
	clk := newClock()
	s := start(t, Config{Now: clk.Now})
	clk.Advance(90 * time.Minute)
	want := "Mon, 27 Sep 2021 11:07:22 GMT"
	for _, c := range []call{
		{body: createBody("a")},
		{body: createBody("a")},
		{method: http.MethodGet, path: GroupPath + "?id=a"},
		{method: http.MethodGet, path: ExtendedFieldsPath},
		{auth: "-"},
		{path: "/nope"},
		{path: TokenPath, body: `{"key":"demo-key","secret":"demo-secret"}`, auth: "-"},
	} {
		r := c.do(t, s)
		if got := r.header.Get("Date"); got != want {
			t.Errorf("%s %s (HTTP %d): Date = %q, want %q", c.method, c.path, r.status, got, want)
		}
	}
}

func TestBannerContract(t *testing.T) {
	for api, want := range map[string]string{"": "Contract:   current", APICurrent: "Contract:   current", APILegacy: "Contract:   legacy"} {
		var b strings.Builder
		New(Config{API: api}).WriteBanner(&b)
		if !strings.Contains(b.String(), want) {
			t.Errorf("API %q: banner lacks %q:\n%s", api, want, b.String())
		}
	}
}
