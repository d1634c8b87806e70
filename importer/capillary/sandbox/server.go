package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// The endpoints the sandbox serves, with ExtendedFieldsPath.
const (
	GroupPath = "/v2/userGroup2"
	TokenPath = "/v3/oauth/token/generate"
)

// Server is a fake Capillary user-group API. It is an http.Handler; NewServer
// also starts it listening on loopback, as httptest.NewServer does. All its
// methods are safe for concurrent use.
type Server struct {
	// URL is the base URL, "http://127.0.0.1:PORT", when the server was
	// started by NewServer or ListenAndServe; empty for a bare New.
	URL string

	cfg Config // defaults applied; its maps are owned by the server
	now func() time.Time
	// catalogueJSON is the answer of GET /v2/extendedFields, fixed by cfg.
	catalogueJSON []byte
	idPrefix      string
	reqSeq        atomic.Uint64

	auth    auth
	limiter *limiter // nil when unlimited
	faults  faultState
	store   store
	stats   counters

	life     sync.RWMutex // orders Close against handlers entering
	closing  bool
	servers  []*http.Server
	inflight sync.WaitGroup
	done     chan struct{} // closed by Close: releases hung and sleeping handlers
	once     sync.Once

	// hookWait, when set by a test, is called as a handler starts waiting
	// (latency or a hang), so tests synchronise on the event, not on sleeps.
	hookWait func()
}

// New returns a sandbox that is not listening; serve it with any
// http.Server, or use NewServer. It panics if cfg is invalid (see
// Config.Validate), as a misconfigured fake is a bug in the test using it.
func New(cfg Config) *Server {
	if err := cfg.Validate(); err != nil {
		panic("sandbox: " + err.Error())
	}
	cfg = cfg.withDefaults()
	var prefix [4]byte
	rand.Read(prefix[:])
	s := &Server{
		cfg:      cfg,
		now:      cfg.Now,
		idPrefix: "sbx-" + hex.EncodeToString(prefix[:]) + "-",
		done:     make(chan struct{}),
	}
	s.catalogueJSON = catalogueBody(cfg)
	s.auth.init(cfg)
	if cfg.RatePerMinute > 0 || cfg.QuotaSpentFor > 0 {
		s.limiter = newLimiter(cfg, s.now())
	}
	s.faults.set(cfg.Faults)
	s.store.init()
	s.Seed(cfg.Groups...)
	return s
}

// NewServer starts a sandbox listening on a random loopback port, as
// httptest.NewServer does; the caller must Close it. It panics if it cannot
// listen or if cfg is invalid.
func NewServer(cfg Config) *Server {
	s := New(cfg)
	s.start()
	return s
}

// start is the listening half of NewServer.
func (s *Server) start() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		if ln, err = net.Listen("tcp6", "[::1]:0"); err != nil {
			panic("sandbox: failed to listen on a loopback port: " + err.Error())
		}
	}
	s.URL = baseURL(ln.Addr())
	srv, err := s.httpServer()
	if err != nil {
		panic("sandbox: " + err.Error())
	}
	go srv.Serve(ln)
}

// Serve answers connections from ln until ctx is cancelled or Close is
// called, then closes the server. It returns nil after a cancellation or a
// Close, http.ErrServerClosed if the server was already closed, and the
// listener's error otherwise.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv, err := s.httpServer()
	if err != nil {
		ln.Close()
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		s.Close()
		<-errc
		return nil
	case err := <-errc:
		s.Close()
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	}
}

// ListenAndServe runs a sandbox with cfg on addr (for example
// "127.0.0.1:8080") until ctx is cancelled. It writes the URL and the demo
// credentials to w at start and a one-line summary at the end; nothing is
// written per request.
func ListenAndServe(ctx context.Context, addr string, cfg Config, w io.Writer) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	s := New(cfg)
	s.URL = baseURL(ln.Addr())
	s.WriteBanner(w)
	err = s.Serve(ctx, ln)
	st := s.Stats()
	fmt.Fprintf(w, "sandbox stopped after %d requests; groups created: %d, conflicts: %d, throttled: %d\n",
		st.Requests, st.Creates, st.Conflicts, st.Throttled)
	return err
}

// baseURL names a listening address so that a client can dial it: an
// unspecified address (":8080") is reached on loopback.
func baseURL(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return "http://" + a.String()
	}
	ip := tcp.IP
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return "http://" + net.JoinHostPort(ip.String(), strconv.Itoa(tcp.Port))
}

func (s *Server) httpServer() (*http.Server, error) {
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 30 * time.Second,
		// Dropped and hijacked connections are the point of some faults;
		// net/http's complaints about them are noise.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	s.life.Lock()
	defer s.life.Unlock()
	if s.closing {
		return nil, http.ErrServerClosed
	}
	s.servers = append(s.servers, srv)
	return srv, nil
}

// Close stops listening, releases requests held by faults, closes every
// connection and waits for the handlers to return. Calling it again does
// nothing.
func (s *Server) Close() {
	s.once.Do(func() {
		s.life.Lock()
		s.closing = true
		servers := s.servers
		s.life.Unlock()
		close(s.done)
		for _, srv := range servers {
			srv.Close()
		}
		s.inflight.Wait()
	})
}

// enter registers a handler with Close; false means the server is closed.
func (s *Server) enter() bool {
	s.life.RLock()
	defer s.life.RUnlock()
	if s.closing {
		return false
	}
	s.inflight.Add(1)
	return true
}

