package sandbox

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCreate(t *testing.T) {
	clk := newClock()
	s := start(t, Config{Now: clk.Now})

	r := call{body: `{"externalId":"purple_externalId","groupName":"name_purple","maxGroupSize":110,"limit":7}`}.do(t, s)
	if r.status != http.StatusOK || r.body.Entity == nil || *r.body.Entity != FirstGroupID {
		t.Fatalf("got HTTP %d %s, want 200 with entity %d", r.status, r.raw, FirstGroupID)
	}
	if r.raw != `{"entity":2000,"warnings":[]}` {
		t.Errorf("body = %s", r.raw)
	}
	g, ok := s.Group("purple_externalId")
	if !ok {
		t.Fatal("group not stored")
	}
	if g.ID != 2000 || g.GroupName != "name_purple" || g.MaxGroupSize != 110 || g.Limit == nil || *g.Limit != 7 ||
		g.GroupStatus != StatusActive || !g.CreatedOn.Equal(docsMoment) {
		t.Errorf("stored %+v", g)
	}
	r = call{body: createBody("second")}.do(t, s)
	if r.body.Entity == nil || *r.body.Entity != 2001 {
		t.Errorf("second create: %s, want entity 2001", r.raw)
	}
	if got := s.Stats().Creates; got != 2 {
		t.Errorf("Stats().Creates = %d, want 2", got)
	}
}

func TestCreateValidation(t *testing.T) {
	long := strings.Repeat("é", 51)
	tests := []struct {
		name        string
		cfg         Config
		contentType string
		body        string
		status      int
		code        int
		message     string
	}{
		{name: "invalid JSON", body: `{"externalId":`, status: 400, code: 1645},
		{name: "trailing garbage", body: `{"externalId":"a","maxGroupSize":1} x`, status: 400, code: 1645},
		{name: "not an object", body: `["a"]`, status: 400, code: 1645},
		{name: "externalId a number", body: `{"externalId":5,"maxGroupSize":1}`, status: 400, code: 1645},
		{name: "maxGroupSize a string", body: `{"externalId":"a","maxGroupSize":"110"}`, status: 400, code: 1645},
		{name: "maxGroupSize fractional", body: `{"externalId":"a","maxGroupSize":1.5}`, status: 400, code: 1645},
		{name: "extendedFields an array", body: `{"externalId":"a","maxGroupSize":1,"extendedFields":[{"platinum":"1"}]}`, status: 400, code: 1645},
		{name: "extendedField an object", body: `{"externalId":"a","maxGroupSize":1,"extendedFields":{"platinum":{}}}`, status: 400, code: 1645},
		{name: "extendedField null", body: `{"externalId":"a","maxGroupSize":1,"extendedFields":{"platinum":null}}`, status: 400, code: 1645},
		{name: "empty body", body: ` `, status: 400, code: 1644, message: "Group details not passed."},
		{name: "null body", body: `null`, status: 400, code: 1644},
		{name: "no externalId", body: `{"maxGroupSize":1}`, status: 400, code: 1634, message: "Group external Id can't be null."},
		{name: "null externalId", body: `{"externalId":null,"maxGroupSize":1}`, status: 400, code: 1634},
		{name: "empty externalId", body: `{"externalId":"","maxGroupSize":1}`, status: 400, code: 1634},
		{name: "externalId 51 characters", body: `{"externalId":"` + long + `","maxGroupSize":1}`, status: 400, code: 1645},
		{name: "groupName 51 characters", body: `{"externalId":"a","groupName":"` + long + `","maxGroupSize":1}`, status: 400, code: 1645},
		{name: "no maxGroupSize", body: `{"externalId":"a"}`, status: 400, code: 403, message: "Field maxGroupSize is mandatory"},
		{name: "null maxGroupSize", body: `{"externalId":"a","maxGroupSize":null}`, status: 400, code: 403},
		{name: "zero maxGroupSize", body: `{"externalId":"a","maxGroupSize":0}`, status: 400, code: 1640},
		{name: "negative maxGroupSize", body: `{"externalId":"a","maxGroupSize":-3}`, status: 400, code: 1640},
		{name: "maxGroupSize over default ceiling", body: `{"externalId":"a","maxGroupSize":30001}`, status: 400, code: 1639},
		{name: "maxGroupSize over configured ceiling", cfg: Config{MaxGroupSize: 100}, body: `{"externalId":"a","maxGroupSize":101}`, status: 400, code: 1639},
		{name: "text/plain", contentType: "text/plain", body: createBody("a"), status: 415, code: 415},
		{name: "form", contentType: "application/x-www-form-urlencoded", body: "externalId=a", status: 415, code: 415},
		{name: "no content type", contentType: "-", body: createBody("a"), status: 415, code: 415},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t, tt.cfg)
			c := call{body: tt.body, contentType: tt.contentType}
			req := c.request(t, s)
			if tt.contentType == "-" {
				req.Header.Del("Content-Type")
			}
			r := c.send(t, req)
			r.wantError(t, tt.status, tt.code, tt.message)
			if n := len(s.Groups()); n != 0 {
				t.Errorf("%d groups stored after a refused create", n)
			}
			if got := s.Stats().Invalid; got != 1 {
				t.Errorf("Stats().Invalid = %d, want 1", got)
			}
		})
	}
}

