package main

import (
	"errors"
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

// newFlagSet returns a FlagSet that prints nothing itself: its errors
// come back to parseFlags, to be told in one line.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseFlags parses args for command name: --help prints usage to w and
// returns errHelp; a bad or unknown flag is one line and a pointer to
// --help, not the whole usage.
func parseFlags(fs *flag.FlagSet, name, usage string, args []string, w io.Writer) ([]string, error) {
	pos, err := parseInterspersed(fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(w, usage)
		fmt.Fprintln(w, "\nFlags:")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
		return nil, errHelp
	case err != nil:
		// The flag package names flags with one dash; the help, with two.
		msg := durationHint(fs, err.Error())
		msg = strings.Replace(msg, "for flag -", "for --", 1)
		msg = strings.Replace(msg, "flag provided but not defined: -", "unknown flag --", 1)
		return nil, usagef("%s: %s; see groupimport %s --help", name, msg, name)
	}
	var refused error
	fs.Visit(func(f *flag.Flag) {
		if v, ok := f.Value.(interface{ refused() error }); ok && refused == nil && v.refused() != nil {
			refused = usagef("%s: invalid value for --%s: %v; see groupimport %s --help", name, f.Name, v.refused(), name)
		}
	})
	if refused != nil {
		return nil, refused
	}
	return pos, nil
}

// durationHint replaces the flag package's bare "parse error" for a
// duration flag (--timeout 5) with the format it wants.
func durationHint(fs *flag.FlagSet, msg string) string {
	head, ok := strings.CutSuffix(msg, ": parse error")
	if !ok {
		return msg
	}
	_, name, ok := strings.Cut(head, " for flag -")
	if f := fs.Lookup(name); ok && f != nil {
		if g, ok := f.Value.(flag.Getter); ok {
			if _, ok := g.Get().(time.Duration); ok {
				return head + ": want a duration such as 30s, 2m or 1m30s (a number needs its unit)"
			}
		}
	}
	return msg
}

// rateFlag is --rate: "100/min", "5/s", "6000/h" or "unlimited". It keeps
// the text as the user wrote it, to print it back that way.
type rateFlag struct {
	text  string
	limit rate.Limit
}

func (f *rateFlag) String() string { return f.text }

// Set implements flag.Value.
func (f *rateFlag) Set(s string) error {
	l, text, err := parseRate(s)
	if err != nil {
		return err
	}
	f.limit, f.text = l, text
	return nil
}

// parseRate reads "100/min", "5/s", "6000/h", "2.5/sec" or "unlimited"
// and returns the limit and the rate written tidily ("100/min").
func parseRate(s string) (rate.Limit, string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "unlimited", "inf", "none":
		return rate.Inf, "unlimited", nil
	}
	num, unit, ok := strings.Cut(s, "/")
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	switch {
	case err != nil || math.IsInf(n, 0) || math.IsNaN(n) || n < 0:
		return 0, "", errors.New("want a number per unit, such as 100/min or 5/s, or unlimited")
	case n == 0:
		return 0, "", errors.New("a rate of 0 would send nothing; give one such as 100/min, or unlimited")
	case !ok:
		return 0, "", fmt.Errorf("no unit: say %s/min or %s/s", num, num)
	}
	var per time.Duration
	unit = strings.TrimSpace(unit)
	switch unit {
	case "s", "sec", "second":
		per, unit = time.Second, "s"
	case "m", "min", "minute":
		per, unit = time.Minute, "min"
	case "h", "hour":
		per, unit = time.Hour, "h"
	default:
		return 0, "", fmt.Errorf("unit %q: want s, min or h, such as 100/min", unit)
	}
	return rate.Limit(n / per.Seconds()), strconv.FormatFloat(n, 'f', -1, 64) + "/" + unit, nil
}

// paceText prints a rate the pacer chose, in the unit quotas are given
// in: "84/min", "12.5/s".
func paceText(l rate.Limit) string {
	switch {
	case l == rate.Inf:
		return "unlimited"
	case l < 10:
		return strconv.FormatFloat(math.Round(float64(l)*600)/10, 'f', -1, 64) + "/min"
	}
	return strconv.FormatFloat(math.Round(float64(l)*10)/10, 'f', -1, 64) + "/s"
}

// maxErrorsFlag is --max-errors: a count ("50") or a share of the rows
// sent ("5%").
type maxErrorsFlag struct {
	text  string
	count int // -1: none
	share float64
}

func (f *maxErrorsFlag) String() string { return f.text }

// Set implements flag.Value.
func (f *maxErrorsFlag) Set(s string) error {
	s = strings.TrimSpace(s)
	bad := errors.New("want a count such as 50 or a share such as 5%")
	if p, ok := strings.CutSuffix(s, "%"); ok {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || v <= 0 || v >= 100 {
			return bad
		}
		f.text, f.count, f.share = s, -1, v/100
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return bad
	}
	f.text, f.count, f.share = s, n, 0
	return nil
}

// delimiterFlag is --delimiter: one of the delimiters spreadsheets write.
type delimiterFlag struct{ r rune }

func (f *delimiterFlag) String() string {
	switch f.r {
	case 0:
		return ""
	case '\t':
		return "tab"
	}
	return string(f.r)
}

// Set implements flag.Value.
func (f *delimiterFlag) Set(s string) error {
	switch strings.ToLower(s) {
	case ",", "comma":
		f.r = ','
	case ";", "semicolon":
		f.r = ';'
	case "tab", `\t`, "\t":
		f.r = '\t'
	case "|", "pipe":
		f.r = '|'
	default:
		return errors.New(`want , ; | or tab`)
	}
	return nil
}

// headerRowFlag is --header-row: a spreadsheet row number, from 1.
type headerRowFlag struct{ n int }

func (f *headerRowFlag) String() string {
	if f.n == 0 {
		return ""
	}
	return strconv.Itoa(f.n)
}

// Set implements flag.Value.
func (f *headerRowFlag) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 {
		return errors.New("want the header's row number, from 1 (rows are numbered as the spreadsheet shows them)")
	}
	f.n = n
	return nil
}

// choiceFlag is a flag with a fixed set of values.
type choiceFlag struct {
	value   string
	choices []string
}

func (f *choiceFlag) String() string { return f.value }

// Set implements flag.Value.
func (f *choiceFlag) Set(s string) error {
	for _, c := range f.choices {
		if strings.EqualFold(s, c) {
			f.value = c
			return nil
		}
	}
	return fmt.Errorf("want %s", strings.Join(f.choices, ", "))
}
