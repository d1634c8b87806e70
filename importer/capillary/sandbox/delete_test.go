package sandbox

import (
	"errors"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// del is a DELETE /v2/userGroup2 with the given query ("" for none).
func del(query string) call {
	return call{method: http.MethodDelete, path: GroupPath + query}
}

// delQuery names a group the way the current guide's example does: both
// its id and its external id.
func delQuery(id int64, ext string) string {
	return "?id=" + strconv.FormatInt(id, 10) + "&externalId=" + ext
}

// lookupStatus looks ext up as the contract of s asks and returns the
// groupStatus it reports and the group's id.
func lookupStatus(t *testing.T, s *Server, ext string) (string, int64) {
	t.Helper()
	if s.cfg.API == APILegacy {
		r := call{method: http.MethodGet, path: GroupPath + "?externalId=" + ext}.do(t, s)
		if r.status != 200 {
			t.Fatalf("legacy lookup of %s: HTTP %d %s", ext, r.status, r.raw)
		}
		return r.body.GroupStatus, r.body.ID
	}
	r := call{method: http.MethodGet, path: GroupPath + "?id=" + ext}.do(t, s)
	gs := r.body.groups(t)
	if r.status != 200 || len(gs) != 1 {
		t.Fatalf("current lookup of %s: HTTP %d %s", ext, r.status, r.raw)
	}
	return gs[0].GroupStatus, gs[0].GroupID
}

func TestDelete(t *testing.T) {
	for _, api := range []string{APICurrent, APILegacy} {
		t.Run(api, func(t *testing.T) {
			s := start(t, Config{API: api})
			for _, ext := range []string{"a", "b", "c"} {
				if r := (call{body: createBody(ext)}).do(t, s); r.status != 200 {
					t.Fatalf("create %s: HTTP %d %s", ext, r.status, r.raw)
				}
			}
			a, _ := s.Group("a")

			r := del(delQuery(a.ID, "a")).do(t, s)
			if r.status != 200 || r.raw != `{"warnings":[]}` {
				t.Fatalf("delete: HTTP %d %s, want 200 {\"warnings\":[]}", r.status, r.raw)
			}
			// Soft: the group stays, marked DELETED, under its id.
			if g, ok := s.Group("a"); !ok || g.GroupStatus != StatusDeleted || g.ID != a.ID || g.GroupName != a.GroupName {
				t.Errorf("after delete the store holds %+v (found %v), want the group marked DELETED", g, ok)
			}
			if status, id := lookupStatus(t, s, "a"); status != StatusDeleted || id != a.ID {
				t.Errorf("lookup after delete: groupStatus %q id %d, want DELETED %d", status, id, a.ID)
			}
			// The external id stays taken.
			call{body: createBody("a")}.do(t, s).wantError(t, 400, 1633, "Group external Id a already exists.")
			if n := s.Creations("a"); n != 1 {
				t.Errorf("Creations(a) = %d, want 1", n)
			}
			// A second delete finds no group to delete.
			del(delQuery(a.ID, "a")).do(t, s).wantError(t, 400, 1632, notValid)
			del("?externalId=a").do(t, s).wantError(t, 400, 1632, notValid)
			del("?id="+strconv.FormatInt(a.ID, 10)).do(t, s).wantError(t, 400, 1632, notValid)
			// One of the two names a group well enough (the older reference).
			if r := del("?externalId=b").do(t, s); r.status != 200 {
				t.Errorf("delete by externalId alone: HTTP %d %s", r.status, r.raw)
			}
			c, _ := s.Group("c")
			if r := del("?id="+strconv.FormatInt(c.ID, 10)).do(t, s); r.status != 200 {
				t.Errorf("delete by id alone: HTTP %d %s", r.status, r.raw)
			}
			for _, ext := range []string{"b", "c"} {
				if status, _ := lookupStatus(t, s, ext); status != StatusDeleted {
					t.Errorf("lookup of %s: groupStatus %q, want DELETED", ext, status)
				}
			}
			// Unknown groups.
			del(delQuery(9999, "zz")).do(t, s).wantError(t, 400, 1632, notValid)
			del("?externalId=zz").do(t, s).wantError(t, 400, 1632, notValid)
			del("?id=9999").do(t, s).wantError(t, 400, 1632, notValid)

			if st := s.Stats(); st.Deletes != 3 || st.NotFound != 6 || st.Creates != 3 || st.Conflicts != 1 {
				t.Errorf("Stats = %+v, want 3 deletes, 6 not found, 3 creates, 1 conflict", st)
			}
		})
	}
}

// TestDeleteThenUpdate: a deleted group cannot be updated; the update is
// refused as for a group that does not exist, and changes nothing.
func TestDeleteThenUpdate(t *testing.T) {
	for _, api := range []string{APICurrent, APILegacy} {
		t.Run(api, func(t *testing.T) {
			s := start(t, Config{API: api})
			call{body: createBody("a")}.do(t, s)
			if r := del(delQuery(FirstGroupID, "a")).do(t, s); r.status != 200 {
				t.Fatalf("delete: HTTP %d %s", r.status, r.raw)
			}
			bodies := []string{`{"id":2000,"externalId":"a","groupName":"renamed"}`}
			if api == APILegacy {
				bodies = append(bodies, `{"externalId":"a","groupName":"renamed"}`, `{"id":2000,"maxGroupSize":5}`)
			}
			for _, body := range bodies {
				call{method: http.MethodPut, body: body}.do(t, s).wantError(t, 400, 1632, notValid)
			}
			if g, _ := s.Group("a"); g.GroupName != "name_a" || g.MaxGroupSize != 110 || g.GroupStatus != StatusDeleted {
				t.Errorf("after refused updates the store holds %+v", g)
			}
			if st := s.Stats(); st.Updates != 0 || st.NotFound != len(bodies) {
				t.Errorf("Stats = %+v, want no update and %d not found", st, len(bodies))
			}
		})
	}
}

func TestDeleteParams(t *testing.T) {
	for _, api := range []string{APICurrent, APILegacy} {
		t.Run(api, func(t *testing.T) {
			s := start(t, Config{API: api})
			// Group 2001 has external id MIG-1; the group whose external
			// id is "2001" has id 2002.
			s.Seed(Group{ID: 2001, ExternalID: "MIG-1"}, Group{ExternalID: "2001"}, Group{ExternalID: "b"})
			tests := []struct {
				name, query string
				code        int
			}{
				{"no query", "", 1635},
				{"both empty", "?id=&externalId=", 1635},
				{"unknown parameter", "?groupId=2001", 1635},
				{"id not a number", "?id=MIG-1", 1645},
				{"id zero", "?id=0", 1645},
				{"id negative", "?id=-2001", 1645},
				{"id and externalId of two groups", "?id=2001&externalId=b", 1632},
				{"id of one group, its own external id elsewhere", "?id=2001&externalId=2001", 1632},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					r := del(tt.query).do(t, s)
					r.wantError(t, 400, tt.code, "")
					if tt.code == 1635 && r.code() == 1635 && r.body.Errors[0].Message != "Group query param is not passed" {
						t.Errorf("message %q", r.body.Errors[0].Message)
					}
				})
			}
			for _, g := range s.Groups() {
				if g.GroupStatus != StatusActive {
					t.Fatalf("a refused delete changed %+v", g)
				}
			}
			// id is a group id only, under both contracts: ?id=2001 is the
			// group whose id is 2001, never the one whose external id is
			// "2001".
			if r := del("?id=2001").do(t, s); r.status != 200 {
				t.Fatalf("delete ?id=2001: HTTP %d %s", r.status, r.raw)
			}
			if g, _ := s.Group("MIG-1"); g.GroupStatus != StatusDeleted {
				t.Errorf("group 2001 is %s, want DELETED", g.GroupStatus)
			}
			if g, _ := s.Group("2001"); g.GroupStatus != StatusActive {
				t.Errorf("the group whose external id is 2001 is %s, want ACTIVE", g.GroupStatus)
			}
			if st := s.Stats(); st.Invalid != 6 || st.NotFound != 2 || st.Deletes != 1 {
				t.Errorf("Stats = %+v, want 6 invalid, 2 not found, 1 delete", st)
			}
		})
	}
}