func TestCreateAccepts(t *testing.T) {
	exactly50 := strings.Repeat("é", 50) // 100 bytes: the limit counts characters
	tests := []struct {
		name, contentType, body string
	}{
		{"50-character ids", "", `{"externalId":"` + exactly50 + `","groupName":"` + exactly50 + `","maxGroupSize":1}`},
		{"maxGroupSize at the ceiling", "", `{"externalId":"a","maxGroupSize":30000}`},
		{"content type with charset", "application/json; charset=utf-8", createBody("a")},
		{"unknown top-level fields ignored", "", `{"externalId":"a","maxGroupSize":1,"colour":"red"}`},
		{"no groupName", "", `{"externalId":"a","maxGroupSize":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t, Config{})
			r := call{body: tt.body, contentType: tt.contentType}.do(t, s)
			if r.status != http.StatusOK || r.body.Entity == nil {
				t.Errorf("got HTTP %d %s, want 200 with an entity", r.status, r.raw)
			}
		})
	}
}

func TestCreateConflict(t *testing.T) {
	for _, status := range []int{0, http.StatusBadRequest, http.StatusConflict, http.StatusOK} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			s := start(t, Config{ConflictStatus: status})
			if r := (call{body: createBody("dup")}).do(t, s); r.status != http.StatusOK {
				t.Fatalf("first create: %d %s", r.status, r.raw)
			}
			want := status
			if want == 0 {
				want = http.StatusBadRequest
			}
			r := call{body: createBody("dup")}.do(t, s)
			r.wantError(t, want, 1633, "Group external Id dup already exists.")
			if r.body.Entity != nil {
				t.Errorf("conflict carries an entity: %s", r.raw)
			}
			if got := s.Creations("dup"); got != 1 {
				t.Errorf("Creations = %d, want 1", got)
			}
			if st := s.Stats(); st.Conflicts != 1 || st.Creates != 1 {
				t.Errorf("Stats = %+v, want 1 conflict and 1 create", st)
			}
		})
	}
}

func TestCreateWarnings(t *testing.T) {
	s := start(t, Config{})
	body := `{"externalId":"natwest_16","groupName":"natwest14","maxGroupSize":110,"extendedFields":` +
		`{"platinum":"25x","gender":"m","tier":"gold","joined":"2021-13-01","region":7}}`
	r := call{body: body}.do(t, s)
	if r.status != http.StatusOK || r.body.Entity == nil {
		t.Fatalf("got HTTP %d %s, want 200: warnings do not stop the create", r.status, r.raw)
	}
	want := []apiItem{
		{Code: 91016, Message: "Extended field name gender is invalid."},
		{Code: 91017, Message: "Extended field value for joined does not match the data type DATETIME"},
		{Code: 91017, Message: "Extended field value for platinum does not match the data type INTEGER"},
	}
	if len(r.body.Warnings) != len(want) {
		t.Fatalf("warnings = %s, want %d", r.raw, len(want))
	}
	for i, w := range want {
		if got := r.body.Warnings[i]; got.Code != w.Code || got.Message != w.Message {
			t.Errorf("warning %d = %d %q, want %d %q", i, got.Code, got.Message, w.Code, w.Message)
		}
	}
	g, _ := s.Group("natwest_16")
	if len(g.ExtendedFields) != 2 || g.ExtendedFields["tier"] != "gold" || g.ExtendedFields["region"] != "7" {
		t.Errorf("saved fields = %v, want only tier and region", g.ExtendedFields)
	}
	if got := s.Stats().Warned; got != 1 {
		t.Errorf("Stats().Warned = %d, want 1", got)
	}
}

func TestFieldTypes(t *testing.T) {
	tests := []struct {
		t    FieldType
		v    string
		want bool
	}{
		{String, "", true}, {String, "anything", true},
		{StandardString, "x y", true}, {StandardEnum, "M", true}, {CustomEnum, "whatever", true},
		{Integer, "25", true}, {Integer, "-3", true}, {Integer, "2.5", false}, {Integer, "", false}, {Integer, "25x", false}, {Integer, "abc", false},
		{Double, "2.5", true}, {Double, "1e3", true}, {Double, "25", true}, {Double, "NaN", false}, {Double, "Inf", false}, {Double, "x", false},
		{DateTime, "2021-09-27", true}, {DateTime, "2021-09-27 15:07:22", true}, {DateTime, "2021-09-27T15:07:22+05:30", true},
		{DateTime, "2021-09-27T09:37:22.123Z", true}, {DateTime, "2021-02-30", false}, {DateTime, "27/09/2021", false},
		{DateTime, "2021-09-27T15:07", false}, {DateTime, "yesterday", false},
		{"BOOLEAN", "maybe", true}, // a type the sandbox does not know takes any text
	}
	for _, tt := range tests {
		if got := tt.t.accepts(tt.v); got != tt.want {
			t.Errorf("%s accepts %q = %v, want %v", tt.t, tt.v, got, tt.want)
		}
	}
}

func TestConfiguredFields(t *testing.T) {
	s := start(t, Config{Fields: map[string]FieldType{"vip": CustomEnum, "score": Double, "flag": "BOOLEAN"}})
	r := call{body: `{"externalId":"a","maxGroupSize":1,"extendedFields":{"vip":true,"score":2.5,"flag":"odd","platinum":"1"}}`}.do(t, s)
	if len(r.body.Warnings) != 1 || r.body.Warnings[0].Code != 91016 {
		t.Fatalf("warnings = %s, want only platinum unknown", r.raw)
	}
	if g, _ := s.Group("a"); g.ExtendedFields["vip"] != "true" || g.ExtendedFields["score"] != "2.5" || g.ExtendedFields["flag"] != "odd" {
		t.Errorf("saved fields = %v", g.ExtendedFields)
	}
}

func TestNoGroupFields(t *testing.T) {
	s := start(t, Config{Fields: map[string]FieldType{}})
	r := call{body: `{"externalId":"a","maxGroupSize":1,"extendedFields":{"platinum":"1"}}`}.do(t, s)
	if r.status != 200 || len(r.body.Warnings) != 1 || r.body.Warnings[0].Code != 91016 {
		t.Errorf("an org without group fields: %s, want 200 with one 91016", r.raw)
	}
}

func TestLookupLegacy(t *testing.T) {
	clk := newClock()
	s := start(t, Config{Now: clk.Now, API: APILegacy})
	call{body: `{"externalId":"purple","groupName":"name_purple","maxGroupSize":110,"extendedFields":{"platinum":"25"}}`}.do(t, s)
	call{body: createBody("other")}.do(t, s)
	want := `{"id":2000,"externalId":"purple","groupStatus":"ACTIVE","createdOn":"2021-09-27T15:07:22.000+05:30",` +
		`"groupName":"name_purple","maxGroupSize":110,"extendedFields":{"platinum":"25"},"warnings":[]}`

	tests := []struct {
		name   string
		query  string
		status int
		code   int
	}{
		{"by externalId", "?externalId=purple", 200, 0},
		{"by id", "?id=2000", 200, 0},
		{"by both", "?id=2000&externalId=purple", 200, 0},
		{"both naming different groups", "?id=2001&externalId=purple", 400, 1632},
		{"unknown externalId", "?externalId=nope", 400, 1632},
		{"unknown id", "?id=99", 400, 1632},
		{"id is an external id", "?id=purple", 400, 1645},
		{"neither", "", 400, 1634},
		{"id not a number", "?id=abc", 400, 1645},
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
			msg := ""
			if tt.code == 1632 {
				msg = "Group id/externalId/primary userId passed is not valid"
			}
			r.wantError(t, tt.status, tt.code, msg)
		})
	}
	if st := s.Stats(); st.Lookups != len(tests) || st.NotFound != 3 {
		t.Errorf("Stats = %+v, want %d lookups, 3 not found", st, len(tests))
	}
}

func TestLookupLocation(t *testing.T) {
	clk := newClock()
	s := start(t, Config{Now: clk.Now, Location: time.UTC, API: APILegacy})
	clk.Advance(123456789 * time.Nanosecond)
	call{body: createBody("a")}.do(t, s)
	r := call{method: http.MethodGet, path: GroupPath + "?externalId=a"}.do(t, s)
	if r.body.CreatedOn != "2021-09-27T09:37:22.123Z" {
		t.Errorf("createdOn = %q in UTC", r.body.CreatedOn)
	}
}

func TestUpdateLegacy(t *testing.T) {
	s := start(t, Config{API: APILegacy})
	s.Seed(Group{ExternalID: "g", GroupName: "old", MaxGroupSize: 10, ExtendedFields: map[string]string{"tier": "silver"}})

	tests := []struct {
		name       string
		body       string
		status     int
		code       int
		wantName   string
		wantSize   int
		wantFields string // tier/platinum after the call
		warnings   int
	}{
		{"rename", `{"externalId":"g","groupName":"new"}`, 200, 0, "new", 10, "silver/", 0},
		{"same again", `{"externalId":"g","groupName":"new"}`, 400, 1643, "new", 10, "silver/", 0},
		{"by id", `{"id":2000,"maxGroupSize":20}`, 200, 0, "new", 20, "silver/", 0},
		{"merge a field", `{"externalId":"g","extendedFields":{"platinum":"5"}}`, 200, 0, "new", 20, "silver/5", 0},
		{"only bad fields", `{"externalId":"g","extendedFields":{"platinum":"x","gender":"m"}}`, 400, 1643, "new", 20, "silver/5", 2},
		{"good and bad fields", `{"externalId":"g","extendedFields":{"tier":"gold","gender":"m"}}`, 200, 0, "new", 20, "gold/5", 1},
		{"unknown group", `{"externalId":"nope","groupName":"x"}`, 400, 1632, "new", 20, "gold/5", 0},
		{"id and externalId disagree", `{"id":2000,"externalId":"nope","groupName":"x"}`, 400, 1632, "new", 20, "gold/5", 0},
		{"no identity", `{"groupName":"x"}`, 400, 1634, "new", 20, "gold/5", 0},
		{"bad size", `{"externalId":"g","maxGroupSize":0}`, 400, 1640, "new", 20, "gold/5", 0},
		{"size over ceiling", `{"externalId":"g","maxGroupSize":30001}`, 400, 1639, "new", 20, "gold/5", 0},
		{"long name", `{"externalId":"g","groupName":"` + strings.Repeat("x", 51) + `"}`, 400, 1645, "new", 20, "gold/5", 0},
		{"not JSON", `{`, 400, 1645, "new", 20, "gold/5", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call{method: http.MethodPut, body: tt.body}.do(t, s)
			if tt.status == 200 {
				if r.status != 200 || r.body.ExternalID != "g" || r.body.GroupName != tt.wantName || r.body.MaxGroupSize != tt.wantSize {
					t.Errorf("got HTTP %d %s", r.status, r.raw)
				}
			} else {
				r.wantError(t, tt.status, tt.code, "")
			}
			if len(r.body.Warnings) != tt.warnings {
				t.Errorf("warnings = %v, want %d", r.body.Warnings, tt.warnings)
			}
			g, _ := s.Group("g")
			if g.GroupName != tt.wantName || g.MaxGroupSize != tt.wantSize ||
				g.ExtendedFields["tier"]+"/"+g.ExtendedFields["platinum"] != tt.wantFields {
				t.Errorf("stored %+v", g)
			}
		})
	}
	if st := s.Stats(); st.Updates != 4 || st.NoChange != 2 || st.Creates != 0 {
		t.Errorf("Stats = %+v, want 4 updates, 2 no-change, 0 creates", st)
	}
}

func TestSeed(t *testing.T) {
	s := start(t, Config{})
	s.Seed(Group{ExternalID: "a"}, Group{ID: 5000, ExternalID: "b", GroupStatus: StatusDeleted}, Group{ExternalID: "c"})
	gs := s.Groups()
	var ids []int64
	for _, g := range gs {
		ids = append(ids, g.ID)
	}
	if fmt.Sprint(ids) != "[2000 5000 5001]" {
		t.Errorf("seeded ids = %v", ids)
	}
	if s.Creations("a") != 0 || s.Stats().Creates != 0 {
		t.Error("seeded groups counted as creations")
	}
	call{body: createBody("a")}.do(t, s).wantError(t, 400, 1633, "")
	if r := (call{body: createBody("d")}).do(t, s); r.body.Entity == nil || *r.body.Entity != 5002 {
		t.Errorf("create after seed: %s, want entity 5002", r.raw)
	}
	// The search shape names a deleted group DELETED (other inactive
	// statuses are EXITED: TestLookupCollision).
	if r := (call{method: http.MethodGet, path: GroupPath + "?id=5000"}).do(t, s); len(r.body.groups(t)) != 1 ||
		r.body.groups(t)[0].GroupStatus != StatusDeleted {
		t.Errorf("lookup of a deleted group: %s, want groupStatus DELETED", r.raw)
	}
	for _, g := range []Group{{}, {ExternalID: "a"}, {ID: 2000, ExternalID: "z"}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Seed(%+v) did not panic", g)
				}
			}()
			s.Seed(g)
		}()
	}
}

func TestGroupCopies(t *testing.T) {
	s := start(t, Config{})
	limit := 3
	fields := map[string]string{"tier": "gold"}
	s.Seed(Group{ExternalID: "a", Limit: &limit, ExtendedFields: fields})
	limit, fields["tier"] = 4, "lead"
	g, _ := s.Group("a")
	if *g.Limit != 3 || g.ExtendedFields["tier"] != "gold" {
		t.Fatalf("Seed kept the caller's pointers: %+v", g)
	}
	*g.Limit, g.ExtendedFields["tier"] = 5, "tin"
	if g2, _ := s.Group("a"); *g2.Limit != 3 || g2.ExtendedFields["tier"] != "gold" {
		t.Errorf("Group returned the server's own pointers: %+v", g2)
	}
}

func TestConcurrentCreates(t *testing.T) {
	s := start(t, Config{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for i := range 40 {
		wg.Go(func() {
			ext := "same"
			if i%2 == 0 {
				ext = fmt.Sprint("distinct-", i)
			}
			req := call{body: createBody(ext)}.request(t, s)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			mu.Lock()
			statuses[resp.StatusCode]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if s.Creations("same") != 1 || statuses[200] != 21 || statuses[400] != 19 {
		t.Errorf("Creations(same) = %d, statuses %v; want 1 and 21x200, 19x400", s.Creations("same"), statuses)
	}
	seen := map[int64]bool{}
	for _, g := range s.Groups() {
		if seen[g.ID] {
			t.Errorf("id %d given twice", g.ID)
		}
		seen[g.ID] = true
	}
}
