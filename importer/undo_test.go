package importer

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/capillary-tools/groupimport/importer/capillary"
)

// TestDecideDelete: the table of DELETE answers. A clean 200 is deleted;
// a 4xx, or retries run out, is actDone with Failed, which remove settles
// by lookup; rejected credentials stop the run.
func TestDecideDelete(t *testing.T) {
	p := Policy{MaxAttempts: 3, MaxThrottled: 2, BaseBackoff: time.Second, MaxBackoff: 4 * time.Second}
	timeout := &capillary.TransportError{Err: context.DeadlineExceeded, Sent: true}
	refused := &capillary.TransportError{Err: errors.New("dial: refused"), Sent: false}
	tests := []struct {
		name      string
		resp      *capillary.Response
		err       error
		attempt   int
		throttled int
		want      action
		status    Status
		sent      bool
		wait      time.Duration // checked when non-zero: the minimum wait
	}{
		{"200 deleted", &capillary.Response{Status: 200}, nil, 1, 0, actDone, Deleted, false, 0},
		{"200 with an error in the body is settled by lookup", &capillary.Response{Status: 200, Errors: []capillary.Notice{{Code: 1, Message: "no"}}}, nil, 1, 0, actDone, Failed, false, 0},
		{"200 that is not JSON retried", &capillary.Response{Status: 200, BodyErr: errors.New("not JSON")}, nil, 1, 0, actRetry, "", true, 0},
		{"404 settled by lookup", &capillary.Response{Status: 404}, nil, 1, 0, actDone, Failed, false, 0},
		{"400 settled by lookup", &capillary.Response{Status: 400, Errors: []capillary.Notice{{Code: 1600, Message: "bad"}}}, nil, 1, 0, actDone, Failed, false, 0},
		{"5xx retried as maybe done", &capillary.Response{Status: 502}, nil, 1, 0, actRetry, "", true, 500 * time.Millisecond},
		{"5xx out of attempts", &capillary.Response{Status: 502}, nil, 3, 0, actDone, Failed, true, 0},
		{"408 retried", &capillary.Response{Status: 408}, nil, 1, 0, actRetry, "", true, 0},
		{"429 honours Retry-After", &capillary.Response{Status: 429, RetryAfter: 7 * time.Second}, nil, 1, 0, actRetry, "", false, 7 * time.Second},
		{"429 too often", &capillary.Response{Status: 429}, nil, 1, 2, actDone, Failed, false, 0},
		{"timeout retried as maybe done", nil, timeout, 1, 0, actRetry, "", true, 0},
		{"timeout out of attempts", nil, timeout, 3, 0, actDone, Failed, true, 0},
		{"connection refused never reached", nil, refused, 1, 0, actRetry, "", false, 0},
		{"401 aborts", &capillary.Response{Status: 401}, nil, 1, 0, actAbort, "", false, 0},
		{"403 aborts", &capillary.Response{Status: 403}, nil, 1, 0, actAbort, "", false, 0},
		{"token refused aborts", nil, capillary.ErrUnauthorized, 1, 0, actAbort, "", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decideDelete(tt.resp, tt.err, tt.attempt, tt.throttled, p, 0)
			if d.act != tt.want || d.status != tt.status || d.sent != tt.sent {
				t.Fatalf("act %v status %q sent %v, want %v %q %v (%s)", d.act, d.status, d.sent, tt.want, tt.status, tt.sent, d.msg)
			}
			if tt.wait > 0 && d.wait < tt.wait {
				t.Errorf("wait %v, want at least %v", d.wait, tt.wait)
			}
			if d.status == Failed && d.msg == "" {
				t.Error("a failed answer says nothing")
			}
		})
	}
}

// TestSentGroupIsTrustedOnlyWithItsFingerprint: the sent cell of a record
// is read back only when it is the group its fingerprint names; a cell
// edited by hand (or damaged) is not, and the undo then compares by the
// fingerprint alone.
func TestSentGroupIsTrustedOnlyWithItsFingerprint(t *testing.T) {
	g := capillary.Group{ExternalID: "U-1", GroupName: "Undo 1", MaxGroupSize: 10,
		ExtendedFields: []capillary.Field{{Name: "tier", Value: "gold"}}}
	fp := Fingerprint(&g)
	sent := `{"externalId":"U-1","groupName":"Undo 1","maxGroupSize":10,"extendedFields":{"tier":"gold"}}`
	tests := []struct {
		name  string
		line  Result
		trust bool
	}{
		{"as sent", Result{ExternalID: "U-1", Fingerprint: fp, Sent: sent}, true},
		{"name edited by hand", Result{ExternalID: "U-1", Fingerprint: fp,
			Sent: `{"externalId":"U-1","groupName":"Changed by hand","maxGroupSize":10,"extendedFields":{"tier":"gold"}}`}, false},
		{"field edited by hand", Result{ExternalID: "U-1", Fingerprint: fp,
			Sent: `{"externalId":"U-1","groupName":"Undo 1","maxGroupSize":10,"extendedFields":{"tier":"silver"}}`}, false},
		{"size edited by hand", Result{ExternalID: "U-1", Fingerprint: fp,
			Sent: `{"externalId":"U-1","groupName":"Undo 1","maxGroupSize":11,"extendedFields":{"tier":"gold"}}`}, false},
		{"fingerprint of another group", Result{ExternalID: "U-1", Fingerprint: Fingerprint(&capillary.Group{ExternalID: "U-1", GroupName: "Other"}), Sent: sent}, false},
		{"another externalId", Result{ExternalID: "U-2", Fingerprint: fp, Sent: sent}, false},
		{"not JSON", Result{ExternalID: "U-1", Fingerprint: fp, Sent: `{"externalId":"U-1",`}, false},
		{"no sent cell", Result{ExternalID: "U-1", Fingerprint: fp}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := sentGroup(tt.line)
			switch {
			case tt.trust && got == nil:
				t.Fatal("the group as sent was not read back")
			case tt.trust && Fingerprint(got) != fp:
				t.Fatalf("read back %+v, not the group sent", got)
			case !tt.trust && got != nil:
				t.Fatalf("trusted %+v, which does not match the fingerprint", got)
			}
		})
	}

	// Untrusted, the undo compares the lookup with the fingerprint: a
	// group renamed by hand, with the sent cell edited to match it, is
	// still seen changed.
	edited := Result{ExternalID: "U-1", EntityID: 5, Status: Created, Fingerprint: fp,
		Sent: `{"externalId":"U-1","groupName":"Changed by hand","maxGroupSize":10,"extendedFields":{"tier":"gold"}}`}
	found := &capillary.GroupInfo{ID: 5, ExternalID: "U-1", GroupName: "Changed by hand", MaxGroupSize: 10, HasMaxGroupSize: true,
		ExtendedFields: map[string]string{"tier": "gold"}}
	changes, verified := undoChanges(&undoJob{line: edited, sent: sentGroup(edited)}, found)
	if verified && len(changes) == 0 {
		t.Fatal("a renamed group whose record was edited to match it is taken as unchanged")
	}
	found.GroupName = "Undo 1"
	if changes, verified := undoChanges(&undoJob{line: edited, sent: sentGroup(edited)}, found); !verified || len(changes) > 0 {
		t.Fatalf("the unchanged group: changes %v, verified %v", changes, verified)
	}
}
