package sandbox

import (
	"net/http"
)

// deletedBody is a successful delete's answer, as the older reference
// gives it.
var deletedBody = []byte(`{"warnings":[]}`)

// remove is DELETE /v2/userGroup2?id=N&externalId=X, the same under both
// contracts: id is a group id only (never an external id, unlike the
// current lookup's ?id=), at least one of the two is needed (1635 like
// the lookup when neither is there), and given both they must name the
// same group, or no group is named: 1632. The delete is soft: the group
// stays, marked DELETED, its external id still taken. A group that does
// not exist or is already deleted is 1632. See the package doc: all but
// the success answer are models of what the docs leave open.
func (s *Server) remove(w http.ResponseWriter, r *http.Request) {
	id, ext, ok := s.groupParams(w, r, &item{1635, "Group query param is not passed"})
	if !ok {
		return
	}
	st := &s.store
	st.mu.Lock()
	g := st.find(id, ext)
	if g == nil || g.GroupStatus == StatusDeleted {
		st.mu.Unlock()
		s.writeNotFound(w)
		return
	}
	g.GroupStatus = StatusDeleted
	st.mu.Unlock()
	s.stats.deletes.Add(1)

	if d, ok := s.faults.hangAfterDelete(); ok {
		s.hang(w, r, d)
		return
	}
	s.writeJSON(w, http.StatusOK, deletedBody)
}
