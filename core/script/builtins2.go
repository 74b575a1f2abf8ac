package script

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core/kernels"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

func identity(vs []Value) (Value, error) {
	t, err := tensorArg(vs, 0)
	return t, err
}

func dropout(vs []Value) (Value, error) {
	t, err := tensorArg(vs, 0)
	if err != nil {
		return nil, err
	}
	if boolArg(vs, 2) {
		return nil, argErr{"dropout in training mode is not supported by the Go engine (the predictor runs in eval mode)"}
	}
	return t, nil
}

func absOp(vs []Value) (Value, error) {
	switch x := arg(vs, 0).(type) {
	case int64:
		if x < 0 {
			return -x, nil
		}
		return x, nil
	case float64:
		return math.Abs(x), nil
	case *kernels.Tensor:
		return kernels.Unary(x, math.Abs, false)
	}
	return nil, argErr{"abs expects a number or a tensor"}
}

func reshape(vs []Value) (Value, error) {
	t, err := tensorArg(vs, 0)
	if err != nil {
		return nil, err
	}
	shape, err := intList(arg(vs, 1))
	if err != nil {
		return nil, err
	}
	return kernels.Reshape(t, shape)
}

// slice is aten::slice on tensors (self, dim, start, end, step), and on
// strings and lists (self, start, end, step).
func slice(vs []Value) (Value, error) {
	switch x := arg(vs, 0).(type) {
	case *kernels.Tensor:
		d, err := intArg(vs, 1, 0)
		if err != nil {
			return nil, err
		}
		start, end, err := bounds(vs, 2)
		if err != nil {
			return nil, err
		}
		step, err := intArg(vs, 4, 1)
		if err != nil {
			return nil, err
		}
		return kernels.Slice(x, int(d), start, end, step)
	case string, *List:
		start, end, err := bounds(vs, 1)
		if err != nil {
			return nil, err
		}
		step, err := intArg(vs, 3, 1)
		if err != nil {
			return nil, err
		}
		if step != 1 {
			return nil, argErr{"the Go engine slices strings and lists with step 1 only"}
		}
		n := int64(0)
		if s, ok := x.(string); ok {
			n = int64(len(s))
		} else {
			n = int64(len(x.(*List).Items))
		}
		lo, hi := int64(0), n
		if start != nil {
			lo = clampIdx(*start, n)
		}
		if end != nil {
			hi = clampIdx(*end, n)
		}
		if hi < lo {
			hi = lo
		}
		if s, ok := x.(string); ok {
			return s[lo:hi], nil
		}
		return &List{Items: append([]Value(nil), x.(*List).Items[lo:hi]...)}, nil
	}
	return nil, argErr{"slice expects a tensor, a string or a list, not " + typeOf(arg(vs, 0))}
}

func clampIdx(i, n int64) int64 {
	if i < 0 {
		i += n
	}
	return max(0, min(i, n))
}

func bounds(vs []Value, i int) (*int64, *int64, error) {
	var out [2]*int64
	for k := 0; k < 2; k++ {
		if arg(vs, i+k) == nil {
			continue
		}
		v, err := intArg(vs, i+k, 0)
		if err != nil {
			return nil, nil, err
		}
		out[k] = &v
	}
	return out[0], out[1], nil
}

// tensorDim reads (self: Tensor, dim: int).
func tensorDim(vs []Value) (*kernels.Tensor, int64, error) {
	t, err := tensorArg(vs, 0)
	if err != nil {
		return nil, 0, err
	}
	d, err := intArg(vs, 1, 0)
	if err != nil {
		return nil, 0, err
	}
	return t, d, nil
}

func selectOp(vs []Value) (Value, error) {
	if l, ok := arg(vs, 0).(*List); ok {
		return getItem(l, arg(vs, 1))
	}
	t, d, err := tensorDim(vs)
	if err != nil {
		return nil, err
	}
	i, err := intArg(vs, 2, 0)
	if err != nil {
		return nil, err
	}
	return kernels.Select(t, int(d), i)
}

// to is aten::to: to(t, dtype, ...), to(t, device, dtype, ...) or
// to(t, other_tensor, ...). The Go engine runs on the CPU only.
func to(vs []Value) (Value, error) {
	t, err := tensorArg(vs, 0)
	if err != nil {
		return nil, err
	}
	rest := vs[1:]
	if len(rest) > 0 {
		switch d := rest[0].(type) {
		case Device, string:
			dev := fmt.Sprint(d)
			if dev != "cpu" {
				return nil, argErr{"the Go engine runs on the CPU only, not on " + dev}
			}
			rest = rest[1:]
		case *kernels.Tensor:
			return kernels.To(t, d.DType, len(rest) > 2 && boolArg(rest, 2))
		}
	}
	if len(rest) == 0 || rest[0] == nil {
		return t, nil
	}
	code, ok := rest[0].(int64)
	if !ok {
		return nil, argErr{"to(): expected a dtype, not " + typeOf(rest[0])}
	}
	dt, err := kernels.DTypeOf(code)
	if err != nil {
		return nil, err
	}
	return kernels.To(t, dt, len(rest) > 2 && boolArg(rest, 2))
}

