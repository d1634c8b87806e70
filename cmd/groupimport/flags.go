package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// parseInterspersed parses flags that may come before or after the
// positional arguments, as users type them: "import fleet.csv --dry-run".
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "-" || !strings.HasPrefix(rest[0], "-") {
			pos = append(pos, rest[0])
			args = rest[1:]
			continue
		}
		// "--" ended the flags: everything after is positional.
		return append(pos, rest...), nil
	}
}

// newFlagSet returns a FlagSet whose errors come back to the caller and
// whose usage text goes to w.
func newFlagSet(name, usage string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(w)
	fs.Usage = func() {
		fmt.Fprint(w, usage)
		fmt.Fprintln(w, "\nFlags:")
		fs.PrintDefaults()
	}
	return fs
}

// parseRate reads "100/min", "5/s", "6000/h", "2.5/sec" or "unlimited".
func parseRate(s string) (rate.Limit, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "unlimited", "inf", "none", "0":
		return rate.Inf, nil
	}
	num, unit, ok := strings.Cut(s, "/")
	if !ok {
		unit = "s"
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || n <= 0 || math.IsInf(n, 0) || math.IsNaN(n) {
		return 0, fmt.Errorf("--rate %q: want a positive number per unit, such as 100/min, 5/s or unlimited", s)
	}
	var per time.Duration
	switch strings.TrimSpace(unit) {
	case "s", "sec", "second":
		per = time.Second
	case "m", "min", "minute":
		per = time.Minute
	case "h", "hour":
		per = time.Hour
	default:
		return 0, fmt.Errorf("--rate %q: unit must be s, min or h", s)
	}
	return rate.Limit(n / per.Seconds()), nil
}

// formatRate prints a rate the way users give it.
func formatRate(l rate.Limit) string {
	switch {
	case l == rate.Inf:
		return "unlimited"
	case l < 1:
		return strconv.FormatFloat(float64(l)*60, 'f', -1, 64) + "/min"
	}
	return strconv.FormatFloat(float64(l), 'f', -1, 64) + "/s"
}

// parseMaxErrors reads --max-errors: a count ("50") or a share of the rows
// sent ("5%"). count is -1 when no count is set.
func parseMaxErrors(s string) (count int, share float64, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return -1, 0, nil
	}
	if p, ok := strings.CutSuffix(s, "%"); ok {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || f <= 0 || f >= 100 {
			return 0, 0, usagef("--max-errors %q: want a count such as 50 or a share such as 5%%", s)
		}
		return -1, f / 100, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, 0, usagef("--max-errors %q: want a count such as 50 or a share such as 5%%", s)
	}
	return n, 0, nil
}
