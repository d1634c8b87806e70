package importer_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

var contracts = []string{sandbox.APICurrent, sandbox.APILegacy}

// upsertOrg is an org where numeric external ids collide with group ids:
// group 2001 is "MIG-1", and the group with external id "2001" is another.
func upsertOrg() []sandbox.Group {
	hourAgo := time.Now().Add(-time.Hour)
	return []sandbox.Group{
		{ID: 2001, ExternalID: "MIG-1", GroupName: "Migrated", MaxGroupSize: 10, CreatedOn: hourAgo},
		{ID: 2002, ExternalID: "2001", GroupName: "Numeric", MaxGroupSize: 20, CreatedOn: hourAgo, ExtendedFields: map[string]string{"tier": "gold"}},
		{ID: 2003, ExternalID: "7", GroupName: "Old", MaxGroupSize: 30, CreatedOn: hourAgo},
		{ID: 2004, ExternalID: "gone", GroupName: "Gone", MaxGroupSize: 5, CreatedOn: hourAgo, GroupStatus: sandbox.StatusExited},
	}
}

// TestUpsertUnderBothContracts: --on-conflict lookup and update give exact
// statuses, ids and server state, and never settle a row with the group
// whose id merely equals its external id.
func TestUpsertUnderBothContracts(t *testing.T) {
	csv := "externalId,groupName,maxGroupSize,ext.tier\n" +
		"2001,Numeric,20,gold\n" + // matches the group whose external id is 2001 (not group 2001)
		"7,New name,30,\n" + // differs by name
		"gone,Gone,5,\n" + // exists, EXITED
		"MIG-1,Migrated,10,silver\n" + // lacks the tier field on the server
		"fresh,Fresh,3,\n"
	for _, api := range contracts {
		for _, mode := range []importer.OnConflict{importer.ConflictLookup, importer.ConflictUpdate} {
			t.Run(api+"/"+string(mode), func(t *testing.T) {
				h := newHarness(t, sandbox.Config{API: api})
				h.srv.Seed(upsertOrg()...)
				h.cfg.OnConflict = mode
				res, _, err := h.run(context.Background(), csv)
				if err != nil {
					t.Fatal(err)
				}
				want := []struct {
					status importer.Status
					id     int64
					msg    string
				}{
					{importer.Exists, 2002, "match"},
					{importer.Conflict, 2003, `groupName: "Old" -> "New name"`},
					{importer.Conflict, 2004, "not ACTIVE"},
					{importer.Conflict, 2001, `ext.tier: (none) -> "silver"`},
					{importer.Created, 0, ""},
				}
				if mode == importer.ConflictUpdate {
					want[1] = struct {
						status importer.Status
						id     int64
						msg    string
					}{importer.Updated, 2003, `groupName: "Old" -> "New name"`}
					want[3].status = importer.Updated
				}
				for i, w := range want {
					r := res[i]
					if r.Status != w.status || (w.id != 0 && r.EntityID != w.id) || !strings.Contains(r.Message, w.msg) {
						t.Errorf("row %d: %s %d %q; want %s %d containing %q", r.Row, r.Status, r.EntityID, r.Message, w.status, w.id, w.msg)
					}
				}
				if mode == importer.ConflictUpdate {
					// tier is a group field in the default catalogue, so
					// the update saves it.
					if g, _ := h.srv.Group("MIG-1"); g.ExtendedFields["tier"] != "silver" {
						t.Errorf("MIG-1 on the server: %+v", g)
					}
					if g, _ := h.srv.Group("7"); g.GroupName != "New name" {
						t.Errorf("7 on the server: %+v", g)
					}
				}
				if g, _ := h.srv.Group("MIG-1"); g.GroupName != "Migrated" || g.MaxGroupSize != 10 {
					t.Errorf("group 2001 was touched: %+v", g)
				}
				if g, _ := h.srv.Group("gone"); g.GroupStatus != sandbox.StatusExited {
					t.Errorf("the exited group was touched: %+v", g)
				}
			})
		}
	}
}

// TestUpdateKeepsFieldWarnings: a nightly upsert whose extended field the
// org lacks never reads "matches the row" in silence: the update is sent,
// and its 91016 stays in the results line.
func TestUpdateKeepsFieldWarnings(t *testing.T) {
	for _, api := range contracts {
		t.Run(api, func(t *testing.T) {
			h := newHarness(t, sandbox.Config{API: api})
			h.srv.Seed(sandbox.Group{ID: 10, ExternalID: "n1", GroupName: "Night", MaxGroupSize: 4})
			h.cfg.OnConflict = importer.ConflictUpdate
			res, _, err := h.run(context.Background(), "externalId,groupName,maxGroupSize,ext.colour\nn1,Night,4,blue\n")
			if err != nil {
				t.Fatal(err)
			}
			r := res[0]
			if r.Status != importer.Exists || len(r.Warnings) != 1 || r.Warnings[0].Code != 91016 || !strings.Contains(r.Message, "not saved") {
				t.Errorf("result %+v", r)
			}
		})
	}
}

