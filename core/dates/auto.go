package dates

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// isoLayouts are the spellings ParseAuto accepts, tried in order (Go time
// layouts). Each is one dateutil.parser.parse accepts with the same result.
var isoLayouts = []string{
	"2006-01-02",
	"2006-01-02T15:04",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02T15:04Z0700",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05Z07",
	"20060102",
	"200601021504",
	"20060102150405",
	"20060102T150405",
	"20060102T150405Z0700",
	"2006/01/02",
	"2006/01/02T15:04",
	"2006/01/02T15:04:05",
	"2006.01.02",
}

// ParseAuto parses a date string when the feature has no datetime_format,
// as Ludwig's training path (ludwig/utils/date_utils.py parse_datetime)
// does for the spellings listed here: dateutil's parse for ISO-8601 dates
// and times ("T" or a space between them, fractional seconds, "Z" or a
// numeric offset, basic format YYYYMMDD[hhmm[ss]]) and YYYY/MM/DD or
// YYYY.MM.DD dates; otherwise a number is an epoch timestamp
// (FromEpoch). dateutil accepts many more spellings (month names,
// day-first guesses, partial dates filled from today's date); those fail
// here with an error that asks for a datetime_format. Wall-clock fields are
// used as written (no zone conversion), as dateutil's aware datetimes keep
// them.
func ParseAuto(s string) (Vector, error) {
	v := strings.TrimSpace(s)
	iso := strings.Replace(v, " ", "T", 1)
	for _, layout := range isoLayouts {
		if t, err := time.Parse(layout, iso); err == nil {
			return FromTime(t), nil
		}
		if t, err := time.Parse(layout, v); err == nil {
			return FromTime(t), nil
		}
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && !strings.ContainsAny(v, "xXpP_") {
		return FromEpoch(f)
	}
	return Vector{}, fmt.Errorf("cannot parse %q as a date: the feature has no datetime_format, and it is neither ISO-8601 (e.g. 2023-01-31 or 2023-01-31T12:30:00) nor an epoch number", s)
}

// scaleSeconds is Ludwig's SCALE_S = floor(log10(time.time())): 9 from
// 2001-09-09 until the year 2286.
const scaleSeconds = 9

// FromEpoch converts an epoch timestamp to a date vector (UTC) as Ludwig's
// convert_number_to_datetime does: a timestamp whose order of magnitude
// floor(log10(ts)) is above 9 is divided by 10^(that - 9) (so milli-, micro-
// and nanoseconds become seconds; note that 11-digit values are divided by
// 10, as in Ludwig), then datetime.fromtimestamp, whose microseconds are
// rounded half-even. Ludwig uses the machine's local zone; this uses UTC
// (the same on a UTC machine).
func FromEpoch(ts float64) (Vector, error) {
	if math.IsNaN(ts) || math.IsInf(ts, 0) {
		return Vector{}, fmt.Errorf("epoch timestamp %v is not a finite number", ts)
	}
	if ts > 0 {
		if scale := math.Floor(math.Log10(ts)); scale > scaleSeconds {
			ts = ts / math.Pow(10, scale-scaleSeconds)
		}
	}
	// CPython's _PyTime_ObjectToTimeval with ROUND_HALF_EVEN.
	intPart, frac := math.Modf(ts)
	us := math.RoundToEven(frac * 1e6)
	if us >= 1e6 {
		us -= 1e6
		intPart++
	} else if us < 0 {
		us += 1e6
		intPart--
	}
	// datetime's range: years 1..9999.
	if intPart < -62135596800 || intPart > 253402300799 {
		return Vector{}, fmt.Errorf("epoch timestamp %v is out of the range of dates (years 1-9999)", ts)
	}
	t := time.Unix(int64(intPart), int64(us)*1000).UTC()
	return FromTime(t), nil
}
