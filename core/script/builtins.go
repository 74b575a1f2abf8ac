package script

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core/kernels"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// op is an operator the interpreter implements: its parameter names (for
// keyword arguments) and its Go function. Missing trailing arguments are
// nil, which every function treats as the schema's default. The argument
// slice is the interpreter's scratch memory, reused after the call: fn may
// read (and reslice) it but must not keep it or return it (copy the values
// into a new List or Tuple instead).
type op struct {
	params []string
	fn     func([]Value) (Value, error)
}

// Ops lists the operators the Go engine implements ("aten::linear",
// "prim::RaiseException", ...), sorted: the coverage docs/go-engine.md gives.
func Ops() []string {
	out := make([]string, 0, len(ops))
	for n := range ops {
		if strings.Contains(n, "::") {
			out = append(out, n)
		} else {
			out = append(out, "aten::"+n)
		}
	}
	sort.Strings(out)
	return out
}

func arg(vs []Value, i int) Value {
	if i < len(vs) {
		return vs[i]
	}
	return nil
}

type argErr struct{ msg string }

func (e argErr) Error() string { return e.msg }

func tensorArg(vs []Value, i int) (*kernels.Tensor, error) {
	t, ok := arg(vs, i).(*kernels.Tensor)
	if !ok {
		return nil, argErr{fmt.Sprintf("argument %d must be a Tensor, not %s", i+1, typeOf(arg(vs, i)))}
	}
	return t, nil
}

func optTensor(vs []Value, i int) (*kernels.Tensor, error) {
	if arg(vs, i) == nil {
		return nil, nil
	}
	return tensorArg(vs, i)
}

func intArg(vs []Value, i int, def int64) (int64, error) {
	switch v := arg(vs, i).(type) {
	case nil:
		return def, nil
	case int64:
		return v, nil
	case bool:
		if v {
			return 1, nil
		}
		return 0, nil
	}
	return 0, argErr{fmt.Sprintf("argument %d must be an int, not %s", i+1, typeOf(arg(vs, i)))}
}

func floatArg(vs []Value, i int, def float64) (float64, error) {
	switch v := arg(vs, i).(type) {
	case nil:
		return def, nil
	case float64:
		return v, nil
	case int64:
		return float64(v), nil
	case bool:
		if v {
			return 1, nil
		}
		return 0, nil
	}
	return 0, argErr{fmt.Sprintf("argument %d must be a number, not %s", i+1, typeOf(arg(vs, i)))}
}

func boolArg(vs []Value, i int) bool {
	b, _ := arg(vs, i).(bool)
	return b
}

func intList(v Value) ([]int, error) {
	switch x := v.(type) {
	case int64:
		return []int{int(x)}, nil
	case *List:
		return intsOf(x.Items)
	case Tuple:
		return intsOf(x)
	}
	return nil, argErr{"expected a list of ints, not " + typeOf(v)}
}

func intsOf(items []Value) ([]int, error) {
	out := make([]int, len(items))
	for i, e := range items {
		n, ok := e.(int64)
		if !ok {
			return nil, argErr{"expected a list of ints, got an item of type " + typeOf(e)}
		}
		if n > math.MaxInt32 || n < math.MinInt32 {
			return nil, argErr{fmt.Sprintf("dimension %d is too large", n)}
		}
		out[i] = int(n)
	}
	return out, nil
}

func tensorList(v Value) ([]*kernels.Tensor, error) { return tensorItems(v, false) }

// tensorItems reads a list (or tuple) of tensors; with optional, None
// items are nil (List[Optional[Tensor]]: index, index_put_).
func tensorItems(v Value, optional bool) ([]*kernels.Tensor, error) {
	what := "tensors"
	if optional {
		what = "optional tensors"
	}
	var items []Value
	switch x := v.(type) {
	case *List:
		items = x.Items
	case Tuple:
		items = x
	default:
		return nil, argErr{"expected a list of " + what + ", not " + typeOf(v)}
	}
	out := make([]*kernels.Tensor, len(items))
	for i, e := range items {
		if e == nil && optional {
			continue
		}
		t, ok := e.(*kernels.Tensor)
		if !ok {
			return nil, argErr{"expected a list of " + what + ", got an item of type " + typeOf(e)}
		}
		out[i] = t
	}
	return out, nil
}

