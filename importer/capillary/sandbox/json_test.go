package sandbox

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", `q"uote\back`, "tab\tnl\ncr\r\x00\x1f", "é中😀", "bad\xffutf8\xc3", "\u2028\u2029", "<a&b>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ours := appendString(nil, s)
		var got string
		if err := json.Unmarshal(ours, &got); err != nil {
			t.Fatalf("appendString(%q) = %s: not JSON: %v", s, ours, err)
		}
		theirs, _ := json.Marshal(s)
		var want string
		json.Unmarshal(theirs, &want)
		if got != want {
			t.Errorf("appendString(%q) decodes to %q, encoding/json's to %q", s, got, want)
		}
	})
}

func TestGroupBodyMatchesEncodingJSON(t *testing.T) {
	limit := 3
	g := &Group{ID: 7, ExternalID: "e\"x", GroupName: "n\u00e9", MaxGroupSize: 9, Limit: &limit,
		ExtendedFields: map[string]string{"b": "2", "a": "1"}, GroupStatus: StatusActive, CreatedOn: docsMoment}
	ours := groupBody(g, time.UTC, []item{{91016, "w"}})
	var got, want map[string]any
	if err := json.Unmarshal(ours, &got); err != nil {
		t.Fatalf("%s: %v", ours, err)
	}
	ref, _ := json.Marshal(map[string]any{
		"id": 7, "externalId": "e\"x", "groupName": "n\u00e9", "maxGroupSize": 9, "limit": 3,
		"extendedFields": map[string]string{"a": "1", "b": "2"}, "groupStatus": "ACTIVE",
		"createdOn": "2021-09-27T09:37:22.000Z", "warnings": []map[string]any{{"status": false, "code": 91016, "message": "w"}},
	})
	json.Unmarshal(ref, &want)
	if gs, ws := mustJSON(got), mustJSON(want); gs != ws {
		t.Errorf("groupBody:\n%s\nwant\n%s", gs, ws)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// FuzzCreate sends arbitrary bodies: every answer must be JSON with either
// an entity or one documented error code, and a group exists exactly when an
// entity was returned.
func FuzzCreate(f *testing.F) {
	for _, s := range []string{
		createBody("a"), `{"externalId":"a","maxGroupSize":1,"extendedFields":{"platinum":"x","gender":1}}`,
		`{"externalId":"","maxGroupSize":0}`, `{"externalId":"a","maxGroupSize":99999}`, `[]`, `{`, ``, `null`,
		`{"externalId":"a","maxGroupSize":1,"extendedFields":[]}`,
	} {
		f.Add(s)
	}
	known := map[int]bool{403: true, 1633: true, 1634: true, 1639: true, 1640: true, 1644: true, 1645: true}
	f.Fuzz(func(t *testing.T, body string) {
		s := New(Config{})
		defer s.Close()
		req := httptest.NewRequest(http.MethodPost, GroupPath, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", demoAuth)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		var got apiBody
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatalf("body %q answered %q: not JSON: %v", body, rec.Body, err)
		}
		switch {
		case rec.Code == 200 && got.Entity != nil && len(got.Errors) == 0:
			if len(s.Groups()) != 1 {
				t.Fatalf("entity returned, %d groups stored", len(s.Groups()))
			}
		case rec.Code == 400 && got.Entity == nil && len(got.Errors) == 1 && known[got.Errors[0].Code]:
			if len(s.Groups()) != 0 {
				t.Fatalf("error returned, %d groups stored", len(s.Groups()))
			}
		default:
			t.Fatalf("body %q: HTTP %d %s", body, rec.Code, rec.Body)
		}
	})
}
