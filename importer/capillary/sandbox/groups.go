package sandbox

import (
	"cmp"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// FirstGroupID is the id given to the first group created or seeded without
// one; later ids count up from it.
const FirstGroupID = 2000

// Group statuses. The legacy bare group reports the stored status as it
// is; the current search shape names ACTIVE and EXITED, reports DELETED as
// it is (a client must be able to see that a delete took), and every other
// status as EXITED.
const (
	StatusActive   = "ACTIVE"
	StatusExited   = "EXITED"
	StatusInactive = "INACTIVE"
	StatusDeleted  = "DELETED"
)

// Group is a user group held by the sandbox.
type Group struct {
	ID             int64
	ExternalID     string
	GroupName      string
	MaxGroupSize   int
	Limit          *int              // nil when never sent
	ExtendedFields map[string]string // only the fields that passed validation
	GroupStatus    string            // ACTIVE, EXITED, INACTIVE or DELETED
	CreatedOn      time.Time
}

func (g *Group) clone() Group {
	c := *g
	c.ExtendedFields = maps.Clone(g.ExtendedFields)
	if g.Limit != nil {
		l := *g.Limit
		c.Limit = &l
	}
	return c
}

type store struct {
	mu        sync.Mutex
	byExt     map[string]*Group
	byID      map[int64]*Group
	nextID    int64
	creations map[string]int // externalId -> successful creates, never reset
}

func (st *store) init() {
	st.byExt = make(map[string]*Group)
	st.byID = make(map[int64]*Group)
	st.creations = make(map[string]int)
	st.nextID = FirstGroupID
}

// find looks a group up by id when id is non-zero, else by externalId. Given
// both, they must name the same group. The caller holds st.mu.
func (st *store) find(id int64, ext string) *Group {
	if id != 0 {
		g := st.byID[id]
		if g == nil || (ext != "" && g.ExternalID != ext) {
			return nil
		}
		return g
	}
	return st.byExt[ext]
}

// Creations reports how many times a group with externalID was created
// through the API. Seeded groups do not count, so a correct client leaves
// this at exactly 1 for each row it imported, whatever faults it met.
func (s *Server) Creations(externalID string) int {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	return s.store.creations[externalID]
}

// Group returns a copy of the group with externalID.
func (s *Server) Group(externalID string) (Group, bool) {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	g := s.store.byExt[externalID]
	if g == nil {
		return Group{}, false
	}
	return g.clone(), true
}

// Groups returns copies of all groups, sorted by id.
func (s *Server) Groups() []Group {
	s.store.mu.Lock()
	all := make([]Group, 0, len(s.store.byID))
	for _, g := range s.store.byID {
		all = append(all, g.clone())
	}
	s.store.mu.Unlock()
	slices.SortFunc(all, func(a, b Group) int { return cmp.Compare(a.ID, b.ID) })
	return all
}

// Seed loads groups that already exist in the org, as if created before the
// run: they are not counted by Creations or Stats. A zero ID is assigned the
// next free one, an empty GroupStatus becomes ACTIVE and a zero CreatedOn
// becomes now. Ids and external ids are separate namespaces, so a numeric
// external id may equal another group's id (seed {ID: 2001, ExternalID:
// "MIG-1"} and {ExternalID: "2001"}), which a current-contract lookup then
// answers with both. Seed panics on an empty or duplicate externalId or a
// duplicate id, which are bugs in the test.
func (s *Server) Seed(groups ...Group) {
	now := s.now()
	st := &s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, g := range groups {
		if g.ExternalID == "" {
			panic("sandbox: Seed: group without an externalId")
		}
		if st.byExt[g.ExternalID] != nil {
			panic("sandbox: Seed: duplicate externalId " + strconv.Quote(g.ExternalID))
		}
		g = g.clone()
		if g.ID == 0 {
			g.ID = st.nextID
		} else if st.byID[g.ID] != nil {
			panic("sandbox: Seed: duplicate id " + strconv.FormatInt(g.ID, 10))
		}
		st.nextID = max(st.nextID, g.ID+1)
		if g.GroupStatus == "" {
			g.GroupStatus = StatusActive
		}
		if g.CreatedOn.IsZero() {
			g.CreatedOn = now
		}
		st.byExt[g.ExternalID] = &g
		st.byID[g.ID] = &g
	}
}

// create is POST /v2/userGroup2.
func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	req, bad := s.readBody(w, r)
	if bad != nil {
		s.writeInvalid(w, bad)
		return
	}
	if bad := s.validateCreate(req); bad != nil {
		s.writeInvalid(w, bad)
		return
	}
	fields, warnings, bad := s.checkFields(req.ExtendedFields)
	if bad != nil {
		s.writeInvalid(w, bad)
		return
	}
	g := &Group{
		ExternalID:     *req.ExternalID,
		MaxGroupSize:   *req.MaxGroupSize,
		Limit:          req.Limit,
		ExtendedFields: fields,
		GroupStatus:    StatusActive,
		CreatedOn:      s.now(),
	}
	if req.GroupName != nil {
		g.GroupName = *req.GroupName
	}

	st := &s.store
	st.mu.Lock()
	if st.byExt[g.ExternalID] != nil {
		st.mu.Unlock()
		s.stats.conflicts.Add(1)
		s.writeError(w, s.cfg.ConflictStatus, 1633, "Group external Id "+g.ExternalID+" already exists.")
		return
	}
	g.ID = st.nextID
	st.nextID++
	st.byExt[g.ExternalID] = g
	st.byID[g.ID] = g
	st.creations[g.ExternalID]++
	st.mu.Unlock()
	s.stats.creates.Add(1)
	if len(warnings) > 0 {
		s.stats.warned.Add(1)
	}

	if d, ok := s.faults.hangAfterCreate(); ok {
		s.hang(w, r, d)
		return
	}
	s.writeJSON(w, http.StatusOK, entityBody(g.ID, warnings))
}