// operand turns a tensor or number argument into a kernel operand.
func operand(v Value) (kernels.Operand, bool) {
	switch x := v.(type) {
	case *kernels.Tensor:
		return kernels.Operand{T: x}, true
	case int64, float64, bool:
		return kernels.Operand{S: x}, true
	}
	return kernels.Operand{}, false
}

// tv returns a kernel's result as a Value (nil, not a nil *Tensor, on error).
func tv(t *kernels.Tensor, err error) (Value, error) {
	if err != nil {
		return nil, err
	}
	return t, nil
}

// tensorsOp is an operator whose first nt arguments are tensors, then ints
// with defaults defs; f gets them and all the arguments.
func tensorsOp(params []string, nt int, defs []int64, f func(ts []*kernels.Tensor, is []int, vs []Value) (Value, error)) op {
	return op{params: params, fn: func(vs []Value) (Value, error) {
		ts := make([]*kernels.Tensor, nt)
		for i := range ts {
			t, err := tensorArg(vs, i)
			if err != nil {
				return nil, err
			}
			ts[i] = t
		}
		is := make([]int, len(defs))
		for i, d := range defs {
			v, err := intArg(vs, nt+i, d)
			if err != nil {
				return nil, err
			}
			is[i] = int(v)
		}
		return f(ts, is, vs)
	}}
}

// listOp is cat/stack: a list of tensors and a dim.
func listOp(f func([]*kernels.Tensor, int) (*kernels.Tensor, error)) op {
	return op{params: []string{"tensors", "dim"}, fn: func(vs []Value) (Value, error) {
		ts, err := tensorList(arg(vs, 0))
		if err != nil {
			return nil, err
		}
		d, err := intArg(vs, 1, 0)
		if err != nil {
			return nil, err
		}
		return tv(f(ts, int(d)))
	}}
}

// tensorOptDim reads (self, dim=None).
func tensorOptDim(vs []Value) (*kernels.Tensor, *int, error) {
	t, err := tensorArg(vs, 0)
	if err != nil || arg(vs, 1) == nil {
		return t, nil, err
	}
	d, err := intArg(vs, 1, 0)
	if err != nil {
		return nil, nil, err
	}
	di := int(d)
	return t, &di, nil
}

// unaryOp is an elementwise function of one tensor.
func unaryOp(f func(float64) float64, toFloat bool) op {
	return op{params: []string{"self"}, fn: func(vs []Value) (Value, error) {
		t, err := tensorArg(vs, 0)
		if err != nil {
			return nil, err
		}
		return kernels.Unary(t, f, toFloat)
	}}
}

// scalarArith computes a Python-number operator (int or float operands).
func scalarArith(name string, a, b Value) (Value, bool, error) {
	ai, aInt := a.(int64)
	bi, bInt := b.(int64)
	af, aOK := toF(a)
	bf, bOK := toF(b)
	if !aOK || !bOK {
		return nil, false, nil
	}
	if aInt && bInt {
		switch name {
		case "add":
			return ai + bi, true, nil
		case "sub":
			return ai - bi, true, nil
		case "mul":
			return ai * bi, true, nil
		case "floordiv", "remainder":
			if bi == 0 {
				return nil, true, &RuntimeError{"ZeroDivisionError: integer division or modulo by zero"}
			}
			q, r := ai/bi, ai%bi
			if r != 0 && (r < 0) != (bi < 0) {
				q--
				r += bi
			}
			if name == "floordiv" {
				return q, true, nil
			}
			return r, true, nil
		case "div":
			return float64(ai) / float64(bi), true, nil
		}
	}
	switch name {
	case "add":
		return af + bf, true, nil
	case "sub":
		return af - bf, true, nil
	case "mul":
		return af * bf, true, nil
	case "div":
		if bf == 0 {
			return nil, true, &RuntimeError{"ZeroDivisionError: float division by zero"}
		}
		return af / bf, true, nil
	case "pow":
		return math.Pow(af, bf), true, nil
	case "floordiv":
		return math.Floor(af / bf), true, nil
	case "remainder":
		return af - math.Floor(af/bf)*bf, true, nil
	}
	return nil, false, nil
}

