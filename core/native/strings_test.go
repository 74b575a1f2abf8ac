package native

import (
	"reflect"
	"testing"
)

// TestByteStrings pins TorchScript's byte-wise string operations as
// torch.jit.script shows them under libtorch 1.13 (the whole modules are
// compared with libtorch in equiv_test.go; these say what to expect).
func TestByteStrings(t *testing.T) {
	if got := tsStrip("\r x \r"); got != "\r x \r" {
		t.Errorf("strip keeps \\r: got %q", got)
	}
	if got := tsStrip(" \t\n\v\fÉ\v"); got != "É" {
		t.Errorf("strip: got %q", got)
	}
	if got := tsLower("CAFÉ Crème"); got != "cafÉ crème" {
		t.Errorf("lower changes ASCII only: got %q", got)
	}
	for _, c := range []struct {
		tok  Tokenizer
		in   string
		want []string
	}{
		{splitTokenizer{" "}, " a  b\tc \r", []string{"a", "b\tc", "\r"}},
		{splitTokenizer{","}, " green , DARK,,light ", []string{"green ", " DARK", "light"}},
		{splitTokenizer{"_"}, "__docs__tmp", []string{"docs", "tmp"}},
		{charsTokenizer{}, "hé", []string{"h", "\xc3", "\xa9"}},
		{spacePunctTokenizer{}, "CAFÉ, très_bien!", []string{"CAF", "\xc3", "\x89", ",", "tr", "\xc3", "\xa8", "s_bien", "!"}},
	} {
		if got := c.tok.Tokens(c.in, nil); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%T(%q) = %q, want %q", c.tok, c.in, got, c.want)
		}
	}
}

func TestModuleKeys(t *testing.T) {
	for _, name := range []string{"city", "a.b", "x__ludwig"} {
		key := KeyFromName(name)
		if got := NameFromKey(key); got != name {
			t.Errorf("NameFromKey(KeyFromName(%q)) = %q (key %q)", name, got, key)
		}
	}
	if KeyFromName("a.b") != "a__ludwig_punct_period__b__ludwig" {
		t.Errorf("KeyFromName(a.b) = %q", KeyFromName("a.b"))
	}
	if got := Demangle("__torch__.ludwig.features.number_feature.___torch_mangle_25.ZScoreTransformer"); got != "__torch__.ludwig.features.number_feature.ZScoreTransformer" {
		t.Errorf("Demangle: %q", got)
	}
}
