// Package dates turns date values into the 9-integer vector of Ludwig's
// create_vector_from_datetime_obj: year, month (1-12), day, weekday
// (Monday = 0), day of year (1-based), hour, minute, second, second of day.
//
// Strings are parsed with Python strptime semantics (Parse) when the
// feature has a datetime_format, and as ISO-8601 otherwise (ParseAuto);
// numbers are epoch timestamps (FromEpoch). No time zone conversion is made:
// a parsed offset is checked but the wall-clock fields are used as written,
// as Python's naive datetime fields are.
package dates

import (
	"fmt"
	"strings"
	"time"
)

// Vector is Ludwig's date vector.
type Vector [9]int64

// FromTime builds the vector from t's wall-clock fields.
func FromTime(t time.Time) Vector {
	wd := (int64(t.Weekday()) + 6) % 7 // Go: Sunday = 0; Python: Monday = 0
	h, m, s := int64(t.Hour()), int64(t.Minute()), int64(t.Second())
	return Vector{int64(t.Year()), int64(t.Month()), int64(t.Day()), wd, int64(t.YearDay()), h, m, s, h*3600 + m*60 + s}
}

var (
	monthNames = []string{"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"}
	dayNames   = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
)

type fields struct {
	year, month, day            int
	hour, minute, second, micro int
	hour12                      int // %I, 0 when unused
	pm                          int // -1 unset, 0 AM, 1 PM
	yday                        int // %j, 0 when unused
	weekday                     int // Monday = 0, -1 unset
	weekNum                     int // %U / %W, -1 unset
	weekStartsMonday            bool
	yearSet                     bool
}

// Parse parses s with a Python strptime format (C locale). Every directive
// Python documents is supported: %a %A %b %B %c %d %f %H %I %j %m %M %p %S
// %U %w %W %x %X %y %Y %z %Z %% (and %h = %b, %e = %d, %T = %H:%M:%S,
// %D = %m/%d/%y, %F = %Y-%m-%d, %R = %H:%M, %u = ISO weekday 1-7).
// Whitespace in the format matches any run of whitespace, as in Python.
func Parse(s, format string) (Vector, error) {
	f := fields{year: 1900, month: 1, day: 1, pm: -1, weekday: -1, weekNum: -1}
	p := &parser{s: s}
	if err := p.run(format, &f, 0); err != nil {
		return Vector{}, fmt.Errorf("time data %q does not match format %q: %v", s, format, err)
	}
	if p.i != len(p.s) {
		return Vector{}, fmt.Errorf("time data %q does not match format %q: unconverted data remains: %q", s, format, p.s[p.i:])
	}
	t, err := f.time()
	if err != nil {
		return Vector{}, fmt.Errorf("time data %q (format %q): %v", s, format, err)
	}
	return FromTime(t), nil
}

type parser struct {
	s string
	i int
}

var expansions = map[byte]string{
	'c': "%a %b %d %H:%M:%S %Y", 'x': "%m/%d/%y", 'X': "%H:%M:%S",
	'T': "%H:%M:%S", 'D': "%m/%d/%y", 'F': "%Y-%m-%d", 'R': "%H:%M",
}

func (p *parser) run(format string, f *fields, depth int) error {
	for k := 0; k < len(format); k++ {
		c := format[k]
		if isSpace(c) {
			for k+1 < len(format) && isSpace(format[k+1]) {
				k++
			}
			if p.i >= len(p.s) || !isSpace(p.s[p.i]) {
				return fmt.Errorf("expected whitespace at position %d", p.i)
			}
			for p.i < len(p.s) && isSpace(p.s[p.i]) {
				p.i++
			}
			continue
		}
		if c != '%' {
			if p.i >= len(p.s) || p.s[p.i] != c {
				return fmt.Errorf("expected %q at position %d", c, p.i)
			}
			p.i++
			continue
		}
		k++
		if k >= len(format) {
			return fmt.Errorf("format ends with a lone %%")
		}
		d := format[k]
		if exp, ok := expansions[d]; ok && depth == 0 {
			if err := p.run(exp, f, 1); err != nil {
				return err
			}
			continue
		}
		if err := p.directive(d, f); err != nil {
			return err
		}
	}
	return nil
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func (p *parser) num(minDigits, maxDigits int, what string) (int, error) {
	start := p.i
	v := 0
	for p.i < len(p.s) && p.i-start < maxDigits && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		v = v*10 + int(p.s[p.i]-'0')
		p.i++
	}
	if p.i-start < minDigits {
		return 0, fmt.Errorf("expected %s at position %d", what, start)
	}
	return v, nil
}

