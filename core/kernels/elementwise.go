package kernels

import (
	"fmt"
	"math"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// Operand is an operator argument: a tensor or a Python number (int64,
// float64 or bool), which promotes as a "wrapped number" does in libtorch.
type Operand struct {
	T *Tensor
	S any // int64, float64 or bool when T is nil
}

const undefined tensor.DType = 0

func category(dt tensor.DType) int {
	switch {
	case dt == undefined:
		return -1
	case dt == tensor.Bool:
		return 0
	case IsFloat(dt):
		return 2
	}
	return 1
}

// Promote is torch.promote_types for the supported dtypes.
func Promote(a, b tensor.DType) tensor.DType {
	switch {
	case a == undefined:
		return b
	case b == undefined || a == b:
		return a
	case a == tensor.Bool:
		return b
	case b == tensor.Bool:
		return a
	case IsFloat(a) || IsFloat(b):
		if a == tensor.Float64 || b == tensor.Float64 {
			return tensor.Float64
		}
		return tensor.Float32
	case (a == tensor.Uint8 && b == tensor.Int8) || (a == tensor.Int8 && b == tensor.Uint8):
		return tensor.Int16
	}
	if a.Size() >= b.Size() && a != tensor.Uint8 {
		return a
	}
	return b
}

// combine is libtorch's combine_categories.
func combine(higher, lower tensor.DType) tensor.DType {
	if IsFloat(higher) {
		return higher
	}
	if higher == tensor.Bool || IsFloat(lower) {
		return Promote(higher, lower)
	}
	if higher != undefined {
		return higher
	}
	return lower
}

// ResultType is torch.result_type over the operands: dimensioned tensors
// decide, then zero-dim tensors, then Python numbers, each only when it is
// of a higher category (bool < integer < float).
func ResultType(ops ...Operand) tensor.DType {
	var dim, zero, wrapped tensor.DType
	for _, o := range ops {
		switch {
		case o.T != nil && o.T.Dim() > 0:
			dim = Promote(dim, o.T.DType)
		case o.T != nil:
			zero = Promote(zero, o.T.DType)
		default:
			switch o.S.(type) {
			case float64:
				wrapped = Promote(wrapped, tensor.Float32)
			case int64:
				wrapped = Promote(wrapped, tensor.Int64)
			case bool:
				wrapped = Promote(wrapped, tensor.Bool)
			}
		}
	}
	return combine(dim, combine(zero, wrapped))
}

// asTensor makes a scalar operand a 0-dim tensor of dt.
func (o Operand) asTensor(dt tensor.DType) *Tensor {
	if o.T != nil {
		return o.T
	}
	t, _ := New(dt, nil)
	switch v := o.S.(type) {
	case float64:
		t.Set(0, v)
	case int64:
		t.SetInt(0, v)
	case bool:
		if v {
			t.SetInt(0, 1)
		}
	}
	return t
}

// BroadcastShapes returns the broadcast of two shapes.
func BroadcastShapes(a, b []int) ([]int, error) {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := 0; i < n; i++ {
		da, db := 1, 1
		if j := len(a) - n + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - n + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db || db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			return nil, fmt.Errorf("the size of tensor a (%d) must match the size of tensor b (%d) at non-singleton dimension %d", da, db, i)
		}
	}
	return out, nil
}