func TestDeleteNeedsCredentials(t *testing.T) {
	s := start(t, Config{Groups: []Group{{ExternalID: "a"}}})
	base := del(delQuery(FirstGroupID, "a"))
	for _, auth := range []string{"-", basic(DefaultTill, "wrong"), "Bearer x"} {
		c := base
		c.auth = auth
		c.do(t, s).wantError(t, 401, 401, "")
	}
	if g, _ := s.Group("a"); g.GroupStatus != StatusActive {
		t.Fatalf("an unauthenticated delete left the group %s", g.GroupStatus)
	}
	tok := generate(t, s, `{"key":"demo-key","secret":"demo-secret"}`).body.token()
	if tok == nil {
		t.Fatal("no token")
	}
	c := base
	c.token = tok.AccessToken
	if r := c.do(t, s); r.status != 200 {
		t.Errorf("delete with an OAuth token: HTTP %d %s", r.status, r.raw)
	}
	if st := s.Stats(); st.AuthFailures != 3 || st.Deletes != 1 {
		t.Errorf("Stats = %+v, want 3 auth failures, 1 delete", st)
	}
}

func TestDeleteRateLimited(t *testing.T) {
	clk := newClock()
	s := start(t, Config{Now: clk.Now, RatePerMinute: 60, Groups: []Group{{ExternalID: "a"}, {ExternalID: "b"}}})
	if r := del(delQuery(FirstGroupID, "a")).do(t, s); r.status != 200 {
		t.Fatalf("first delete: HTTP %d %s", r.status, r.raw)
	}
	// The delete took the one token of the bucket: so the next request,
	// a lookup or a delete, waits.
	call{method: http.MethodGet, path: GroupPath + "?id=b"}.do(t, s).wantError(t, 429, 429, "")
	r := del(delQuery(FirstGroupID+1, "b")).do(t, s)
	r.wantError(t, 429, 429, "")
	if r.header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After = %q, want 1", r.header.Get("Retry-After"))
	}
	if g, _ := s.Group("b"); g.GroupStatus != StatusActive {
		t.Fatalf("a throttled delete left the group %s", g.GroupStatus)
	}
	clk.Advance(time.Second)
	if r := del(delQuery(FirstGroupID+1, "b")).do(t, s); r.status != 200 {
		t.Errorf("after the refill: HTTP %d %s", r.status, r.raw)
	}
	if st := s.Stats(); st.Throttled != 2 || st.Deletes != 2 {
		t.Errorf("Stats = %+v, want 2 throttled, 2 deletes", st)
	}
}

