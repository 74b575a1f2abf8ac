package pyproc

import (
	"fmt"
	"math/big"
	"sort"
	"strings"
	"unicode"
)

// tokenizer splits a string as one of Ludwig's tokenizers that need no
// download does, with Python's Unicode notion of characters, whitespace and
// word characters.
type tokenizer interface {
	tokens(s string) []string
}

type tokenizerFunc func(string) []string

func (f tokenizerFunc) tokens(s string) []string { return f(s) }

// tokenizers are the registry names of Ludwig's tokenizers implemented here.
var tokenizers = map[string]tokenizerFunc{
	// space: strip, split on " " only, drop empty pieces.
	"space": func(s string) []string {
		var out []string
		for _, p := range strings.Split(pyStrip(s), " ") {
			if p != "" {
				out = append(out, p)
			}
		}
		return out
	},
	// space_punct: runs of word characters (alphanumeric or "_"), and every
	// other non-space character on its own.
	"space_punct": spacePunct,
	// characters: every code point.
	"characters": func(s string) []string {
		out := make([]string, 0, len(s))
		for _, r := range s {
			out = append(out, string(r))
		}
		return out
	},
	// comma / underscore: split the stripped string on the separator with
	// the whitespace around it (an empty string gives one empty token).
	"comma":      func(s string) []string { return splitAround(pyStrip(s), ',') },
	"underscore": func(s string) []string { return splitAround(pyStrip(s), '_') },
	// untokenized: the whole string; stripped: the stripped string.
	"untokenized": func(s string) []string { return []string{s} },
	"stripped":    func(s string) []string { return []string{pyStrip(s)} },
}

func newTokenizer(name string) (tokenizer, error) {
	if t, ok := tokenizers[name]; ok {
		return t, nil
	}
	names := make([]string, 0, len(tokenizers))
	for n := range tokenizers {
		names = append(names, n)
	}
	sort.Strings(names)
	return nil, fmt.Errorf("tokenizer %q is not supported (supported: %s)", name, strings.Join(names, ", "))
}

// isWord is Python's c.isalnum() or c == "_".
func isWord(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsNumber(r)
}

func spacePunct(s string) []string {
	var out []string
	start := -1
	for i, r := range s {
		if isWord(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, s[start:i])
			start = -1
		}
		if !pyIsSpace(r) {
			out = append(out, string(r))
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

// splitAround is re.split(r"\s*<sep>\s*", s).
func splitAround(s string, sep rune) []string {
	parts := strings.Split(s, string(sep))
	for i, p := range parts {
		if i > 0 {
			p = strings.TrimLeftFunc(p, unicode.IsSpace)
		}
		if i < len(parts)-1 {
			p = strings.TrimRightFunc(p, unicode.IsSpace)
		}
		parts[i] = p
	}
	return parts
}

// parsePyInt parses s as Python's int() does (whitespace stripped, a sign,
// underscores between digits); ok is false outside int64.
func parsePyInt(s string) (int64, bool) {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "_") || strings.HasSuffix(t, "_") || strings.Contains(t, "__") {
		return 0, false
	}
	t = strings.ReplaceAll(t, "_", "")
	n, ok := new(big.Int).SetString(t, 10)
	if !ok || !n.IsInt64() {
		return 0, false
	}
	return n.Int64(), true
}

func sortStrings(s []string) { sort.Strings(s) }
