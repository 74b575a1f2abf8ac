package script

import (
	"fmt"
	"strconv"
	"strings"
)

// The tokenizer of TorchScript's printed code: Python's lexical structure
// (indentation blocks, implicit line joining inside brackets, string
// literals with escapes) for the subset the printer emits.

type tokKind int

const (
	tEOF tokKind = iota
	tNewline
	tIndent
	tDedent
	tName
	tInt
	tFloat
	tString
	tOp
)

type token struct {
	kind tokKind
	text string // name, operator, or the string's decoded value
	i    int64
	f    float64
	line int
}

func (t token) String() string {
	switch t.kind {
	case tEOF:
		return "end of file"
	case tNewline:
		return "end of line"
	case tIndent:
		return "indent"
	case tDedent:
		return "dedent"
	case tString:
		return strconv.Quote(t.text)
	}
	return strconv.Quote(t.text)
}

// Limits on source size: a printed file of Ludwig's predictor is a few KB.
const (
	maxSourceBytes = 16 << 20
	maxIndentDepth = 200
)

var ops3 = []string{"**=", "//=", ">>=", "<<=", "..."}
var ops2 = []string{"->", "==", "!=", "<=", ">=", "//", "**", "<<", ">>", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", ":="}

const ops1 = "()[]{},:.;=+-*/%<>&|^~@"

func lex(src string) ([]token, error) {
	if len(src) > maxSourceBytes {
		return nil, fmt.Errorf("source of %d bytes is too large", len(src))
	}
	var toks []token
	indents := []int{0}
	depth := 0 // bracket nesting
	line := 1
	i := 0
	atLineStart := true
	for i < len(src) {
		if atLineStart && depth == 0 {
			// Measure indentation; skip blank and comment-only lines.
			col := 0
			j := i
			for j < len(src) && (src[j] == ' ' || src[j] == '\t') {
				if src[j] == '\t' {
					col = (col/8 + 1) * 8
				} else {
					col++
				}
				j++
			}
			if j >= len(src) {
				i = j
				break
			}
			if src[j] == '\n' || src[j] == '\r' || src[j] == '#' {
				for j < len(src) && src[j] != '\n' {
					j++
				}
				if j < len(src) {
					j++
					line++
				}
				i = j
				continue
			}
			i = j
			atLineStart = false
			cur := indents[len(indents)-1]
			if col > cur {
				if len(indents) >= maxIndentDepth {
					return nil, fmt.Errorf("line %d: blocks nested deeper than %d", line, maxIndentDepth)
				}
				indents = append(indents, col)
				toks = append(toks, token{kind: tIndent, line: line})
			} else {
				for col < indents[len(indents)-1] {
					indents = indents[:len(indents)-1]
					toks = append(toks, token{kind: tDedent, line: line})
				}
				if col != indents[len(indents)-1] {
					return nil, fmt.Errorf("line %d: inconsistent indentation", line)
				}
			}
		}
		c := src[i]
		switch {
		case c == '\n':
			if depth == 0 {
				toks = append(toks, token{kind: tNewline, line: line})
				atLineStart = true
			}
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == '\\' && i+1 < len(src) && src[i+1] == '\n':
			i += 2
			line++
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case isLetter(c):
			j := i
			for j < len(src) && (isLetter(src[j]) || isDigit(src[j])) {
				j++
			}
			toks = append(toks, token{kind: tName, text: src[i:j], line: line})
			i = j
		case isDigit(c) || (c == '.' && i+1 < len(src) && isDigit(src[i+1])):
			t, n, err := lexNumber(src[i:])
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", line, err)
			}
			t.line = line
			toks = append(toks, t)
			i += n
		case c == '"' || c == '\'':
			s, n, err := lexString(src[i:])
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", line, err)
			}
			toks = append(toks, token{kind: tString, text: s, line: line})
			line += strings.Count(src[i:i+n], "\n")
			i += n
		default:
			op := ""
			for _, o := range ops3 {
				if strings.HasPrefix(src[i:], o) {
					op = o
					break
				}
			}
			if op == "" {
				for _, o := range ops2 {
					if strings.HasPrefix(src[i:], o) {
						op = o
						break
					}
				}
			}
			if op == "" && strings.IndexByte(ops1, c) >= 0 {
				op = string(c)
			}
			if op == "" {
				return nil, fmt.Errorf("line %d: unexpected character %q", line, c)
			}
			switch op {
			case "(", "[", "{":
				depth++
				if depth > maxIndentDepth {
					return nil, fmt.Errorf("line %d: brackets nested deeper than %d", line, maxIndentDepth)
				}
			case ")", "]", "}":
				if depth == 0 {
					return nil, fmt.Errorf("line %d: unbalanced %q", line, op)
				}
				depth--
			}
			toks = append(toks, token{kind: tOp, text: op, line: line})
			i += len(op)
		}
	}
	if depth != 0 {
		return nil, fmt.Errorf("line %d: unclosed bracket at end of file", line)
	}
	if len(toks) > 0 && toks[len(toks)-1].kind != tNewline {
		toks = append(toks, token{kind: tNewline, line: line})
	}
	for len(indents) > 1 {
		indents = indents[:len(indents)-1]
		toks = append(toks, token{kind: tDedent, line: line})
	}
	toks = append(toks, token{kind: tEOF, line: line})
	return toks, nil
}

