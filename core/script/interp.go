package script

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ludwig-infer/ludwig-infer/core/kernels"
	"github.com/ludwig-infer/ludwig-infer/core/ptfile"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// The interpreter. Load compiles every method of every class in the
// module tree (and every free function they name) into closures: local
// names become frame slots, torch.<op> calls become direct references to
// their Go kernels, and an operator the engine does not implement fails
// the load, naming it. A call then runs the closures: no name lookups, no
// file, network or process access, with bounded call depth and steps.

// Limits bound one call of the interpreter. docs/reliability.md lists the
// defaults.
type Limits struct {
	// MaxDepth is the deepest call nesting (methods and functions).
	MaxDepth int
	// MaxSteps is the most statements and loop iterations one call runs.
	MaxSteps int64
}

// DefaultLimits are generous for any Ludwig predictor (the tabular one
// runs ~150 steps per call).
var DefaultLimits = Limits{MaxDepth: 100, MaxSteps: 50_000_000}

// Unsupported is the error of a load that met code the engine does not run.
type Unsupported struct {
	// Op is what is missing: "aten::lstm_cell", "statement with", ...
	Op string
	// Where names the class method or function.
	Where string
}

func (e *Unsupported) Error() string {
	return fmt.Sprintf("the Go engine does not support %s (in %s)", e.Op, e.Where)
}

// RuntimeError is an exception the model's code raised (ops.prim.RaiseException)
// or an operator's error.
type RuntimeError struct{ Msg string }

func (e *RuntimeError) Error() string { return e.Msg }

type class struct {
	name    string
	code    *Class
	methods map[string]*function
}

type function struct {
	name     string
	def      *Def
	nslots   int
	params   []string
	defaults []exprFn // nil: required
	body     []stmtFn
}

type frame struct {
	slots []Value
	ret   Value
	rt    *run
}

// run is one top-level call's budget and its scratch memory: the frames
// (one per call depth) and an arena the frames' slots and the operators'
// argument lists are cut from, released last in first out. Module.Call
// takes a run from a pool and clears it after the call, so a call in the
// steady state allocates only what the operators return.
type run struct {
	steps  int64
	depth  int
	lim    Limits
	arena  []Value
	top    int
	hi     int
	frames []*frame
}

// alloc returns n values from the arena, which may hold values of earlier
// uses: the caller sets every one. free releases them (in the reverse order
// of the allocs). A full arena is replaced by a larger one without copying:
// the slices already handed out keep the old one alive. The arena is
// cleared once, after the top-level call (up to hi, its high-water mark).
func (rt *run) alloc(n int) []Value {
	if rt.top+n > len(rt.arena) {
		rt.arena = make([]Value, max(2*len(rt.arena), rt.top+n, 64))
		rt.hi = 0
	}
	s := rt.arena[rt.top : rt.top+n : rt.top+n]
	rt.top += n
	rt.hi = max(rt.hi, rt.top)
	return s
}

func (rt *run) free(s []Value) { rt.top -= len(s) }

type exprFn func(*frame) (Value, error)

type ctl int

const (
	ctlNext ctl = iota
	ctlBreak
	ctlContinue
	ctlReturn
)

type stmtFn func(*frame) (ctl, error)

// Module is a loaded, compiled TorchScript module.
type Module struct {
	Root    *Object
	prog    *Program
	classes map[string]*class
	funcs   map[string]*function
	lim     Limits
	// constants are constants.pkl's values, CONSTANTS.c<n> in the code.
	constants []Value
	// runs holds the calls' scratch memory (*run) for reuse.
	runs sync.Pool
}

// Load compiles the archive's root module.
func Load(a *ptfile.Archive, lim Limits) (*Module, error) {
	prog, err := ParseSources(a.Sources)
	if err != nil {
		return nil, err
	}
	m := &Module{prog: prog, classes: map[string]*class{}, funcs: map[string]*function{}, lim: lim}
	objs := map[*ptfile.Object]*Object{}
	var mk func(o *ptfile.Object) (*Object, error)
	mk = func(o *ptfile.Object) (*Object, error) {
		c, err := m.class(o.Class)
		if err != nil {
			return nil, err
		}
		obj := &Object{Class: c, Attrs: map[string]Value{}}
		objs[o] = obj
		for i, k := range o.Attrs.Keys {
			v, err := fromPickle(o.Attrs.Values[i], objs, mk)
			if err != nil {
				return nil, fmt.Errorf("%s.%s: %v", o.Class, k, err)
			}
			obj.Attrs[k.(string)] = v
		}
		return obj, nil
	}
	for i, c := range a.Constants {
		v, err := fromPickle(c, objs, mk)
		if err != nil {
			return nil, fmt.Errorf("constant c%d: %v", i, err)
		}
		m.constants = append(m.constants, v)
	}
	root, err := mk(a.Module)
	if err != nil {
		return nil, err
	}
	m.Root = root
	// Compile the methods of every class met.
	for _, c := range m.classes {
		for _, d := range c.code.Methods {
			f, err := m.compileDef(d, c.name+"."+d.Name)
			if err != nil {
				return nil, err
			}
			c.methods[d.Name] = f
		}
	}
	return m, nil
}

