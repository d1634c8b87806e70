package capillary_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/capillary-tools/groupimport/importer/capillary"
)

// TestRetryAfterIsCapped: a 429 asking for hours, in seconds or as a date,
// holds the run for five minutes at most (the documented cap); a short one
// is kept as asked.
func TestRetryAfterIsCapped(t *testing.T) {
	tests := []struct {
		header string
		want   time.Duration
	}{
		{"10800", 5 * time.Minute}, // three hours
		{time.Now().Add(3 * time.Hour).UTC().Format(http.TimeFormat), 5 * time.Minute},
		{"299", 299 * time.Second},
		{"2", 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Retry-After", tt.header)
				w.WriteHeader(http.StatusTooManyRequests)
				w.Write([]byte(`{"errors":[{"code":429,"message":"Too many requests."}],"warnings":[]}`))
			}))
			defer srv.Close()
			c, err := capillary.New(srv.URL, capillary.NewBasic("t", "p"), nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := c.Create(context.Background(), &capillary.Group{ExternalID: "x", MaxGroupSize: 1})
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != http.StatusTooManyRequests || resp.RetryAfter != tt.want {
				t.Fatalf("HTTP %d, RetryAfter %v; want 429 and %v", resp.Status, resp.RetryAfter, tt.want)
			}
		})
	}
}
