package script

import (
	"fmt"
)

// The syntax tree of printed TorchScript: classes, their attribute
// declarations and methods, free functions; statements (assignment with
// tuple targets, if/elif/else, for, while, return, pass, break, continue,
// expression statements); expressions (names, literals, attribute and
// subscript access, calls with keywords, list/tuple/dict displays, unary,
// binary, comparison and boolean operators, conditional expressions).
// Types are parsed as expressions (Dict[str, Tensor] is a subscript).

// Expr is an expression node.
type Expr interface{ pos() int }

// Stmt is a statement node.
type Stmt interface{ pos() int }

type (
	// Name is an identifier.
	Name struct {
		Line int
		ID   string
	}
	// Const is a literal: nil, bool, int64, float64 or string.
	Const struct {
		Line int
		V    any
	}
	// Attribute is X.Name.
	Attribute struct {
		Line int
		X    Expr
		Name string
	}
	// Subscript is X[Index]. Paren is set for (X)[Index]: the printer's
	// spelling of a tuple index (prim::TupleIndex, no aten operator).
	Subscript struct {
		Line     int
		X, Index Expr
		Paren    bool
	}
	// Call is Fn(Args..., Keywords...).
	Call struct {
		Line     int
		Fn       Expr
		Args     []Expr
		Keywords []Keyword
	}
	// ListExpr is [Elts...].
	ListExpr struct {
		Line int
		Elts []Expr
	}
	// TupleExpr is (Elts...).
	TupleExpr struct {
		Line int
		Elts []Expr
	}
	// DictExpr is {Keys[i]: Values[i], ...}.
	DictExpr struct {
		Line         int
		Keys, Values []Expr
	}
	// Unary is Op X ("-", "+", "not", "~").
	Unary struct {
		Line int
		Op   string
		X    Expr
	}
	// Binary is L Op R (arithmetic, comparison, "and", "or", "is", "is not", "in", "not in").
	Binary struct {
		Line int
		Op   string
		L, R Expr
	}
	// IfExpr is A if Cond else B.
	IfExpr struct {
		Line       int
		Cond, A, B Expr
	}
)

// Keyword is a call's name=value argument.
type Keyword struct {
	Name  string
	Value Expr
}

type (
	// Assign is Targets = Value; several targets unpack a tuple.
	Assign struct {
		Line    int
		Targets []Expr // one per unpacked element
		Tuple   bool   // the targets were written as a tuple
		Value   Expr
	}
	// ExprStmt is an expression evaluated for its effect.
	ExprStmt struct {
		Line int
		X    Expr
	}
	// If is if Cond: Body else: Else.
	If struct {
		Line       int
		Cond       Expr
		Body, Else []Stmt
	}
	// For is for Target in Iter: Body.
	For struct {
		Line    int
		Targets []Expr
		Iter    Expr
		Body    []Stmt
	}
	// While is while Cond: Body.
	While struct {
		Line int
		Cond Expr
		Body []Stmt
	}
	// Return is return X (X nil: return None).
	Return struct {
		Line int
		X    Expr
	}
	// With is with X: Body (TorchScript prints no_grad blocks so).
	With struct {
		Line int
		X    Expr
		Body []Stmt
	}
	// Simple is pass, break or continue.
	Simple struct {
		Line int
		Kind string
	}
)

// Param is a function parameter.
type Param struct {
	Name    string
	Type    Expr // nil when unannotated
	Default Expr // nil when required
}

// Def is a method or free function.
type Def struct {
	Line   int
	Name   string
	Params []Param
	Ret    Expr
	Body   []Stmt
}

// AttrDecl is a class's "name : Type" attribute declaration (with its
// value when it is a constant: "name : Final[int] = 3").
type AttrDecl struct {
	Name  string
	Type  Expr
	Value Expr
}

