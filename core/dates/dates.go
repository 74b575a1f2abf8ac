// Package dates turns date values into the 9-integer vector of Ludwig's
// create_vector_from_datetime_obj: year, month (1-12), day, weekday
// (Monday = 0), day of year (1-based), hour, minute, second, second of day.
//
// Strings are parsed with Python's datetime.strptime semantics (Parse) when
// the feature has a datetime_format, which is what Ludwig's TorchScript
// predict path does; without a format, as Ludwig's training path does
// (ParseAuto: ISO-8601 and the other dateutil spellings listed there, then
// epoch numbers). Numbers are epoch timestamps (FromEpoch). No time zone
// conversion is made: a parsed offset is checked but the wall-clock fields
// are used as written, as Python's datetime fields are.
//
// Parse reproduces CPython 3.11's _strptime in the C locale exactly: the
// same directive regular expressions (tried in the same order, with
// backtracking), case-insensitive literals, whitespace that matches any run
// of whitespace, the same rules for %I/%p, %j, %U/%W with a weekday, %G/%V
// with a weekday, two-digit years (69-99 -> 19xx, 00-68 -> 20xx), and the
// same errors for unknown directives, leftovers and out-of-range fields.
// Numeric directives take any Unicode decimal digit where Python's pattern
// has \d (fullwidth "２０２１" is a %Y), ASCII where it has a set ([0-5]).
// Differences, all on values Python rejects or cannot see: %z's digits are
// ASCII only, and %Z accepts UTC, GMT and any other 3-5 letter zone name
// (Python accepts UTC, GMT and the names of the machine's local zone).
package dates

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Vector is Ludwig's date vector.
type Vector [9]int64

// FromTime builds the vector from t's wall-clock fields (sub-second parts
// are ignored, as Ludwig's timedelta.seconds ignores them).
func FromTime(t time.Time) Vector {
	wd := (int64(t.Weekday()) + 6) % 7 // Go: Sunday = 0; Python: Monday = 0
	h, m, s := int64(t.Hour()), int64(t.Minute()), int64(t.Second())
	return Vector{int64(t.Year()), int64(t.Month()), int64(t.Day()), wd, int64(t.YearDay()), h, m, s, h*3600 + m*60 + s}
}

// C-locale names, lowercase, as Python's LocaleTime holds them.
var (
	fullMonths = []string{"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"}
	abbrMonths = []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
	fullDays   = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
	abbrDays   = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
	amPm       = []string{"am", "pm"}
	zoneNames  = []string{"utc", "gmt"}
)

// C-locale expansions of %c, %x and %X (Python's LocaleTime.LC_*).
var localeExpansions = map[byte]string{
	'c': "%a %b %d %H:%M:%S %Y",
	'x': "%m/%d/%y",
	'X': "%H:%M:%S",
}

// numericPatterns are the alternatives of Python's TimeRE for each numeric
// directive, in the order the regular expression tries them. Each
// alternative is a sequence of character classes: a digit class "0-9"
// (Python's \d), a set such as "01", or a single literal character.
var numericPatterns = map[byte][][]string{
	'd': {{"3", "01"}, {"12", "0-9"}, {"0", "1-9"}, {"1-9"}, {" ", "1-9"}},
	'H': {{"2", "0-3"}, {"01", "0-9"}, {"0-9"}},
	'I': {{"1", "0-2"}, {"0", "1-9"}, {"1-9"}},
	'G': {{"0-9", "0-9", "0-9", "0-9"}},
	'j': {{"3", "6", "0-6"}, {"3", "0-5", "0-9"}, {"12", "0-9", "0-9"}, {"0", "1-9", "0-9"}, {"0", "0", "1-9"}, {"1-9", "0-9"}, {"0", "1-9"}, {"1-9"}},
	'm': {{"1", "0-2"}, {"0", "1-9"}, {"1-9"}},
	'M': {{"0-5", "0-9"}, {"0-9"}},
	'S': {{"6", "0-1"}, {"0-5", "0-9"}, {"0-9"}},
	'U': {{"5", "0-3"}, {"0-4", "0-9"}, {"0-9"}},
	'W': {{"5", "0-3"}, {"0-4", "0-9"}, {"0-9"}},
	'w': {{"0-6"}},
	'u': {{"1-7"}},
	'V': {{"5", "0-3"}, {"0", "1-9"}, {"1-4", "0-9"}, {"0-9"}},
	'y': {{"0-9", "0-9"}},
	'Y': {{"0-9", "0-9", "0-9", "0-9"}},
}

