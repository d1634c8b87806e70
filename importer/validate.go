package importer

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/capillary-tools/groupimport/importer/capillary"
)

// MaxIDLength is the longest externalId and groupName the API accepts, in
// characters.
const MaxIDLength = 50

// DefaultMaxGroupSize is CONF_MAX_FLEET_GROUP_SIZE when the org leaves it unset.
const DefaultMaxGroupSize = 30000

// Validator turns a record into the group to send, or says why it cannot be
// sent. A real run and a dry run use the same one.
type Validator struct {
	Cols         *Columns
	MaxGroupSize int64
	// ExtTypes, when set, is the org's extended-field catalogue (folded
	// name -> type); a dry run then predicts the 91016/91017 warnings.
	ExtTypes map[string]string
}

// Validate fills g from cells. It returns the external id as read (trimmed)
// and, for a row that must not be sent, every problem of the row, each
// naming its column, in the file's column order (JoinProblems makes them
// the row's message). Warnings that do not stop the
// row (an extended field the catalogue does not know) come back in warn;
// on a row that is not sent they are named in the message instead, so that
// one pass shows all there is to fix.
//
// A valid row takes the fast path, allocating nothing; only a row with a
// problem gathers them.
func (v *Validator) Validate(cells []string, g *capillary.Group) (id string, problems []string, warn []Notice) {
	c := v.Cols
	id = v.ID(cells)
	if len(cells) != len(c.Names) {
		// The cells are not where the header says: checking them
		// would name problems the row does not have.
		return id, []string{fmt.Sprintf("row has %d cells, the header has %d: check for a stray delimiter or a missing quote", len(cells), len(c.Names))}, nil
	}
	var ps rowProblems
	ascii := true // most files are: characters are then bytes
	for i, cell := range cells {
		if isASCII(cell) {
			continue
		}
		ascii = false
		if !utf8.ValidString(cell) {
			// The file was read as UTF-8, so this cell came from another
			// encoding: pasted in from a second export, or the whole file
			// is in one detection could not see.
			ps.add(i, fmt.Sprintf("%s: not valid UTF-8 (the file mixes encodings, or is not UTF-8); retype the cell and save the file as CSV UTF-8, or pass --encoding", columnName(c, i)))
		}
	}
	chars := func(s string) int {
		if ascii {
			return len(s)
		}
		return utf8.RuneCountInString(s)
	}
	*g = capillary.Group{ExternalID: id, ExtendedFields: g.ExtendedFields[:0]}
	switch n := chars(id); {
	case id == "":
		ps.add(c.ExternalID, "externalId: missing (required)")
	case n > MaxIDLength:
		ps.add(c.ExternalID, fmt.Sprintf("externalId: %d characters, at most %d allowed", n, MaxIDLength))
	default:
		if msg := invisibleInID(id, ascii); msg != "" {
			ps.add(c.ExternalID, "externalId: "+msg)
		}
	}
	if c.GroupName >= 0 {
		g.GroupName = strings.TrimSpace(cells[c.GroupName])
		if n := chars(g.GroupName); n > MaxIDLength {
			ps.add(c.GroupName, fmt.Sprintf("groupName: %d characters, at most %d allowed", n, MaxIDLength))
		}
	}
	v.numbers(cells, g, &ps)
	for _, e := range c.Ext {
		val := cells[e.Index]
		if strings.TrimSpace(val) == "" {
			continue
		}
		g.ExtendedFields = append(g.ExtendedFields, capillary.Field{Name: e.Name, Value: val})
		if v.ExtTypes != nil {
			if w, ok := checkExt(v.ExtTypes, e.Name, val); !ok {
				warn = append(warn, w)
				if len(ps) > 0 {
					ps.add(e.Index, fmt.Sprintf("%s: would not be saved (%d %s)", columnName(c, e.Index), w.Code, w.Message))
				}
			}
		}
	}
	if len(ps) > 0 {
		return id, ps.list(), nil
	}
	return id, nil, warn
}