// dtypeArg reads an optional ScalarType argument (0: absent).
func dtypeArg(vs []Value, i int) (tensor.DType, error) {
	if arg(vs, i) == nil {
		return 0, nil
	}
	c, err := intArg(vs, i, 0)
	if err != nil {
		return 0, err
	}
	return kernels.DTypeOf(c)
}

func softmax(log bool) func([]Value) (Value, error) {
	return func(vs []Value) (Value, error) {
		t, d, dt, err := tensorDimDtype(vs)
		if err != nil {
			return nil, err
		}
		return kernels.Softmax(t, d, log, dt)
	}
}

func reduce(mean bool) func([]Value) (Value, error) {
	return func(vs []Value) (Value, error) {
		t, dims, err := tensorDims(vs)
		if err != nil {
			return nil, err
		}
		dt, err := dtypeArg(vs, 3)
		if err != nil {
			return nil, err
		}
		return kernels.Sum(t, dims, boolArg(vs, 2), dt, mean)
	}
}

// tensorDims reads (self: Tensor, dim: int[]? = None) of a reduction
// (nil dims: all).
func tensorDims(vs []Value) (*kernels.Tensor, []int, error) {
	t, err := tensorArg(vs, 0)
	if err != nil || arg(vs, 1) == nil {
		return t, nil, err
	}
	dims, err := intList(arg(vs, 1))
	if err != nil {
		return nil, nil, err
	}
	return t, dims, nil
}

// maxOp is max(t) (the maximum), max(t, dim, keepdim) ((values, indices))
// and max(t, other) (elementwise).
func maxOp(vs []Value) (Value, error) {
	t, err := tensorArg(vs, 0)
	if err != nil {
		return nil, err
	}
	switch o := arg(vs, 1).(type) {
	case nil:
		if t.Numel() == 0 {
			return nil, argErr{"max(): expected a non-empty tensor"}
		}
		v, _, err := kernels.MaxDim(kernels.Flat(t), 0, false)
		return v, err
	case *kernels.Tensor:
		return kernels.Binary(kernels.Operand{T: t}, kernels.Operand{T: o}, kernels.Maximum, 0)
	}
	d, err := intArg(vs, 1, 0)
	if err != nil {
		return nil, err
	}
	v, i, err := kernels.MaxDim(t, int(d), boolArg(vs, 2))
	if err != nil {
		return nil, err
	}
	return Tuple{v, i}, nil
}

func tdim(t *kernels.Tensor, err error) (Value, error) {
	if err != nil {
		return nil, err
	}
	return int64(t.Dim()), nil
}

func tnumel(t *kernels.Tensor, err error) (Value, error) {
	if err != nil {
		return nil, err
	}
	return int64(t.Numel()), nil
}

func item(t *kernels.Tensor) (Value, error) {
	if t.Numel() != 1 {
		return nil, argErr{fmt.Sprintf("a Tensor with %d elements cannot be converted to Scalar", t.Numel())}
	}
	switch {
	case kernels.IsFloat(t.DType):
		return t.At(0), nil
	case t.DType == tensor.Bool:
		return t.U8[0] != 0, nil
	}
	return t.IntAt(0), nil
}

func lenOp(vs []Value) (Value, error) {
	switch x := arg(vs, 0).(type) {
	case *List:
		return int64(len(x.Items)), nil
	case Tuple:
		return int64(len(x)), nil
	case *Dict:
		return int64(len(x.Keys)), nil
	case string:
		return int64(len([]rune(x))), nil
	case *kernels.Tensor:
		if x.Dim() == 0 {
			return nil, argErr{"len() of a 0-d tensor"}
		}
		return int64(x.Shape[0]), nil
	}
	return nil, argErr{"len() of " + typeOf(arg(vs, 0))}
}

func dictArg(vs []Value) (*Dict, error) {
	d, ok := arg(vs, 0).(*Dict)
	if !ok {
		return nil, argErr{"expected a dict, not " + typeOf(arg(vs, 0))}
	}
	return d, nil
}

