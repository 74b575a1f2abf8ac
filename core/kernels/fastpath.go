package kernels

import "github.com/ludwig-infer/ludwig-infer/core/tensor"

// Typed loops for the commonest float32 elementwise cases and dtype
// conversions, without a function call or a dtype switch per element.
// Results are bit for bit those of the general paths: +, -, * and / of two
// float32 values rounded from float64 equal the float32 operation, and
// the conversions here are the ones a C cast gives exactly (integers and
// float32 to wider or float types, float64 to float32).

// arithKind marks Add, Sub, Mul and Div for arithF32.
type arithKind uint8

const (
	arithOther arithKind = iota
	arithAdd
	arithSub
	arithMul
	arithDiv
)

// arithF32 sets r[i] = a[i] op b[i] (equal lengths) for a known kind; false
// for another.
func arithF32(k arithKind, r, a, b []float32) bool {
	a, b = a[:len(r)], b[:len(r)]
	switch k {
	case arithAdd:
		for i := range r {
			r[i] = a[i] + b[i]
		}
	case arithSub:
		for i := range r {
			r[i] = a[i] - b[i]
		}
	case arithMul:
		for i := range r {
			r[i] = a[i] * b[i]
		}
	case arithDiv:
		for i := range r {
			r[i] = a[i] / b[i]
		}
	default:
		return false
	}
	return true
}

// periodic reports whether a tensor of shape in broadcast to out repeats
// its numel(in) elements in order (in is out's trailing dimensions, leading
// ones of size 1 dropped).
func periodic(in, out []int) bool {
	for len(in) > 0 && in[0] == 1 {
		in = in[1:]
	}
	if len(in) > len(out) {
		return false
	}
	tail := out[len(out)-len(in):]
	for i := range in {
		if in[i] != tail[i] {
			return false
		}
	}
	return true
}

// binaryRowsF32 is binaryF32 for a known kind when one operand has r's
// size and the other repeats along it (the same shape, or a row broadcast
// such as x / scale); false otherwise.
func binaryRowsF32(k arithKind, a, b, r *Tensor) bool {
	n := len(r.F32)
	if k == arithOther || n == 0 {
		return false
	}
	switch {
	case len(a.F32) == n && len(b.F32) > 1 && periodic(b.Shape, r.Shape):
		p := len(b.F32)
		for i := 0; i < n; i += p {
			arithF32(k, r.F32[i:i+p], a.F32[i:i+p], b.F32)
		}
	case len(b.F32) == n && len(a.F32) > 1 && periodic(a.Shape, r.Shape):
		p := len(a.F32)
		for i := 0; i < n; i += p {
			arithF32(k, r.F32[i:i+p], a.F32, b.F32[i:i+p])
		}
	default:
		return false
	}
	return true
}

// convertSlice sets dst[i] = D(src[i]).
func convertSlice[S, D int8 | int16 | int32 | int64 | uint8 | float32 | float64](dst []D, src []S) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = D(v)
	}
}

// convertTo converts t's elements into out (of t's shape) with a typed
// loop: to float32 and float64 from every dtype, to int64 from the integer
// and bool dtypes; false for the other pairs (floats to integers, anything
// to bool, to narrower integers), which To converts element by element.
func convertTo(out, t *Tensor) bool {
	switch out.DType {
	case tensor.Float32:
		return convertFrom(out.F32, t)
	case tensor.Float64:
		return convertFrom(out.F64, t)
	case tensor.Int64:
		if IsFloat(t.DType) {
			return false
		}
		return convertFrom(out.I64, t)
	}
	return false
}

func convertFrom[D float32 | float64 | int64](dst []D, t *Tensor) bool {
	switch t.DType {
	case tensor.Float32:
		convertSlice(dst, t.F32)
	case tensor.Float64:
		convertSlice(dst, t.F64)
	case tensor.Int64:
		convertSlice(dst, t.I64)
	case tensor.Int32:
		convertSlice(dst, t.I32)
	case tensor.Int16:
		convertSlice(dst, t.I16)
	case tensor.Int8:
		convertSlice(dst, t.I8)
	case tensor.Uint8, tensor.Bool: // bool is 0/1
		convertSlice(dst, t.U8)
	default:
		return false
	}
	return true
}