func toF(v Value) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// arith is add/sub/mul/div/pow on tensors, numbers, strings and lists.
func arith(name string, fn kernels.BinaryFunc, outFloat bool) op {
	return op{params: []string{"self", "other", "alpha"}, fn: func(vs []Value) (Value, error) {
		a, b := arg(vs, 0), arg(vs, 1)
		if name == "add" {
			if s, ok := a.(string); ok {
				t, ok := b.(string)
				if !ok {
					return nil, argErr{"can only concatenate str to str"}
				}
				return s + t, nil
			}
			if l, ok := a.(*List); ok {
				m, ok := b.(*List)
				if !ok {
					return nil, argErr{"can only concatenate list to list"}
				}
				return &List{Items: append(append([]Value(nil), l.Items...), m.Items...)}, nil
			}
		}
		if name == "mul" {
			if l, ok := a.(*List); ok {
				n, ok := b.(int64)
				if !ok {
					return nil, argErr{"can only multiply a list by an int"}
				}
				if n > 0 && int64(len(l.Items)) > kernels.MaxElements/n {
					return nil, argErr{"list too long"}
				}
				out := &List{}
				if len(l.Items) == 0 {
					return out, nil
				}
				for i := int64(0); i < n; i++ {
					out.Items = append(out.Items, l.Items...)
				}
				return out, nil
			}
		}
		_, at := a.(*kernels.Tensor)
		_, bt := b.(*kernels.Tensor)
		if !at && !bt {
			v, ok, err := scalarArith(name, a, b)
			if ok || err != nil {
				return v, err
			}
			return nil, argErr{fmt.Sprintf("unsupported operand types for %s: %s and %s", name, typeOf(a), typeOf(b))}
		}
		oa, ok1 := operand(a)
		ob, ok2 := operand(b)
		if !ok1 || !ok2 {
			return nil, argErr{fmt.Sprintf("unsupported operand types for %s: %s and %s", name, typeOf(a), typeOf(b))}
		}
		if alpha := arg(vs, 2); alpha != nil && name != "pow" {
			al, err := floatArg(vs, 2, 1)
			if err != nil {
				return nil, err
			}
			if al != 1 {
				scaled, err := kernels.Binary(ob, kernels.Operand{S: alpha}, kernels.Mul, 0)
				if err != nil {
					return nil, err
				}
				ob = kernels.Operand{T: scaled}
			}
		}
		var out tensor.DType
		if outFloat {
			out = tensor.Float32
		}
		if name == "sub" && ((oa.T != nil && oa.T.DType == tensor.Bool) || (ob.T != nil && ob.T.DType == tensor.Bool)) {
			return nil, argErr{"subtraction, the `-` operator, with a bool tensor is not supported"}
		}
		return kernels.Binary(oa, ob, fn, out)
	}}
}

// cmpOp is a comparison on tensors or on Python values.
func cmpOp(name string, f func(a, b float64) bool, i func(a, b int64) bool, s func(a, b string) bool) op {
	return op{params: []string{"self", "other"}, fn: func(vs []Value) (Value, error) {
		a, b := arg(vs, 0), arg(vs, 1)
		_, at := a.(*kernels.Tensor)
		_, bt := b.(*kernels.Tensor)
		if at || bt {
			oa, ok1 := operand(a)
			ob, ok2 := operand(b)
			if !ok1 || !ok2 {
				return nil, argErr{fmt.Sprintf("%s: unsupported operand types %s and %s", name, typeOf(a), typeOf(b))}
			}
			return kernels.Compare(oa, ob, f, i)
		}
		if x, ok := a.(string); ok {
			y, ok := b.(string)
			if !ok {
				if name == "eq" || name == "ne" {
					return name == "ne", nil
				}
				return nil, argErr{"cannot compare str and " + typeOf(b)}
			}
			return s(x, y), nil
		}
		ai, aInt := a.(int64)
		bi, bInt := b.(int64)
		if aInt && bInt {
			return i(ai, bi), nil
		}
		af, ok1 := toF(a)
		bf, ok2 := toF(b)
		if ok1 && ok2 {
			return f(af, bf), nil
		}
		if name == "eq" || name == "ne" {
			return (a == nil && b == nil) == (name == "eq"), nil
		}
		return nil, argErr{fmt.Sprintf("%s: unsupported operand types %s and %s", name, typeOf(a), typeOf(b))}
	}}
}

