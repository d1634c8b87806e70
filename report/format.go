package report

import (
	"fmt"
	"strconv"
	"time"
)

// formatRate renders a rate given per second. Below ten a second it is
// shown per minute, the unit API quotas are given in (often 100/min, which
// is 1.7/s and reads better as 100.0/min).
func formatRate(perSecond float64) string { return formatRateIn(perSecond, rateUnit(perSecond)) }

// rateUnit is the unit a rate reads best in: "s" from 10 a second, else
// "min".
func rateUnit(perSecond float64) string {
	if perSecond >= 10 {
		return "s"
	}
	return "min"
}

// formatRateIn renders a rate in unit ("s" or "min"; "" chooses).
func formatRateIn(perSecond float64, unit string) string {
	switch unit {
	case "s":
		return strconv.FormatFloat(perSecond, 'f', 1, 64) + "/s"
	case "min":
		return strconv.FormatFloat(perSecond*60, 'f', 1, 64) + "/min"
	}
	return formatRate(perSecond)
}

// formatDuration renders d as precisely as a reader cares about: "350ms",
// "42.3s", "5m3s", "2h10m". The result parses with time.ParseDuration.
func formatDuration(d time.Duration) string {
	// Each bound is where rounding would carry into the next unit.
	switch {
	case d < time.Second-time.Millisecond/2:
		return d.Round(time.Millisecond).String()
	case d < time.Minute-50*time.Millisecond:
		return d.Round(100 * time.Millisecond).String()
	case d < time.Hour-time.Second/2:
		d = d.Round(time.Second)
	default:
		d = d.Round(time.Minute)
	}
	h, m, s := int64(d/time.Hour), int64(d%time.Hour/time.Minute), int64(d%time.Minute/time.Second)
	switch {
	case h > 0 && m == 0:
		return fmt.Sprintf("%dh", h)
	case h > 0:
		return fmt.Sprintf("%dh%dm", h, m)
	case s == 0:
		return fmt.Sprintf("%dm", m)
	default:
		return fmt.Sprintf("%dm%ds", m, s)
	}
}
