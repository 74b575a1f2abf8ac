package artifact

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseTOML reads the subset of TOML 1.0 that Carton's carton.toml uses
// (and a little more): comments; bare, quoted and dotted keys; tables
// [a.b] and arrays of tables [[a]]; basic, literal and multi-line strings;
// integers (decimal, hex, octal, binary, with underscores); floats
// (inf/nan included); booleans; arrays (nested, multi-line, trailing
// comma); inline tables. Dates and times are rejected. Tables become
// map[string]any, arrays []any, arrays of tables []map[string]any, integers
// int64, floats float64.
func ParseTOML(src string) (map[string]any, error) {
	p := &tomlParser{s: src, line: 1}
	root := map[string]any{}
	cur := root
	defined := map[string]bool{} // explicitly defined [tables]
	for {
		p.skipSpaceAndNewlines()
		if p.eof() {
			return root, nil
		}
		switch {
		case strings.HasPrefix(p.s[p.i:], "[["):
			p.i += 2
			path, err := p.keyPath()
			if err != nil {
				return nil, err
			}
			if err := p.expect("]]"); err != nil {
				return nil, err
			}
			parent, err := descend(root, path[:len(path)-1], p)
			if err != nil {
				return nil, err
			}
			last := path[len(path)-1]
			t := map[string]any{}
			switch x := parent[last].(type) {
			case nil:
				parent[last] = []map[string]any{t}
			case []map[string]any:
				parent[last] = append(x, t)
			default:
				return nil, p.errorf("key %q is already defined and is not an array of tables", strings.Join(path, "."))
			}
			cur = t
		case p.peek() == '[':
			p.i++
			path, err := p.keyPath()
			if err != nil {
				return nil, err
			}
			if err := p.expect("]"); err != nil {
				return nil, err
			}
			name := strings.Join(path, "\x00")
			if defined[name] {
				return nil, p.errorf("table [%s] is defined twice", strings.Join(path, "."))
			}
			defined[name] = true
			t, err := descend(root, path, p)
			if err != nil {
				return nil, err
			}
			cur = t
		default:
			if err := p.keyValue(cur); err != nil {
				return nil, err
			}
		}
		if err := p.endOfLine(); err != nil {
			return nil, err
		}
	}
}

// descend walks (creating) tables along path; an array of tables resolves to
// its last element, as TOML specifies.
func descend(t map[string]any, path []string, p *tomlParser) (map[string]any, error) {
	for _, k := range path {
		switch x := t[k].(type) {
		case nil:
			n := map[string]any{}
			t[k] = n
			t = n
		case map[string]any:
			t = x
		case []map[string]any:
			t = x[len(x)-1]
		default:
			return nil, p.errorf("key %q is already defined as a value", k)
		}
	}
	return t, nil
}

type tomlParser struct {
	s    string
	i    int
	line int
}

func (p *tomlParser) errorf(format string, args ...any) error {
	return fmt.Errorf("TOML line %d: %s", p.line, fmt.Sprintf(format, args...))
}

func (p *tomlParser) eof() bool { return p.i >= len(p.s) }

func (p *tomlParser) peek() byte {
	if p.eof() {
		return 0
	}
	return p.s[p.i]
}

func (p *tomlParser) skipSpace() {
	for !p.eof() && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *tomlParser) skipComment() {
	if p.peek() == '#' {
		for !p.eof() && p.s[p.i] != '\n' {
			p.i++
		}
	}
}