func (m *Module) class(name string) (*class, error) {
	if c, ok := m.classes[name]; ok {
		return c, nil
	}
	code, ok := m.prog.Classes[name]
	if !ok {
		return nil, fmt.Errorf("the archive has no code for class %s", name)
	}
	c := &class{name: name, code: code, methods: map[string]*function{}}
	m.classes[name] = c
	return c, nil
}

// Call runs method on the root module with positional arguments.
func (m *Module) Call(method string, args ...Value) (Value, error) {
	return m.CallOn(m.Root, method, args...)
}

// CallOn runs method on obj (the root module or one of its submodules).
func (m *Module) CallOn(obj *Object, method string, args ...Value) (Value, error) {
	f, ok := obj.Class.methods[method]
	if !ok {
		return nil, fmt.Errorf("%s has no method %s", obj.Class.name, method)
	}
	rt, _ := m.runs.Get().(*run)
	if rt == nil {
		rt = &run{}
	}
	rt.lim, rt.steps, rt.depth, rt.top = m.lim, 0, 0, 0
	v, err := rt.call(f, obj, args, nil)
	clear(rt.arena[:rt.hi])
	m.runs.Put(rt)
	return v, err
}

// call runs f with self (nil for a free function) and args as its first
// arguments.
func (rt *run) call(f *function, self Value, args []Value, kw map[string]Value) (Value, error) {
	first := 0
	if self != nil {
		first = 1
	}
	if first+len(args) > len(f.params) {
		return nil, &RuntimeError{fmt.Sprintf("%s() takes %d arguments, got %d", f.name, len(f.params), first+len(args))}
	}
	if rt.depth >= rt.lim.MaxDepth {
		return nil, &RuntimeError{fmt.Sprintf("calls nested deeper than %d (Limits.MaxDepth)", rt.lim.MaxDepth)}
	}
	rt.depth++
	for len(rt.frames) < rt.depth {
		rt.frames = append(rt.frames, &frame{rt: rt})
	}
	fr := rt.frames[rt.depth-1]
	fr.slots = rt.alloc(f.nslots)
	defer func() {
		rt.free(fr.slots)
		fr.slots, fr.ret = nil, nil
		rt.depth--
	}()
	if self != nil {
		fr.slots[0] = self
	}
	copy(fr.slots[first:], args)
	clear(fr.slots[first+len(args):])
	args = fr.slots[:first+len(args)]
	for i := len(args); i < len(f.params); i++ {
		if v, ok := kw[f.params[i]]; ok {
			fr.slots[i] = v
			continue
		}
		if f.defaults[i] == nil {
			return nil, &RuntimeError{fmt.Sprintf("%s() is missing argument %s", f.name, f.params[i])}
		}
		v, err := f.defaults[i](fr)
		if err != nil {
			return nil, err
		}
		fr.slots[i] = v
	}
	for _, s := range f.body {
		c, err := s(fr)
		if err != nil {
			return nil, err
		}
		if c == ctlReturn {
			break
		}
	}
	return fr.ret, nil
}

func (rt *run) step() error {
	rt.steps++
	if rt.steps > rt.lim.MaxSteps {
		return &RuntimeError{fmt.Sprintf("the call ran more than %d steps (Limits.MaxSteps)", rt.lim.MaxSteps)}
	}
	return nil
}

// compiler state for one function.
type compiler struct {
	m     *Module
	where string
	slots map[string]int
}

func (m *Module) compileDef(d *Def, where string) (*function, error) {
	f := &function{name: where, def: d}
	c := &compiler{m: m, where: where, slots: map[string]int{}}
	for _, p := range d.Params {
		c.slot(p.Name)
		f.params = append(f.params, p.Name)
	}
	var err error
	err = guard(func() {
		c.declare(d.Body)
		f.defaults = make([]exprFn, len(d.Params))
		for i, p := range d.Params {
			if p.Default != nil {
				f.defaults[i] = c.expr(p.Default)
			}
		}
		f.body = c.stmts(d.Body)
	})
	if err != nil {
		return nil, err
	}
	f.nslots = len(c.slots)
	return f, nil
}

// compileError aborts a compilation (recovered by guard).
type compileError struct{ err error }

func guard(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			ce, ok := r.(compileError)
			if !ok {
				panic(r)
			}
			err = ce.err
		}
	}()
	f()
	return nil
}

func (c *compiler) unsupported(what string) {
	panic(compileError{&Unsupported{Op: what, Where: c.where}})
}

func (c *compiler) fail(line int, format string, args ...any) {
	panic(compileError{fmt.Errorf("%s, line %d: %s", c.where, line, fmt.Sprintf(format, args...))})
}

func (c *compiler) slot(name string) int {
	if i, ok := c.slots[name]; ok {
		return i
	}
	c.slots[name] = len(c.slots)
	return c.slots[name]
}

// declare gives every assigned name a slot (function scope, as Python).
func (c *compiler) declare(stmts []Stmt) {
	for _, s := range stmts {
		switch x := s.(type) {
		case *Assign:
			for _, t := range x.Targets {
				if n, ok := t.(*Name); ok {
					c.slot(n.ID)
				}
			}
		case *For:
			for _, t := range x.Targets {
				if n, ok := t.(*Name); ok {
					c.slot(n.ID)
				}
			}
			c.declare(x.Body)
		case *If:
			c.declare(x.Body)
			c.declare(x.Else)
		case *While:
			c.declare(x.Body)
		}
	}
}

