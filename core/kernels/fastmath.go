package kernels

import (
	"math"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// Transcendental functions of float32 tensors. math.Exp and math.Tanh are
// exact to float64 and handle every float64 input; float32 data needs
// neither, and they dominated the predictors' time at large batches. These
// compute in float64 with a range reduction to |r| <= ln2/64 (a table of
// 2^(j/32)) and a degree-5 Taylor polynomial (relative error below 1e-12
// before the one rounding to float32), so
// a float32 result is the correctly rounded value or its neighbour: within
// 1.2e-7 relative of float32(math.F(x)) for normal results (TestFastMath
// checks 1e-6 over the whole float32 range, NaN, infinities and
// denormals), far inside the engine's 1e-5 tolerance to libtorch. float64
// tensors keep the math package's functions.

const (
	log2e = 1.4426950408889634 // 1/ln 2
	// ln2Hi + ln2Lo = ln 2; ln2Hi has 32 significant bits, so n*ln2Hi/32 is
	// exact for the |n| < 2^21 of the reduction.
	ln2Hi = 6.93147180369123816490e-01
	ln2Lo = 1.90821492927058770002e-10
	// Outside [expMin, expMax] e^x overflows float64 or is below its
	// normal range (and far outside float32's: a result of exp32 is rounded
	// to float32, after a product with at most MaxFloat32 in gelu).
	expMax = 709.0
	expMin = -708.0
	// roundShift rounds a float64 below 2^51 in magnitude to an integer
	// when added (the integer is then in the low bits of the sum).
	roundShift = 0x1.8p52
)

// exp2Table holds 2^(j/32), j = 0..31.
var exp2Table [32]float64

func init() {
	for j := range exp2Table {
		exp2Table[j] = math.Exp2(float64(j) / 32)
	}
}

// expSlice sets v[i] = e^v[i] (e^v[i] - 1 with minus1), with a relative
// error below 1e-12 (for e^x - 1 without cancellation for small x).
// x = (32e + j) ln2/32 + r with |r| <= ln2/64: e^x = 2^e 2^(j/32) (1 + p),
// p = e^r - 1 by its Taylor series to r^5/5! (remainder below
// 0.0109^6/6! < 2.5e-15, and relative to p, for small r, below
// r^5/6! < 2.2e-13). The functions below work in blocks of a stack buffer,
// so this loop has no call in it.
func expSlice(v []float64, minus1 bool) {
	for i, x := range v {
		if !(x >= expMin && x <= expMax) {
			switch {
			case x > expMax: // also +Inf
				v[i] = math.Inf(1)
			case x < expMin && minus1: // also -Inf
				v[i] = -1
			case x < expMin:
				v[i] = 0
			}
			continue // NaN stays NaN
		}
		k := x*(32*log2e) + roundShift
		n := int64(math.Float64bits(k)) - int64(math.Float64bits(roundShift)) // round(32x/ln2)
		nf := k - roundShift
		r := (x - nf*(ln2Hi/32)) - nf*(ln2Lo/32)
		p := r * (1 + r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120)))))
		s := math.Float64frombits(uint64((n>>5)+1023)<<52) * exp2Table[n&31] // 2^(n/32), e = n>>5 = floor(n/32)
		if minus1 {
			v[i] = s*p + (s - 1)
		} else {
			v[i] = s + s*p
		}
	}
}

// fastBlock is the number of values computed at once.
const fastBlock = 256

// fastFunc names the float32 functions computed through expSlice.
type fastFunc int

const (
	fastExp fastFunc = iota
	fastTanh
	fastSigmoid
	fastGeluTanh
)

// unaryF32 applies f to a float32 tensor in blocks (through a stack buffer:
// f's block functions are called directly), or g (the math package's) to
// any other dtype (integers give float32).
func unaryF32(t *Tensor, f fastFunc, g func(float64) float64) (*Tensor, error) {
	if t.DType != tensor.Float32 {
		return Unary(t, g, true)
	}
	r, err := New(tensor.Float32, t.Shape)
	if err != nil {
		return nil, err
	}
	var buf [fastBlock]float64
	src, dst := t.F32, r.F32
	for len(src) > 0 {
		n := min(len(src), fastBlock)
		b := buf[:n]
		switch f {
		case fastExp:
			expBlock(dst[:n], src[:n], b)
		case fastTanh:
			tanhBlock(dst[:n], src[:n], b)
		case fastSigmoid:
			sigmoidBlock(dst[:n], src[:n], b)
		case fastGeluTanh:
			geluTanhBlock(dst[:n], src[:n], b)
		}
		src, dst = src[n:], dst[n:]
	}
	return r, nil
}

// Exp is torch.exp.
func Exp(t *Tensor) (*Tensor, error) { return unaryF32(t, fastExp, math.Exp) }

func expBlock(dst, src []float32, b []float64) {
	for i, x := range src {
		b[i] = float64(x)
	}
	expSlice(b, false)
	for i, e := range b {
		dst[i] = float32(e)
	}
}

// Tanh is torch.tanh: expm1(2|x|) / (expm1(2|x|) + 2) with x's sign; ±1
// from |x| > 10 (1 - tanh(10) < 5e-9 rounds to 1 in float32).
func Tanh(t *Tensor) (*Tensor, error) { return unaryF32(t, fastTanh, math.Tanh) }

func tanhBlock(dst, src []float32, b []float64) {
	for i, x := range src {
		b[i] = 2 * min(math.Abs(float64(x)), 10)
	}
	expSlice(b, true)
	for i, x := range src {
		em1 := b[i]
		dst[i] = float32(math.Copysign(em1/(em1+2), float64(x))) // NaN stays NaN
		if x > 10 || x < -10 {
			dst[i] = float32(math.Copysign(1, float64(x)))
		}
	}
}

// Sigmoid is torch.sigmoid, 1 / (1 + e^-x).
func Sigmoid(t *Tensor) (*Tensor, error) {
	return unaryF32(t, fastSigmoid, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) })
}

func sigmoidBlock(dst, src []float32, b []float64) {
	for i, x := range src {
		b[i] = -float64(x)
	}
	expSlice(b, false)
	for i, e := range b {
		dst[i] = float32(1 / (1 + e))
	}
}

// sqrt2pi is sqrt(2/pi), gelu's tanh approximation's factor.
const sqrt2pi = 0.7978845608028654

// GeluTanh is torch's gelu(approximate="tanh"), 0.5x(1 + tanh(y)) with
// y = sqrt(2/pi)(x + 0.044715x^3). For float32 it is computed as the equal
// x / (1 + e^-2y), without the cancellation of 1 + tanh(y) for y << 0
// (which loses every digit from y < -10 in float64, and from y < -5 in
// libtorch's float32; the values there are below 1e-8 in magnitude).
func GeluTanh(t *Tensor) (*Tensor, error) {
	if t.DType != tensor.Float32 {
		return Unary(t, func(x float64) float64 { return 0.5 * x * (1 + math.Tanh(sqrt2pi*(x+0.044715*x*x*x))) }, false)
	}
	return unaryF32(t, fastGeluTanh, nil)
}

func geluTanhBlock(dst, src []float32, b []float64) {
	for i, x := range src {
		v := float64(x)
		b[i] = -2 * sqrt2pi * (v + 0.044715*v*v*v)
	}
	expSlice(b, false)
	for i, x := range src {
		dst[i] = float32(float64(x) / (1 + b[i]))
	}
}