// broadcastIndex returns, for every element of out shape, the flat index
// into a tensor of shape in (broadcast to out).
func broadcastIndex(in, out []int) []int {
	n := numel(out)
	idx := make([]int, n)
	if numel(in) == n {
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	if numel(in) == 1 {
		return idx
	}
	// strides of in aligned to out (0 on broadcast dimensions)
	st := make([]int, len(out))
	s := 1
	for i := len(out) - 1; i >= 0; i-- {
		j := len(in) - len(out) + i
		if j >= 0 && in[j] != 1 {
			st[i] = s
		}
		if j >= 0 {
			s *= in[j]
		}
	}
	pos := make([]int, len(out))
	off := 0
	for i := 0; i < n; i++ {
		idx[i] = off
		for d := len(out) - 1; d >= 0; d-- {
			pos[d]++
			off += st[d]
			if pos[d] < out[d] {
				break
			}
			off -= st[d] * pos[d]
			pos[d] = 0
		}
	}
	return idx
}

// BinaryFunc computes one element: f for floating results, i for integer
// and bool results (nil: computed through f).
type BinaryFunc struct {
	F func(a, b float64) float64
	I func(a, b int64) (int64, error)
	// kind marks Add, Sub, Mul and Div: typed float32 loops.
	kind arithKind
}

// Binary applies fn elementwise with broadcasting; the result has the
// promoted dtype, or out when out is not undefined (division: float).
func Binary(a, b Operand, fn BinaryFunc, out tensor.DType) (*Tensor, error) {
	dt := ResultType(a, b)
	if out != undefined {
		if out == tensor.Float32 && IsFloat(dt) {
			out = dt
		}
		dt = out
	}
	ta, tb := a.asTensor(dt), b.asTensor(dt)
	shape, err := BroadcastShapes(ta.Shape, tb.Shape)
	if err != nil {
		return nil, err
	}
	r, err := New(dt, shape)
	if err != nil {
		return nil, err
	}
	if dt == tensor.Float32 && ta.DType == tensor.Float32 && tb.DType == tensor.Float32 {
		if len(ta.F32) == len(r.F32) && len(tb.F32) == len(r.F32) && arithF32(fn.kind, r.F32, ta.F32, tb.F32) {
			return r, nil
		}
		if !binaryRowsF32(fn.kind, ta, tb, r) {
			binaryF32(ta, tb, r, fn.F)
		}
		return r, nil
	}
	ia, ib := broadcastIndex(ta.Shape, shape), broadcastIndex(tb.Shape, shape)
	switch {
	case IsFloat(dt) || fn.I == nil:
		for i := range ia {
			r.Set(i, fn.F(ta.At(ia[i]), tb.At(ib[i])))
		}
	default:
		for i := range ia {
			v, err := fn.I(ta.IntAt(ia[i]), tb.IntAt(ib[i]))
			if err != nil {
				return nil, err
			}
			r.SetInt(i, v)
		}
	}
	return r, nil
}

// binaryF32 is Binary on float32 operands: without index arrays when the
// shapes are equal or one side is a single element.
func binaryF32(a, b, r *Tensor, f func(x, y float64) float64) {
	n := len(r.F32)
	switch {
	case len(a.F32) == n && len(b.F32) == n:
		for i := range r.F32 {
			r.F32[i] = float32(f(float64(a.F32[i]), float64(b.F32[i])))
		}
	case len(b.F32) == 1 && len(a.F32) == n:
		y := float64(b.F32[0])
		for i := range r.F32 {
			r.F32[i] = float32(f(float64(a.F32[i]), y))
		}
	case len(a.F32) == 1 && len(b.F32) == n:
		x := float64(a.F32[0])
		for i := range r.F32 {
			r.F32[i] = float32(f(x, float64(b.F32[i])))
		}
	default:
		ia, ib := broadcastIndex(a.Shape, r.Shape), broadcastIndex(b.Shape, r.Shape)
		for i := range r.F32 {
			r.F32[i] = float32(f(float64(a.F32[ia[i]]), float64(b.F32[ib[i]])))
		}
	}
}

// Compare applies a comparison elementwise (in the promoted dtype) and
// returns a bool tensor.
func Compare(a, b Operand, f func(a, b float64) bool, i func(a, b int64) bool) (*Tensor, error) {
	dt := ResultType(a, b)
	ta, tb := a.asTensor(dt), b.asTensor(dt)
	shape, err := BroadcastShapes(ta.Shape, tb.Shape)
	if err != nil {
		return nil, err
	}
	r, err := New(tensor.Bool, shape)
	if err != nil {
		return nil, err
	}
	ia, ib := broadcastIndex(ta.Shape, shape), broadcastIndex(tb.Shape, shape)
	useInt := !IsFloat(dt)
	for k := range ia {
		var ok bool
		if useInt {
			ok = i(ta.IntAt(ia[k]), tb.IntAt(ib[k]))
		} else {
			x, y := ta.At(ia[k]), tb.At(ib[k])
			if dt == tensor.Float32 {
				x, y = float64(float32(x)), float64(float32(y))
			}
			ok = f(x, y)
		}
		if ok {
			r.U8[k] = 1
		}
	}
	return r, nil
}

// Arithmetic.
var (
	Add = BinaryFunc{F: func(a, b float64) float64 { return a + b }, I: func(a, b int64) (int64, error) { return a + b, nil }, kind: arithAdd}
	Sub = BinaryFunc{F: func(a, b float64) float64 { return a - b }, I: func(a, b int64) (int64, error) { return a - b, nil }, kind: arithSub}
	Mul = BinaryFunc{F: func(a, b float64) float64 { return a * b }, I: func(a, b int64) (int64, error) { return a * b, nil }, kind: arithMul}
	Div = BinaryFunc{F: func(a, b float64) float64 { return a / b }, kind: arithDiv}
	Pow = BinaryFunc{F: math.Pow, I: func(a, b int64) (int64, error) {
		if b < 0 {
			return 0, fmt.Errorf("integers to negative integer powers are not allowed")
		}
		// Exponentiation by squaring (wrapping as int64 does).
		r := int64(1)
		for ; b > 0; b >>= 1 {
			if b&1 == 1 {
				r *= a
			}
			a *= a
		}
		return r, nil
	}}
	Maximum = BinaryFunc{F: func(a, b float64) float64 {
		if a != a || b != b {
			return math.NaN()
		}
		return math.Max(a, b)
	}, I: func(a, b int64) (int64, error) { return max(a, b), nil }}
	Minimum = BinaryFunc{F: func(a, b float64) float64 {
		if a != a || b != b {
			return math.NaN()
		}
		return math.Min(a, b)
	}, I: func(a, b int64) (int64, error) { return min(a, b), nil }}
	And = BinaryFunc{F: func(a, b float64) float64 { return b2f(a != 0 && b != 0) }, I: func(a, b int64) (int64, error) { return a & b, nil }}
	Or  = BinaryFunc{F: func(a, b float64) float64 { return b2f(a != 0 || b != 0) }, I: func(a, b int64) (int64, error) { return a | b, nil }}
)

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Unary applies f elementwise. Integer and bool inputs give float32
// (transcendental functions) when toFloat is set, the input dtype otherwise.
func Unary(t *Tensor, f func(float64) float64, toFloat bool) (*Tensor, error) {
	dt := t.DType
	if toFloat && !IsFloat(dt) {
		dt = tensor.Float32
	}
	r, err := New(dt, t.Shape)
	if err != nil {
		return nil, err
	}
	if dt == tensor.Float32 && t.DType == tensor.Float32 {
		for i, x := range t.F32 {
			r.F32[i] = float32(f(float64(x)))
		}
		return r, nil
	}
	for i := 0; i < t.Numel(); i++ {
		r.Set(i, f(t.At(i)))
	}
	return r, nil
}

// Relu is torch.relu(t): t where it is greater than 0 or NaN, 0 elsewhere
// (-0 included), in t's dtype; float32 in a typed loop, others through
// Unary.
func Relu(t *Tensor) (*Tensor, error) {
	if t.DType != tensor.Float32 {
		return Unary(t, func(x float64) float64 {
			if x > 0 || x != x {
				return x
			}
			return 0
		}, false)
	}
	r, err := New(t.DType, t.Shape)
	if err != nil {
		return nil, err
	}
	out := r.F32[:len(t.F32)]
	for i, v := range t.F32 {
		if v > 0 || v != v {
			out[i] = v
		}
	}
	return r, nil
}

// Where is torch.where(cond, a, b).
func Where(cond *Tensor, a, b Operand) (*Tensor, error) {
	dt := ResultType(a, b)
	ta, tb := a.asTensor(dt), b.asTensor(dt)
	s1, err := BroadcastShapes(ta.Shape, tb.Shape)
	if err != nil {
		return nil, err
	}
	shape, err := BroadcastShapes(cond.Shape, s1)
	if err != nil {
		return nil, err
	}
	r, err := New(dt, shape)
	if err != nil {
		return nil, err
	}
	ic, ia, ib := broadcastIndex(cond.Shape, shape), broadcastIndex(ta.Shape, shape), broadcastIndex(tb.Shape, shape)
	for i := range ic {
		src, j := tb, ib[i]
		if cond.At(ic[i]) != 0 {
			src, j = ta, ia[i]
		}
		if IsFloat(dt) {
			r.Set(i, src.At(j))
		} else {
			r.SetInt(i, src.IntAt(j))
		}
	}
	return r, nil
}

// Clamp is torch.clamp(t, lo, hi) (nil bounds are absent).
func Clamp(t *Tensor, lo, hi any) (*Tensor, error) {
	if lo == nil && hi == nil {
		return nil, fmt.Errorf("clamp: at least one of min and max must be given")
	}
	ops := []Operand{{T: t}}
	if lo != nil {
		ops = append(ops, Operand{S: lo})
	}
	if hi != nil {
		ops = append(ops, Operand{S: hi})
	}
	dt := ResultType(ops...)
	r, err := To(t, dt, true)
	if err != nil {
		return nil, err
	}
	l, h := math.Inf(-1), math.Inf(1)
	if lo != nil {
		l = num(lo)
	}
	if hi != nil {
		h = num(hi)
	}
	for i := 0; i < r.Numel(); i++ {
		x := r.At(i)
		if x != x {
			continue
		}
		if x < l {
			x = l
		}
		if x > h {
			x = h
		}
		r.Set(i, x)
	}
	return r, nil
}

func num(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	case bool:
		return b2f(x)
	}
	return math.NaN()
}