func classHas(class string, c byte) bool {
	if len(class) == 3 && class[1] == '-' {
		return c >= class[0] && c <= class[2]
	}
	return strings.IndexByte(class, c) >= 0
}

// token is one element of a compiled format.
type token struct {
	lit string // a literal character (one rune), when dir == 0 and !space
	sp  bool   // a run of whitespace in the format (Python's \s+)
	dir byte   // a directive letter
}

// compile turns a strptime format into tokens, expanding %c, %x and %X.
func compile(format string) ([]token, error) {
	var out []token
	seen := map[byte]bool{}
	var walk func(f string, top bool) error
	walk = func(f string, top bool) error {
		for i := 0; i < len(f); {
			r, size := utf8.DecodeRuneInString(f[i:])
			if isSpaceRune(r) {
				for i < len(f) {
					r, size = utf8.DecodeRuneInString(f[i:])
					if !isSpaceRune(r) {
						break
					}
					i += size
				}
				out = append(out, token{sp: true})
				continue
			}
			if r != '%' {
				out = append(out, token{lit: f[i : i+size]})
				i += size
				continue
			}
			if i+1 >= len(f) {
				return fmt.Errorf("stray %% in format %q", format)
			}
			d := f[i+1]
			i += 2
			if d == '%' {
				out = append(out, token{lit: "%"})
				continue
			}
			if exp, ok := localeExpansions[d]; ok && top {
				if err := walk(exp, false); err != nil {
					return err
				}
				continue
			}
			if !knownDirective(d) {
				r, _ := utf8.DecodeRuneInString(f[i-1:])
				return fmt.Errorf("'%c' is a bad directive in format %q", r, format)
			}
			if seen[d] {
				return fmt.Errorf("directive %%%c appears twice in format %q (Python's regular expression rejects a redefined group)", d, format)
			}
			seen[d] = true
			out = append(out, token{dir: d})
		}
		return nil
	}
	if err := walk(format, true); err != nil {
		return nil, err
	}
	return out, nil
}

func knownDirective(d byte) bool {
	if _, ok := numericPatterns[d]; ok {
		return true
	}
	return strings.IndexByte("fzaAbBpZ", d) >= 0
}