// lookup is GET /v2/userGroup2, under the configured contract.
func (s *Server) lookup(w http.ResponseWriter, r *http.Request) {
	s.stats.lookups.Add(1)
	if s.cfg.API == APILegacy {
		s.lookupLegacy(w, r)
		return
	}
	s.lookupCurrent(w, r)
}

// lookupCurrent is GET ?id=X under the current contract: X is matched
// against group ids, when it is a positive integer, and against external
// ids. Both matches are returned, the id match first, so a client that
// takes data[0] without checking groupExternalId takes the wrong group.
// externalId is not a parameter of this contract: alone it is 1635, beside
// id it is ignored.
func (s *Server) lookupCurrent(w http.ResponseWriter, r *http.Request) {
	x := r.URL.Query().Get("id")
	if x == "" {
		s.writeInvalid(w, &item{1635, "Group query param is not passed"})
		return
	}
	var found []Group
	st := &s.store
	st.mu.Lock()
	var byID *Group
	if n, err := strconv.ParseInt(x, 10, 64); err == nil && n > 0 {
		if byID = st.byID[n]; byID != nil {
			found = append(found, byID.clone())
		}
	}
	if g := st.byExt[x]; g != nil && g != byID {
		found = append(found, g.clone())
	}
	st.mu.Unlock()
	if len(found) == 0 {
		s.writeNotFound(w)
		return
	}
	if len(found) > 1 {
		s.stats.ambiguous.Add(1)
	}
	s.writeJSON(w, http.StatusOK, searchBody(found))
}

// lookupLegacy is GET ?externalId=X or ?id=N under the legacy contract,
// answered with the bare group. Given both, they must name the same group.
func (s *Server) lookupLegacy(w http.ResponseWriter, r *http.Request) {
	id, ext, ok := s.groupParams(w, r, &item{1634, "Group external Id can't be null."})
	if !ok {
		return
	}
	s.store.mu.Lock()
	g := s.store.find(id, ext)
	var c Group
	if g != nil {
		c = g.clone()
	}
	s.store.mu.Unlock()
	if g == nil {
		s.writeNotFound(w)
		return
	}
	s.writeJSON(w, http.StatusOK, groupBody(&c, s.cfg.Location, nil))
}

