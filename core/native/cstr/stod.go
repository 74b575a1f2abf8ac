// Package cstr holds the C library's string-to-number conversion and string
// splitting as TorchScript performs them (float(str) is glibc's strtod in
// the C locale; str.split() splits on a fixed set of bytes), shared by the
// native preprocessors and the request checks that run before any module.
package cstr

import (
	"errors"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// errStod is what TorchScript's float(str) raises when C's strtod converts
// nothing or reports ERANGE (std::stod throws; the message is "stod").
var errStod = errors.New("stod")

// ParseFloat is TorchScript's float(s) (aten::Float.str): c10::stod, that is
// glibc's strtod in the C locale, which must consume the whole string.
// strtod skips leading white space and accepts what Go's ParseFloat does not
// ("0x1A" without a binary exponent, "nan(chars)", "infinity" in any case),
// and what it stops at is an error here because the rest of the string is
// left over ("1e5x", "12 "). An overflow, or an underflow that loses digits
// (ERANGE, with tininess detected after rounding, as glibc does), is an
// error too. NaN payloads ("nan(123)") are not reproduced: every NaN here
// is Go's.
func ParseFloat(s string) (float64, error) {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	rest := s[i:]
	var v float64
	var n int // bytes of rest consumed
	switch {
	case hasPrefixFold(rest, "inf"):
		n = 3
		if hasPrefixFold(rest, "infinity") {
			n = 8
		}
		v = math.Inf(1)
	case hasPrefixFold(rest, "nan"):
		n = 3
		if len(rest) > 3 && rest[3] == '(' {
			j := 4
			for j < len(rest) && (isAlnum(rest[j]) || rest[j] == '_') {
				j++
			}
			if j < len(rest) && rest[j] == ')' {
				n = j + 1
			}
		}
		v = math.NaN()
	default:
		var err error
		v, n, err = parseNumber(rest)
		if err != nil {
			return 0, err
		}
	}
	if i+n != len(s) {
		return 0, errNotFloat
	}
	if neg {
		v = -v
	}
	return v, nil
}

var errNotFloat = errors.New("could not convert string to float")

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// parseNumber parses the longest decimal or hexadecimal floating-point
// literal at the start of s (no sign), returning its value and length.
func parseNumber(s string) (float64, int, error) {
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		if v, n, ok, err := parseHex(s); ok {
			return v, n, err
		}
		// "0x" not followed by a hexadecimal mantissa: strtod reads "0".
		return 0, 1, nil
	}
	i := 0
	digits := 0
	nonzero := false
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		nonzero = nonzero || s[i] != '0'
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			nonzero = nonzero || s[i] != '0'
			i++
			digits++
		}
	}
	if digits == 0 {
		return 0, 0, errStod
	}
	mant := i
	i = exponentEnd(s, i, 'e', 'E')
	lit := s[:i]
	if strings.HasPrefix(lit, ".") {
		lit = "0" + lit // Go wants a digit before the point
	}
	v, err := strconv.ParseFloat(lit, 64)
	if err != nil && !isRange(err) {
		return 0, 0, errStod
	}
	if math.IsInf(v, 0) {
		return 0, 0, errStod // overflow: ERANGE
	}
	if nonzero && math.Abs(v) <= minNormal && underflowsDecimal(lit, s[mant:i], v) {
		return 0, 0, errStod
	}
	return v, i, nil
}

const minNormal = 2.2250738585072014e-308 // DBL_MIN

// glibc's strtod reports ERANGE on underflow as IEEE 754 defines it with
// tininess detected after rounding: the value rounded to 53 bits with an
// unbounded exponent is below DBL_MIN, and the result (a subnormal, zero or
// DBL_MIN itself) is inexact.
func underflows(x *big.Float, v float64) bool {
	r53 := new(big.Float).SetPrec(53).SetMode(big.ToNearestEven).Set(x)
	tiny := r53.Abs(r53).Cmp(big.NewFloat(minNormal)) < 0
	return tiny && x.Cmp(big.NewFloat(v)) != 0
}

