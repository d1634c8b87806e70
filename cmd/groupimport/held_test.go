//go:build unix

package main

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// heldServer stands in front of a sandbox and holds every create after the
// first few until the test releases them, so that a test acts on a run
// (signals it, deletes its folder) while requests are in flight.
type heldServer struct {
	*httptest.Server
	method  string // the requests held: POST (creates) or GET (lookups)
	pass    int64
	creates atomic.Int64 // requests of method that arrived
	held    atomic.Int64 // of them, held until Release
	release chan struct{}
	once    sync.Once
}

// holdAfter passes the first pass creates to srv and holds the rest.
func holdAfter(t *testing.T, srv *sandbox.Server, pass int) *heldServer {
	t.Helper()
	return hold(t, srv, http.MethodPost, pass)
}

// hold passes the first pass requests of method to the groups to srv, and
// holds the rest.
func hold(t *testing.T, srv *sandbox.Server, method string, pass int) *heldServer {
	t.Helper()
	h := &heldServer{method: method, pass: int64(pass), release: make(chan struct{})}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == h.method && r.URL.Path == sandbox.GroupPath && h.creates.Add(1) > h.pass {
			h.held.Add(1)
			select {
			case <-h.release:
			case <-r.Context().Done():
				return
			}
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { h.Release(); h.Close() })
	return h
}

// Release lets every held create and every later one through.
func (h *heldServer) Release() { h.once.Do(func() { close(h.release) }) }

// checkRecord: the record has a line for each of n rows, and every group
// the server holds is in it as created, with the server's id.
func checkRecord(t *testing.T, srv *sandbox.Server, res []importer.Result, n int) {
	t.Helper()
	if len(res) != n {
		t.Errorf("%d lines for %d rows", len(res), n)
	}
	byID := map[string]importer.Result{}
	for _, r := range res {
		byID[r.ExternalID] = r
	}
	groups := srv.Groups()
	if len(groups) == 0 {
		t.Error("the server holds no group; the test made none")
	}
	for _, g := range groups {
		if r, ok := byID[g.ExternalID]; !ok || r.Status != importer.Created || r.EntityID != g.ID {
			t.Errorf("group %s (id %d) is on the server; the record has %+v", g.ExternalID, g.ID, r)
		}
	}
}