// isSpaceRune is Python's \s for str patterns (str.isspace).
func isSpaceRune(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// Parse parses s with a Python strptime format (C locale), as
// datetime.strptime(s, format) does, and returns the date vector.
func Parse(s, format string) (Vector, error) {
	toks, err := compile(format)
	if err != nil {
		return Vector{}, err
	}
	m := matcher{s: s, toks: toks, caps: make([]string, len(toks))}
	end, ok := m.match(0, 0)
	if !ok {
		return Vector{}, fmt.Errorf("time data %q does not match format %q", s, format)
	}
	if end != len(s) {
		return Vector{}, fmt.Errorf("time data %q (format %q): unconverted data remains: %q", s, format, s[end:])
	}
	t, err := m.resolve()
	if err != nil {
		return Vector{}, fmt.Errorf("time data %q (format %q): %v", s, format, err)
	}
	return FromTime(t), nil
}

// matcher runs a compiled format against s with the backtracking of
// Python's regular expression: each token tries its alternatives in order
// and the first complete match of the pattern wins (then leftovers are an
// error, as in Python).
type matcher struct {
	s    string
	toks []token
	caps []string
}

func (m *matcher) match(i, pos int) (int, bool) {
	if i == len(m.toks) {
		return pos, true
	}
	for _, end := range m.candidates(m.toks[i], pos) {
		m.caps[i] = m.s[pos:end]
		if e, ok := m.match(i+1, end); ok {
			return e, true
		}
	}
	return 0, false
}

// candidates returns the end positions token t can match at pos, in the
// order Python's regular expression tries them.
func (m *matcher) candidates(t token, pos int) []int {
	s := m.s
	switch {
	case t.sp:
		// \s+ is greedy: the longest run first.
		ends := []int{}
		for p := pos; p < len(s); {
			r, size := utf8.DecodeRuneInString(s[p:])
			if !isSpaceRune(r) {
				break
			}
			p += size
			ends = append(ends, p)
		}
		for a, b := 0, len(ends)-1; a < b; a, b = a+1, b-1 {
			ends[a], ends[b] = ends[b], ends[a]
		}
		return ends
	case t.dir == 0:
		r, size := utf8.DecodeRuneInString(s[pos:])
		want, _ := utf8.DecodeRuneInString(t.lit)
		if pos < len(s) && foldEqual(r, want) {
			return []int{pos + size}
		}
		return nil
	}
	switch t.dir {
	case 'f':
		n := 0
		for pos+n < len(s) && n < 6 && isDigit(s[pos+n]) {
			n++
		}
		ends := make([]int, 0, n)
		for k := n; k >= 1; k-- {
			ends = append(ends, pos+k)
		}
		return ends
	case 'z':
		return offsetCandidates(s, pos)
	case 'a':
		return nameCandidates(s, pos, abbrDays)
	case 'A':
		return nameCandidates(s, pos, fullDays)
	case 'b':
		return nameCandidates(s, pos, abbrMonths)
	case 'B':
		return nameCandidates(s, pos, fullMonths)
	case 'p':
		return nameCandidates(s, pos, amPm)
	case 'Z':
		ends := nameCandidates(s, pos, zoneNames)
		n := 0
		for pos+n < len(s) && n < 5 && isASCIILetter(s[pos+n]) {
			n++
		}
		for k := n; k >= 3; k-- {
			ends = append(ends, pos+k)
		}
		return ends
	}
	var ends []int
	for _, alt := range numericPatterns[t.dir] {
		p, ok := pos, true
		for _, class := range alt {
			if p >= len(s) {
				ok = false
				break
			}
			r, size := utf8.DecodeRuneInString(s[p:])
			if class == "0-9" {
				// Python's \d in a str pattern: any Unicode decimal digit
				// (category Nd), such as fullwidth "２" or Arabic-Indic "٢".
				ok = unicode.IsDigit(r)
			} else {
				ok = r < utf8.RuneSelf && classHas(class, byte(r))
			}
			if !ok {
				break
			}
			p += size
		}
		if ok {
			ends = append(ends, p)
		}
	}
	return ends
}

func foldEqual(a, b rune) bool {
	if a == b {
		return true
	}
	for f := unicode.SimpleFold(b); f != b; f = unicode.SimpleFold(f) {
		if f == a {
			return true
		}
	}
	return false
}

func isDigit(c byte) bool       { return c >= '0' && c <= '9' }
func isASCIILetter(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }

// nameCandidates matches names case-insensitively, longest names first
// (Python's __seqToRE sorts by length, keeping the order of equal lengths).
func nameCandidates(s string, pos int, names []string) []int {
	sorted := append([]string(nil), names...)
	for i := 1; i < len(sorted); i++ {
		for j := i; j > 0 && len(sorted[j]) > len(sorted[j-1]); j-- {
			sorted[j], sorted[j-1] = sorted[j-1], sorted[j]
		}
	}
	var ends []int
	for _, n := range sorted {
		if len(s)-pos >= len(n) && strings.EqualFold(s[pos:pos+len(n)], n) {
			ends = append(ends, pos+len(n))
		}
	}
	return ends
}

// offsetCandidates is %z's regular expression
// [+-]\d\d:?[0-5]\d(:?[0-5]\d(\.\d{1,6})?)?|(?-i:Z), alternatives in the
// order the regex engine tries them.
func offsetCandidates(s string, pos int) []int {
	var ends []int
	at := func(p int, class string) bool { return p < len(s) && classHas(class, s[p]) }
	if at(pos, "+-") && at(pos+1, "0-9") && at(pos+2, "0-9") {
		p0 := pos + 3
		colons := []int{}
		if p0 < len(s) && s[p0] == ':' {
			colons = append(colons, p0+1) // :? is greedy
		}
		colons = append(colons, p0)
		for _, p := range colons {
			if !(at(p, "0-5") && at(p+1, "0-9")) {
				continue
			}
			hm := p + 2
			// Optional seconds group, greedy: with the group first.
			secColons := []int{}
			if hm < len(s) && s[hm] == ':' {
				secColons = append(secColons, hm+1)
			}
			secColons = append(secColons, hm)
			for _, q := range secColons {
				if !(at(q, "0-5") && at(q+1, "0-9")) {
					continue
				}
				sec := q + 2
				if sec < len(s) && s[sec] == '.' {
					n := 0
					for sec+1+n < len(s) && n < 6 && isDigit(s[sec+1+n]) {
						n++
					}
					for k := n; k >= 1; k-- {
						ends = append(ends, sec+1+k)
					}
				}
				ends = append(ends, sec)
			}
			ends = append(ends, hm)
		}
	}
	if pos < len(s) && s[pos] == 'Z' {
		ends = append(ends, pos+1)
	}
	return ends
}

// atoi is Python's int() of a captured field: its decimal digits (any
// Unicode decimal digit, as \d matched them) are read; other runes (the
// leading space %d allows) are skipped.
func atoi(s string) int {
	v := 0
	for _, r := range s {
		if d, ok := digitValue(r); ok {
			v = v*10 + d
		}
	}
	return v
}

// digitValue is the value of a Unicode decimal digit (category Nd). Every
// Nd block is ten consecutive code points from its zero, and the Unicode
// tables list them in ranges that start at a zero, so the value is the
// offset in its range modulo 10 (TestDigitValue checks every Nd rune).
func digitValue(r rune) (int, bool) {
	if r >= '0' && r <= '9' {
		return int(r - '0'), true
	}
	if !unicode.IsDigit(r) {
		return 0, false
	}
	for _, rg := range unicode.Nd.R16 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10, true
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10, true
		}
	}
	return 0, false
}

