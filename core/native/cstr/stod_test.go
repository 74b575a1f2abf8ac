package cstr

import (
	"math"
	"reflect"
	"testing"
)

// TestSplitNone pins str.split() as torch.jit.script shows it under
// libtorch 1.13: é is C3 A9 and A9 is one of its separator bytes (from
// U+2029); \x1c-\x1e separate, \x1f does not.
func TestSplitNone(t *testing.T) {
	if got := SplitNone("1 é 2\x1c 3\u2028x 4\x1d5\x1e6\x1f7"); !reflect.DeepEqual(got, []string{"1", "\xc3", "2", "3", "x", "4", "5", "6\x1f7"}) {
		t.Errorf("split(): got %q", got)
	}
}

// TestParseFloat pins float(str) as TorchScript 1.13 (glibc strtod) answers
// it; the cases were run through torch.jit.script(lambda s: float(s)).
func TestParseFloat(t *testing.T) {
	ok := map[string]float64{
		" 12": 12, "0x1p3": 8, "0x1A": 26, "inf": math.Inf(1), "\t5": 5, "infinity": math.Inf(1),
		"INF": math.Inf(1), "+.5": 0.5, "5.": 5, "0x1.8": 1.5, "\r5": 5, "\v5": 5, "0X1P-2": 0.25,
		"-0": math.Copysign(0, -1), "0x1p-1074": 5e-324, "0x1p-1022": 2.2250738585072014e-308,
		"0x0.8p-1022": 1.1125369292536007e-308, "0x1.fffffffffffffp1023": math.MaxFloat64,
		"1.7976931348623158e308": math.MaxFloat64, "0e-400": 0, "0.0e999999999999": 0,
		"00000.000001e-300": 1e-306, "2.2250738585072014e-308": 2.2250738585072014e-308,
		"1E5": 1e5, "1e0005": 1e5, "0x.8": 0.5, "0x1.": 1, "1.e5": 1e5, "-inf": math.Inf(-1),
		"+inf": math.Inf(1), "2.2250738585072013e-308": 2.2250738585072014e-308,
		"0x1.fffffffffffff8p-1023": 2.2250738585072014e-308, "0x0.0000000000001p-1022": 5e-324,
		"0.0000e-5000": 0,
	}
	for s, want := range ok {
		got, err := ParseFloat(s)
		if err != nil || math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("ParseFloat(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"-nan", "nan(123)", "nan()", "nan(a_b)", "NaN", "nan"} {
		if got, err := ParseFloat(s); err != nil || !math.IsNaN(got) {
			t.Errorf("ParseFloat(%q) = %v, %v; want NaN", s, got, err)
		}
	}
	for _, s := range []string{"12 ", "1_000", "1e5x", "1e400", "1e-310", "1e-400", "4.9e-324",
		"2.2250738585072011e-308", ".", "1e", "1e+", "0x", "0x.p1", "  ", "", "1e-320", "2.4e-324",
		"2.5e-324", "0x1.fffffffffffff8p1023", "1.7976931348623159e308", "1e-308", "nan(", "nan(a-b)",
		"infinit", "++1", "1e+-1", "0x1p", "0x1p+", "0xp1", ".e5", "\u0661", "2.2250738585072012e-308",
		"0x1.fffffffffffff7p-1023", "0x0.fffffffffffff8p-1022", "0x0.00000000000008p-1022", "0x0.0000000000000cp-1022",
		"1e-1000000000000000", "0x1p-999999999999", "-1e-400", "1.5e-323"} {
		if got, err := ParseFloat(s); err == nil {
			t.Errorf("ParseFloat(%q) = %v, want an error", s, got)
		}
	}
}
