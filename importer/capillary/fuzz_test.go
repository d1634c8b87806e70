package capillary

import (
	"strings"
	"testing"
)

// FuzzDecode feeds arbitrary bodies to the response decoders: never a
// panic, and a body that is not what the API documents is a BodyErr, never a
// silent success.
func FuzzDecode(f *testing.F) {
	f.Add(200, []byte(`{"entity": 2361, "warnings": []}`))
	f.Add(400, []byte(`{"errors":[{"status":false,"code":1633,"message":"Group external Id X already exists."}],"warnings":[]}`))
	f.Add(200, []byte(`{"entity": 1, "warnings": [{"status":false,"code":91016,"message":"Extended field name gender is invalid."}]}`))
	f.Add(200, []byte(`{"id":2476,"externalId":"x","groupStatus":"ACTIVE","createdOn":"2021-09-27T15:07:22+05:30","groupName":"n","maxGroupSize":110,"warnings":[]}`))
	f.Add(502, []byte(`<html>Bad Gateway</html>`))
	f.Add(200, []byte(``))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		r := &Response{Status: status}
		r.decodeCreate(body)
		if r.BodyErr == nil && !strings.HasPrefix(strings.TrimSpace(string(body)), "{") && len(strings.TrimSpace(string(body))) > 0 {
			t.Fatalf("non-object body %q decoded without error", body)
		}
		if status == 200 && r.BodyErr == nil && !r.HasEntity && len(r.Errors) == 0 {
			t.Fatalf("200 without entity, errors or BodyErr: %q", body)
		}
		_ = r.Message()
		g := &Response{Status: status}
		g.decodeGroup(body)
		if status == 200 && g.BodyErr == nil && len(g.Errors) == 0 && g.Group == nil {
			t.Fatalf("200 lookup without group, errors or BodyErr: %q", body)
		}
	})
}