func indexOf(names []string, s string) int {
	for i, n := range names {
		if strings.EqualFold(n, s) {
			return i
		}
	}
	return -1
}

// resolve turns the captured fields into a time, as CPython's _strptime and
// _strptime_datetime do.
func (m *matcher) resolve() (time.Time, error) {
	year, isoYear, isoWeek := -1, -1, -1
	month, day := 1, 1
	hour, minute, second, fraction := 0, 0, 0, 0
	weekOfYear, weekStart := -1, -1
	weekday, julian := -1, 0
	hasJulian := false
	ampm := ""
	for i, t := range m.toks {
		if t.dir == 'p' {
			ampm = strings.ToLower(m.caps[i])
		}
	}
	for i, t := range m.toks {
		v := m.caps[i]
		switch t.dir {
		case 'y':
			year = atoi(v)
			if year <= 68 {
				year += 2000
			} else {
				year += 1900
			}
		case 'Y':
			year = atoi(v)
		case 'G':
			isoYear = atoi(v)
		case 'm':
			month = atoi(v)
		case 'B':
			month = indexOf(fullMonths, v) + 1
		case 'b':
			month = indexOf(abbrMonths, v) + 1
		case 'd':
			day = atoi(v)
		case 'H':
			hour = atoi(v)
		case 'I':
			hour = atoi(v)
			switch ampm {
			case "", "am":
				if hour == 12 {
					hour = 0
				}
			case "pm":
				if hour != 12 {
					hour += 12
				}
			}
		case 'M':
			minute = atoi(v)
		case 'S':
			second = atoi(v)
		case 'f':
			fraction = atoi(v + strings.Repeat("0", 6-len(v)))
		case 'A':
			weekday = indexOf(fullDays, v)
		case 'a':
			weekday = indexOf(abbrDays, v)
		case 'w':
			weekday = atoi(v)
			if weekday == 0 {
				weekday = 6
			} else {
				weekday--
			}
		case 'u':
			weekday = atoi(v) - 1
		case 'j':
			julian, hasJulian = atoi(v), true
		case 'U', 'W':
			weekOfYear = atoi(v)
			if t.dir == 'U' {
				weekStart = 6
			} else {
				weekStart = 0
			}
		case 'V':
			isoWeek = atoi(v)
		case 'z':
			if err := checkOffset(v); err != nil {
				return time.Time{}, err
			}
		}
	}
	if year < 0 && isoYear >= 0 {
		if isoWeek < 0 || weekday < 0 {
			return time.Time{}, fmt.Errorf("ISO year directive '%%G' must be used with the ISO week directive '%%V' and a weekday directive ('%%A', '%%a', '%%w', or '%%u')")
		}
		hasJulian = false
	} else if isoWeek >= 0 {
		if year < 0 || weekday < 0 {
			return time.Time{}, fmt.Errorf("ISO week directive '%%V' must be used with the ISO year directive '%%G' and a weekday directive ('%%A', '%%a', '%%w', or '%%u')")
		}
		return time.Time{}, fmt.Errorf("ISO week directive '%%V' is incompatible with the year directive '%%Y'. Use the ISO year '%%G' instead")
	}
	leapYearFix := false
	if year < 0 && month == 2 && day == 29 {
		year, leapYearFix = 1904, true
	} else if year < 0 {
		year = 1900
	}
	if !hasJulian && weekday >= 0 {
		if weekOfYear >= 0 {
			if err := checkYear(year); err != nil {
				return time.Time{}, err
			}
			julian, hasJulian = julianFromUW(year, weekOfYear, weekday, weekStart == 0), true
		} else if isoYear >= 0 && isoWeek >= 0 {
			if err := checkYear(isoYear); err != nil {
				return time.Time{}, err
			}
			year, julian = julianFromV(isoYear, isoWeek, weekday+1)
			hasJulian = true
		}
		if hasJulian && julian <= 0 {
			year--
			if isLeap(year) {
				julian += 366
			} else {
				julian += 365
			}
		}
	}
	if !hasJulian {
		if err := checkDate(year, month, day); err != nil {
			return time.Time{}, err
		}
	} else {
		if err := checkYear(year); err != nil {
			return time.Time{}, err
		}
		t := civil(year, 1, 1).AddDate(0, 0, julian-1)
		if t.Year() < 1 || t.Year() > 9999 {
			return time.Time{}, fmt.Errorf("date value out of range")
		}
		year, month, day = t.Year(), int(t.Month()), t.Day()
	}
	if leapYearFix {
		year = 1900
	}
	// datetime(year, month, day, hour, minute, second, fraction)
	if err := checkDate(year, month, day); err != nil {
		return time.Time{}, err
	}
	if second > 59 {
		return time.Time{}, fmt.Errorf("second must be in 0..59")
	}
	return time.Date(year, time.Month(month), day, hour, minute, second, fraction*1000, time.UTC), nil
}