func (p *parser) name(names []string, what string) (int, error) {
	rest := strings.ToLower(p.s[p.i:])
	// Full names first, then three-letter abbreviations.
	for i, n := range names {
		if strings.HasPrefix(rest, n) {
			p.i += len(n)
			return i, nil
		}
	}
	for i, n := range names {
		if strings.HasPrefix(rest, n[:3]) {
			p.i += 3
			return i, nil
		}
	}
	return 0, fmt.Errorf("expected %s at position %d", what, p.i)
}

func inRange(v, lo, hi int, what string) error {
	if v < lo || v > hi {
		return fmt.Errorf("%s %d out of range %d-%d", what, v, lo, hi)
	}
	return nil
}

func (p *parser) directive(d byte, f *fields) error {
	var err error
	var v int
	switch d {
	case 'Y':
		if v, err = p.num(4, 4, "a 4-digit year"); err == nil {
			f.year, f.yearSet = v, true
		}
	case 'y':
		if v, err = p.num(2, 2, "a 2-digit year"); err == nil {
			// POSIX: 69-99 -> 1969-1999, 00-68 -> 2000-2068 (as Python).
			if v < 69 {
				v += 2000
			} else {
				v += 1900
			}
			f.year, f.yearSet = v, true
		}
	case 'm':
		if v, err = p.num(1, 2, "a month"); err == nil {
			err, f.month = inRange(v, 1, 12, "month"), v
		}
	case 'd', 'e':
		if v, err = p.num(1, 2, "a day"); err == nil {
			err, f.day = inRange(v, 1, 31, "day"), v
		}
	case 'H':
		if v, err = p.num(1, 2, "an hour"); err == nil {
			err, f.hour = inRange(v, 0, 23, "hour"), v
		}
	case 'I':
		if v, err = p.num(1, 2, "an hour"); err == nil {
			err, f.hour12 = inRange(v, 1, 12, "hour"), v
		}
	case 'M':
		if v, err = p.num(1, 2, "a minute"); err == nil {
			err, f.minute = inRange(v, 0, 59, "minute"), v
		}
	case 'S':
		if v, err = p.num(1, 2, "a second"); err == nil {
			// Python's regex takes 60 and 61, then datetime() rejects them.
			err, f.second = inRange(v, 0, 59, "second"), v
		}
	case 'f':
		start := p.i
		if v, err = p.num(1, 6, "microseconds"); err == nil {
			for n := p.i - start; n < 6; n++ {
				v *= 10
			}
			f.micro = v
		}
	case 'j':
		if v, err = p.num(1, 3, "a day of the year"); err == nil {
			err, f.yday = inRange(v, 1, 366, "day of the year"), v
		}
	case 'p':
		rest := strings.ToLower(p.s[p.i:])
		switch {
		case strings.HasPrefix(rest, "am"):
			f.pm = 0
		case strings.HasPrefix(rest, "pm"):
			f.pm = 1
		default:
			return fmt.Errorf("expected AM or PM at position %d", p.i)
		}
		p.i += 2
	case 'b', 'B', 'h':
		if v, err = p.name(monthNames, "a month name"); err == nil {
			f.month = v + 1
		}
	case 'a', 'A':
		if v, err = p.name(dayNames, "a weekday name"); err == nil {
			f.weekday = v
		}
	case 'w':
		if v, err = p.num(1, 1, "a weekday number"); err == nil {
			err, f.weekday = inRange(v, 0, 6, "weekday"), (v+6)%7
		}
	case 'u':
		if v, err = p.num(1, 1, "an ISO weekday number"); err == nil {
			err, f.weekday = inRange(v, 1, 7, "weekday"), v-1
		}
	case 'U', 'W':
		if v, err = p.num(1, 2, "a week number"); err == nil {
			err, f.weekNum, f.weekStartsMonday = inRange(v, 0, 53, "week number"), v, d == 'W'
		}
	case 'z':
		err = p.offset()
	case 'Z':
		// Python accepts UTC, GMT and the local zone names; no conversion.
		start := p.i
		for p.i < len(p.s) && ((p.s[p.i] >= 'A' && p.s[p.i] <= 'Z') || (p.s[p.i] >= 'a' && p.s[p.i] <= 'z')) {
			p.i++
		}
		if p.i == start {
			return fmt.Errorf("expected a time zone name at position %d", start)
		}
	case '%':
		if p.i >= len(p.s) || p.s[p.i] != '%' {
			return fmt.Errorf("expected %% at position %d", p.i)
		}
		p.i++
	default:
		return fmt.Errorf("unsupported directive %%%c", d)
	}
	return err
}

