package sandbox

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestOversizedBody(t *testing.T) {
	s := New(Config{})
	defer s.Close()
	body := `{"externalId":"` + strings.Repeat("a", maxBody) + `","maxGroupSize":1}`
	req := httptest.NewRequest(http.MethodPost, GroupPath, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", demoAuth)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	var got apiBody
	json.Unmarshal(rec.Body.Bytes(), &got)
	if rec.Code != 400 || len(got.Errors) != 1 || got.Errors[0].Code != 1645 {
		t.Errorf("HTTP %d %.200s, want 400 code 1645", rec.Code, rec.Body)
	}
}
