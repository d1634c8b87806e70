package report

import (
	"testing"
	"time"
)

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{349600 * time.Microsecond, "350ms"},
		{999800 * time.Microsecond, "1s"},
		{42340 * time.Millisecond, "42.3s"},
		{59970 * time.Millisecond, "1m"},
		{5*time.Minute + 3*time.Second, "5m3s"},
		{30 * time.Minute, "30m"},
		{59*time.Minute + 59*time.Second + 600*time.Millisecond, "1h"},
		{2*time.Hour + 10*time.Minute + 29*time.Second, "2h10m"},
		{49*time.Hour + 59*time.Minute + 31*time.Second, "50h"},
	}
	for _, tt := range tests {
		got := formatDuration(tt.d)
		if got != tt.want {
			t.Errorf("formatDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
		if back, err := time.ParseDuration(got); err != nil || (back-tt.d).Abs() > time.Minute {
			t.Errorf("formatDuration(%v) = %q parses back as %v, %v", tt.d, got, back, err)
		}
	}
}

func TestFormatRate(t *testing.T) {
	tests := []struct {
		perSecond float64
		want      string
	}{
		{0, "0.0/min"},
		{100.0 / 60, "100.0/min"},
		{9.99, "599.4/min"},
		{10, "10.0/s"},
		{20345.67, "20345.7/s"},
	}
	for _, tt := range tests {
		if got := formatRate(tt.perSecond); got != tt.want {
			t.Errorf("formatRate(%v) = %q, want %q", tt.perSecond, got, tt.want)
		}
	}
}