func (c *compiler) stmts(ss []Stmt) []stmtFn {
	out := make([]stmtFn, 0, len(ss))
	for _, s := range ss {
		out = append(out, c.stmt(s))
	}
	return out
}

// test counts a step and evaluates a condition.
func test(fr *frame, cond exprFn) (bool, error) {
	if err := fr.rt.step(); err != nil {
		return false, err
	}
	_, t, err := evalTruth(fr, cond)
	return t, err
}

// evalTruth evaluates e and its truth value.
func evalTruth(fr *frame, e exprFn) (Value, bool, error) {
	v, err := e(fr)
	if err != nil {
		return nil, false, err
	}
	t, err := truth(v)
	return v, t, err
}

func runBlock(fr *frame, body []stmtFn) (ctl, error) {
	for _, s := range body {
		k, err := s(fr)
		if err != nil || k != ctlNext {
			return k, err
		}
	}
	return ctlNext, nil
}

func (c *compiler) stmt(s Stmt) stmtFn {
	switch x := s.(type) {
	case *ExprStmt:
		e := c.expr(x.X)
		return func(fr *frame) (ctl, error) {
			if err := fr.rt.step(); err != nil {
				return 0, err
			}
			_, err := e(fr)
			return ctlNext, err
		}
	case *Assign:
		v := c.expr(x.Value)
		set := c.targets(x.Targets, x.Tuple, x.Line)
		return func(fr *frame) (ctl, error) {
			if err := fr.rt.step(); err != nil {
				return 0, err
			}
			val, err := v(fr)
			if err != nil {
				return 0, err
			}
			return ctlNext, set(fr, val)
		}
	case *Return:
		if x.X == nil {
			return func(fr *frame) (ctl, error) { fr.ret = nil; return ctlReturn, nil }
		}
		e := c.expr(x.X)
		return func(fr *frame) (ctl, error) {
			v, err := e(fr)
			fr.ret = v
			return ctlReturn, err
		}
	case *If:
		cond := c.expr(x.Cond)
		body, els := c.stmts(x.Body), c.stmts(x.Else)
		return func(fr *frame) (ctl, error) {
			b, err := test(fr, cond)
			if err != nil {
				return 0, err
			}
			if b {
				return runBlock(fr, body)
			}
			return runBlock(fr, els)
		}
	case *While:
		cond := c.expr(x.Cond)
		body := c.stmts(x.Body)
		return func(fr *frame) (ctl, error) {
			for {
				b, err := test(fr, cond)
				if err != nil || !b {
					return ctlNext, err
				}
				k, err := runBlock(fr, body)
				if err != nil || k == ctlReturn {
					return k, err
				}
				if k == ctlBreak {
					return ctlNext, nil
				}
			}
		}
	case *For:
		return c.forStmt(x)
	case *Simple:
		switch x.Kind {
		case "pass":
			return func(*frame) (ctl, error) { return ctlNext, nil }
		case "break":
			return func(*frame) (ctl, error) { return ctlBreak, nil }
		default:
			return func(*frame) (ctl, error) { return ctlContinue, nil }
		}
	case *With:
		c.unsupported("statement with")
	case *Def:
		c.unsupported("nested function " + x.Name)
	}
	c.unsupported(fmt.Sprintf("statement %T", s))
	return nil
}

func (c *compiler) forStmt(x *For) stmtFn {
	body := c.stmts(x.Body)
	set := c.targets(x.Targets, len(x.Targets) > 1, x.Line)
	// for i in range(...): no list is built.
	var rangeArgs []exprFn
	if call, ok := x.Iter.(*Call); ok {
		if n, ok := call.Fn.(*Name); ok && n.ID == "range" && len(call.Keywords) == 0 && len(call.Args) >= 1 && len(call.Args) <= 3 {
			for _, a := range call.Args {
				rangeArgs = append(rangeArgs, c.expr(a))
			}
		}
	}
	var iter exprFn
	if rangeArgs == nil {
		iter = c.expr(x.Iter)
	}
	loop := func(fr *frame, v Value) (ctl, bool, error) {
		if err := fr.rt.step(); err != nil {
			return 0, true, err
		}
		if err := set(fr, v); err != nil {
			return 0, true, err
		}
		k, err := runBlock(fr, body)
		if err != nil || k == ctlReturn {
			return k, true, err
		}
		return ctlNext, k == ctlBreak, nil
	}
	return func(fr *frame) (ctl, error) {
		if rangeArgs != nil {
			var b [3]int64
			for i, a := range rangeArgs {
				v, err := a(fr)
				if err != nil {
					return 0, err
				}
				n, ok := v.(int64)
				if !ok {
					return 0, &RuntimeError{"range() takes ints, got " + typeOf(v)}
				}
				b[i] = n
			}
			start, stop, step := int64(0), b[0], int64(1)
			if len(rangeArgs) >= 2 {
				start, stop = b[0], b[1]
			}
			if len(rangeArgs) == 3 {
				step = b[2]
			}
			if step == 0 {
				return 0, &RuntimeError{"range() arg 3 must not be zero"}
			}
			for i := start; (step > 0 && i < stop) || (step < 0 && i > stop); i += step {
				k, stop, err := loop(fr, i)
				if stop {
					return k, err
				}
			}
			return ctlNext, nil
		}
		v, err := iter(fr)
		if err != nil {
			return 0, err
		}
		items, err := iterate(v)
		if err != nil {
			return 0, err
		}
		for _, it := range items {
			k, stop, err := loop(fr, it)
			if stop {
				return k, err
			}
		}
		return ctlNext, nil
	}
}