// numbers fills g's maxGroupSize and limit from cells, or adds to ps what
// is wrong with them.
func (v *Validator) numbers(cells []string, g *capillary.Group, ps *rowProblems) {
	c := v.Cols
	size, msg := wholeNumber(cells[c.MaxGroupSize])
	switch {
	case msg != "":
		ps.add(c.MaxGroupSize, "maxGroupSize: "+msg)
	case size <= 0:
		ps.add(c.MaxGroupSize, fmt.Sprintf("maxGroupSize: %d is not positive", size))
	case size > v.MaxGroupSize:
		ps.add(c.MaxGroupSize, fmt.Sprintf("maxGroupSize: %d is over the org's limit of %d (CONF_MAX_FLEET_GROUP_SIZE)", size, v.MaxGroupSize))
	default:
		g.MaxGroupSize = size
	}
	if c.Limit >= 0 && strings.TrimSpace(cells[c.Limit]) != "" {
		limit, msg := wholeNumber(cells[c.Limit])
		switch {
		case msg != "":
			ps.add(c.Limit, "limit: "+msg)
		case limit < 0:
			ps.add(c.Limit, fmt.Sprintf("limit: %d is negative", limit))
		default:
			g.Limit, g.HasLimit = limit, true
		}
	}
}

// wholeNumber parses a count. Spreadsheets write whole numbers as "110.0"
// or "1.1E+2" when a cell is formatted as a number, so those are accepted
// when their value is whole, and so are thousands separators where they
// cannot be mistaken for a decimal mark (see groupedNumber).
func wholeNumber(s string) (int64, string) {
	if n, ok := smallNumber(s); ok {
		return n, ""
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, "missing (required)"
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, ""
	}
	if n, msg, ok := groupedNumber(s); ok {
		return n, msg
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != f || strings.ContainsAny(s, "xXpP_") || strings.EqualFold(strings.TrimLeft(s, "+-"), "inf") || strings.EqualFold(strings.TrimLeft(s, "+-"), "infinity") {
		return 0, fmt.Sprintf("%q is not a whole number", s)
	}
	if f != float64(int64(f)) || f > 1<<53 || f < -(1<<53) {
		return 0, fmt.Sprintf("%q is not a whole number", s)
	}
	return int64(f), ""
}

// smallNumber reads the common case quickly: one to nine digits and
// nothing else.
func smallNumber(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 9 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return 0, false
		}
		n = n*10 + int64(c)
	}
	return n, true
}

// groupedNumber reads a number written with separators, as spreadsheets
// display them; ok is false when s is not digits and separators (an
// exponent, a word), for wholeNumber to try it as a float.
//
// No reading is a guess:
//   - thousands groups are 1-3 digits then groups of exactly 3 ("30,000",
//     "1.500.000"), or the Indian lakh grouping ("1,50,000"), all with one
//     separator: a comma, a dot, a space (no-break spaces included) or an
//     apostrophe ("1'000", Swiss);
//   - a decimal part follows the groups after the other one of dot and
//     comma and must be all zeros ("30,000.00", "30.000,00");
//   - a single dot or comma followed by anything but exactly three digits
//     is a decimal mark: "110.00" and "110,0" are 110, "1,5" is not whole;
//   - a single separator followed by exactly three digits is a group:
//     "30,000" and "30 000" are 30000 (nobody writes a count with a
//     decimal comma and three decimals) except for a dot: "30.000" is how
//     a program writes 30 and how German Excel writes 30000, so it is
//     refused as ambiguous.
func groupedNumber(s string) (n int64, msg string, ok bool) {
	body, neg := cutSign(s)
	groups, seps, ok := splitGroups(body)
	if !ok {
		return 0, "", false
	}
	intPart, frac, ambiguous := splitDecimal(groups, seps)
	if ambiguous {
		return 0, fmt.Sprintf("%q is ambiguous (%s with a decimal point, %s with a thousands separator); write the number without separators", s, strings.TrimSuffix(strings.TrimRight(s, "0"), "."), strings.ReplaceAll(s, ".", "")), true
	}
	if !wholeGroups(intPart, seps, frac) {
		return 0, fmt.Sprintf("%q is not a whole number", s), true
	}
	n, err := strconv.ParseInt(strings.Join(intPart, ""), 10, 64)
	if err != nil {
		return 0, fmt.Sprintf("%q is too large", s), true
	}
	if neg {
		n = -n
	}
	return n, "", true
}

