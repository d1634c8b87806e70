package main

import "testing"

// TestStatCount reads the counters from the closing lines the sandboxes
// print: groupimport sandbox's, sandbox.ListenAndServe's and -serve's.
func TestStatCount(t *testing.T) {
	tests := []struct {
		line                                  string
		requests, creates, conflicts, throttl int
	}{
		{"sandbox stopped after 3s: 120 requests, 100 groups created, 2 conflicts, 18 throttled", 120, 100, 2, 18},
		{"sandbox stopped after 120 requests; groups created: 100, conflicts: 2, throttled: 18", 120, 100, 2, 18},
		{"sandbox stopped: 7 requests, 7 groups created, 0 conflicts, 0 throttled", 7, 7, 0, 0},
	}
	for _, tt := range tests {
		st := parseStats(tt.line)
		if st != (stats{tt.requests, tt.creates, tt.conflicts, tt.throttl}) {
			t.Errorf("parseStats(%q) = %+v", tt.line, st)
		}
	}
}