// iterate returns the items a for loop visits.
func iterate(v Value) ([]Value, error) {
	switch x := v.(type) {
	case *List:
		return append([]Value(nil), x.Items...), nil
	case Tuple:
		return x, nil
	case *Dict:
		return append([]Value(nil), x.Keys...), nil
	case string:
		out := make([]Value, 0, len(x))
		for _, r := range x {
			out = append(out, string(r))
		}
		return out, nil
	case *kernels.Tensor:
		if x.Dim() == 0 {
			return nil, &RuntimeError{"iteration over a 0-d tensor"}
		}
		out := make([]Value, x.Shape[0])
		for i := range out {
			t, err := kernels.Select(x, 0, int64(i))
			if err != nil {
				return nil, err
			}
			out[i] = t
		}
		return out, nil
	}
	return nil, &RuntimeError{"cannot iterate over " + typeOf(v)}
}

// targets compiles assignment targets into a setter.
func (c *compiler) targets(ts []Expr, tuple bool, line int) func(*frame, Value) error {
	sets := make([]func(*frame, Value) error, len(ts))
	for i, t := range ts {
		switch x := t.(type) {
		case *Name:
			s := c.slot(x.ID)
			sets[i] = func(fr *frame, v Value) error { fr.slots[s] = v; return nil }
		case *Subscript:
			obj, idx := c.expr(x.X), c.expr(x.Index)
			sets[i] = func(fr *frame, v Value) error {
				o, k, err := evalPair(fr, obj, idx)
				if err != nil {
					return err
				}
				return setItem(o, k, v)
			}
		default:
			c.fail(line, "unsupported assignment target (assigning to attributes of a module is not supported)")
		}
	}
	if !tuple {
		return sets[0]
	}
	return func(fr *frame, v Value) error {
		var items []Value
		switch x := v.(type) {
		case Tuple:
			items = x
		case *List:
			items = x.Items
		default:
			return &RuntimeError{"cannot unpack " + typeOf(v)}
		}
		if len(items) != len(sets) {
			return &RuntimeError{fmt.Sprintf("expected %d values to unpack, got %d", len(sets), len(items))}
		}
		for i, s := range sets {
			if err := s(fr, items[i]); err != nil {
				return err
			}
		}
		return nil
	}
}

func setItem(o, k, v Value) error {
	switch x := o.(type) {
	case *Dict:
		return x.Set(k, v)
	case *List:
		i, err := index(k, len(x.Items))
		if err != nil {
			return err
		}
		x.Items[i] = v
		return nil
	}
	return &RuntimeError{"cannot assign items of " + typeOf(o)}
}

func index(k Value, n int) (int, error) {
	i, ok := k.(int64)
	if !ok {
		return 0, &RuntimeError{"indices must be integers, not " + typeOf(k)}
	}
	if i < 0 {
		i += int64(n)
	}
	if i < 0 || i >= int64(n) {
		return 0, &RuntimeError{"index out of range"}
	}
	return int(i), nil
}

func truth(v Value) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case int64:
		return x != 0, nil
	case float64:
		return x != 0, nil
	case nil:
		return false, nil
	case string:
		return x != "", nil
	case *kernels.Tensor:
		if x.Numel() != 1 {
			return false, &RuntimeError{"Boolean value of Tensor with more than one value is ambiguous"}
		}
		return x.At(0) != 0, nil
	}
	return false, &RuntimeError{"cannot use " + typeOf(v) + " as a condition"}
}

// attrPath returns "torch.linear" for an attribute chain rooted at a name
// that is not a local, or "".
func (c *compiler) attrPath(e Expr) string {
	switch x := e.(type) {
	case *Name:
		if _, local := c.slots[x.ID]; local {
			return ""
		}
		return x.ID
	case *Attribute:
		p := c.attrPath(x.X)
		if p == "" {
			return ""
		}
		return p + "." + x.Name
	}
	return ""
}

func (c *compiler) exprs(es []Expr) []exprFn {
	out := make([]exprFn, len(es))
	for i, e := range es {
		out[i] = c.expr(e)
	}
	return out
}

