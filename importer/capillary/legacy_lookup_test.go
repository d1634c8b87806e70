package capillary_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/capillary-tools/groupimport/importer/capillary"
)

// TestLegacyLookupTakesOnlyTheGroupAskedFor: an older server that answers
// ?externalId=fleet-1 with the bare group "FLEET-1" (it matched without
// regard to case, or it is wrong) has not found fleet-1: the answer is not
// taken as that group, on the first lookup (the contract still unknown) or
// a later one.
func TestLegacyLookupTakesOnlyTheGroupAskedFor(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		q := r.URL.Query()
		switch {
		case q.Get("externalId") != "":
			// Whatever was asked, the group whose external id is FLEET-1.
			fmt.Fprint(w, `{"id":9,"externalId":"FLEET-1","groupStatus":"ACTIVE","createdOn":"2026-11-29T10:00:00+05:30","groupName":"One","maxGroupSize":5,"warnings":[]}`)
		default:
			w.WriteHeader(400)
			fmt.Fprint(w, `{"errors":[{"status":false,"code":1645,"message":"Group details not valid"}],"warnings":[]}`)
		}
	}))
	defer srv.Close()
	c, err := capillary.New(srv.URL, capillary.NewBasic("t", "p"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{"fleet-1", "Fleet-1", "FLEET-1"} {
		resp, err := c.Lookup(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if c.Contract() != capillary.ContractLegacy {
			t.Fatalf("lookup %d: contract %v", i+1, c.Contract())
		}
		if id == "FLEET-1" {
			if resp.Group == nil || resp.Group.ID != 9 {
				t.Fatalf("lookup of FLEET-1: %+v", resp.Group)
			}
			continue
		}
		if resp.Group != nil || !resp.Missing {
			t.Fatalf("lookup %d of %q took group %+v (missing %v)", i+1, id, resp.Group, resp.Missing)
		}
	}
}
