package dates

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// isoLayouts are the ISO-8601 spellings ParseAuto accepts, tried in order.
var isoLayouts = []string{
	"2006-01-02",
	"2006-01-02T15:04",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05Z07",
	"20060102",
	"20060102T150405",
	"2006-01",
	"2006/01/02",
	"2006/01/02 15:04:05",
}

// ParseAuto parses a date string when the feature has no datetime_format:
// ISO-8601 (date, date and time with "T" or a space, fractional seconds,
// "Z" or a numeric offset, basic format), or an epoch number in a string.
// The wall-clock fields are used as written (no zone conversion).
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
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		return FromEpoch(f)
	}
	return Vector{}, fmt.Errorf("cannot parse %q as a date: the feature has no datetime_format, and it is neither ISO-8601 (e.g. 2023-01-31 or 2023-01-31T12:30:00) nor an epoch number", s)
}

// FromEpoch converts an epoch timestamp to a UTC date vector. Like Ludwig's
// convert_number_to_datetime, the unit follows the integer part's digit
// count: up to 10 digits seconds, 13 milliseconds, 16 microseconds, 19
// nanoseconds.
func FromEpoch(ts float64) (Vector, error) {
	if math.IsNaN(ts) || math.IsInf(ts, 0) {
		return Vector{}, fmt.Errorf("epoch timestamp %v is not a finite number", ts)
	}
	digits := len(strconv.FormatInt(int64(math.Abs(ts)), 10))
	switch {
	case digits <= 10:
	case digits <= 13:
		ts /= 1e3
	case digits <= 16:
		ts /= 1e6
	case digits <= 19:
		ts /= 1e9
	default:
		return Vector{}, fmt.Errorf("epoch timestamp %v has too many digits", ts)
	}
	sec := math.Floor(ts)
	t := time.Unix(int64(sec), int64((ts-sec)*1e9)).UTC()
	return FromTime(t), nil
}
