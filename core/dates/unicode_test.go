package dates

import (
	"strings"
	"testing"
	"unicode"
)

// TestUnicodeDigits: issue 20 example 7. Python's strptime matches \d with
// any Unicode decimal digit and int() reads them; its [0-5]-style sets are
// ASCII. Expected values are CPython 3.11's datetime.strptime answers.
func TestUnicodeDigits(t *testing.T) {
	for _, c := range []struct {
		s, format string
		want      Vector
		err       string
	}{
		{s: "２０２１-03-04 05:06:07", format: "%Y-%m-%d %H:%M:%S", want: Vector{2021, 3, 4, 3, 63, 5, 6, 7, 18367}},
		{s: "𝟐𝟎𝟐𝟏-03-04", format: "%Y-%m-%d", want: Vector{2021, 3, 4, 3, 63, 0, 0, 0, 0}},
		{s: "2021-03-04 1２", format: "%Y-%m-%d %H", want: Vector{2021, 3, 4, 3, 63, 12, 0, 0, 43200}},
		{s: "٢٠٢١-٠٣-04", format: "%Y-%m-%d", err: "does not match format"},
		{s: "२०२१/1२/३१", format: "%Y/%m/%d", err: "does not match format"},
		{s: "21-０3-04", format: "%y-%m-%d", err: "does not match format"},
		{s: "2021-03-04 ０５", format: "%Y-%m-%d %H", err: `unconverted data remains: "５"`},
		{s: "2021-03-04 ２3", format: "%Y-%m-%d %H", err: `unconverted data remains: "3"`},
		{s: "2021-03-04 05:06:07.１", format: "%Y-%m-%d %H:%M:%S.%f", err: "does not match format"},
		{s: "2021 ０６5", format: "%Y %j", err: "does not match format"},
	} {
		got, err := Parse(c.s, c.format)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("Parse(%q, %q) = %v, %v; want an error with %q", c.s, c.format, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("Parse(%q, %q) = %v, %v; want %v", c.s, c.format, got, err, c.want)
		}
	}
}

// TestDigitValue checks digitValue on every Unicode decimal digit: the
// tables' Nd ranges have stride 1 and whole blocks of ten from a zero.
func TestDigitValue(t *testing.T) {
	n := 0
	check := func(lo, hi, stride uint32) {
		if stride != 1 || (hi-lo+1)%10 != 0 {
			t.Errorf("Nd range %U-%U stride %d is not whole blocks of ten", lo, hi, stride)
		}
		for r := lo; r <= hi; r++ {
			d, ok := digitValue(rune(r))
			if !ok || d != int(r-lo)%10 {
				t.Errorf("digitValue(%U) = %d, %v", r, d, ok)
			}
			n++
		}
	}
	for _, rg := range unicode.Nd.R16 {
		check(uint32(rg.Lo), uint32(rg.Hi), uint32(rg.Stride))
	}
	for _, rg := range unicode.Nd.R32 {
		check(rg.Lo, rg.Hi, rg.Stride)
	}
	if n < 600 {
		t.Errorf("only %d Nd runes", n)
	}
	if _, ok := digitValue('x'); ok {
		t.Error("digitValue('x') is a digit")
	}
	if d, _ := digitValue('٧'); d != 7 {
		t.Errorf("digitValue('٧') = %d", d)
	}
}