func isLetter(c byte) bool { return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

func lexNumber(s string) (token, int, error) {
	j := 0
	isFloat := false
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		j = 2
		for j < len(s) && (isDigit(s[j]) || (s[j]|0x20 >= 'a' && s[j]|0x20 <= 'f')) {
			j++
		}
		v, err := strconv.ParseInt(s[:j], 0, 64)
		if err != nil {
			return token{}, 0, fmt.Errorf("bad number %q", s[:j])
		}
		return token{kind: tInt, i: v, text: s[:j]}, j, nil
	}
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if j < len(s) && s[j] == '.' {
		isFloat = true
		j++
		for j < len(s) && isDigit(s[j]) {
			j++
		}
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		k := j + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		if k < len(s) && isDigit(s[k]) {
			isFloat = true
			j = k
			for j < len(s) && isDigit(s[j]) {
				j++
			}
		}
	}
	text := s[:j]
	if isFloat {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return token{}, 0, fmt.Errorf("bad number %q", text)
		}
		return token{kind: tFloat, f: f, text: text}, j, nil
	}
	v, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return token{}, 0, fmt.Errorf("integer %q does not fit int64", text)
	}
	return token{kind: tInt, i: v, text: text}, j, nil
}

// lexString decodes a quoted string literal (Python escapes).
func lexString(s string) (string, int, error) {
	q := s[0]
	var b strings.Builder
	i := 1
	for i < len(s) {
		c := s[i]
		switch {
		case c == q:
			return b.String(), i + 1, nil
		case c == '\n':
			return "", 0, fmt.Errorf("newline in string literal")
		case c == '\\':
			if i+1 >= len(s) {
				return "", 0, fmt.Errorf("unterminated string literal")
			}
			e := s[i+1]
			i += 2
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '0':
				b.WriteByte(0)
			case 'a':
				b.WriteByte(7)
			case 'b':
				b.WriteByte(8)
			case 'f':
				b.WriteByte(12)
			case 'v':
				b.WriteByte(11)
			case '\\', '\'', '"':
				b.WriteByte(e)
			case '\n':
			case 'x', 'u', 'U':
				n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
				if i+n > len(s) {
					return "", 0, fmt.Errorf("bad \\%c escape", e)
				}
				v, err := strconv.ParseUint(s[i:i+n], 16, 32)
				if err != nil || v > 0x10ffff {
					return "", 0, fmt.Errorf("bad \\%c escape", e)
				}
				// \xNN is a code point, as in Python 3.
				b.WriteRune(rune(v))
				i += n
			default:
				b.WriteByte('\\')
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
			i++
		}
	}
	return "", 0, fmt.Errorf("unterminated string literal")
}