// underflowsDecimal is underflows for the decimal literal lit (exponent
// digits exp). Literals too long to evaluate exactly (thousands of digits,
// exponents of seven digits or more) are judged by v alone.
func underflowsDecimal(lit, exp string, v float64) bool {
	if v == 0 || len(lit) > 4000 || len(exp) > 6 {
		return math.Abs(v) < minNormal
	}
	r, ok := new(big.Rat).SetString(lit)
	if !ok {
		return true
	}
	r53 := new(big.Float).SetPrec(53).SetMode(big.ToNearestEven).SetRat(r)
	tiny := r53.Abs(r53).Cmp(big.NewFloat(minNormal)) < 0
	return tiny && r.Cmp(new(big.Rat).SetFloat64(v)) != 0
}

func isRange(err error) bool {
	var ne *strconv.NumError
	return errors.As(err, &ne) && ne.Err == strconv.ErrRange
}

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

// parseHex parses "0x" hexdigits [. hexdigits] [p [sign] digits]; ok is
// false when no hexadecimal digit follows "0x".
func parseHex(s string) (v float64, n int, ok bool, err error) {
	i := 2
	digits := 0
	nonzero := false
	var mant strings.Builder
	mant.WriteString("0x")
	for i < len(s) && isHex(s[i]) {
		nonzero = nonzero || s[i] != '0'
		mant.WriteByte(s[i])
		i++
		digits++
	}
	mant.WriteByte('.')
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isHex(s[i]) {
			nonzero = nonzero || s[i] != '0'
			mant.WriteByte(s[i])
			i++
			digits++
		}
	}
	if digits == 0 {
		return 0, 0, false, nil
	}
	exp := "p0"
	if j := exponentEnd(s, i, 'p', 'P'); j > i {
		exp = "p" + s[i+1:j]
		i = j
	}
	m := mant.String()
	if strings.HasSuffix(m, ".") {
		m = m[:len(m)-1]
	} else if strings.HasPrefix(m, "0x.") {
		m = "0x0" + m[2:]
	}
	lit := m + exp
	v, perr := strconv.ParseFloat(lit, 64)
	if perr != nil && !isRange(perr) {
		return 0, 0, true, errStod
	}
	if math.IsInf(v, 0) {
		return 0, 0, true, errStod
	}
	if nonzero && math.Abs(v) <= minNormal {
		if v == 0 {
			return 0, 0, true, errStod
		}
		f, _, ferr := big.ParseFloat(lit, 0, uint(4*digits+64), big.ToNearestEven)
		if ferr != nil || underflows(f, v) {
			return 0, 0, true, errStod
		}
	}
	return v, i, true, nil
}

// exponentEnd is where the exponent at s[i] ends: a mark (e1 or e2), an
// optional sign and at least one digit. It is i where there is none.
func exponentEnd(s string, i int, e1, e2 byte) int {
	if i >= len(s) || (s[i] != e1 && s[i] != e2) {
		return i
	}
	j := i + 1
	if j < len(s) && (s[j] == '+' || s[j] == '-') {
		j++
	}
	if j >= len(s) || s[j] < '0' || '9' < s[j] {
		return i
	}
	for j < len(s) && '0' <= s[j] && s[j] <= '9' {
		j++
	}
	return j
}

// isAlnum is ::isalnum on one byte in the C locale.
func isAlnum(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

// isSpace is ::isspace on one byte in the C locale.
func isSpace(c byte) bool {
	return c == ' ' || ('\t' <= c && c <= '\r')
}

// noneSepBytes is the byte set of SplitNone (str.split() without a
// separator): " \t\n\r\v\f\x1c\x1d\x1e\x85" and the bytes of "\u2028\u2029"
// in UTF-8 (E2 80 A8, E2 80 A9), each byte on its own.
var noneSepBytes = func() (t [256]bool) {
	for _, c := range []byte(" \t\n\r\v\f\x1c\x1d\x1e\x85\xe2\x80\xa8\xa9") {
		t[c] = true
	}
	return t
}()

// SplitNone is TorchScript's str.split() without a separator: runs of the
// separator bytes above separate the parts; no part is empty. Strings are
// bytes to TorchScript, so a multibyte character holding one of those
// bytes is split too.
func SplitNone(s string) []string {
	var out []string
	start := -1
	for i := 0; i < len(s); i++ {
		if noneSepBytes[s[i]] {
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}
