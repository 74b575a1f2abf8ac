package dates

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// checkVector fails unless v is a date vector Python could produce: fields in
// range and consistent with each other.
func checkVector(t *testing.T, v Vector, what string) {
	t.Helper()
	ok := v[1] >= 1 && v[1] <= 12 && v[2] >= 1 && v[2] <= 31 && v[3] >= 0 && v[3] <= 6 &&
		v[4] >= 1 && v[4] <= 366 && v[5] >= 0 && v[5] <= 23 && v[6] >= 0 && v[6] <= 59 &&
		v[7] >= 0 && v[7] <= 59 && v[8] == v[5]*3600+v[6]*60+v[7]
	if !ok {
		t.Fatalf("%s: date vector out of range: %v", what, v)
	}
	d := time.Date(int(v[0]), time.Month(v[1]), int(v[2]), 0, 0, 0, 0, time.UTC)
	if int64(d.Day()) != v[2] || int64((d.Weekday()+6)%7) != v[3] || int64(d.YearDay()) != v[4] {
		t.Fatalf("%s: inconsistent date vector %v", what, v)
	}
}

func checkErr(t *testing.T, err error, what string) {
	t.Helper()
	if !utf8.ValidString(err.Error()) {
		t.Fatalf("%s: error message is not UTF-8: %q", what, err)
	}
}

// FuzzParse runs Python-strptime parsing on arbitrary values and formats:
// no panic, no runaway backtracking, and every accepted value gives a valid
// date vector.
func FuzzParse(f *testing.F) {
	for _, s := range [][2]string{
		{"2024-02-29 13:45:01", "%Y-%m-%d %H:%M:%S"},
		{"Thu Feb 29 13:45:01 2024", "%c"},
		{"02/29/24 01:45 PM", "%m/%d/%y %I:%M %p"},
		{"2024 060", "%Y %j"},
		{"2024-W09-4", "%G-W%V-%u"},
		{"2024 09 4", "%Y %U %w"},
		{"2024-02-29T13:45:01.123456+01:00", "%Y-%m-%dT%H:%M:%S.%f%z"},
		{"29 february 2024 UTC", "%d %B %Y %Z"},
		{"  1 1 1", "%d %m %y"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, s, format string) {
		start := time.Now()
		v, err := Parse(s, format)
		if d := time.Since(start); d > time.Second {
			t.Fatalf("Parse(%q, %q) took %v", s, format, d)
		}
		what := fmt.Sprintf("Parse(%q, %q)", s, format)
		if err != nil {
			checkErr(t, err, what)
			return
		}
		checkVector(t, v, what)
	})
}

// strftime formats t with the directives FuzzParseRoundTrip's formats use,
// as Python's strftime does in the C locale.
func strftime(t time.Time, format string) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		if format[i] != '%' || i+1 == len(format) {
			b.WriteByte(format[i])
			continue
		}
		i++
		h12 := t.Hour() % 12
		if h12 == 0 {
			h12 = 12
		}
		switch format[i] {
		case 'Y':
			fmt.Fprintf(&b, "%04d", t.Year())
		case 'y':
			fmt.Fprintf(&b, "%02d", t.Year()%100)
		case 'm':
			fmt.Fprintf(&b, "%02d", int(t.Month()))
		case 'd':
			fmt.Fprintf(&b, "%02d", t.Day())
		case 'H':
			fmt.Fprintf(&b, "%02d", t.Hour())
		case 'I':
			fmt.Fprintf(&b, "%02d", h12)
		case 'M':
			fmt.Fprintf(&b, "%02d", t.Minute())
		case 'S':
			fmt.Fprintf(&b, "%02d", t.Second())
		case 'f':
			fmt.Fprintf(&b, "%06d", t.Nanosecond()/1000)
		case 'j':
			fmt.Fprintf(&b, "%03d", t.YearDay())
		case 'p':
			if t.Hour() < 12 {
				b.WriteString("AM")
			} else {
				b.WriteString("PM")
			}
		case 'a':
			b.WriteString(t.Weekday().String()[:3])
		case 'A':
			b.WriteString(t.Weekday().String())
		case 'b':
			b.WriteString(t.Month().String()[:3])
		case 'B':
			b.WriteString(t.Month().String())
		case '%':
			b.WriteByte('%')
		}
	}
	return b.String()
}