// Class is a printed TorchScript class.
type Class struct {
	Line       int
	Name       string
	Base       string
	Attrs      []AttrDecl
	Parameters []string
	Buffers    []string
	Methods    []*Def
	// Assigns are other class-level assignments (__constants__ = [...]).
	Assigns map[string]Expr
}

// File is one parsed code file.
type File struct {
	Classes []*Class
	Funcs   []*Def
}

func (n *Name) pos() int      { return n.Line }
func (n *Const) pos() int     { return n.Line }
func (n *Attribute) pos() int { return n.Line }
func (n *Subscript) pos() int { return n.Line }
func (n *Call) pos() int      { return n.Line }
func (n *ListExpr) pos() int  { return n.Line }
func (n *TupleExpr) pos() int { return n.Line }
func (n *DictExpr) pos() int  { return n.Line }
func (n *Unary) pos() int     { return n.Line }
func (n *Binary) pos() int    { return n.Line }
func (n *IfExpr) pos() int    { return n.Line }
func (n *Assign) pos() int    { return n.Line }
func (n *ExprStmt) pos() int  { return n.Line }
func (n *If) pos() int        { return n.Line }
func (n *For) pos() int       { return n.Line }
func (n *While) pos() int     { return n.Line }
func (n *Return) pos() int    { return n.Line }
func (n *Simple) pos() int    { return n.Line }
func (n *With) pos() int      { return n.Line }
func (n *Def) pos() int       { return n.Line }

// maxNesting bounds expression and statement nesting in the parser.
const maxNesting = 200

type parser struct {
	toks  []token
	p     int
	depth int
}