// skipSpaceAndNewlines skips blank space, comments and newlines.
func (p *tomlParser) skipSpaceAndNewlines() {
	for {
		p.skipSpace()
		p.skipComment()
		if p.eof() {
			return
		}
		switch p.s[p.i] {
		case '\n':
			p.line++
			p.i++
		case '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *tomlParser) endOfLine() error {
	p.skipSpace()
	p.skipComment()
	if p.eof() {
		return nil
	}
	if p.s[p.i] == '\r' {
		p.i++
	}
	if p.eof() || p.s[p.i] == '\n' {
		return nil
	}
	return p.errorf("unexpected %q after a value", p.s[p.i])
}

func (p *tomlParser) expect(tok string) error {
	p.skipSpace()
	if !strings.HasPrefix(p.s[p.i:], tok) {
		return p.errorf("expected %q", tok)
	}
	p.i += len(tok)
	return nil
}

func isBare(c byte) bool {
	return c == '_' || c == '-' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// keyPath reads a possibly dotted key.
func (p *tomlParser) keyPath() ([]string, error) {
	var path []string
	for {
		p.skipSpace()
		var k string
		switch c := p.peek(); {
		case c == '"':
			s, err := p.basicString()
			if err != nil {
				return nil, err
			}
			k = s
		case c == '\'':
			s, err := p.literalString()
			if err != nil {
				return nil, err
			}
			k = s
		case isBare(c):
			j := p.i
			for !p.eof() && isBare(p.s[p.i]) {
				p.i++
			}
			k = p.s[j:p.i]
		default:
			return nil, p.errorf("expected a key")
		}
		path = append(path, k)
		p.skipSpace()
		if p.peek() != '.' {
			return path, nil
		}
		p.i++
	}
}

func (p *tomlParser) keyValue(t map[string]any) error {
	path, err := p.keyPath()
	if err != nil {
		return err
	}
	if err := p.expect("="); err != nil {
		return err
	}
	v, err := p.value()
	if err != nil {
		return err
	}
	parent, err := descend(t, path[:len(path)-1], p)
	if err != nil {
		return err
	}
	last := path[len(path)-1]
	if _, dup := parent[last]; dup {
		return p.errorf("key %q is defined twice", strings.Join(path, "."))
	}
	parent[last] = v
	return nil
}

func (p *tomlParser) value() (any, error) {
	p.skipSpace()
	rest := p.s[p.i:]
	switch {
	case strings.HasPrefix(rest, `"""`):
		return p.multiBasicString()
	case strings.HasPrefix(rest, "'''"):
		return p.multiLiteralString()
	case p.peek() == '"':
		return p.basicString()
	case p.peek() == '\'':
		return p.literalString()
	case p.peek() == '[':
		return p.array()
	case p.peek() == '{':
		return p.inlineTable()
	case strings.HasPrefix(rest, "true") && (len(rest) == 4 || !isBare(rest[4])):
		p.i += 4
		return true, nil
	case strings.HasPrefix(rest, "false") && (len(rest) == 5 || !isBare(rest[5])):
		p.i += 5
		return false, nil
	}
	return p.number()
}

func (p *tomlParser) number() (any, error) {
	j := p.i
	for !p.eof() {
		c := p.s[p.i]
		if isBare(c) || c == '+' || c == '.' || c == ':' {
			p.i++
			continue
		}
		break
	}
	tok := p.s[j:p.i]
	if tok == "" {
		return nil, p.errorf("expected a value")
	}
	switch strings.TrimLeft(tok, "+-") {
	case "inf":
		return strconv.ParseFloat(tok, 64)
	case "nan":
		return strconv.ParseFloat(strings.TrimPrefix(tok, "+"), 64)
	}
	if strings.ContainsAny(tok, ":") || (len(tok) >= 10 && tok[4] == '-' && tok[7] == '-') {
		return nil, p.errorf("dates and times are not supported (%q)", tok)
	}
	clean := strings.ReplaceAll(tok, "_", "")
	if strings.HasPrefix(clean, "0x") || strings.HasPrefix(clean, "0o") || strings.HasPrefix(clean, "0b") {
		n, err := strconv.ParseInt(clean, 0, 64)
		if err != nil {
			return nil, p.errorf("bad value %q", tok)
		}
		return n, nil
	}
	if strings.ContainsAny(clean, ".eE") {
		f, err := strconv.ParseFloat(clean, 64)
		if err != nil {
			return nil, p.errorf("bad value %q", tok)
		}
		return f, nil
	}
	n, err := strconv.ParseInt(clean, 10, 64)
	if err != nil {
		return nil, p.errorf("bad value %q", tok)
	}
	return n, nil
}

func (p *tomlParser) basicString() (string, error) {
	p.i++ // opening quote
	var b strings.Builder
	for {
		if p.eof() || p.s[p.i] == '\n' {
			return "", p.errorf("unterminated string")
		}
		c := p.s[p.i]
		switch c {
		case '"':
			p.i++
			return b.String(), nil
		case '\\':
			if err := p.escape(&b); err != nil {
				return "", err
			}
		default:
			b.WriteByte(c)
			p.i++
		}
	}
}

func (p *tomlParser) escape(b *strings.Builder) error {
	p.i++ // backslash
	if p.eof() {
		return p.errorf("unterminated escape")
	}
	c := p.s[p.i]
	p.i++
	switch c {
	case 'b':
		b.WriteByte('\b')
	case 't':
		b.WriteByte('\t')
	case 'n':
		b.WriteByte('\n')
	case 'f':
		b.WriteByte('\f')
	case 'r':
		b.WriteByte('\r')
	case 'e':
		b.WriteByte(0x1b)
	case '"', '\\':
		b.WriteByte(c)
	case 'u', 'U':
		n := 4
		if c == 'U' {
			n = 8
		}
		if p.i+n > len(p.s) {
			return p.errorf("short unicode escape")
		}
		r, err := strconv.ParseUint(p.s[p.i:p.i+n], 16, 32)
		if err != nil || !utf8.ValidRune(rune(r)) {
			return p.errorf("bad unicode escape %q", p.s[p.i:p.i+n])
		}
		p.i += n
		b.WriteRune(rune(r))
	default:
		return p.errorf("unknown escape \\%c", c)
	}
	return nil
}

func (p *tomlParser) literalString() (string, error) {
	p.i++
	j := p.i
	for {
		if p.eof() || p.s[p.i] == '\n' {
			return "", p.errorf("unterminated string")
		}
		if p.s[p.i] == '\'' {
			s := p.s[j:p.i]
			p.i++
			return s, nil
		}
		p.i++
	}
}

// trimFirstNewline drops the newline right after an opening """ or ”'.
func (p *tomlParser) trimFirstNewline() {
	if strings.HasPrefix(p.s[p.i:], "\r\n") {
		p.i += 2
		p.line++
	} else if p.peek() == '\n' {
		p.i++
		p.line++
	}
}

func (p *tomlParser) multiBasicString() (string, error) {
	p.i += 3
	p.trimFirstNewline()
	var b strings.Builder
	for {
		if p.eof() {
			return "", p.errorf("unterminated multi-line string")
		}
		if strings.HasPrefix(p.s[p.i:], `"""`) {
			p.i += 3
			// Up to two more quotes belong to the string.
			for k := 0; k < 2 && p.peek() == '"'; k++ {
				b.WriteByte('"')
				p.i++
			}
			return b.String(), nil
		}
		c := p.s[p.i]
		switch {
		case c == '\\':
			// A line-ending backslash trims the newline and the blank space
			// that follows.
			j := p.i + 1
			for j < len(p.s) && (p.s[j] == ' ' || p.s[j] == '\t' || p.s[j] == '\r') {
				j++
			}
			if j < len(p.s) && p.s[j] == '\n' {
				p.i = j
				for !p.eof() && strings.ContainsRune(" \t\r\n", rune(p.s[p.i])) {
					if p.s[p.i] == '\n' {
						p.line++
					}
					p.i++
				}
				continue
			}
			if err := p.escape(&b); err != nil {
				return "", err
			}
		default:
			if c == '\n' {
				p.line++
			}
			b.WriteByte(c)
			p.i++
		}
	}
}

func (p *tomlParser) multiLiteralString() (string, error) {
	p.i += 3
	p.trimFirstNewline()
	j := p.i
	for {
		if p.eof() {
			return "", p.errorf("unterminated multi-line string")
		}
		if strings.HasPrefix(p.s[p.i:], "'''") {
			end := p.i
			p.i += 3
			for k := 0; k < 2 && p.peek() == '\''; k++ {
				p.i++
				end++
			}
			return p.s[j:end], nil
		}
		if p.s[p.i] == '\n' {
			p.line++
		}
		p.i++
	}
}

func (p *tomlParser) array() ([]any, error) {
	p.i++ // [
	out := []any{}
	for {
		p.skipSpaceAndNewlines()
		if p.eof() {
			return nil, p.errorf("unterminated array")
		}
		if p.peek() == ']' {
			p.i++
			return out, nil
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		p.skipSpaceAndNewlines()
		if p.eof() {
			return nil, p.errorf("unterminated array")
		}
		switch p.peek() {
		case ',':
			p.i++
		case ']':
		default:
			return nil, p.errorf("expected , or ] in an array")
		}
	}
}

func (p *tomlParser) inlineTable() (map[string]any, error) {
	p.i++ // {
	t := map[string]any{}
	p.skipSpace()
	if p.peek() == '}' {
		p.i++
		return t, nil
	}
	for {
		if err := p.keyValue(t); err != nil {
			return nil, err
		}
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.i++
		case '}':
			p.i++
			return t, nil
		default:
			return nil, p.errorf("expected , or } in an inline table")
		}
	}
}