// cutSign takes a leading - or + off s.
func cutSign(s string) (body string, neg bool) {
	switch {
	case strings.HasPrefix(s, "-"):
		return s[1:], true
	case strings.HasPrefix(s, "+"):
		return s[1:], false
	}
	return s, false
}

// splitGroups cuts body into runs of digits and the separators between
// them (folded by separatorKind); ok is false unless body is digits and
// separators, with at least one separator and none at either end or next
// to another.
func splitGroups(body string) (groups []string, seps []rune, ok bool) {
	start := 0
	for i, r := range body {
		if r >= '0' && r <= '9' {
			continue
		}
		sep := separatorKind(r)
		if sep == 0 || i == start {
			return nil, nil, false
		}
		groups = append(groups, body[start:i])
		seps = append(seps, sep)
		start = i + len(string(r))
	}
	if len(seps) == 0 || start == len(body) {
		return nil, nil, false
	}
	return append(groups, body[start:]), seps, true
}

// splitDecimal tells the integer groups from a decimal part, by the rules
// in groupedNumber's comment; ambiguous is a single dot followed by three
// digits.
func splitDecimal(groups []string, seps []rune) (intPart []string, frac string, ambiguous bool) {
	last := seps[len(seps)-1]
	switch {
	case len(seps) == 1 && len(groups[1]) == 3 && len(groups[0]) <= 3 && groups[0][0] != '0':
		return groups, "", last == '.'
	case len(seps) == 1 && (last == '.' || last == ','):
		return groups[:1], groups[1], false
	case len(seps) > 1 && (last == '.' || last == ',') && last != seps[0]:
		return groups[:len(groups)-1], groups[len(groups)-1], false
	}
	return groups, "", false
}

// wholeGroups reports whether the integer groups share one separator and
// are thousands or lakhs, and the decimal part is all zeros.
func wholeGroups(intPart []string, seps []rune, frac string) bool {
	for _, sep := range seps[:len(intPart)-1] {
		if sep != seps[0] {
			return false
		}
	}
	if len(intPart) > 1 && !thousands(intPart) {
		return false
	}
	return strings.Trim(frac, "0") == ""
}

// separatorKind folds the characters that separate digit groups.
func separatorKind(r rune) rune {
	switch r {
	case ',', '.':
		return r
	case ' ', '\u00a0', '\u202f', '\u2009':
		return ' '
	case '\'', '\u2019':
		return '\''
	}
	return 0
}

// thousands reports digit groups that are thousands (1-3 digits, then
// threes) or lakhs (1-2 digits, then twos, then three).
func thousands(g []string) bool {
	if g[0][0] == '0' || len(g[len(g)-1]) != 3 {
		return false
	}
	western, lakh := len(g[0]) <= 3, len(g) > 2 && len(g[0]) <= 2
	for _, x := range g[1 : len(g)-1] {
		western = western && len(x) == 3
		lakh = lakh && len(x) == 2
	}
	return western || lakh
}

func columnName(c *Columns, i int) string {
	if i < len(c.Names) && strings.TrimSpace(c.Names[i]) != "" {
		return strings.TrimSpace(strings.TrimPrefix(c.Names[i], "\ufeff"))
	}
	return fmt.Sprintf("column %d", i+1)
}

// isASCII reports whether s holds only ASCII bytes.
func isASCII(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if s[i]|s[i+1]|s[i+2]|s[i+3]|s[i+4]|s[i+5]|s[i+6]|s[i+7] >= utf8.RuneSelf {
			return false
		}
	}
	for ; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// sanitizeID makes an id that is not valid UTF-8 printable in the results.
func sanitizeID(id string) string {
	return strings.ToValidUTF8(id, "\ufffd")
}