// checkOffset validates a %z capture as _strptime and datetime.timezone do.
func checkOffset(z string) error {
	if z == "Z" {
		return nil
	}
	orig := z
	if z[3] == ':' {
		z = z[:3] + z[4:]
		if len(z) > 5 {
			if z[5] != ':' {
				return fmt.Errorf("Inconsistent use of : in %s", orig)
			}
			z = z[:5] + z[6:]
		}
	}
	if len(z) > 5 && !(isDigit(z[5]) && len(z) > 6 && isDigit(z[6])) {
		return fmt.Errorf("invalid literal for int() with base 10: %q", z[5:min(7, len(z))])
	}
	secs := atoi(z[1:3])*3600 + atoi(z[3:5])*60
	if len(z) > 5 {
		secs += atoi(z[5:7])
	}
	if secs >= 24*3600 {
		return fmt.Errorf("offset must be a timedelta strictly between -timedelta(hours=24) and timedelta(hours=24), not %s", orig)
	}
	return nil
}

func civil(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func checkYear(y int) error {
	if y < 1 || y > 9999 {
		return fmt.Errorf("year %d is out of range", y)
	}
	return nil
}

func checkDate(y, m, d int) error {
	if err := checkYear(y); err != nil {
		return err
	}
	if m < 1 || m > 12 {
		return fmt.Errorf("month must be in 1..12")
	}
	if d < 1 || d > daysIn(y, m) {
		return fmt.Errorf("day is out of range for month")
	}
	return nil
}

// weekdayOf returns Python's date(y, m, d).weekday() (Monday = 0).
func weekdayOf(y, m, d int) int { return (int(civil(y, m, d).Weekday()) + 6) % 7 }

// julianFromUW is Python's _calc_julian_from_U_or_W.
func julianFromUW(year, weekOfYear, dayOfWeek int, weekStartsMon bool) int {
	firstWeekday := weekdayOf(year, 1, 1)
	if !weekStartsMon {
		firstWeekday = (firstWeekday + 1) % 7
		dayOfWeek = (dayOfWeek + 1) % 7
	}
	week0Length := (7 - firstWeekday) % 7
	if weekOfYear == 0 {
		return 1 + dayOfWeek - firstWeekday
	}
	return 1 + week0Length + 7*(weekOfYear-1) + dayOfWeek
}

// julianFromV is Python's _calc_julian_from_V: (year, day of year).
func julianFromV(isoYear, isoWeek, isoWeekday int) (int, int) {
	correction := weekdayOf(isoYear, 1, 4) + 1 + 3
	ordinal := isoWeek*7 + isoWeekday - correction
	if ordinal < 1 {
		prev := isoYear - 1
		days := 365
		if isLeap(prev) {
			days = 366
		}
		return prev, ordinal + days
	}
	return isoYear, ordinal
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
