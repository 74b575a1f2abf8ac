package native

import "strings"

// TorchScript strings are C++ std::strings: every string operation works on
// bytes, with the C library's character classes in the "C" locale. The
// functions here reproduce the operations Ludwig's scripted modules use,
// byte for byte (contract sections 4 and 9): only ASCII letters change case,
// strip() removes " \n\t\f\v" (not '\r'), iterating a string yields its
// single bytes (so a multibyte UTF-8 character becomes several one-byte
// strings), and split() without a separator splits on a set of bytes that
// includes the bytes of U+0085, U+2028 and U+2029's UTF-8 encodings.

// tsStrip is str.strip(): aten::strip's default characters are " \n\t\f\v".
func tsStrip(s string) string {
	i, j := 0, len(s)
	for i < j && isStripByte(s[i]) {
		i++
	}
	for j > i && isStripByte(s[j-1]) {
		j--
	}
	return s[i:j]
}

func isStripByte(c byte) bool {
	return c == ' ' || c == '\n' || c == '\t' || c == '\f' || c == '\v'
}

// tsLower is str.lower(): ::tolower on every byte, which in the C locale
// changes only 'A'-'Z'.
func tsLower(s string) string {
	k := 0
	for k < len(s) && !('A' <= s[k] && s[k] <= 'Z') {
		k++
	}
	if k == len(s) {
		return s
	}
	b := []byte(s)
	for i := k; i < len(b); i++ {
		if 'A' <= b[i] && b[i] <= 'Z' {
			b[i] += 'a' - 'A'
		}
	}
	return string(b)
}

// isAlnum is ::isalnum on one byte in the C locale.
func isAlnum(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

// isSpace is ::isspace on one byte in the C locale.
func isSpace(c byte) bool {
	return c == ' ' || ('\t' <= c && c <= '\r')
}

// Tokenizer is one of Ludwig's scriptable tokenizers: it maps one string to
// its tokens exactly as the scripted module does.
type Tokenizer interface {
	Tokens(s string, dst []string) []string
}

// splitTokenizer is StringSplitTokenizer's subclasses (v0.8-v0.10 space, underscore,
// comma) and v0.11's SpaceStringToListTokenizer: strip, split on the
// separator, drop empty tokens.
type splitTokenizer struct{ sep string }

func (t splitTokenizer) Tokens(s string, dst []string) []string {
	s = tsStrip(s)
	for len(s) > 0 {
		i := strings.Index(s, t.sep)
		if i < 0 {
			break
		}
		if i > 0 {
			dst = append(dst, s[:i])
		}
		s = s[i+len(t.sep):]
	}
	if len(s) > 0 {
		dst = append(dst, s)
	}
	return dst
}

// charsTokenizer is CharactersToListTokenizer: one token per byte.
type charsTokenizer struct{}

func (charsTokenizer) Tokens(s string, dst []string) []string {
	for i := 0; i < len(s); i++ {
		dst = append(dst, s[i:i+1])
	}
	return dst
}

// spacePunctTokenizer is SpacePunctuationStringToListTokenizer: runs of
// alphanumeric bytes and '_' are words; every other byte that is not a
// space is a token of its own.
type spacePunctTokenizer struct{}

func (spacePunctTokenizer) Tokens(s string, dst []string) []string {
	start := -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isAlnum(c) || c == '_' {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			dst = append(dst, s[start:i])
			start = -1
		}
		if !isSpace(c) {
			dst = append(dst, s[i:i+1])
		}
	}
	if start >= 0 {
		dst = append(dst, s[start:])
	}
	return dst
}