func evalAll(fr *frame, fs []exprFn) ([]Value, error) {
	out := make([]Value, len(fs))
	for i, f := range fs {
		v, err := f(fr)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (c *compiler) expr(e Expr) exprFn {
	switch x := e.(type) {
	case *Const:
		v := x.V
		return func(*frame) (Value, error) { return v, nil }
	case *Name:
		if s, ok := c.slots[x.ID]; ok {
			return func(fr *frame) (Value, error) { return fr.slots[s], nil }
		}
		switch x.ID {
		case "inf":
			return func(*frame) (Value, error) { return math.Inf(1), nil }
		case "nan":
			return func(*frame) (Value, error) { return math.NaN(), nil }
		}
		c.fail(x.Line, "unknown name %s", x.ID)
	case *Attribute:
		if p := c.attrPath(x); strings.HasPrefix(p, "CONSTANTS.c") {
			i, err := strconv.Atoi(strings.TrimPrefix(p, "CONSTANTS.c"))
			if err != nil || i < 0 || i >= len(c.m.constants) {
				c.fail(x.Line, "the archive has no constant %s", p)
			}
			v := c.m.constants[i]
			return func(*frame) (Value, error) { return v, nil }
		} else if strings.HasPrefix(p, "__torch__.") {
			f := c.function(p, x.Line)
			return func(*frame) (Value, error) { return f, nil }
		}
		obj := c.expr(x.X)
		site := &attrSite{name: x.Name}
		return func(fr *frame) (Value, error) {
			o, err := obj(fr)
			if err != nil {
				return nil, err
			}
			return site.get(o)
		}
	case *Subscript:
		obj, idx := c.expr(x.X), c.expr(x.Index)
		return func(fr *frame) (Value, error) {
			o, k, err := evalPair(fr, obj, idx)
			if err != nil {
				return nil, err
			}
			return getItem(o, k)
		}
	case *ListExpr:
		elts := c.exprs(x.Elts)
		return func(fr *frame) (Value, error) {
			vs, err := evalAll(fr, elts)
			return &List{Items: vs}, err
		}
	case *TupleExpr:
		elts := c.exprs(x.Elts)
		return func(fr *frame) (Value, error) {
			vs, err := evalAll(fr, elts)
			return Tuple(vs), err
		}
	case *DictExpr:
		keys, vals := c.exprs(x.Keys), c.exprs(x.Values)
		n := max(len(keys), 4) // room for a few items set later
		return func(fr *frame) (Value, error) {
			d := &Dict{Keys: make([]Value, 0, n), Values: make([]Value, 0, n)}
			for i := range keys {
				k, err := keys[i](fr)
				if err != nil {
					return nil, err
				}
				v, err := vals[i](fr)
				if err != nil {
					return nil, err
				}
				if err := d.Set(k, v); err != nil {
					return nil, err
				}
			}
			return d, nil
		}
	case *IfExpr:
		cond, a, b := c.expr(x.Cond), c.expr(x.A), c.expr(x.B)
		return func(fr *frame) (Value, error) {
			_, t, err := evalTruth(fr, cond)
			if err != nil {
				return nil, err
			}
			if t {
				return a(fr)
			}
			return b(fr)
		}
	case *Unary:
		return c.unary(x)
	case *Binary:
		return c.binary(x)
	case *Call:
		return c.call(x)
	}
	c.fail(e.pos(), "unsupported expression %T", e)
	return nil
}

// attrSite is one attribute read in the code, with the last object it read
// and the value: module attributes do not change after Load (the compiler
// refuses assignments to them), so reading the same object again needs no
// map lookup. Safe for concurrent calls.
type attrSite struct {
	name string
	last atomic.Pointer[attrHit]
}

type attrHit struct {
	obj *Object
	v   Value
}

func (s *attrSite) get(o Value) (Value, error) {
	ob, ok := o.(*Object)
	if !ok {
		return getAttr(o, s.name)
	}
	if h := s.last.Load(); h != nil && h.obj == ob {
		return h.v, nil
	}
	v, err := getAttr(o, s.name)
	if err == nil {
		s.last.Store(&attrHit{obj: ob, v: v})
	}
	return v, err
}

func getAttr(o Value, name string) (Value, error) {
	obj, ok := o.(*Object)
	if !ok {
		return nil, &RuntimeError{fmt.Sprintf("%s has no attribute %s", typeOf(o), name)}
	}
	v, ok := obj.Attrs[name]
	if !ok {
		return nil, &RuntimeError{fmt.Sprintf("module %s has no attribute %s", obj.Class.name, name)}
	}
	return v, nil
}

func getItem(o, k Value) (Value, error) {
	switch x := o.(type) {
	case *Dict:
		v, ok := x.Get(k)
		if !ok {
			return nil, &RuntimeError{"KeyError: " + repr(k)}
		}
		return v, nil
	case *List:
		i, err := index(k, len(x.Items))
		if err != nil {
			return nil, err
		}
		return x.Items[i], nil
	case Tuple:
		i, err := index(k, len(x))
		if err != nil {
			return nil, err
		}
		return x[i], nil
	case string:
		i, err := index(k, len(x))
		if err != nil {
			return nil, err
		}
		return x[i : i+1], nil
	case *kernels.Tensor:
		i, ok := k.(int64)
		if !ok {
			return nil, &RuntimeError{"only integer tensor indexing is supported by the Go engine"}
		}
		return kernels.Select(x, 0, i)
	}
	return nil, &RuntimeError{typeOf(o) + " is not subscriptable"}
}

// function resolves a free function __torch__.<module>.<name>.
func (c *compiler) function(path string, line int) *Func {
	if f, ok := c.m.funcs[path]; ok {
		return &Func{fn: f}
	}
	d, ok := c.m.prog.Funcs[path]
	if !ok {
		c.fail(line, "the archive has no function %s", path)
	}
	// Register before compiling: recursion resolves to the same function.
	f := &function{name: path}
	c.m.funcs[path] = f
	cf, err := c.m.compileDef(d, path)
	if err != nil {
		panic(compileError{err})
	}
	*f = *cf
	return &Func{fn: f}
}

func (c *compiler) unary(x *Unary) exprFn {
	a := c.expr(x.X)
	op := x.Op
	return func(fr *frame) (Value, error) {
		v, err := a(fr)
		if err != nil {
			return nil, err
		}
		switch op {
		case "not":
			t, err := truth(v)
			return !t, err
		case "-":
			return neg(v)
		case "+":
			return v, nil
		}
		return nil, &RuntimeError{"unsupported operator " + op}
	}
}

func neg(v Value) (Value, error) {
	switch n := v.(type) {
	case int64:
		return -n, nil
	case float64:
		return -n, nil
	case *kernels.Tensor:
		if n.DType == tensor.Bool {
			return nil, &RuntimeError{"negation, the `-` operator, on a bool tensor is not supported"}
		}
		return kernels.Unary(n, func(f float64) float64 { return -f }, false)
	}
	return nil, &RuntimeError{"bad operand type for unary -: " + typeOf(v)}
}

var binaryAten = map[string]string{
	"+": "add", "-": "sub", "*": "mul", "/": "div", "//": "floordiv", "%": "remainder", "**": "pow",
	"==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge", "&": "__and__", "|": "__or__",
}

func (c *compiler) binary(x *Binary) exprFn {
	l, r := c.expr(x.L), c.expr(x.R)
	if x.Op == "and" || x.Op == "or" {
		and := x.Op == "and"
		return func(fr *frame) (Value, error) {
			a, t, err := evalTruth(fr, l)
			if err != nil {
				return nil, err
			}
			if t != and {
				return a, nil
			}
			return r(fr)
		}
	}
	var f func(a, b Value) (Value, error)
	switch x.Op {
	case "is", "is not":
		isnot := x.Op == "is not"
		f = func(a, b Value) (Value, error) { return isOp([]Value{a, b}) != isnot, nil }
	case "in", "not in":
		not := x.Op == "not in"
		f = func(a, b Value) (Value, error) {
			v, err := contains([]Value{b, a})
			if err != nil {
				return nil, err
			}
			return v.(bool) != not, nil
		}
	default:
		name, ok := binaryAten[x.Op]
		if !ok {
			c.unsupported("operator " + x.Op)
		}
		o, ok := ops[name]
		if !ok {
			c.unsupported("aten::" + name)
		}
		lr := []exprFn{l, r}
		return func(fr *frame) (Value, error) {
			vs, err := evalArgs(fr, lr, 2)
			if err != nil {
				return nil, err
			}
			defer fr.rt.free(vs)
			return o.fn(vs)
		}
	}
	return func(fr *frame) (Value, error) {
		a, b, err := evalPair(fr, l, r)
		if err != nil {
			return nil, err
		}
		return f(a, b)
	}
}

// evalPair evaluates two expressions in order.
func evalPair(fr *frame, l, r exprFn) (Value, Value, error) {
	a, err := l(fr)
	if err != nil {
		return nil, nil, err
	}
	b, err := r(fr)
	if err != nil {
		return nil, nil, err
	}
	return a, b, nil
}

func identical(a, b Value) bool {
	switch x := a.(type) {
	case *Object:
		return x == b
	case *kernels.Tensor:
		return x == b
	case *List:
		return x == b
	case *Dict:
		return x == b
	case bool, int64, string:
		return a == b
	}
	return false
}

func (c *compiler) call(x *Call) exprFn {
	args := make([]exprFn, len(x.Args))
	for i, a := range x.Args {
		if isTypeArg(x.Fn, i) {
			args[i] = func(*frame) (Value, error) { return nil, nil }
			continue
		}
		args[i] = c.expr(a)
	}
	kwNames := make([]string, len(x.Keywords))
	kwVals := make([]exprFn, len(x.Keywords))
	for i, k := range x.Keywords {
		kwNames[i], kwVals[i] = k.Name, c.expr(k.Value)
	}
	if n, ok := x.Fn.(*Name); ok {
		if _, local := c.slots[n.ID]; !local {
			return c.builtin(n, x, args, kwNames, kwVals)
		}
	}
	path := c.attrPath(x.Fn)
	switch {
	case strings.HasPrefix(path, "torch.") || strings.HasPrefix(path, "ops."):
		name := strings.TrimPrefix(path, "torch.")
		full := "aten::" + name
		if strings.HasPrefix(path, "ops.") {
			parts := strings.Split(path, ".")
			if len(parts) != 3 {
				c.unsupported(path)
			}
			name, full = parts[1]+"::"+parts[2], parts[1]+"::"+parts[2]
		}
		if a, ok := atenAliases[name]; ok {
			name = a
		}
		o, ok := ops[name]
		if !ok || strings.Contains(name, ".") {
			c.unsupported(full)
		}
		pos := c.bindKeywords(o, kwNames, x.Line, full)
		width := len(args)
		for _, p := range pos {
			width = max(width, p+1)
		}
		return func(fr *frame) (Value, error) {
			vs, err := evalArgs(fr, args, width)
			if err != nil {
				return nil, err
			}
			defer fr.rt.free(vs)
			for i, p := range pos {
				if vs[p], err = kwVals[i](fr); err != nil {
					return nil, err
				}
			}
			v, err := o.fn(vs)
			if err != nil {
				var re *RuntimeError
				if !errors.As(err, &re) {
					err = &RuntimeError{full + ": " + err.Error()}
				}
			}
			return v, err
		}
	case strings.HasPrefix(path, "__torch__."):
		f := c.function(path, x.Line).fn
		return c.callFunc(func(*frame) (*function, error) { return f, nil }, args, kwNames, kwVals)
	}
	// A method call (obj).name(...) or a local holding a function.
	if at, ok := x.Fn.(*Attribute); ok {
		obj := c.expr(at.X)
		name := at.Name
		return func(fr *frame) (Value, error) {
			o, err := obj(fr)
			if err != nil {
				return nil, err
			}
			ob, ok := o.(*Object)
			if !ok {
				return nil, &RuntimeError{fmt.Sprintf("%s has no method %s", typeOf(o), name)}
			}
			f, ok := ob.Class.methods[name]
			if !ok {
				return nil, &RuntimeError{fmt.Sprintf("%s has no method %s", ob.Class.name, name)}
			}
			return callWith(fr, f, ob, args, kwNames, kwVals)
		}
	}
	fn := c.expr(x.Fn)
	return c.callFunc(func(fr *frame) (*function, error) {
		v, err := fn(fr)
		if err != nil {
			return nil, err
		}
		f, ok := v.(*Func)
		if !ok {
			return nil, &RuntimeError{typeOf(v) + " is not callable"}
		}
		return f.fn, nil
	}, args, kwNames, kwVals)
}

func evalKw(fr *frame, names []string, vals []exprFn) (map[string]Value, error) {
	if len(names) == 0 {
		return nil, nil
	}
	kw := make(map[string]Value, len(names))
	for i, n := range names {
		v, err := vals[i](fr)
		if err != nil {
			return nil, err
		}
		kw[n] = v
	}
	return kw, nil
}

func (c *compiler) callFunc(get func(*frame) (*function, error), args []exprFn, kwNames []string, kwVals []exprFn) exprFn {
	return func(fr *frame) (Value, error) {
		f, err := get(fr)
		if err != nil {
			return nil, err
		}
		return callWith(fr, f, nil, args, kwNames, kwVals)
	}
}

// callWith evaluates a call's arguments (into the arena) and calls f.
func callWith(fr *frame, f *function, self Value, args []exprFn, kwNames []string, kwVals []exprFn) (Value, error) {
	vs, err := evalArgs(fr, args, len(args))
	if err != nil {
		return nil, err
	}
	defer fr.rt.free(vs)
	kw, err := evalKw(fr, kwNames, kwVals)
	if err != nil {
		return nil, err
	}
	return fr.rt.call(f, self, vs, kw)
}

// evalArgs evaluates fs into n >= len(fs) values of the arena (the rest
// nil); the caller frees them. On an error nothing stays allocated.
func evalArgs(fr *frame, fs []exprFn, n int) ([]Value, error) {
	vs := fr.rt.alloc(n)
	clear(vs[len(fs):])
	for i, f := range fs {
		v, err := f(fr)
		if err != nil {
			fr.rt.free(vs)
			return nil, err
		}
		vs[i] = v
	}
	return vs, nil
}

// bindKeywords maps keyword arguments to the operator's positions.
func (c *compiler) bindKeywords(o op, names []string, line int, full string) []int {
	pos := make([]int, len(names))
	for i, n := range names {
		found := -1
		for j, p := range o.params {
			if p == n {
				found = j
			}
		}
		if found < 0 {
			c.fail(line, "%s has no argument %s", full, n)
		}
		pos[i] = found
	}
	return pos
}

// builtin compiles a call of a builtin name.
func (c *compiler) builtin(n *Name, x *Call, args []exprFn, kwNames []string, kwVals []exprFn) exprFn {
	nargs := func(k int) {
		if len(x.Args) != k || len(x.Keywords) != 0 {
			c.fail(x.Line, "%s() takes %d arguments", n.ID, k)
		}
	}
	switch n.ID {
	case "annotate", "unchecked_cast":
		nargs(2)
		v := args[1]
		if t, ok := x.Args[0].(*Name); ok && implicitOps[t.ID] != "" {
			conv := ops[strings.TrimPrefix(implicitOps[t.ID], "aten::")].fn
			return func(fr *frame) (Value, error) {
				vs, err := evalArgs(fr, args[1:2], 1)
				if err != nil {
					return nil, err
				}
				defer fr.rt.free(vs)
				return conv(vs)
			}
		}
		return v
	case "uninitialized":
		nargs(1)
		return func(*frame) (Value, error) { return nil, nil }
	case "isinstance":
		nargs(2)
		v := args[0]
		check := c.typeCheck(x.Args[1])
		return func(fr *frame) (Value, error) {
			a, err := v(fr)
			if err != nil {
				return nil, err
			}
			return check(a), nil
		}
	case "getattr":
		nargs(2)
		k, ok := x.Args[1].(*Const)
		name, ok2 := "", false
		if ok {
			name, ok2 = k.V.(string)
		}
		if !ok2 {
			c.fail(x.Line, "getattr() with a name that is not a string literal")
		}
		obj := args[0]
		site := &attrSite{name: name}
		return func(fr *frame) (Value, error) {
			o, err := obj(fr)
			if err != nil {
				return nil, err
			}
			return site.get(o)
		}
	case "range":
		fs := args
		return func(fr *frame) (Value, error) {
			vs, err := evalArgs(fr, fs, len(fs))
			if err != nil {
				return nil, err
			}
			defer fr.rt.free(vs)
			return rangeList(vs)
		}
	case "int", "float", "bool", "str", "len", "abs", "min", "max":
		name := map[string]string{"int": "Int", "float": "Float", "bool": "Bool", "str": "str", "len": "len", "abs": "abs", "min": "prim::min", "max": "prim::max"}[n.ID]
		o, ok := ops[name]
		if !ok {
			c.unsupported("builtin " + n.ID)
		}
		return func(fr *frame) (Value, error) {
			vs, err := evalArgs(fr, args, len(args))
			if err != nil {
				return nil, err
			}
			defer fr.rt.free(vs)
			return o.fn(vs)
		}
	}
	c.unsupported("builtin " + n.ID)
	return nil
}

func rangeList(vs []Value) (Value, error) {
	b := make([]int64, len(vs))
	for i, v := range vs {
		n, ok := v.(int64)
		if !ok {
			return nil, &RuntimeError{"range() takes ints"}
		}
		b[i] = n
	}
	start, stop, step := int64(0), int64(0), int64(1)
	switch len(b) {
	case 1:
		stop = b[0]
	case 2:
		start, stop = b[0], b[1]
	case 3:
		start, stop, step = b[0], b[1], b[2]
	default:
		return nil, &RuntimeError{"range() takes 1 to 3 arguments"}
	}
	if step == 0 {
		return nil, &RuntimeError{"range() arg 3 must not be zero"}
	}
	l := &List{}
	for i := start; (step > 0 && i < stop) || (step < 0 && i > stop); i += step {
		if int64(len(l.Items)) >= kernels.MaxElements {
			return nil, &RuntimeError{"range() too long"}
		}
		l.Items = append(l.Items, i)
	}
	return l, nil
}

// typeCheck compiles isinstance's type argument.
func (c *compiler) typeCheck(t Expr) func(Value) bool {
	name := exprString(t)
	base, _, _ := strings.Cut(name, "[")
	switch base {
	case "Tensor":
		return func(v Value) bool { _, ok := v.(*kernels.Tensor); return ok }
	case "str":
		return func(v Value) bool { _, ok := v.(string); return ok }
	case "int":
		return func(v Value) bool { _, ok := v.(int64); return ok }
	case "float":
		return func(v Value) bool { _, ok := v.(float64); return ok }
	case "bool":
		return func(v Value) bool { _, ok := v.(bool); return ok }
	case "Dict":
		return func(v Value) bool { _, ok := v.(*Dict); return ok }
	case "Tuple":
		return func(v Value) bool { _, ok := v.(Tuple); return ok }
	case "List":
		elem := strings.TrimSuffix(strings.TrimPrefix(name, "List["), "]")
		var ec func(Value) bool
		if elem != name && !strings.Contains(elem, "[") {
			ec = c.typeCheck(&Name{ID: elem})
		}
		return func(v Value) bool {
			l, ok := v.(*List)
			if !ok {
				return false
			}
			if ec != nil && len(l.Items) > 0 {
				return ec(l.Items[0])
			}
			return true
		}
	}
	c.unsupported("isinstance of " + name)
	return nil
}

// asCoreTensor recognises the reader's tensors.
func asCoreTensor(v any) (tensor.Tensor, bool) {
	t, ok := v.(tensor.Tensor)
	return t, ok
}

// Name returns the class's qualified name.
func (c *class) Name() string { return c.name }

// Method reports whether the class has the named method.
func (c *class) Method(name string) (*function, bool) {
	f, ok := c.methods[name]
	return f, ok
}

// Probe compiles the code of every class and function in sources (an
// archive's Sources) and returns the first construct or operator the
// interpreter does not support (classes in name order), or nil. It reads no
// data: it tells whether Load would refuse the code.
func Probe(sources map[string]string) *Unsupported {
	prog, err := ParseSources(sources)
	if err != nil {
		return &Unsupported{Op: "syntax: " + err.Error(), Where: "the printed code"}
	}
	m := &Module{prog: prog, classes: map[string]*class{}, funcs: map[string]*function{}, lim: DefaultLimits}
	names := make([]string, 0, len(prog.Classes))
	for n := range prog.Classes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, d := range prog.Classes[n].Methods {
			if _, err := m.compileDef(d, n+"."+d.Name); err != nil {
				var u *Unsupported
				if errors.As(err, &u) {
					return u
				}
			}
		}
	}
	return nil
}