var roundTripFormats = []string{
	"%Y-%m-%d %H:%M:%S", "%d/%m/%Y", "%m/%d/%y %I:%M %p", "%Y%m%d%H%M%S", "%A, %B %d, %Y %H:%M",
	"%a %b %d %H:%M:%S %Y", "%Y %j %H", "%Y-%m-%dT%H:%M:%S.%f", "%d.%m.%Y %I %p", "%B %d %Y",
}

// FuzzParseRoundTrip formats a time with strftime and parses it back: Parse
// must give exactly the time's date vector (for the fields the format has).
func FuzzParseRoundTrip(f *testing.F) {
	f.Add(int64(1709214301), uint8(0))
	f.Add(int64(-2208988800), uint8(3))
	f.Add(int64(253402300799), uint8(5))
	f.Fuzz(func(t *testing.T, sec int64, which uint8) {
		format := roundTripFormats[int(which)%len(roundTripFormats)]
		// Years 1000-9999 (4-digit %Y); %y only round-trips 1969-2068.
		lo, hi := int64(-30610224000), int64(253402300799)
		if strings.Contains(format, "%y") {
			lo, hi = -31536000, 3124137599
		}
		span := hi - lo + 1
		sec = lo + ((sec%span)+span)%span
		tm := time.Unix(sec, int64(uint64(sec)%1000000)*1000).UTC()
		s := strftime(tm, format)
		v, err := Parse(s, format)
		if err != nil {
			t.Fatalf("Parse(%q, %q): %v", s, format, err)
		}
		want := FromTime(tm)
		if !strings.Contains(format, "%H") && !strings.Contains(format, "%I") {
			want[5], want[6], want[7], want[8] = 0, 0, 0, 0
		}
		if !strings.Contains(format, "%M") {
			want[6], want[8] = 0, want[5]*3600+want[7]
		}
		if !strings.Contains(format, "%S") {
			want[7], want[8] = 0, want[5]*3600+want[6]*60
		}
		if v != want {
			t.Fatalf("Parse(%q, %q) = %v, want %v", s, format, v, want)
		}
	})
}

// FuzzParseAuto runs the format-less parser (ISO-8601, dateutil spellings,
// epoch numbers) on arbitrary strings.
func FuzzParseAuto(f *testing.F) {
	for _, s := range []string{"2024-02-29", "2024-02-29T13:45:01.5Z", "20240229T134501", "1709214301",
		"1709214301123", "Feb 29 2024", "29/02/2024 13:45", "2024-02-29 13:45:01+05:30", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		start := time.Now()
		v, err := ParseAuto(s)
		if d := time.Since(start); d > time.Second {
			t.Fatalf("ParseAuto(%q) took %v", s, d)
		}
		if err != nil {
			checkErr(t, err, fmt.Sprintf("ParseAuto(%q)", s))
			return
		}
		checkVector(t, v, fmt.Sprintf("ParseAuto(%q)", s))
	})
}

// FuzzFromEpoch converts arbitrary floats: non-finite and out-of-range values
// are errors, everything else a valid vector.
func FuzzFromEpoch(f *testing.F) {
	for _, x := range []float64{0, 1709214301, 1709214301.5, 1709214301123, 1.709214301123456e15,
		1.709214301123456789e18, -1, math.NaN(), math.Inf(1), 1e300, -9.3e18} {
		f.Add(x)
	}
	f.Fuzz(func(t *testing.T, x float64) {
		v, err := FromEpoch(x)
		if math.IsNaN(x) || math.IsInf(x, 0) {
			if err == nil {
				t.Fatalf("FromEpoch(%v) accepted a non-finite number", x)
			}
			return
		}
		if err != nil {
			checkErr(t, err, fmt.Sprint(x))
			return
		}
		checkVector(t, v, fmt.Sprintf("FromEpoch(%v)", x))
	})
}