// WriteBanner writes the sandbox's URL and its credentials to w. The
// passwords are the sandbox's own demo values, printed so a user can paste
// them into the importer.
func (s *Server) WriteBanner(w io.Writer) {
	fmt.Fprintf(w, "Capillary sandbox listening on %s\n", s.URL)
	switch s.cfg.API {
	case APILegacy:
		fmt.Fprintf(w, "  Contract:   legacy (GET ?externalId=X or ?id=N answers the bare group; PUT by id or externalId)\n")
	default:
		fmt.Fprintf(w, "  Contract:   current (GET ?id=X matches group ids and external ids, search shape; PUT needs id and groupName)\n")
	}
	tills := s.auth.tillPasswords()
	for _, till := range sortedKeys(tills) {
		fmt.Fprintf(w, "  Basic auth: till %q, password %q\n", till, tills[till])
	}
	clients := s.auth.clientSecrets()
	for _, key := range sortedKeys(clients) {
		fmt.Fprintf(w, "  OAuth:      key %q, secret %q (POST %s)\n", key, clients[key], TokenPath)
	}
	switch {
	case s.cfg.RatePerMinute > 0 && s.cfg.QuotaWindow > 0:
		fmt.Fprintf(w, "  Rate limit: %d requests/minute per credential, counted per %v window\n", s.cfg.RatePerMinute, s.cfg.QuotaWindow)
	case s.cfg.RatePerMinute > 0:
		fmt.Fprintf(w, "  Rate limit: %d requests/minute per credential, burst %d\n", s.cfg.RatePerMinute, s.cfg.RateBurst)
	}
	if s.cfg.QuotaSpentFor > 0 {
		fmt.Fprintf(w, "  Quota spent for the first %v: every request answered 429 until then\n", s.cfg.QuotaSpentFor)
	}
	for _, g := range s.cfg.Groups {
		fmt.Fprintf(w, "  Known group: %s (a create of it answers 1633)\n", g.ExternalID)
	}
}

// ServeHTTP answers one request of the fake API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Cap-Requestid", s.nextRequestID())
	// The sandbox's own clock, not the host's, so that with an injected
	// clock a client can still judge createdOn against the server's time.
	h.Set("Date", s.now().UTC().Format(http.TimeFormat))
	if !s.enter() {
		s.writeError(w, http.StatusServiceUnavailable, http.StatusServiceUnavailable, "The sandbox is shutting down.")
		return
	}
	defer s.inflight.Done()
	s.stats.requests.Add(1)

	switch r.URL.Path {
	case GroupPath:
		switch r.Method {
		case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete:
			s.serveGroups(w, r)
		default:
			w.Header().Set("Allow", "GET, POST, PUT, DELETE")
			s.writeError(w, http.StatusMethodNotAllowed, http.StatusMethodNotAllowed, "Method "+r.Method+" is not allowed on "+GroupPath)
		}
	case ExtendedFieldsPath:
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", "GET")
			s.writeError(w, http.StatusMethodNotAllowed, http.StatusMethodNotAllowed, "Method "+r.Method+" is not allowed on "+ExtendedFieldsPath)
			return
		}
		if s.admit(w, r) {
			s.catalogue(w)
		}
	case TokenPath:
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			s.writeError(w, http.StatusMethodNotAllowed, http.StatusMethodNotAllowed, "Method "+r.Method+" is not allowed on "+TokenPath)
			return
		}
		s.serveToken(w, r)
	default:
		s.writeError(w, http.StatusNotFound, http.StatusNotFound, "No such endpoint: "+r.URL.Path)
	}
}

// admit applies, in order, the faults, authentication and the quota to a
// /v2 request, and reports whether it may go on to the real work; when not,
// the request has been answered (or dropped). A fault never leaves a trace
// in the store.
func (s *Server) admit(w http.ResponseWriter, r *http.Request) bool {
	if s.injectFaults(w, r) {
		return false
	}
	cred, msg, ok := s.auth.check(r, s.now())
	if !ok {
		s.stats.authFailures.Add(1)
		s.writeError(w, http.StatusUnauthorized, http.StatusUnauthorized, msg)
		return false
	}
	if s.limiter != nil {
		now := s.now()
		if wait, ok := s.limiter.take(cred, now); !ok {
			msg := "Rate limit exceeded."
			if s.cfg.RatePerMinute > 0 {
				msg = fmt.Sprintf("Rate limit of %d requests per minute exceeded.", s.cfg.RatePerMinute)
			}
			s.writeThrottled(w, now, wait, msg)
			return false
		}
	}
	return true
}

// serveGroups answers GET, POST, PUT and DELETE /v2/userGroup2 once
// admitted.
func (s *Server) serveGroups(w http.ResponseWriter, r *http.Request) {
	if !s.admit(w, r) {
		return
	}
	switch r.Method {
	case http.MethodGet:
		s.lookup(w, r)
	case http.MethodPost:
		s.create(w, r)
	case http.MethodPut:
		s.update(w, r)
	case http.MethodDelete:
		s.remove(w, r)
	}
}

// nextRequestID is unique across sandboxes (random prefix) and within one
// (counter) without a random draw per request.
func (s *Server) nextRequestID() string {
	b := make([]byte, 0, len(s.idPrefix)+12)
	b = append(b, s.idPrefix...)
	b = strconv.AppendUint(b, s.reqSeq.Add(1), 10)
	return string(b)
}

func (s *Server) writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

func (s *Server) writeError(w http.ResponseWriter, status, code int, message string) {
	s.writeJSON(w, status, errorBody(code, message, nil))
}
