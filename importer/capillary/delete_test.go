package capillary_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/capillary-tools/groupimport/importer/capillary"
	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

// seen is what a hand-written server saw of one request.
type seen struct {
	method, path, rawQuery string
	query                  map[string][]string
	accept, contentType    string
	auth                   string
	body                   int
}

// recordingServer answers every request with status and body, and keeps
// what it saw of the last one.
func recordingServer(t *testing.T, status int, contentType, body string) (*httptest.Server, *seen) {
	t.Helper()
	got := &seen{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		*got = seen{method: r.Method, path: r.URL.Path, rawQuery: r.URL.RawQuery, query: r.URL.Query(),
			accept: r.Header.Get("Accept"), contentType: r.Header.Get("Content-Type"),
			auth: r.Header.Get("Authorization"), body: len(b)}
		w.Header().Set("X-Cap-Requestid", "req-1")
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

func TestDeleteSendsBothParameters(t *testing.T) {
	srv, got := recordingServer(t, 200, "application/json", `{"warnings":[]}`)
	c, err := capillary.New(srv.URL, capillary.NewBasic("store.server", "server123"), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Delete(context.Background(), 2476, "fleet 7/a&b")
	if err != nil {
		t.Fatal(err)
	}
	if got.method != http.MethodDelete || got.path != capillary.GroupPathName ||
		got.rawQuery != "id=2476&externalId=fleet+7%2Fa%26b" {
		t.Errorf("sent %s %s?%s, want DELETE %s?id=2476&externalId=fleet+7%%2Fa%%26b",
			got.method, got.path, got.rawQuery, capillary.GroupPathName)
	}
	if got.accept != "application/json" || got.contentType != "" || got.body != 0 {
		t.Errorf("Accept %q, Content-Type %q, body of %d bytes; want JSON accepted and no body", got.accept, got.contentType, got.body)
	}
	if got.auth != "Basic c3RvcmUuc2VydmVyOjhhMTZhNmI3MDUwNWViMWYxZmY3Y2RjMGNkNTU1OWE3" {
		t.Errorf("Authorization %q", got.auth)
	}
	if resp.Status != 200 || resp.RequestID != "req-1" || resp.BodyErr != nil || len(resp.Errors) != 0 ||
		resp.Warnings == nil || len(resp.Warnings) != 0 {
		t.Errorf("response %+v, want 200, request id req-1, an empty warnings array", resp)
	}
}

// TestDeleteSendsWhatItHas: the older reference takes either parameter
// alone; a zero id or an empty external id is left out, not sent empty.
func TestDeleteSendsWhatItHas(t *testing.T) {
	srv, got := recordingServer(t, 200, "application/json", `{"warnings":[]}`)
	c, _ := capillary.New(srv.URL, capillary.NewBasic("t", "p"), nil)
	ctx := context.Background()
	if _, err := c.Delete(ctx, 0, "MIG-1"); err != nil || got.rawQuery != "externalId=MIG-1" {
		t.Errorf("external id alone: sent ?%s, %v", got.rawQuery, err)
	}
	if _, err := c.Delete(ctx, 7, ""); err != nil || got.rawQuery != "id=7" {
		t.Errorf("id alone: sent ?%s, %v", got.rawQuery, err)
	}
}

// TestDeleteRefusesNoGroup: a DELETE naming no group is never sent.
func TestDeleteRefusesNoGroup(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{})
	defer srv.Close()
	c, _ := capillary.New(srv.URL, capillary.NewBasic(sandbox.DefaultTill, sandbox.DefaultTillPassword), nil)
	for _, id := range []int64{0, -1} {
		resp, err := c.Delete(context.Background(), id, "")
		if err == nil || resp != nil || capillary.MaybeSent(err) {
			t.Errorf("Delete(%d, \"\") = %+v, %v; want an error, nothing sent", id, resp, err)
		}
	}
	if n := srv.Stats().Requests; n != 0 {
		t.Errorf("the server saw %d requests", n)
	}
}

func TestDeleteAgainstTheSandbox(t *testing.T) {
	for _, api := range []string{sandbox.APICurrent, sandbox.APILegacy} {
		t.Run(api, func(t *testing.T) {
			srv := sandbox.NewServer(sandbox.Config{API: api, Groups: []sandbox.Group{{ExternalID: "other"}}})
			defer srv.Close()
			c, _ := capillary.New(srv.URL, capillary.NewBasic(sandbox.DefaultTill, sandbox.DefaultTillPassword), nil)
			ctx := context.Background()
			created, err := c.Create(ctx, &capillary.Group{ExternalID: "FLT-1", GroupName: "One", MaxGroupSize: 10})
			if err != nil || !created.HasEntity {
				t.Fatalf("create: %+v %v", created, err)
			}
			id := created.Entity
			other, _ := srv.Group("other")

			// An id and an external id of two groups name none.
			resp, err := c.Delete(ctx, other.ID, "FLT-1")
			if err != nil || resp.Status != 400 || resp.Code() != capillary.CodeNotValid {
				t.Errorf("mismatched delete: %+v %v, want 400 code 1632", resp, err)
			}

			resp, err = c.Delete(ctx, id, "FLT-1")
			if err != nil || resp.Status != 200 || len(resp.Errors) != 0 || resp.BodyErr != nil ||
				resp.RequestID == "" {
				t.Fatalf("delete: %+v %v", resp, err)
			}
			look, err := c.Lookup(ctx, "FLT-1")
			if err != nil || look.Group == nil || look.Group.ID != id || look.Group.GroupStatus != sandbox.StatusDeleted ||
				look.Group.Active() {
				t.Errorf("lookup after delete: %+v %v, want the group, DELETED", look, err)
			}
			resp, err = c.Delete(ctx, id, "FLT-1")
			if err != nil || resp.Status != 400 || resp.Code() != capillary.CodeNotValid || resp.Message() == "" {
				t.Errorf("second delete: %+v %v, want 400 code 1632", resp, err)
			}
			resp, err = c.Delete(ctx, 99999, "nope")
			if err != nil || resp.Status != 400 || resp.Code() != capillary.CodeNotValid {
				t.Errorf("delete of an unknown group: %+v %v, want 400 code 1632", resp, err)
			}
			again, err := c.Create(ctx, &capillary.Group{ExternalID: "FLT-1", MaxGroupSize: 10})
			if err != nil || again.Code() != 1633 {
				t.Errorf("create of the deleted external id: %+v %v, want 1633", again, err)
			}
			if g, _ := srv.Group("other"); g.GroupStatus != sandbox.StatusActive {
				t.Errorf("the other group is %s", g.GroupStatus)
			}
		})
	}
}

func TestDeleteRenewsTokenAfter401(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{Groups: []sandbox.Group{{ExternalID: "a"}}})
	defer srv.Close()
	c, _ := capillary.New(srv.URL, capillary.NewOAuth(sandbox.DefaultOAuthKey, sandbox.DefaultOAuthSecret), nil)
	ctx := context.Background()
	if resp, err := c.Lookup(ctx, "a"); err != nil || resp.Group == nil {
		t.Fatalf("lookup: %+v %v", resp, err)
	}
	srv.RevokeTokens()
	resp, err := c.Delete(ctx, sandbox.FirstGroupID, "a")
	if err != nil || resp.Status != 200 {
		t.Fatalf("delete after revocation: %+v %v", resp, err)
	}
	if st := srv.Stats(); st.TokensIssued != 2 || st.Deletes != 1 || st.AuthFailures != 1 {
		t.Errorf("Stats = %+v, want 2 tokens, 1 delete, 1 refused request", st)
	}
}

// TestDeleteLostAnswer: the server deleted the group and never answered.
// The client reports a transport error that may have been sent; only a
// lookup tells what happened.
func TestDeleteLostAnswer(t *testing.T) {
	srv := sandbox.NewServer(sandbox.Config{Groups: []sandbox.Group{{ExternalID: "a"}},
		Faults: sandbox.Faults{TimeoutAfterDelete: 1}})
	defer srv.Close()
	c, _ := capillary.New(srv.URL, capillary.NewBasic(sandbox.DefaultTill, sandbox.DefaultTillPassword), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	resp, err := c.Delete(ctx, sandbox.FirstGroupID, "a")
	if err == nil || resp != nil || !capillary.MaybeSent(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Delete = %+v, %v; want a deadline that may have been sent", resp, err)
	}
	srv.SetFaults(sandbox.Faults{})
	look, err := c.Lookup(context.Background(), "a")
	if err != nil || look.Group == nil || look.Group.GroupStatus != sandbox.StatusDeleted {
		t.Errorf("lookup after the lost answer: %+v %v, want DELETED", look, err)
	}
}

func TestDeleteDecodesErrors(t *testing.T) {
	for _, tt := range []struct {
		name, contentType, body string
		status                  int
		wantCode                int
		wantBodyErr             bool
	}{
		{"proxy page", "text/html", "<html><body>502 Bad Gateway</body></html>", 502, 0, true},
		{"error body", "application/json",
			`{"errors":[{"status":false,"code":1632,"message":"Group id/externalId/primary userId passed is not valid"}],"warnings":[]}`,
			400, 1632, false},
		{"empty 200", "application/json", "", 200, 0, true},
		{"rate limited", "application/json", `{"errors":[{"status":false,"code":429,"message":"Too many requests."}]}`, 429, 429, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := recordingServer(t, tt.status, tt.contentType, tt.body)
			c, _ := capillary.New(srv.URL, capillary.NewBasic("t", "p"), nil)
			resp, err := c.Delete(context.Background(), 1, "x")
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != tt.status || resp.Code() != tt.wantCode || (resp.BodyErr != nil) != tt.wantBodyErr {
				t.Errorf("response %+v (body error %v), want HTTP %d code %d, body error %v",
					resp, resp.BodyErr, tt.status, tt.wantCode, tt.wantBodyErr)
			}
		})
	}
}
