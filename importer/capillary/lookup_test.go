package capillary_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/capillary-tools/groupimport/importer/capillary"
)

// contractServer answers lookups as one published version of the API
// does, written here by hand from the docs so that the client is not
// tested against its own reading of them through the sandbox alone.
// Groups: id 3 has external id "MIG-1"; id 7 has external id "3".
func contractServer(t *testing.T, current bool) (*httptest.Server, *[]string) {
	var mu sync.Mutex
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.URL.RawQuery)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		q := r.URL.Query()
		notFound := func() {
			w.WriteHeader(400)
			fmt.Fprint(w, `{"errors":[{"status":false,"code":1632,"message":"Group id/externalId/primary userId passed is not valid"}],"warnings":[]}`)
		}
		if current {
			id := q.Get("id")
			if id == "" {
				w.WriteHeader(400)
				fmt.Fprint(w, `{"errors":[{"status":false,"code":1635,"message":"Group query param is not passed"}],"warnings":[]}`)
				return
			}
			var data []string
			if id == "3" { // the group whose id is 3, then the one whose external id is "3"
				data = append(data, `{"groupId":3,"groupExternalId":"MIG-1","groupName":"One","groupStatus":"ACTIVE","extendedFields":{"tier":"gold"}}`)
				data = append(data, `{"groupId":7,"groupExternalId":"3","groupName":"Three","groupStatus":"EXITED","extendedFields":[{"name":"tier","value":"silver"},{"name":"platinum","value":25}]}`)
			}
			if id == "MIG-1" {
				data = append(data, `{"groupId":3,"groupExternalId":"MIG-1","groupName":"One","groupStatus":"ACTIVE"}`)
			}
			if len(data) == 0 {
				notFound()
				return
			}
			fmt.Fprintf(w, `{"pagination":{"limit":10,"offset":0,"total":%d},"data":[%s],"warnings":[],"errors":[]}`, len(data), strings.Join(data, ","))
			return
		}
		switch {
		case q.Get("externalId") == "MIG-1" || q.Get("id") == "3":
			fmt.Fprint(w, `{"id":3,"externalId":"MIG-1","groupStatus":"ACTIVE","createdOn":"2026-11-29T10:00:00.123+05:30","groupName":"One","maxGroupSize":110,"warnings":[]}`)
		case q.Get("externalId") == "3" || q.Get("id") == "7":
			fmt.Fprint(w, `{"id":7,"externalId":"3","groupStatus":"ACTIVE","createdOn":"2026-11-29T10:00:00+05:30","groupName":"Three","maxGroupSize":5,"warnings":[]}`)
		case q.Get("id") != "":
			w.WriteHeader(400)
			fmt.Fprint(w, `{"errors":[{"status":false,"code":1645,"message":"Group details not valid"}],"warnings":[]}`)
		default:
			notFound()
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &asked
}

func TestLookupFindsTheContractAndTheExactGroup(t *testing.T) {
	for _, current := range []bool{true, false} {
		want := capillary.ContractLegacy
		if current {
			want = capillary.ContractCurrent
		}
		t.Run(want.String(), func(t *testing.T) {
			srv, _ := contractServer(t, current)
			c, err := capillary.New(srv.URL, capillary.NewBasic("t", "p"), nil)
			if err != nil {
				t.Fatal(err)
			}
			var told []capillary.Contract
			c.OnContract(func(k capillary.Contract, _ string) { told = append(told, k) })
			ctx := context.Background()

			// A numeric external id that is also another group's id.
			resp, err := c.Lookup(ctx, "3")
			if err != nil {
				t.Fatal(err)
			}
			if resp.Group == nil || resp.Group.ID != 7 || resp.Group.ExternalID != "3" {
				t.Fatalf("lookup of external id 3: %+v", resp.Group)
			}
			if current {
				if resp.Group.Active() || resp.Group.HasMaxGroupSize || resp.Group.CreatedOn != "" {
					t.Errorf("search shape: %+v", resp.Group)
				}
				if resp.Group.ExtendedFields["platinum"] != "25" || resp.Group.ExtendedFields["tier"] != "silver" {
					t.Errorf("extended fields as an array: %v", resp.Group.ExtendedFields)
				}
			} else if _, ok := resp.Group.CreatedTime(); !ok || !resp.Group.HasMaxGroupSize || resp.Group.MaxGroupSize != 5 {
				t.Errorf("bare shape: %+v", resp.Group)
			}

			resp, err = c.Lookup(ctx, "MIG-1")
			if err != nil || resp.Group == nil || resp.Group.ID != 3 {
				t.Fatalf("lookup of MIG-1: %+v %v", resp, err)
			}
			resp, err = c.Lookup(ctx, "nope")
			if err != nil || resp.Group != nil || !resp.Missing {
				t.Fatalf("lookup of a missing group: %+v %v", resp, err)
			}
			if c.Contract() != want || len(told) != 1 || told[0] != want {
				t.Errorf("contract %v, told %v; want %v once", c.Contract(), told, want)
			}
		})
	}
}

// TestLookupFirstAnswerMissing: when the very first lookup is of a group
// that does not exist, both versions answer an error; the client must still
// tell them apart and report the group missing.
func TestLookupFirstAnswerMissing(t *testing.T) {
	for _, current := range []bool{true, false} {
		srv, asked := contractServer(t, current)
		c, _ := capillary.New(srv.URL, capillary.NewBasic("t", "p"), nil)
		resp, err := c.Lookup(context.Background(), "nope")
		if err != nil || !resp.Missing || resp.Group != nil {
			t.Fatalf("current=%t: %+v %v", current, resp, err)
		}
		want := capillary.ContractLegacy
		if current {
			want = capillary.ContractCurrent
		}
		if c.Contract() != want {
			t.Errorf("current=%t: contract %v after %v", current, c.Contract(), *asked)
		}
		// From now on one request a lookup, in the right form.
		n := len(*asked)
		c.Lookup(context.Background(), "MIG-1")
		if len(*asked) != n+1 || (current != strings.HasPrefix((*asked)[n], "id=")) {
			t.Errorf("current=%t: later lookup asked %v", current, (*asked)[n:])
		}
	}
}

func TestUpdateSendsIDFirst(t *testing.T) {
	g := capillary.Group{ID: 42, ExternalID: "x", GroupName: "n", MaxGroupSize: 3}
	if got, want := string(g.AppendJSON(nil)), `{"id":42,"externalId":"x","groupName":"n","maxGroupSize":3}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestParseCatalogueKeepsOnlyGroupFields(t *testing.T) {
	body := `{"entity":{
	  "CUSTOMER":[{"id":1,"name":"tier","entityType":"CUSTOMER","baseEntityType":"customer","dataType":"STANDARD_ENUM"}],
	  "USERGROUP2":[{"id":2,"name":"platinum","entityType":"USERGROUP2","baseEntityType":"usergroup2","dataType":"INTEGER"},
	                {"id":3,"name":"joined","entityType":"USERGROUP2","baseEntityType":"usergroup2","dataType":"DATETIME"}],
	  "REGULAR_LINEITEM":[{"id":4,"name":"store_code","entityType":"REGULAR_LINEITEM","baseEntityType":"transaction","dataType":"STRING"}]},
	  "warnings":[],"errors":[],"success":true}`
	fields, err := capillary.ParseCatalogue([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range fields {
		got[f.Name] = f.DataType
	}
	if len(got) != 2 || got["platinum"] != "INTEGER" || got["joined"] != "DATETIME" {
		t.Errorf("fields %v, want platinum and joined only", got)
	}
}
