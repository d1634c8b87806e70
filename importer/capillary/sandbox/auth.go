package sandbox

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// OAuthHeader carries an OAuth access token on /v2 requests.
const OAuthHeader = "X-CAP-API-OAUTH-TOKEN"

// credentials is an immutable snapshot, swapped whole by SetTills and
// SetOAuthClients so the hot path reads it without a lock.
type credentials struct {
	tills   map[string]string // till id -> plaintext password
	digests map[string]string // till id -> lowercase hex MD5 of the password
	clients map[string]string // OAuth key -> secret
}

type token struct {
	key     string
	expires time.Time
}

type auth struct {
	creds atomic.Pointer[credentials]
	ttl   time.Duration

	mu     sync.Mutex
	tokens map[string]token
}

func (a *auth) init(cfg Config) {
	a.ttl = cfg.TokenTTL
	a.tokens = make(map[string]token)
	a.creds.Store(newCredentials(cfg.Tills, cfg.OAuthClients))
}

func newCredentials(tills, clients map[string]string) *credentials {
	c := &credentials{tills: tills, digests: make(map[string]string, len(tills)), clients: clients}
	for till, password := range tills {
		sum := md5.Sum([]byte(password))
		c.digests[till] = hex.EncodeToString(sum[:])
	}
	return c
}

func (a *auth) tillPasswords() map[string]string { return a.creds.Load().tills }
func (a *auth) clientSecrets() map[string]string { return a.creds.Load().clients }

// SetTills replaces the tills accepted for Basic auth, as if passwords were
// changed in the org: requests signed with the old ones fail with 401 from
// then on. An empty map accepts no till at all.
func (s *Server) SetTills(tills map[string]string) {
	old := s.auth.creds.Load()
	s.auth.creds.Store(newCredentials(maps.Clone(tills), old.clients))
}

// SetOAuthClients replaces the OAuth keys and secrets accepted by the token
// endpoint. Tokens already issued stay valid until they expire or
// RevokeTokens is called, as signed tokens do.
func (s *Server) SetOAuthClients(clients map[string]string) {
	old := s.auth.creds.Load()
	s.auth.creds.Store(&credentials{tills: old.tills, digests: old.digests, clients: maps.Clone(clients)})
}

// RevokeTokens invalidates every OAuth token issued so far.
func (s *Server) RevokeTokens() {
	s.auth.mu.Lock()
	clear(s.auth.tokens)
	s.auth.mu.Unlock()
}

// check authenticates r and names the credential its quota is charged to.
// An OAuth token, when present, is authoritative: a bad token is not
// rescued by a Basic header.
func (a *auth) check(r *http.Request, now time.Time) (cred, message string, ok bool) {
	if tok := r.Header.Get(OAuthHeader); tok != "" {
		a.mu.Lock()
		t, found := a.tokens[tok]
		if found && !now.Before(t.expires) {
			delete(a.tokens, tok)
		}
		a.mu.Unlock()
		switch {
		case !found:
			return "", "Invalid OAuth token.", false
		case !now.Before(t.expires):
			return "", "OAuth token expired.", false
		}
		return "oauth:" + t.key, "", true
	}
	authz := r.Header.Get("Authorization")
	if authz == "" {
		return "", "Authentication required: send Basic credentials or " + OAuthHeader + ".", false
	}
	const prefix = "Basic "
	if len(authz) <= len(prefix) || !strings.EqualFold(authz[:len(prefix)], prefix) {
		return "", "Unsupported authorization scheme.", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(authz[len(prefix):]))
	if err != nil {
		return "", "Malformed Basic credentials.", false
	}
	till, digest, found := strings.Cut(string(raw), ":")
	if !found {
		return "", "Malformed Basic credentials.", false
	}
	want, known := a.creds.Load().digests[till]
	// The docs specify lowercase hex, so an uppercase digest is refused
	// rather than silently accepted.
	if !known || subtle.ConstantTimeCompare([]byte(digest), []byte(want)) != 1 {
		return "", "Invalid till credentials.", false
	}
	return "till:" + till, "", true
}

// serveToken is POST /v3/oauth/token/generate. Faults and the quota do not
// apply to it: a client's renewals must not be confused with its imports.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	var req struct {
		Key    *string `json:"key"`
		Secret *string `json:"secret"`
	}
	if err == nil {
		err = json.Unmarshal(body, &req)
	}
	if err != nil || req.Key == nil || req.Secret == nil {
		s.writeJSON(w, http.StatusBadRequest, tokenErrorBody(http.StatusBadRequest, `Body must be {"key":"...","secret":"..."}.`))
		return
	}
	secret, known := s.auth.creds.Load().clients[*req.Key]
	if !known || subtle.ConstantTimeCompare([]byte(*req.Secret), []byte(secret)) != 1 {
		s.stats.authFailures.Add(1)
		s.writeJSON(w, http.StatusUnauthorized, tokenErrorBody(http.StatusUnauthorized, "Invalid key or secret."))
		return
	}
	now := s.now()
	tok := newToken(*req.Key, now, s.auth.ttl)
	s.auth.mu.Lock()
	// Expired tokens are swept here rather than on a timer: generation is
	// rare, and the sandbox then owns no goroutine.
	for t, v := range s.auth.tokens {
		if !now.Before(v.expires) {
			delete(s.auth.tokens, t)
		}
	}
	s.auth.tokens[tok] = token{key: *req.Key, expires: now.Add(s.auth.ttl)}
	s.auth.mu.Unlock()
	s.stats.tokensIssued.Add(1)
	s.writeJSON(w, http.StatusOK, tokenBody(tok, s.auth.ttl))
}

// newToken returns an opaque token shaped like a JWT (header.claims.signature),
// so that clients which peek at it, or log it truncated, meet the real shape.
// Only the sandbox's token table gives it meaning.
func newToken(key string, now time.Time, ttl time.Duration) string {
	enc := base64.RawURLEncoding
	var sig, jti [16]byte
	rand.Read(sig[:])
	rand.Read(jti[:])
	claims := `{"sub":` + string(appendString(nil, key)) +
		`,"iat":` + strconv.FormatInt(now.Unix(), 10) +
		`,"exp":` + strconv.FormatInt(now.Add(ttl).Unix(), 10) +
		`,"jti":"` + hex.EncodeToString(jti[:]) + `"}`
	return enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." +
		enc.EncodeToString([]byte(claims)) + "." + enc.EncodeToString(sig[:])
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
