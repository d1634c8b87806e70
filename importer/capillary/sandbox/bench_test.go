package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkServeHTTP is the handler's own cost per create, without sockets.
func BenchmarkServeHTTP(b *testing.B) {
	s := New(Config{})
	defer s.Close()
	var n atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest(http.MethodPost, GroupPath, strings.NewReader(createBody(fmt.Sprint("g", n.Add(1)))))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", demoAuth)
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Fatalf("HTTP %d %s", rec.Code, rec.Body)
			}
		}
	})
}

// BenchmarkLoopback is what a client's throughput benchmark sees: creates
// over real loopback HTTP with keep-alive connections.
func BenchmarkLoopback(b *testing.B) {
	s := NewServer(Config{})
	defer s.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	defer client.CloseIdleConnections()
	var n atomic.Int64
	b.SetParallelism(16)
	begin := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodPost, s.URL+GroupPath, strings.NewReader(createBody(fmt.Sprint("g", n.Add(1)))))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", demoAuth)
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("HTTP %d", resp.StatusCode)
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(begin).Seconds(), "req/s")
}

// The two encoders of a group body, to keep the hand-written one honest.
func BenchmarkGroupBody(b *testing.B) {
	limit := 3
	g := &Group{ID: 2000, ExternalID: "natwest_16", GroupName: "natwest14", MaxGroupSize: 110, Limit: &limit,
		ExtendedFields: map[string]string{"platinum": "25"}, GroupStatus: StatusActive, CreatedOn: docsMoment}
	loc := time.FixedZone("IST", 19800)
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			groupBody(g, loc, nil)
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		type wire struct {
			ID             int64             `json:"id"`
			ExternalID     string            `json:"externalId"`
			GroupStatus    string            `json:"groupStatus"`
			CreatedOn      string            `json:"createdOn"`
			GroupName      string            `json:"groupName"`
			MaxGroupSize   int               `json:"maxGroupSize"`
			Limit          *int              `json:"limit,omitempty"`
			ExtendedFields map[string]string `json:"extendedFields"`
			Warnings       []apiItem         `json:"warnings"`
		}
		b.ReportAllocs()
		for b.Loop() {
			json.Marshal(wire{g.ID, g.ExternalID, g.GroupStatus, g.CreatedOn.In(loc).Format(time.RFC3339),
				g.GroupName, g.MaxGroupSize, g.Limit, g.ExtendedFields, []apiItem{}})
		}
	})
}