// offset parses %z: Z, +HH, +HHMM, +HH:MM, optionally :SS and .ffffff.
func (p *parser) offset() error {
	if p.i < len(p.s) && (p.s[p.i] == 'Z' || p.s[p.i] == 'z') {
		p.i++
		return nil
	}
	if p.i >= len(p.s) || (p.s[p.i] != '+' && p.s[p.i] != '-') {
		return fmt.Errorf("expected a UTC offset at position %d", p.i)
	}
	p.i++
	if _, err := p.num(2, 2, "offset hours"); err != nil {
		return err
	}
	colon := p.i < len(p.s) && p.s[p.i] == ':'
	if colon {
		p.i++
	}
	if _, err := p.num(2, 2, "offset minutes"); err != nil {
		return err
	}
	if (colon && p.i < len(p.s) && p.s[p.i] == ':') || (!colon && p.i+1 < len(p.s) && isDigit(p.s[p.i]) && isDigit(p.s[p.i+1])) {
		if colon {
			p.i++
		}
		if _, err := p.num(2, 2, "offset seconds"); err != nil {
			return err
		}
	}
	return nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (f *fields) time() (time.Time, error) {
	if f.hour12 > 0 {
		f.hour = f.hour12 % 12
		if f.pm == 1 {
			f.hour += 12
		}
	}
	year, month, day := f.year, f.month, f.day
	switch {
	case f.yday > 0:
		t := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, f.yday-1)
		if t.Year() != year {
			return time.Time{}, fmt.Errorf("day of the year %d out of range for %d", f.yday, year)
		}
		month, day = int(t.Month()), t.Day()
	case f.weekNum >= 0 && f.weekday >= 0 && f.yearSet:
		// Python's _calc_julian_from_U_or_W.
		jan1 := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
		firstWd := (int(jan1.Weekday()) + 6) % 7 // Monday = 0
		wd := f.weekday
		if !f.weekStartsMonday {
			firstWd = (firstWd + 1) % 7
			wd = (wd + 1) % 7
		}
		weekZeroLen := (7 - firstWd) % 7
		var julian int
		if f.weekNum == 0 {
			julian = 1 + wd - firstWd
		} else {
			julian = weekZeroLen + 7*(f.weekNum-1) + 1 + wd
		}
		t := jan1.AddDate(0, 0, julian-1)
		year, month, day = t.Year(), int(t.Month()), t.Day()
	}
	if day > daysIn(year, month) {
		return time.Time{}, fmt.Errorf("day is out of range for month")
	}
	t := time.Date(year, time.Month(month), day, f.hour, f.minute, f.second, f.micro*1000, time.UTC)
	return t, nil
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
