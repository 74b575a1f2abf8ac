package script

import (
	"sort"
	"strings"
)

// Op sets from printed code. TorchScript prints each aten operator call as
// torch.<name>(...) (torch.strip(s) is aten::strip), an indexing of a
// list, dict or string as v[i] (aten::__getitem__), builtin conversions as
// int(x)/float(x)/bool(x)/str(x) (aten::Int, aten::Float, aten::Bool,
// aten::str), and operators it has no torch.<name> spelling for as
// ops.aten.<name>(...). The set of a class is the union over its methods,
// its nested functions included (fork bodies), its submodules and the
// free functions it calls excluded - what lt_module_class_ops reports for
// the aten namespace from libtorch's compiled graphs.

// builtinOps are the builtins that compile to aten operators.
var builtinOps = map[string]string{
	"int": "aten::Int", "float": "aten::Float", "bool": "aten::Bool", "str": "aten::str",
	"len": "aten::len", "abs": "aten::abs", "min": "prim::min", "max": "prim::max",
}

// MethodOps returns the sorted aten operators the methods use.
func MethodOps(defs []*Def) []string {
	set := map[string]bool{}
	for _, d := range defs {
		walkStmts(d.Body, func(e Expr) {
			opsOfExpr(e, set)
		})
	}
	out := make([]string, 0, len(set))
	for op := range set {
		if strings.HasPrefix(op, "aten::") {
			out = append(out, op)
		}
	}
	sort.Strings(out)
	return out
}

func opsOfExpr(e Expr, set map[string]bool) {
	switch x := e.(type) {
	case *Call:
		if name, ok := calleeOp(x.Fn); ok && !constDevice(name, x) {
			set[name] = true
		}
		// annotate(int, v): v is a tensor unless it is a literal or a
		// call known to give a scalar.
		if n, ok := x.Fn.(*Name); ok && n.ID == "annotate" && len(x.Args) == 2 {
			if t, ok := x.Args[0].(*Name); ok && implicitOps[t.ID] != "" {
				if _, lit := x.Args[1].(*Const); !lit {
					set[implicitOps[t.ID]] = true
				}
			}
		}
	case *Subscript:
		if !x.Paren {
			set["aten::__getitem__"] = true
		}
	}
}

// constDevice says whether call is torch.device("<literal>"), which the
// compiler folds into a constant (no aten::device in the graph).
func constDevice(name string, call *Call) bool {
	if name != "aten::device" || len(call.Args) != 1 || len(call.Keywords) != 0 {
		return false
	}
	c, ok := call.Args[0].(*Const)
	if !ok {
		return false
	}
	_, str := c.V.(string)
	return str
}

// atenAliases are operator names TorchScript's compiler replaces by their
// canonical name (torch.not_equal is aten::ne in the graph).
var atenAliases = map[string]string{
	"not_equal": "ne", "greater": "gt", "greater_equal": "ge", "less": "lt", "less_equal": "le",
	"multiply": "mul", "divide": "div", "subtract": "sub", "absolute": "abs", "clip": "clamp",
	"negative": "neg", "fix": "trunc", "arccos": "acos", "arcsin": "asin", "arctan": "atan",
	"arccosh": "acosh", "arcsinh": "asinh", "arctanh": "atanh", "true_divide": "div",
	"swapaxes": "transpose", "swapdims": "transpose", "moveaxis": "movedim", "concat": "cat",
}

// implicitOps are the conversions annotate(T, x) compiles to when x is a
// tensor (a tensor used where a scalar is expected).
var implicitOps = map[string]string{"int": "aten::IntImplicit", "float": "aten::FloatImplicit", "bool": "aten::BoolImplicit",
	"number": "aten::ScalarImplicit"}

// calleeOp maps a call's function to its operator name.
func calleeOp(fn Expr) (string, bool) {
	switch f := fn.(type) {
	case *Name:
		op, ok := builtinOps[f.ID]
		return op, ok
	case *Attribute:
		path := exprString(f)
		switch {
		case strings.HasPrefix(path, "torch.") && !strings.Contains(path[len("torch."):], "."):
			if c, ok := atenAliases[f.Name]; ok {
				return "aten::" + c, true
			}
			return "aten::" + f.Name, true
		case strings.HasPrefix(path, "ops.") && strings.Count(path, ".") == 2:
			parts := strings.Split(path, ".")
			return parts[1] + "::" + parts[2], true
		}
	}
	return "", false
}

// walkStmts calls f on every expression (and subexpression) of stmts,
// nested function bodies included.
func walkStmts(stmts []Stmt, f func(Expr)) {
	for _, s := range stmts {
		switch x := s.(type) {
		case *Assign:
			for _, t := range x.Targets {
				walkExpr(t, f)
			}
			walkExpr(x.Value, f)
		case *ExprStmt:
			walkExpr(x.X, f)
		case *If:
			walkExpr(x.Cond, f)
			walkStmts(x.Body, f)
			walkStmts(x.Else, f)
		case *For:
			walkExpr(x.Iter, f)
			walkStmts(x.Body, f)
		case *While:
			walkExpr(x.Cond, f)
			walkStmts(x.Body, f)
		case *With:
			walkExpr(x.X, f)
			walkStmts(x.Body, f)
		case *Return:
			if x.X != nil {
				walkExpr(x.X, f)
			}
		case *Def:
			walkStmts(x.Body, f)
		}
	}
}

func walkExpr(e Expr, f func(Expr)) {
	if e == nil {
		return
	}
	f(e)
	switch x := e.(type) {
	case *Attribute:
		walkExpr(x.X, f)
	case *Subscript:
		walkExpr(x.X, f)
		walkExpr(x.Index, f)
	case *Call:
		walkExpr(x.Fn, f)
		for i, a := range x.Args {
			if isTypeArg(x.Fn, i) {
				continue
			}
			walkExpr(a, f)
		}
		for _, k := range x.Keywords {
			walkExpr(k.Value, f)
		}
	case *ListExpr:
		for _, a := range x.Elts {
			walkExpr(a, f)
		}
	case *TupleExpr:
		for _, a := range x.Elts {
			walkExpr(a, f)
		}
	case *DictExpr:
		for i := range x.Keys {
			walkExpr(x.Keys[i], f)
			walkExpr(x.Values[i], f)
		}
	case *Unary:
		walkExpr(x.X, f)
	case *Binary:
		walkExpr(x.L, f)
		walkExpr(x.R, f)
	case *IfExpr:
		walkExpr(x.Cond, f)
		walkExpr(x.A, f)
		walkExpr(x.B, f)
	}
}

// isTypeArg reports whether argument i of a call to fn is a type
// (annotate(T, v), unchecked_cast(T, v), uninitialized(T), isinstance(v, T)).
func isTypeArg(fn Expr, i int) bool {
	n, ok := fn.(*Name)
	if !ok {
		return false
	}
	switch n.ID {
	case "annotate", "unchecked_cast", "uninitialized":
		return i == 0
	case "isinstance":
		return i == 1
	}
	return false
}