// TestDeleteFaults: the faults decided before any work leave the group as
// it was.
func TestDeleteFaults(t *testing.T) {
	for _, tt := range []struct {
		name   string
		faults Faults
	}{
		{"5xx", Faults{Error5xx: 1}},
		{"throttle", Faults{Throttle: 1}},
		{"drop", Faults{Drop: 1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t, Config{Faults: tt.faults, Groups: []Group{{ExternalID: "a"}}})
			req := del(delQuery(FirstGroupID, "a")).request(t, s)
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode != 429 && resp.StatusCode < 500 {
					t.Errorf("HTTP %d, want the fault", resp.StatusCode)
				}
			} else if tt.faults.Drop == 0 {
				t.Errorf("connection error %v, want an answer", err)
			}
			if g, _ := s.Group("a"); g.GroupStatus != StatusActive || s.Stats().Deletes != 0 {
				t.Errorf("after the fault the group is %s, Stats %+v", g.GroupStatus, s.Stats())
			}
		})
	}
}

// TestTimeoutAfterDelete: the group is deleted, then the answer is lost.
// The client's only way to know is to look the group up.
func TestTimeoutAfterDelete(t *testing.T) {
	for _, api := range []string{APICurrent, APILegacy} {
		t.Run(api, func(t *testing.T) {
			hook, waiting := waitSignal(t)
			s := start(t, Config{API: api, Groups: []Group{{ExternalID: "a"}},
				Faults: Faults{TimeoutAfterDelete: 1}}, hook)
			// A create is not a delete: it is answered.
			if r := (call{body: createBody("b")}).do(t, s); r.status != 200 {
				t.Fatalf("create under TimeoutAfterDelete: HTTP %d %s", r.status, r.raw)
			}
			client := &http.Client{Timeout: 300 * time.Millisecond}
			resp, err := client.Do(del(delQuery(FirstGroupID, "a")).request(t, s))
			if err == nil {
				resp.Body.Close()
				t.Fatalf("got HTTP %d, want a client timeout", resp.StatusCode)
			}
			if ne, ok := errors.AsType[net.Error](err); !ok || !ne.Timeout() {
				t.Errorf("err = %v, want a timeout", err)
			}
			waiting()
			s.SetFaults(Faults{})
			if status, _ := lookupStatus(t, s, "a"); status != StatusDeleted {
				t.Errorf("lookup after the lost answer: groupStatus %q, want DELETED", status)
			}
			del(delQuery(FirstGroupID, "a")).do(t, s).wantError(t, 400, 1632, notValid)
			if st := s.Stats(); st.Hangs != 1 || st.Deletes != 1 {
				t.Errorf("Stats = %+v, want 1 hang, 1 delete", st)
			}
		})
	}
}

func TestTimeoutAfterDeleteHangForElapses(t *testing.T) {
	s := start(t, Config{Groups: []Group{{ExternalID: "a"}},
		Faults: Faults{TimeoutAfterDelete: 1, HangFor: 20 * time.Millisecond}})
	resp, err := http.DefaultClient.Do(del(delQuery(FirstGroupID, "a")).request(t, s))
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got HTTP %d, want the connection dropped after HangFor", resp.StatusCode)
	}
	if g, _ := s.Group("a"); g.GroupStatus != StatusDeleted {
		t.Errorf("group is %s, want DELETED", g.GroupStatus)
	}
}

// TestTimeoutAfterCreateSparesDeletes: each after-work fault holds only
// its own kind of request.
func TestTimeoutAfterCreateSparesDeletes(t *testing.T) {
	s := start(t, Config{Groups: []Group{{ExternalID: "a"}}, Faults: Faults{TimeoutAfterCreate: 1}})
	if r := del(delQuery(FirstGroupID, "a")).do(t, s); r.status != 200 {
		t.Errorf("delete under TimeoutAfterCreate: HTTP %d %s", r.status, r.raw)
	}
}