func gelu(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }

// tensorOp is an operator of one tensor computed by a kernel.
func tensorOp(f func(*kernels.Tensor) (*kernels.Tensor, error)) op {
	return op{params: []string{"self"}, fn: func(vs []Value) (Value, error) {
		t, err := tensorArg(vs, 0)
		if err != nil {
			return nil, err
		}
		return tv(f(t))
	}}
}

// ops maps an operator's name (torch.<name>, ops.prim.<name>, ...) to its
// implementation; each file of a kernel family adds its own through
// registerOps in an init function.
var ops map[string]op

// registerOps adds operators to ops; a name registered twice panics at
// start-up.
func registerOps(m map[string]op) {
	if ops == nil {
		ops = map[string]op{}
	}
	for k, v := range m {
		if _, dup := ops[k]; dup {
			panic("script: operator " + k + " registered twice")
		}
		ops[k] = v
	}
}

func init() {
	registerOps(map[string]op{
		"linear": tensorsOp([]string{"input", "weight", "bias"}, 2, nil, func(ts []*kernels.Tensor, _ []int, vs []Value) (Value, error) {
			b, err := optTensor(vs, 2)
			if err != nil {
				return nil, err
			}
			return tv(kernels.Linear(ts[0], ts[1], b))
		}),
		"addmm": {params: []string{"self", "mat1", "mat2", "beta", "alpha"}, fn: func(vs []Value) (Value, error) {
			b, err := tensorArg(vs, 0)
			if err != nil {
				return nil, err
			}
			m1, err := tensorArg(vs, 1)
			if err != nil {
				return nil, err
			}
			m2, err := tensorArg(vs, 2)
			if err != nil {
				return nil, err
			}
			beta, _ := floatArg(vs, 3, 1)
			alpha, _ := floatArg(vs, 4, 1)
			if m1.Dim() != 2 || m2.Dim() != 2 {
				return nil, argErr{"addmm: expected 2-D matrices"}
			}
			p, err := kernels.Matmul(m1, m2)
			if err != nil {
				return nil, err
			}
			return scaledSum(b, p, beta, alpha)
		}},
		"matmul": tensorsOp([]string{"self", "other"}, 2, nil, func(ts []*kernels.Tensor, _ []int, _ []Value) (Value, error) {
			return tv(kernels.Matmul(ts[0], ts[1]))
		}),
		"embedding": tensorsOp([]string{"weight", "indices", "padding_idx", "scale_grad_by_freq", "sparse"}, 2, nil, func(ts []*kernels.Tensor, _ []int, _ []Value) (Value, error) {
			return tv(kernels.Embedding(ts[0], ts[1]))
		}),
		"cat":     listOp(kernels.Cat),
		"stack":   listOp(kernels.Stack),
		"reshape": {params: []string{"self", "shape"}, fn: reshape},
		"view":    {params: []string{"self", "size"}, fn: reshape},
		"flatten": tensorsOp([]string{"self", "start_dim", "end_dim"}, 1, []int64{0, -1}, func(ts []*kernels.Tensor, is []int, _ []Value) (Value, error) {
			return tv(kernels.Flatten(ts[0], is[0], is[1]))
		}),
		"squeeze": {params: []string{"self", "dim"}, fn: func(vs []Value) (Value, error) {
			t, d, err := tensorOptDim(vs)
			if err != nil {
				return nil, err
			}
			return tv(kernels.Squeeze(t, d))
		}},
		"unsqueeze": tensorsOp([]string{"self", "dim"}, 1, []int64{0}, func(ts []*kernels.Tensor, is []int, _ []Value) (Value, error) {
			return tv(kernels.Unsqueeze(ts[0], is[0]))
		}),
		"slice":  {params: []string{"self", "dim", "start", "end", "step"}, fn: slice},
		"select": {params: []string{"self", "dim", "index"}, fn: selectOp},
		"index_select": {params: []string{"self", "dim", "index"}, fn: func(vs []Value) (Value, error) {
			t, d, i, err := tensorDimIndex(vs)
			if err != nil {
				return nil, err
			}
			return kernels.IndexSelect(t, d, i)
		}},
		"transpose": tensorsOp([]string{"self", "dim0", "dim1"}, 1, []int64{0, 1}, func(ts []*kernels.Tensor, is []int, _ []Value) (Value, error) {
			return tv(kernels.Transpose(ts[0], is[0], is[1]))
		}),
		"t": tensorsOp([]string{"self"}, 1, nil, func(ts []*kernels.Tensor, _ []int, _ []Value) (Value, error) {
			return tv(kernels.Transpose(ts[0], 0, -1))
		}),
		"to":              {params: []string{"self", "dtype", "non_blocking", "copy", "memory_format"}, fn: to},
		"contiguous":      {params: []string{"self", "memory_format"}, fn: identity},
		"detach":          {params: []string{"self"}, fn: identity},
		"dropout":         {params: []string{"input", "p", "train"}, fn: dropout},
		"feature_dropout": {params: []string{"input", "p", "train"}, fn: dropout},
		"relu":            tensorOp(kernels.Relu),
		"tanh":            tensorOp(kernels.Tanh),
		"sigmoid":         tensorOp(kernels.Sigmoid),
		"exp":             tensorOp(kernels.Exp),
		"sin":             unaryOp(math.Sin, true),
		"cos":             unaryOp(math.Cos, true),
		"log":             unaryOp(math.Log, true),
		"sqrt":            unaryOp(math.Sqrt, true),
		"abs":             {params: []string{"self"}, fn: absOp},
		"neg":             {params: []string{"self"}, fn: func(vs []Value) (Value, error) { return neg(arg(vs, 0)) }},
		"leaky_relu": {params: []string{"self", "negative_slope"}, fn: func(vs []Value) (Value, error) {
			t, err := tensorArg(vs, 0)
			if err != nil {
				return nil, err
			}
			s, err := floatArg(vs, 1, 0.01)
			if err != nil {
				return nil, err
			}
			return kernels.Unary(t, func(x float64) float64 {
				if x > 0 {
					return x
				}
				return x * s
			}, false)
		}},
		"elu": {params: []string{"self", "alpha", "scale", "input_scale"}, fn: func(vs []Value) (Value, error) {
			t, err := tensorArg(vs, 0)
			if err != nil {
				return nil, err
			}
			a, _ := floatArg(vs, 1, 1)
			sc, _ := floatArg(vs, 2, 1)
			is, _ := floatArg(vs, 3, 1)
			return kernels.Unary(t, func(x float64) float64 {
				if x > 0 {
					return sc * x
				}
				return sc * a * (math.Exp(x*is) - 1)
			}, false)
		}},
		"gelu": {params: []string{"self", "approximate"}, fn: func(vs []Value) (Value, error) {
			t, err := tensorArg(vs, 0)
			if err != nil {
				return nil, err
			}
			if s, _ := arg(vs, 1).(string); s == "tanh" {
				return kernels.GeluTanh(t)
			}
			return kernels.Unary(t, gelu, false)
		}},
		"softmax":      {params: []string{"self", "dim", "dtype"}, fn: softmax(false)},
		"log_softmax":  {params: []string{"self", "dim", "dtype"}, fn: softmax(true)},
		"add":          arith("add", kernels.Add, false),
		"add_":         inPlace("add"),
		"sub_":         inPlace("sub"),
		"mul_":         inPlace("mul"),
		"masked_fill_": inPlaceWith("masked_fill", []string{"self", "mask", "value"}),
		"sub":          arith("sub", kernels.Sub, false),
		"mul":          arith("mul", kernels.Mul, false),
		"div":          arith("div", kernels.Div, true),
		"pow":          arith("pow", kernels.Pow, false),
		"floordiv":     arith("floordiv", kernels.BinaryFunc{F: func(a, b float64) float64 { return math.Floor(a / b) }}, false),
		"remainder":    arith("remainder", kernels.BinaryFunc{F: func(a, b float64) float64 { return a - math.Floor(a/b)*b }}, false),
		"maximum":      arith("maximum", kernels.Maximum, false),
		"minimum":      arith("minimum", kernels.Minimum, false),
		"__and__":      arith("__and__", kernels.And, false),
		"__or__":       arith("__or__", kernels.Or, false),
		"rsub": {params: []string{"self", "other", "alpha"}, fn: func(vs []Value) (Value, error) {
			return ops["sub"].fn([]Value{arg(vs, 1), arg(vs, 0), arg(vs, 2)})
		}},
		"eq":   cmpOp("eq", func(a, b float64) bool { return a == b }, func(a, b int64) bool { return a == b }, func(a, b string) bool { return a == b }),
		"ne":   cmpOp("ne", func(a, b float64) bool { return a != b }, func(a, b int64) bool { return a != b }, func(a, b string) bool { return a != b }),
		"gt":   cmpOp("gt", func(a, b float64) bool { return a > b }, func(a, b int64) bool { return a > b }, func(a, b string) bool { return a > b }),
		"ge":   cmpOp("ge", func(a, b float64) bool { return a >= b }, func(a, b int64) bool { return a >= b }, func(a, b string) bool { return a >= b }),
		"lt":   cmpOp("lt", func(a, b float64) bool { return a < b }, func(a, b int64) bool { return a < b }, func(a, b string) bool { return a < b }),
		"le":   cmpOp("le", func(a, b float64) bool { return a <= b }, func(a, b int64) bool { return a <= b }, func(a, b string) bool { return a <= b }),
		"sum":  {params: []string{"self", "dim", "keepdim", "dtype"}, fn: reduce(false)},
		"mean": {params: []string{"self", "dim", "keepdim", "dtype"}, fn: reduce(true)},
		"max":  {params: []string{"self", "dim", "keepdim"}, fn: maxOp},
		"argmax": {params: []string{"self", "dim", "keepdim"}, fn: func(vs []Value) (Value, error) {
			t, d, err := tensorOptDim(vs)
			if err != nil {
				return nil, err
			}
			return tv(kernels.ArgMax(t, d, boolArg(vs, 2)))
		}},
		"cumprod": tensorsOp([]string{"self", "dim", "dtype"}, 1, []int64{0}, func(ts []*kernels.Tensor, is []int, _ []Value) (Value, error) {
			return tv(kernels.Cumprod(ts[0], is[0]))
		}),
		"clamp": {params: []string{"self", "min", "max"}, fn: func(vs []Value) (Value, error) {
			t, err := tensorArg(vs, 0)
			if err != nil {
				return nil, err
			}
			return kernels.Clamp(t, arg(vs, 1), arg(vs, 2))
		}},
		"where": {params: []string{"condition", "self", "other"}, fn: func(vs []Value) (Value, error) {
			c, err := tensorArg(vs, 0)
			if err != nil {
				return nil, err
			}
			if c.DType != tensor.Bool {
				return nil, argErr{"where expected condition to be a boolean tensor, but got a tensor with dtype " + c.DType.String()}
			}
			a, ok1 := operand(arg(vs, 1))
			b, ok2 := operand(arg(vs, 2))
			if !ok1 || !ok2 {
				return nil, argErr{"where: expected tensors or numbers"}
			}
			return kernels.Where(c, a, b)
		}},
		"masked_fill": {params: []string{"self", "mask", "value"}, fn: func(vs []Value) (Value, error) {
			t, err := tensorArg(vs, 0)
			if err != nil {
				return nil, err
			}
			m, err := tensorArg(vs, 1)
			if err != nil {
				return nil, err
			}
			var v float64
			if vt, ok := arg(vs, 2).(*kernels.Tensor); ok {
				if vt.Numel() != 1 {
					return nil, argErr{"masked_fill only supports a 0-dimensional value tensor"}
				}
				v = vt.At(0)
			} else if v, err = floatArg(vs, 2, 0); err != nil {
				return nil, err
			}
			return kernels.MaskedFill(t, m, v)
		}},
		"layer_norm": {params: []string{"input", "normalized_shape", "weight", "bias", "eps", "cudnn_enable"}, fn: func(vs []Value) (Value, error) {
			x, err := tensorArg(vs, 0)
			if err != nil {
				return nil, err
			}
			shape, err := intList(arg(vs, 1))
			if err != nil {
				return nil, err
			}
			w, err := optTensor(vs, 2)
			if err != nil {
				return nil, err
			}
			b, err := optTensor(vs, 3)
			if err != nil {
				return nil, err
			}
			eps, _ := floatArg(vs, 4, 1e-5)
			return kernels.LayerNorm(x, shape, w, b, eps)
		}},
		"batch_norm": {params: []string{"input", "weight", "bias", "running_mean", "running_var", "training", "momentum", "eps", "cudnn_enabled"}, fn: func(vs []Value) (Value, error) {
			x, err := tensorArg(vs, 0)
			if err != nil {
				return nil, err
			}
			var ts [4]*kernels.Tensor
			for i := range ts {
				if ts[i], err = optTensor(vs, i+1); err != nil {
					return nil, err
				}
			}
			if boolArg(vs, 5) {
				return nil, argErr{"batch_norm in training mode is not supported by the Go engine"}
			}
			eps, _ := floatArg(vs, 7, 1e-5)
			return kernels.BatchNorm(x, ts[0], ts[1], ts[2], ts[3], eps)
		}},
		"size": {params: []string{"self", "dim"}, fn: func(vs []Value) (Value, error) {
			t, err := tensorArg(vs, 0)
			if err != nil {
				return nil, err
			}
			if arg(vs, 1) == nil {
				l := &List{}
				for _, d := range t.Shape {
					l.Items = append(l.Items, int64(d))
				}
				return l, nil
			}
			d, err := intArg(vs, 1, 0)
			if err != nil {
				return nil, err
			}
			n, err := kernels.NormDim(int(d), t.Dim())
			if err != nil {
				return nil, err
			}
			if t.Dim() == 0 {
				return nil, argErr{"size() of a 0-dim tensor"}
			}
			return int64(t.Shape[n]), nil
		}},
		"dim":   {params: []string{"self"}, fn: func(vs []Value) (Value, error) { t, err := tensorArg(vs, 0); return tdim(t, err) }},
		"numel": {params: []string{"self"}, fn: func(vs []Value) (Value, error) { t, err := tensorArg(vs, 0); return tnumel(t, err) }},
		"item": {params: []string{"self"}, fn: func(vs []Value) (Value, error) {
			t, err := tensorArg(vs, 0)
			if err != nil {
				return nil, err
			}
			return item(t)
		}},
		"len":          {params: []string{"a"}, fn: lenOp},
		"items":        {params: []string{"self"}, fn: items},
		"keys":         {params: []string{"self"}, fn: keys},
		"list":         {params: []string{"l"}, fn: listCopy},
		"values":       {params: []string{"self"}, fn: values},
		"_set_item":    {params: []string{"l", "idx", "v"}, fn: func(vs []Value) (Value, error) { return nil, setItem(arg(vs, 0), arg(vs, 1), arg(vs, 2)) }},
		"__getitem__":  {params: []string{"self", "key"}, fn: func(vs []Value) (Value, error) { return getItem(arg(vs, 0), arg(vs, 1)) }},
		"__contains__": {params: []string{"self", "key"}, fn: contains},
		"__not__": {params: []string{"self"}, fn: func(vs []Value) (Value, error) {
			b, ok := arg(vs, 0).(bool)
			if !ok {
				return nil, argErr{"__not__ expects a bool"}
			}
			return !b, nil
		}},
		"__is__":    {params: []string{"self", "obj"}, fn: func(vs []Value) (Value, error) { return isOp(vs), nil }},
		"__isnot__": {params: []string{"self", "obj"}, fn: func(vs []Value) (Value, error) { return !isOp(vs), nil }},
		"append": {params: []string{"self", "el"}, fn: func(vs []Value) (Value, error) {
			l, ok := arg(vs, 0).(*List)
			if !ok {
				return nil, argErr{"append expects a list"}
			}
			if int64(len(l.Items)) >= kernels.MaxElements {
				return nil, argErr{"list too long"}
			}
			l.Items = append(l.Items, arg(vs, 1))
			return l, nil
		}},
		"get": {params: []string{"self", "key", "default_value"}, fn: func(vs []Value) (Value, error) {
			d, ok := arg(vs, 0).(*Dict)
			if !ok {
				return nil, argErr{"get expects a dict"}
			}
			if v, ok := d.Get(arg(vs, 1)); ok {
				return v, nil
			}
			return arg(vs, 2), nil
		}},
		"format":        {params: []string{"self"}, fn: format},
		"replace":       {params: []string{"self", "old", "new", "max"}, fn: replace},
		"str":           {params: []string{"elem"}, fn: func(vs []Value) (Value, error) { return str(arg(vs, 0)), nil }},
		"Int":           {params: []string{"a"}, fn: toInt},
		"IntImplicit":   {params: []string{"a"}, fn: toInt},
		"Float":         {params: []string{"a"}, fn: toFloat},
		"FloatImplicit": {params: []string{"a"}, fn: toFloat},
		"Bool":          {params: []string{"a"}, fn: toBool},
		"BoolImplicit":  {params: []string{"a"}, fn: toBool},
		// annotate(number, t): a one-element tensor used as a Python number
		// (int, float or bool by its dtype).
		"ScalarImplicit": {params: []string{"a"}, fn: func(vs []Value) (Value, error) {
			if t, ok := arg(vs, 0).(*kernels.Tensor); ok {
				return item(t)
			}
			return arg(vs, 0), nil
		}},
		"prim::RaiseException": {params: []string{"msg", "cls"}, fn: func(vs []Value) (Value, error) {
			cls, _ := arg(vs, 1).(string)
			cls = strings.TrimPrefix(cls, "builtins.")
			if cls == "" {
				cls = "Exception"
			}
			return nil, &RuntimeError{cls + ": " + str(arg(vs, 0))}
		}},
		"prim::device": {params: []string{"a"}, fn: func(vs []Value) (Value, error) {
			if _, err := tensorArg(vs, 0); err != nil {
				return nil, err
			}
			return Device("cpu"), nil
		}},
		"prim::dtype": {params: []string{"a"}, fn: func(vs []Value) (Value, error) {
			t, err := tensorArg(vs, 0)
			if err != nil {
				return nil, err
			}
			return kernels.ScalarTypeOf(t.DType), nil
		}},
		"prim::NumToTensor": {params: []string{"a"}, fn: numToTensor},
		"arange":            {params: []string{"start", "end", "step", "dtype", "layout", "device", "pin_memory"}, fn: arange},
		"device": {params: []string{"type"}, fn: func(vs []Value) (Value, error) {
			s, ok := arg(vs, 0).(string)
			if !ok {
				return nil, argErr{"torch.device takes a string"}
			}
			return Device(s), nil // the Go engine computes on the CPU whatever the export names
		}},
		"prim::min": {params: []string{"a", "b"}, fn: func(vs []Value) (Value, error) { return minMax(vs, true) }},
		"prim::max": {params: []string{"a", "b"}, fn: func(vs []Value) (Value, error) { return minMax(vs, false) }},
	})
}