// Parse parses one printed code file.
func Parse(src string) (*File, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	ps := &parser{toks: toks}
	f := &File{}
	err = ps.guard(func() error {
		for ps.peek().kind != tEOF {
			t := ps.peek()
			switch {
			case t.kind == tNewline:
				ps.next()
			case t.kind == tName && t.text == "class":
				c, err := ps.class()
				if err != nil {
					return err
				}
				f.Classes = append(f.Classes, c)
			case t.kind == tName && t.text == "def":
				d, err := ps.def()
				if err != nil {
					return err
				}
				f.Funcs = append(f.Funcs, d)
			case t.kind == tName && (t.text == "import" || t.text == "from"):
				ps.skipLine()
			default:
				// Module-level assignments (op_version_set = 1): ignored.
				if _, err := ps.stmt(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// syntaxError aborts parsing (recovered in guard).
type syntaxError struct{ err error }

func (ps *parser) guard(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			se, ok := r.(syntaxError)
			if !ok {
				panic(r)
			}
			err = se.err
		}
	}()
	return f()
}

func (ps *parser) fail(format string, args ...any) {
	panic(syntaxError{fmt.Errorf("line %d: %s", ps.peek().line, fmt.Sprintf(format, args...))})
}

func (ps *parser) peek() token { return ps.toks[ps.p] }
func (ps *parser) next() token {
	t := ps.toks[ps.p]
	if t.kind != tEOF {
		ps.p++
	}
	return t
}

func (ps *parser) isOp(op string) bool {
	t := ps.peek()
	return t.kind == tOp && t.text == op
}

func (ps *parser) isName(n string) bool {
	t := ps.peek()
	return t.kind == tName && t.text == n
}

func (ps *parser) expectOp(op string) {
	if !ps.isOp(op) {
		ps.fail("expected %q, found %s", op, ps.peek())
	}
	ps.next()
}

func (ps *parser) expectName() string {
	t := ps.peek()
	if t.kind != tName {
		ps.fail("expected a name, found %s", t)
	}
	ps.next()
	return t.text
}

func (ps *parser) expectKind(k tokKind, what string) {
	if ps.peek().kind != k {
		ps.fail("expected %s, found %s", what, ps.peek())
	}
	ps.next()
}

func (ps *parser) skipLine() {
	for ps.peek().kind != tNewline && ps.peek().kind != tEOF {
		ps.next()
	}
	ps.next()
}

func (ps *parser) enter() {
	ps.depth++
	if ps.depth > maxNesting {
		ps.fail("nested deeper than %d", maxNesting)
	}
}

func (ps *parser) leave() { ps.depth-- }

func (ps *parser) class() (*Class, error) {
	line := ps.next().line // class
	c := &Class{Line: line, Name: ps.expectName(), Assigns: map[string]Expr{}}
	if ps.isOp("(") {
		ps.next()
		if !ps.isOp(")") {
			c.Base = exprString(ps.expr())
		}
		ps.expectOp(")")
	}
	ps.expectOp(":")
	ps.expectKind(tNewline, "end of line")
	ps.expectKind(tIndent, "an indented class body")
	for ps.peek().kind != tDedent && ps.peek().kind != tEOF {
		switch {
		case ps.peek().kind == tNewline:
			ps.next()
		case ps.isName("def"):
			d, err := ps.def()
			if err != nil {
				return nil, err
			}
			c.Methods = append(c.Methods, d)
		case ps.isName("pass"):
			ps.skipLine()
		default:
			target := ps.expr()
			switch {
			case ps.isOp(":"):
				ps.next()
				decl := AttrDecl{Type: ps.expr()}
				if ps.isOp("=") {
					ps.next()
					decl.Value = ps.expr()
				}
				n, ok := target.(*Name)
				if !ok {
					ps.fail("bad attribute declaration")
				}
				decl.Name = n.ID
				c.Attrs = append(c.Attrs, decl)
			case ps.isOp("="):
				ps.next()
				v := ps.expr()
				switch t := target.(type) {
				case *Name:
					switch t.ID {
					case "__parameters__":
						c.Parameters = stringList(ps, v)
					case "__buffers__":
						c.Buffers = stringList(ps, v)
					default:
						c.Assigns[t.ID] = v
					}
				case *Subscript:
					// __annotations__["0"] = Type: an attribute whose name
					// is not an identifier.
					if n, ok := t.X.(*Name); ok && n.ID == "__annotations__" {
						if k, ok := t.Index.(*Const); ok {
							if s, ok := k.V.(string); ok {
								c.Attrs = append(c.Attrs, AttrDecl{Name: s, Type: v})
								break
							}
						}
					}
					ps.fail("unsupported class-level assignment")
				default:
					ps.fail("unsupported class-level assignment")
				}
			default:
				ps.fail("unexpected %s in a class body", ps.peek())
			}
			ps.expectKind(tNewline, "end of line")
		}
	}
	ps.next()
	return c, nil
}

func stringList(ps *parser, v Expr) []string {
	var elts []Expr
	switch l := v.(type) {
	case *ListExpr:
		elts = l.Elts
	case *TupleExpr:
		elts = l.Elts
	default:
		ps.fail("expected a list of names")
	}
	out := make([]string, 0, len(elts))
	for _, e := range elts {
		c, ok := e.(*Const)
		s, ok2 := "", false
		if ok {
			s, ok2 = c.V.(string)
		}
		if !ok2 {
			ps.fail("expected a list of names")
		}
		out = append(out, s)
	}
	return out
}

func (ps *parser) def() (*Def, error) {
	line := ps.next().line // def
	d := &Def{Line: line, Name: ps.expectName()}
	ps.expectOp("(")
	for !ps.isOp(")") {
		p := Param{Name: ps.expectName()}
		if ps.isOp(":") {
			ps.next()
			p.Type = ps.expr()
		}
		if ps.isOp("=") {
			ps.next()
			p.Default = ps.expr()
		}
		d.Params = append(d.Params, p)
		if !ps.isOp(",") {
			break
		}
		ps.next()
	}
	ps.expectOp(")")
	if ps.isOp("->") {
		ps.next()
		d.Ret = ps.expr()
	}
	ps.expectOp(":")
	d.Body = ps.block()
	return d, nil
}

// block parses ":" already consumed, then NEWLINE INDENT stmts DEDENT (or a
// simple statement on the same line).
func (ps *parser) block() []Stmt {
	ps.enter()
	defer ps.leave()
	if ps.peek().kind != tNewline {
		s, _ := ps.stmt()
		return []Stmt{s}
	}
	ps.next()
	ps.expectKind(tIndent, "an indented block")
	var out []Stmt
	for ps.peek().kind != tDedent && ps.peek().kind != tEOF {
		if ps.peek().kind == tNewline {
			ps.next()
			continue
		}
		s, _ := ps.stmt()
		out = append(out, s)
	}
	ps.next()
	return out
}

func (ps *parser) stmt() (Stmt, error) {
	t := ps.peek()
	if t.kind == tName {
		switch t.text {
		case "if":
			return ps.ifStmt(), nil
		case "for":
			ps.next()
			targets := []Expr{ps.postfix()}
			for ps.isOp(",") {
				ps.next()
				if ps.isName("in") {
					break
				}
				targets = append(targets, ps.postfix())
			}
			if !ps.isName("in") {
				ps.fail("expected \"in\"")
			}
			ps.next()
			it := ps.exprList()
			ps.expectOp(":")
			return &For{Line: t.line, Targets: targets, Iter: it, Body: ps.block()}, nil
		case "while":
			ps.next()
			c := ps.expr()
			ps.expectOp(":")
			return &While{Line: t.line, Cond: c, Body: ps.block()}, nil
		case "return":
			ps.next()
			var x Expr
			if ps.peek().kind != tNewline {
				x = ps.exprList()
			}
			ps.expectKind(tNewline, "end of line")
			return &Return{Line: t.line, X: x}, nil
		case "pass", "break", "continue":
			ps.next()
			ps.expectKind(tNewline, "end of line")
			return &Simple{Line: t.line, Kind: t.text}, nil
		case "def":
			d, err := ps.def()
			return d, err
		case "with":
			ps.next()
			x := ps.expr()
			ps.expectOp(":")
			return &With{Line: t.line, X: x, Body: ps.block()}, nil
		case "class", "try", "raise", "del", "global", "nonlocal", "lambda", "yield", "assert":
			ps.fail("unsupported statement %q", t.text)
		}
	}
	first := ps.exprList()
	if ps.isOp("=") {
		ps.next()
		value := ps.exprList()
		a := &Assign{Line: t.line, Value: value}
		if tu, ok := first.(*TupleExpr); ok {
			a.Targets, a.Tuple = tu.Elts, true
		} else {
			a.Targets = []Expr{first}
		}
		for _, tg := range a.Targets {
			switch tg.(type) {
			case *Name, *Subscript, *Attribute:
			default:
				ps.fail("cannot assign to this expression")
			}
		}
		if ps.isOp("=") {
			ps.fail("chained assignment is not supported")
		}
		ps.expectKind(tNewline, "end of line")
		return a, nil
	}
	if ps.isOp(":") {
		// An annotated assignment "x : T = v".
		ps.next()
		ps.expr()
		if !ps.isOp("=") {
			ps.fail("annotation without a value")
		}
		ps.next()
		v := ps.exprList()
		ps.expectKind(tNewline, "end of line")
		return &Assign{Line: t.line, Targets: []Expr{first}, Value: v}, nil
	}
	ps.expectKind(tNewline, "end of line")
	return &ExprStmt{Line: t.line, X: first}, nil
}

func (ps *parser) ifStmt() Stmt {
	t := ps.next() // if / elif
	c := ps.expr()
	ps.expectOp(":")
	s := &If{Line: t.line, Cond: c, Body: ps.block()}
	if ps.isName("elif") {
		s.Else = []Stmt{ps.ifStmt()}
	} else if ps.isName("else") {
		ps.next()
		ps.expectOp(":")
		s.Else = ps.block()
	}
	return s
}

// exprList is expr ("," expr)* [","]: a tuple when there is a comma.
func (ps *parser) exprList() Expr {
	line := ps.peek().line
	e := ps.expr()
	if !ps.isOp(",") {
		return e
	}
	elts := []Expr{e}
	for ps.isOp(",") {
		ps.next()
		if ps.peek().kind == tNewline || ps.isOp("=") || ps.isOp(")") || ps.isOp(":") {
			break
		}
		elts = append(elts, ps.expr())
	}
	return &TupleExpr{Line: line, Elts: elts}
}

func (ps *parser) expr() Expr {
	ps.enter()
	defer ps.leave()
	e := ps.orExpr()
	if ps.isName("if") {
		line := ps.next().line
		c := ps.orExpr()
		if !ps.isName("else") {
			ps.fail("expected \"else\"")
		}
		ps.next()
		b := ps.expr()
		return &IfExpr{Line: line, Cond: c, A: e, B: b}
	}
	return e
}

func (ps *parser) orExpr() Expr {
	e := ps.andExpr()
	for ps.isName("or") {
		line := ps.next().line
		e = &Binary{Line: line, Op: "or", L: e, R: ps.andExpr()}
	}
	return e
}

func (ps *parser) andExpr() Expr {
	e := ps.notExpr()
	for ps.isName("and") {
		line := ps.next().line
		e = &Binary{Line: line, Op: "and", L: e, R: ps.notExpr()}
	}
	return e
}

func (ps *parser) notExpr() Expr {
	if ps.isName("not") {
		ps.enter()
		defer ps.leave()
		line := ps.next().line
		return &Unary{Line: line, Op: "not", X: ps.notExpr()}
	}
	return ps.comparison()
}

var compareOps = map[string]bool{"==": true, "!=": true, "<": true, ">": true, "<=": true, ">=": true}

func (ps *parser) comparison() Expr {
	e := ps.binary(0)
	for {
		t := ps.peek()
		op := ""
		switch {
		case t.kind == tOp && compareOps[t.text]:
			op = t.text
			ps.next()
		case t.kind == tName && t.text == "is":
			ps.next()
			op = "is"
			if ps.isName("not") {
				ps.next()
				op = "is not"
			}
		case t.kind == tName && t.text == "in":
			ps.next()
			op = "in"
		case t.kind == tName && t.text == "not" && ps.toks[ps.p+1].kind == tName && ps.toks[ps.p+1].text == "in":
			ps.next()
			ps.next()
			op = "not in"
		default:
			return e
		}
		e = &Binary{Line: t.line, Op: op, L: e, R: ps.binary(0)}
	}
}

// Binary operator precedence levels, loosest first.
var binLevels = [][]string{{"|"}, {"^"}, {"&"}, {"<<", ">>"}, {"+", "-"}, {"*", "/", "//", "%", "@"}}

func (ps *parser) binary(level int) Expr {
	if level == len(binLevels) {
		return ps.unary()
	}
	e := ps.binary(level + 1)
	for {
		t := ps.peek()
		found := false
		if t.kind == tOp {
			for _, op := range binLevels[level] {
				if t.text == op {
					found = true
				}
			}
		}
		if !found {
			return e
		}
		ps.next()
		e = &Binary{Line: t.line, Op: t.text, L: e, R: ps.binary(level + 1)}
	}
}

func (ps *parser) unary() Expr {
	t := ps.peek()
	if t.kind == tOp && (t.text == "-" || t.text == "+" || t.text == "~") {
		ps.enter()
		defer ps.leave()
		ps.next()
		x := ps.unary()
		// Fold negative literals: -1 is a constant.
		if c, ok := x.(*Const); ok && t.text == "-" {
			switch v := c.V.(type) {
			case int64:
				return &Const{Line: t.line, V: -v}
			case float64:
				return &Const{Line: t.line, V: -v}
			}
		}
		return &Unary{Line: t.line, Op: t.text, X: x}
	}
	e := ps.postfix()
	if ps.isOp("**") {
		line := ps.next().line
		return &Binary{Line: line, Op: "**", L: e, R: ps.unary()}
	}
	return e
}

func (ps *parser) postfix() Expr {
	paren := ps.isOp("(")
	e := ps.atom()
	for first := true; ; first = false {
		t := ps.peek()
		switch {
		case t.kind == tOp && t.text == ".":
			ps.next()
			e = &Attribute{Line: t.line, X: e, Name: ps.expectName()}
		case t.kind == tOp && t.text == "(":
			ps.next()
			c := &Call{Line: t.line, Fn: e}
			for !ps.isOp(")") {
				if ps.peek().kind == tName && ps.toks[ps.p+1].kind == tOp && ps.toks[ps.p+1].text == "=" {
					name := ps.next().text
					ps.next()
					c.Keywords = append(c.Keywords, Keyword{Name: name, Value: ps.expr()})
				} else {
					if len(c.Keywords) > 0 {
						ps.fail("positional argument after a keyword argument")
					}
					c.Args = append(c.Args, ps.expr())
				}
				if !ps.isOp(",") {
					break
				}
				ps.next()
			}
			ps.expectOp(")")
			e = c
		case t.kind == tOp && t.text == "[":
			ps.next()
			idx := ps.exprList()
			ps.expectOp("]")
			e = &Subscript{Line: t.line, X: e, Index: idx, Paren: paren && first}
		default:
			return e
		}
	}
}

func (ps *parser) atom() Expr {
	ps.enter()
	defer ps.leave()
	t := ps.next()
	switch t.kind {
	case tName:
		switch t.text {
		case "None":
			return &Const{Line: t.line, V: nil}
		case "True":
			return &Const{Line: t.line, V: true}
		case "False":
			return &Const{Line: t.line, V: false}
		}
		return &Name{Line: t.line, ID: t.text}
	case tInt:
		return &Const{Line: t.line, V: t.i}
	case tFloat:
		return &Const{Line: t.line, V: t.f}
	case tString:
		s := t.text
		for ps.peek().kind == tString { // implicit concatenation
			s += ps.next().text
		}
		return &Const{Line: t.line, V: s}
	case tOp:
		switch t.text {
		case "(":
			if ps.isOp(")") {
				ps.next()
				return &TupleExpr{Line: t.line}
			}
			e := ps.expr()
			if ps.isOp(",") {
				elts := []Expr{e}
				for ps.isOp(",") {
					ps.next()
					if ps.isOp(")") {
						break
					}
					elts = append(elts, ps.expr())
				}
				e = &TupleExpr{Line: t.line, Elts: elts}
			}
			ps.expectOp(")")
			return e
		case "[":
			l := &ListExpr{Line: t.line}
			for !ps.isOp("]") {
				l.Elts = append(l.Elts, ps.expr())
				if !ps.isOp(",") {
					break
				}
				ps.next()
			}
			ps.expectOp("]")
			return l
		case "{":
			d := &DictExpr{Line: t.line}
			for !ps.isOp("}") {
				d.Keys = append(d.Keys, ps.expr())
				ps.expectOp(":")
				d.Values = append(d.Values, ps.expr())
				if !ps.isOp(",") {
					break
				}
				ps.next()
			}
			ps.expectOp("}")
			return d
		}
	}
	ps.fail("unexpected %s", t)
	return nil
}

// exprString prints a name or attribute chain ("__torch__.a.B"); other
// expressions print as "<expr>".
func exprString(e Expr) string {
	switch x := e.(type) {
	case *Name:
		return x.ID
	case *Attribute:
		return exprString(x.X) + "." + x.Name
	case *Subscript:
		return exprString(x.X) + "[" + exprString(x.Index) + "]"
	case *TupleExpr:
		s := ""
		for i, el := range x.Elts {
			if i > 0 {
				s += ", "
			}
			s += exprString(el)
		}
		return s
	case *Const:
		if x.V == nil {
			return "None"
		}
		return fmt.Sprint(x.V)
	}
	return "<expr>"
}