// failFirstCreate answers the first POST with a 503 before the sandbox
// sees it, as a flaky proxy would.
func failFirstCreate(next http.Handler) (http.Handler, *atomic.Int64) {
	var posts, failed atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && posts.Add(1) == 1 {
			failed.Add(1)
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"errors":[{"status":false,"code":503,"message":"try later"}]}`))
			return
		}
		next.ServeHTTP(w, r)
	}), &failed
}

// TestGroupThatExistedBeforeIsNeverCreated: a group made before the run,
// met by a retry after a 5xx, is never created: exists (it matches, and
// may be this run's) under the current contract, conflict (proved older,
// as any group there before) under the legacy one; a group this run created before a lost answer is
// created under the legacy contract, which proves it by createdOn.
func TestGroupThatExistedBeforeIsNeverCreated(t *testing.T) {
	for _, api := range contracts {
		t.Run(api, func(t *testing.T) {
			sb := sandbox.New(sandbox.Config{API: api})
			sb.Seed(sandbox.Group{ID: 50, ExternalID: "old", GroupName: "Old", MaxGroupSize: 3, CreatedOn: time.Now().Add(-time.Hour)})
			handler, failed := failFirstCreate(sb)
			srv := httptest.NewServer(handler)
			defer srv.Close()
			client, _ := capillary.New(srv.URL, capillary.NewBasic(sandbox.DefaultTill, sandbox.DefaultTillPassword), nil)
			h := newHarness(t, sandbox.Config{})
			h.cfg.API = client
			res, _, err := h.run(context.Background(), "externalId,groupName,maxGroupSize\nold,Old,3\n")
			if err != nil {
				t.Fatal(err)
			}
			r := res[0]
			// The legacy lookup's createdOn proves the group older than
			// the run, which makes it a conflict in the default mode, as
			// any group there before; the current one leaves it open.
			status, mayBeOurs := importer.Exists, true
			if api == sandbox.APILegacy {
				status, mayBeOurs = importer.Conflict, false
			}
			if failed.Load() != 1 || r.Status != status || r.EntityID != 50 {
				t.Errorf("%d failed; result %+v", failed.Load(), r)
			}
			if r.Has(importer.AnswerLost) != mayBeOurs {
				t.Errorf("%s: reasons %q, message %q", api, r.Reasons, r.Message)
			}
		})
	}
}

// TestLostAnswerProvedByCreatedOn: a create that succeeded but never
// answered is created (legacy: createdOn proves it) or exists with the
// reason (current: no createdOn); never a conflict, never created twice.
func TestLostAnswerProvedByCreatedOn(t *testing.T) {
	for _, api := range contracts {
		t.Run(api, func(t *testing.T) {
			h := newHarness(t, sandbox.Config{API: api, Faults: sandbox.Faults{TimeoutAfterCreate: 1, HangFor: 5 * time.Second}})
			h.cfg.Timeout = 200 * time.Millisecond
			res, _, err := h.run(context.Background(), "externalId,groupName,maxGroupSize\nlost,Lost,3\n")
			if err != nil {
				t.Fatal(err)
			}
			r := res[0]
			g, _ := h.srv.Group("lost")
			want := importer.Created
			if api == sandbox.APICurrent {
				want = importer.Exists
			}
			if r.Status != want || r.EntityID != g.ID || h.srv.Creations("lost") != 1 {
				t.Errorf("result %+v; server %+v, %d creations", r, g, h.srv.Creations("lost"))
			}
		})
	}
}

// TestRowsMeetingOlderGroupsAgree: in the default mode (report), every row
// whose group existed before the run ends conflict, the one whose first
// attempt met a 5xx too, once the lookup proves the group older than the
// run (legacy contract: createdOn). With --on-conflict lookup, all exist.
func TestRowsMeetingOlderGroupsAgree(t *testing.T) {
	for _, mode := range []importer.OnConflict{importer.ConflictReport, importer.ConflictLookup} {
		t.Run(string(mode), func(t *testing.T) {
			sb := sandbox.New(sandbox.Config{API: sandbox.APILegacy})
			hourAgo := time.Now().Add(-time.Hour)
			sb.Seed(sandbox.Group{ID: 50, ExternalID: "old1", GroupName: "Old", MaxGroupSize: 3, CreatedOn: hourAgo})
			sb.Seed(sandbox.Group{ID: 51, ExternalID: "old2", GroupName: "Old", MaxGroupSize: 3, CreatedOn: hourAgo})
			handler, failed := failFirstCreate(sb)
			srv := httptest.NewServer(handler)
			defer srv.Close()
			client, _ := capillary.New(srv.URL, capillary.NewBasic(sandbox.DefaultTill, sandbox.DefaultTillPassword), nil)
			h := newHarness(t, sandbox.Config{})
			h.cfg.API, h.cfg.OnConflict, h.cfg.Workers = client, mode, 1
			res, _, err := h.run(context.Background(), "externalId,groupName,maxGroupSize\nold1,Old,3\nold2,Old,3\n")
			if err != nil {
				t.Fatal(err)
			}
			want := importer.Conflict
			if mode == importer.ConflictLookup {
				want = importer.Exists
			}
			if failed.Load() != 1 {
				t.Fatalf("%d creates failed, want 1", failed.Load())
			}
			for _, r := range res {
				if r.Status != want {
					t.Errorf("row %s: %s (%s), want %s", r.ExternalID, r.Status, r.Message, want)
				}
			}
		})
	}
}