func items(vs []Value) (Value, error) {
	d, err := dictArg(vs)
	if err != nil {
		return nil, err
	}
	l := &List{Items: make([]Value, len(d.Keys))}
	for i, k := range d.Keys {
		l.Items[i] = Tuple{k, d.Values[i]}
	}
	return l, nil
}

func keys(vs []Value) (Value, error) {
	d, err := dictArg(vs)
	if err != nil {
		return nil, err
	}
	return &List{Items: append([]Value(nil), d.Keys...)}, nil
}

func values(vs []Value) (Value, error) {
	d, err := dictArg(vs)
	if err != nil {
		return nil, err
	}
	return &List{Items: append([]Value(nil), d.Values...)}, nil
}

func contains(vs []Value) (Value, error) {
	k := arg(vs, 1)
	switch x := arg(vs, 0).(type) {
	case *Dict:
		_, ok := x.Get(k)
		return ok, nil
	case *List:
		for _, e := range x.Items {
			if e == k {
				return true, nil
			}
		}
		return false, nil
	case string:
		s, ok := k.(string)
		if !ok {
			return nil, argErr{"'in <string>' requires string as left operand"}
		}
		return strings.Contains(x, s), nil
	}
	return nil, argErr{"argument of type " + typeOf(arg(vs, 0)) + " is not iterable"}
}

func isOp(vs []Value) bool {
	a, b := arg(vs, 0), arg(vs, 1)
	return (a == nil && b == nil) || (a != nil && b != nil && identical(a, b))
}

// format is str.format with positional {} fields.
func format(vs []Value) (Value, error) {
	f, ok := arg(vs, 0).(string)
	if !ok {
		return nil, argErr{"format expects a string"}
	}
	var b strings.Builder
	next := 1
	for i := 0; i < len(f); i++ {
		if f[i] == '{' && i+1 < len(f) && f[i+1] == '}' {
			if next < len(vs) {
				b.WriteString(str(vs[next]))
			}
			next++
			i++
			continue
		}
		b.WriteByte(f[i])
	}
	return b.String(), nil
}

func replace(vs []Value) (Value, error) {
	s, ok1 := arg(vs, 0).(string)
	o, ok2 := arg(vs, 1).(string)
	n, ok3 := arg(vs, 2).(string)
	if !ok1 || !ok2 || !ok3 {
		return nil, argErr{"replace expects strings"}
	}
	count, err := intArg(vs, 3, -1)
	if err != nil {
		return nil, err
	}
	return strings.Replace(s, o, n, int(count)), nil
}

// inPlace is the in-place form (add_, sub_, mul_) of the operator name: the
// result, of the operator's broadcast and promotion rules, is written into
// self, which must already have the result's shape and a dtype the result
// casts to (torch refuses a floating result in an integer tensor), and self
// is returned. When self was taken by select/slice, the write reaches the
// tensor it was taken from (kernels.CopyInto).
func inPlace(name string) op {
	return inPlaceWith(name, []string{"self", "other", "alpha"})
}

// inPlaceWith is inPlace for an operator whose parameters are params.
func inPlaceWith(name string, params []string) op {
	return op{params: params, fn: func(vs []Value) (Value, error) {
		self, err := tensorArg(vs, 0)
		if err != nil {
			return nil, err
		}
		v, err := ops[name].fn(vs)
		if err != nil {
			return nil, err
		}
		r, ok := v.(*kernels.Tensor)
		if !ok {
			return nil, argErr{name + "_ did not give a tensor"}
		}
		if !slices.Equal(r.Shape, self.Shape) {
			return nil, argErr{fmt.Sprintf("output with shape %v doesn't match the broadcast shape %v", self.Shape, r.Shape)}
		}
		if kernels.IsFloat(r.DType) && !kernels.IsFloat(self.DType) {
			return nil, argErr{fmt.Sprintf("result type %s can't be cast to the desired output type %s", r.DType, self.DType)}
		}
		// CopyInto also writes through when self is a select/slice result.
		return tv(kernels.CopyInto(self, r))
	}}
}