// update is PUT /v2/userGroup2: the fields present in the body replace the
// group's; extended fields are merged by name. Under the current contract
// the group is the one named by id, and an externalId sent beside it must
// be that group's (1645 otherwise: the external id is not changed by an
// update); under the legacy one id or externalId names it, and given both
// they must agree.
func (s *Server) update(w http.ResponseWriter, r *http.Request) {
	req, bad := s.readBody(w, r)
	if bad != nil {
		s.writeInvalid(w, bad)
		return
	}
	if bad := s.validateUpdate(req); bad != nil {
		s.writeInvalid(w, bad)
		return
	}
	fields, warnings, bad := s.checkFields(req.ExtendedFields)
	if bad != nil {
		s.writeInvalid(w, bad)
		return
	}
	st := &s.store
	st.mu.Lock()
	g, bad := s.updateTarget(req)
	if g == nil {
		st.mu.Unlock()
		if bad != nil {
			s.writeInvalid(w, bad)
		} else {
			s.writeNotFound(w)
		}
		return
	}
	changed := applyUpdate(g, req, fields)
	c := g.clone()
	st.mu.Unlock()
	if !changed {
		s.stats.noChange.Add(1)
		s.writeJSON(w, http.StatusBadRequest, errorBody(1643, "Nothing to update.", warnings))
		return
	}
	s.stats.updates.Add(1)
	if len(warnings) > 0 {
		s.stats.warned.Add(1)
	}
	s.writeJSON(w, http.StatusOK, updateBody(&c, warnings))
}

// updateTarget finds the group an update names, under the contract's
// rules (see update); nil when there is none. s.store.mu is held.
func (s *Server) updateTarget(req *groupRequest) (*Group, *item) {
	var id int64
	var ext string
	if req.ID != nil {
		id = *req.ID
	}
	if req.ExternalID != nil {
		ext = *req.ExternalID
	}
	var g *Group
	if s.cfg.API == APICurrent {
		g = s.store.byID[id]
		if g != nil && ext != "" && ext != g.ExternalID {
			return nil, &item{1645, "Group details not valid: externalId " + strconv.Quote(ext) +
				" is not the external id of group " + strconv.FormatInt(id, 10) + "."}
		}
	} else {
		g = s.store.find(id, ext)
	}
	// A deleted group is refused as one that does not exist: the docs
	// say nothing, and a delete that an update could undo would not be one.
	if g == nil || g.GroupStatus == StatusDeleted {
		return nil, nil
	}
	return g, nil
}

// applyUpdate sets on g the fields req carries and merges the extended
// fields by name; it reports whether anything changed, as the API answers
// 1643 when nothing did.
func applyUpdate(g *Group, req *groupRequest, fields map[string]string) (changed bool) {
	if req.GroupName != nil && *req.GroupName != g.GroupName {
		g.GroupName, changed = *req.GroupName, true
	}
	if req.MaxGroupSize != nil && *req.MaxGroupSize != g.MaxGroupSize {
		g.MaxGroupSize, changed = *req.MaxGroupSize, true
	}
	if req.Limit != nil && (g.Limit == nil || *g.Limit != *req.Limit) {
		g.Limit, changed = req.Limit, true
	}
	for name, v := range fields {
		if old, ok := g.ExtendedFields[name]; !ok || old != v {
			if g.ExtendedFields == nil {
				g.ExtendedFields = make(map[string]string, len(fields))
			}
			g.ExtendedFields[name], changed = v, true
		}
	}
	return changed
}

// writeNotFound answers a lookup, update or delete of a group that does
// not exist (for an update or a delete: or is deleted), under either
// contract, with the code the docs were seen to answer: 1632.
func (s *Server) writeNotFound(w http.ResponseWriter) {
	s.stats.notFound.Add(1)
	s.writeError(w, http.StatusBadRequest, 1632, "Group id/externalId/primary userId passed is not valid")
}

func (s *Server) writeInvalid(w http.ResponseWriter, bad *item) {
	s.stats.invalid.Add(1)
	status := http.StatusBadRequest
	if bad.code == http.StatusUnsupportedMediaType {
		status = bad.code
	}
	s.writeError(w, status, bad.code, bad.message)
}

// groupParams reads ?id=N (a group id) and ?externalId=X, of which a
// legacy lookup and a delete need at least one. It answers the request
// itself, and reports false, when id is not a positive integer (1645) or
// neither is given (missing).
func (s *Server) groupParams(w http.ResponseWriter, r *http.Request, missing *item) (id int64, ext string, ok bool) {
	q := r.URL.Query()
	ext = q.Get("externalId")
	if v := q.Get("id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			s.writeInvalid(w, &item{1645, "Group details not valid: id " + strconv.Quote(v) + " is not a positive integer."})
			return 0, "", false
		}
		id = n
	}
	if id == 0 && ext == "" {
		s.writeInvalid(w, missing)
		return 0, "", false
	}
	return id, ext, true
}
