package importer_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// garbleCreates lets the sandbox create each group, then replaces the
// answer's body with body under HTTP 200, as a faulty host or proxy
// would.
func garbleCreates(sb *sandbox.Server, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			sb.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		sb.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			if k != "Content-Length" {
				w.Header()[k] = v
			}
		}
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(body))
	})
}

// TestUnprovenCreateIsSettledByLookup: an answer to a create that does not
// show the group (an empty or unreadable 200, or an entity id that is not
// an id: 0 or negative) may follow a create the server did. The row is
// looked up, and recorded as the lookup proves: created with the server's
// id where createdOn proves it this run's (legacy contract), else exists,
// saying why. Never created with a blank or negative id, never skipped.
func TestUnprovenCreateIsSettledByLookup(t *testing.T) {
	bodies := []string{`{"entity":0,"warnings":[]}`, `{"entity":-7,"warnings":[]}`, `{"entity":0}`, ``, `<html>OK</html>`}
	for _, api := range contracts {
		for _, body := range bodies {
			t.Run(api+" "+body, func(t *testing.T) {
				sb := sandbox.New(sandbox.Config{API: api})
				srv := httptest.NewServer(garbleCreates(sb, body))
				defer srv.Close()
				client, _ := capillary.New(srv.URL, capillary.NewBasic(sandbox.DefaultTill, sandbox.DefaultTillPassword), nil)
				h := newHarness(t, sandbox.Config{})
				h.cfg.API = client
				res, _, err := h.run(context.Background(), "externalId,groupName,maxGroupSize\nq1,Q,3\n")
				if err != nil {
					t.Errorf("run: %v", err)
				}
				g, ok := sb.Group("q1")
				if !ok || sb.Creations("q1") != 1 {
					t.Fatalf("server: %+v, %d creations", g, sb.Creations("q1"))
				}
				r := res[0]
				want, says := importer.Created, "this run created the group"
				if api == sandbox.APICurrent {
					want, says = importer.Exists, "may be this run's"
				}
				if r.Status != want || r.EntityID != g.ID || !strings.Contains(r.Message, says) {
					t.Errorf("result %s id %d %q; want %s id %d saying %q", r.Status, r.EntityID, r.Message, want, g.ID, says)
				}
			})
		}
	}
}

// TestUnprovenCreateOfNoGroupIsFailed: when the lookup after such an
// answer finds no group, the row was not created: failed (a resumed run
// sends it again), saying what the server answered.
func TestUnprovenCreateOfNoGroupIsFailed(t *testing.T) {
	sb := sandbox.New(sandbox.Config{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			w.Write([]byte(`{"entity":0,"warnings":[]}`)) // and creates nothing
			return
		}
		sb.ServeHTTP(w, r)
	}))
	defer srv.Close()
	client, _ := capillary.New(srv.URL, capillary.NewBasic(sandbox.DefaultTill, sandbox.DefaultTillPassword), nil)
	h := newHarness(t, sandbox.Config{})
	h.cfg.API = client
	res, _, err := h.run(context.Background(), "externalId,groupName,maxGroupSize\nq1,Q,3\n")
	if err != nil {
		t.Fatal(err)
	}
	if r := res[0]; r.Status != importer.Failed || r.EntityID != 0 || !strings.Contains(r.Message, "entity 0") || !strings.Contains(r.Message, "finds no group") {
		t.Errorf("result %s id %d %q", r.Status, r.EntityID, r.Message)
	}
}