// arange is torch.arange: TorchScript prints arange(start, end, step, dtype=...,
// ...) or, for arange(end), arange(end, dtype=...). The values are
// start + i*step; the dtype, when not given, is int64 for integer arguments
// and float32 (torch's default) otherwise.
func arange(vs []Value) (Value, error) {
	start, end, step := arg(vs, 0), arg(vs, 1), arg(vs, 2)
	if end == nil {
		start, end = int64(0), start
	}
	if start == nil {
		start = int64(0) // arange.default's schema names its one bound end (exported graphs)
	}
	if step == nil {
		step = int64(1)
	}
	s, ok1 := toF(start)
	e, ok2 := toF(end)
	st, ok3 := toF(step)
	if !ok1 || !ok2 || !ok3 {
		return nil, argErr{"arange takes numbers"}
	}
	if st == 0 {
		return nil, argErr{"arange: step must be nonzero"}
	}
	n := math.Ceil((e - s) / st)
	if n < 0 || n != n {
		return nil, argErr{"arange: upper bound and larger bound inconsistent with step sign"}
	}
	if n > float64(kernels.MaxElements) {
		return nil, argErr{"arange: too many elements"}
	}
	dt, err := dtypeArg(vs, 3)
	if err != nil {
		return nil, err
	}
	_, i1 := start.(int64)
	_, i2 := end.(int64)
	_, i3 := step.(int64)
	if arg(vs, 3) == nil {
		dt = tensor.Float32
		if i1 && i2 && i3 {
			dt = tensor.Int64
		}
	}
	t, err := kernels.New(dt, []int{int(n)})
	if err != nil {
		return nil, err
	}
	for i := 0; i < int(n); i++ {
		if !kernels.IsFloat(dt) && i1 && i3 {
			t.SetInt(i, start.(int64)+int64(i)*step.(int64))
		} else {
			t.Set(i, s+float64(i)*st)
		}
	}
	return t, nil
}

// numToTensor is prim::NumToTensor, what tracing records where Python code
// turned a number (a size, most often) into a tensor: a 0-dim int64 tensor
// of an int, float64 of a float, bool of a bool, as torch makes them.
func numToTensor(vs []Value) (Value, error) {
	switch x := arg(vs, 0).(type) {
	case int64:
		t, err := kernels.New(tensor.Int64, nil)
		if err != nil {
			return nil, err
		}
		t.SetInt(0, x)
		return t, nil
	case float64:
		return kernels.Scalar(tensor.Float64, x), nil
	case bool:
		v := 0.0
		if x {
			v = 1
		}
		return kernels.Scalar(tensor.Bool, v), nil
	}
	return nil, argErr{"NumToTensor of " + typeOf(arg(vs, 0))}
}

func toInt(vs []Value) (Value, error) {
	switch x := arg(vs, 0).(type) {
	case int64:
		return x, nil
	case bool:
		if x {
			return int64(1), nil
		}
		return int64(0), nil
	case float64:
		if x != x || math.IsInf(x, 0) {
			return nil, argErr{"cannot convert float " + formatFloat(x) + " to integer"}
		}
		return int64(x), nil
	case *kernels.Tensor:
		if x.Numel() != 1 {
			return nil, argErr{"only one element tensors can be converted to Python scalars"}
		}
		return x.IntAt(0), nil
	}
	return nil, argErr{"int() of " + typeOf(arg(vs, 0))}
}

func toFloat(vs []Value) (Value, error) {
	switch x := arg(vs, 0).(type) {
	case *kernels.Tensor:
		if x.Numel() != 1 {
			return nil, argErr{"only one element tensors can be converted to Python scalars"}
		}
		return x.At(0), nil
	}
	if f, ok := toF(arg(vs, 0)); ok {
		return f, nil
	}
	return nil, argErr{"float() of " + typeOf(arg(vs, 0))}
}

func toBool(vs []Value) (Value, error) {
	if t, ok := arg(vs, 0).(*kernels.Tensor); ok && t.Numel() != 1 {
		return nil, argErr{"Boolean value of Tensor with more than one value is ambiguous"}
	}
	return truth(arg(vs, 0))
}

func minMax(vs []Value, isMin bool) (Value, error) {
	a, b := arg(vs, 0), arg(vs, 1)
	ai, aInt := a.(int64)
	bi, bInt := b.(int64)
	if aInt && bInt {
		if (ai < bi) == isMin {
			return ai, nil
		}
		return bi, nil
	}
	af, ok1 := toF(a)
	bf, ok2 := toF(b)
	if !ok1 || !ok2 {
		return nil, argErr{"min/max expect numbers"}
	}
	if (af < bf) == isMin {
		return af, nil
	}
	return bf, nil
}

// listCopy is list(l): a new list with l's items (a string's characters).
func listCopy(vs []Value) (Value, error) {
	switch x := arg(vs, 0).(type) {
	case *List:
		return &List{Items: append([]Value(nil), x.Items...)}, nil
	case string:
		return iterateList(x)
	}
	return nil, argErr{"list() of " + typeOf(arg(vs, 0))}
}

func iterateList(v Value) (Value, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	return &List{Items: items}, nil
}
