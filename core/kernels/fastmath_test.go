package kernels

import (
	"math"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// ulps is the distance in float32 units in the last place (0 for two
// zeros or two NaNs, MaxInt64 for a NaN and a number or opposite signs).
func ulps(a, b float32) int64 {
	switch {
	case a != a || b != b:
		if a != a && b != b {
			return 0
		}
		return math.MaxInt64
	case a == 0 && b == 0:
		return 0
	case math.Signbit(float64(a)) != math.Signbit(float64(b)):
		return math.MaxInt64
	}
	d := int64(math.Float32bits(a)) - int64(math.Float32bits(b))
	if d < 0 {
		d = -d
	}
	return d
}

// fastMathInputs are float32 values over the whole range: every 1021st bit
// pattern (both signs, denormals and NaNs included) and the edges of each
// function (overflow, the normal/denormal and denormal/zero boundaries of
// exp's results, the switches inside the functions).
func fastMathInputs() []float32 {
	var in []float32
	for b := uint64(0); b < 1<<32; b += 1021 {
		in = append(in, math.Float32frombits(uint32(b)))
	}
	for _, x := range []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(),
		math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32, 1e-38, -1e-38, math.MaxFloat32, -math.MaxFloat32,
		88.72283, 88.72284, 88.7229, 89, 90, 90.1, -87.33654, -87.3366, -103.27893, -103.97208, -103.9721, -104, -105, -105.1,
		-40, -40.001, -39.999, 10, 10.001, 9.999, -10, 9.01, 1e-4, -1e-4, 1e-8, 0.3465736, 0.3465737, -0.3465736, 1, -1, 0.5} {
		for _, d := range []int32{-2, -1, 0, 1, 2} {
			in = append(in, math.Float32frombits(uint32(int32(math.Float32bits(float32(x)))+d)))
		}
	}
	return in
}

// TestFastMath: exp, tanh, sigmoid and gelu(tanh) of float32 tensors are
// within one unit in the last place of the math package's value rounded to
// float32 (so within 1.2e-7 relative for normal results, 1e-6 required),
// NaN gives NaN, and infinities and zeros (signs included) are exact.
func TestFastMath(t *testing.T) {
	in := fastMathInputs()
	x := &Tensor{DType: tensor.Float32, Shape: []int{len(in)}, F32: in}
	for _, tc := range []struct {
		name string
		f    func(*Tensor) (*Tensor, error)
		ref  func(float64) float64
	}{
		{"exp", Exp, math.Exp},
		{"tanh", Tanh, math.Tanh},
		{"sigmoid", Sigmoid, func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }},
		{"gelu_tanh", GeluTanh, func(v float64) float64 { // x * sigmoid(2y) = 0.5x(1 + tanh(y))
			return v / (1 + math.Exp(-2*math.Sqrt(2/math.Pi)*(v+0.044715*v*v*v)))
		}},
	} {
		got, err := tc.f(x)
		if err != nil {
			t.Fatal(err)
		}
		var maxRel float64
		differ := 0
		for i, v := range in {
			want := float32(tc.ref(float64(v)))
			g := got.F32[i]
			if u := ulps(g, want); u > 1 {
				t.Fatalf("%s(%g) = %g, want %g (%d ulps)", tc.name, v, g, want, u)
			} else if u == 1 {
				differ++
			}
			if math.IsInf(float64(want), 0) || want == 0 || want != want {
				if math.Float32bits(g) != math.Float32bits(want) && !(g != g && want != want) {
					t.Fatalf("%s(%g) = %g, want exactly %g", tc.name, v, g, want)
				}
				continue
			}
			if math.Abs(float64(want)) >= 0x1p-126 { // normal results
				maxRel = math.Max(maxRel, math.Abs(float64(g)-float64(want))/math.Abs(float64(want)))
			}
		}
		if maxRel > 1e-6 {
			t.Errorf("%s: max relative error %g", tc.name, maxRel)
		}
		t.Logf("%s: %d inputs, %d one ulp off float32(math), max relative error %.3g", tc.name, len(in), differ, maxRel)
	}
	// Other dtypes keep the math package: float64 exactly, integers to float32.
	d := &Tensor{DType: tensor.Float64, Shape: []int{2}, F64: []float64{0.1, -3}}
	e, _ := Exp(d)
	if e.DType != tensor.Float64 || e.F64[0] != math.Exp(0.1) || e.F64[1] != math.Exp(-3) {
		t.Errorf("exp of float64: %v %v", e.DType, e.F64)
	}
	n := &Tensor{DType: tensor.Int64, Shape: []int{1}, I64: []int64{2}}
	if s, _ := Sigmoid(n); s.DType != tensor.Float32 || s.F32[0] != float32(1/(1+math.Exp(-2))) {
		t.Errorf("sigmoid of int64: %v %v", s.DType, s.F32)
	}
}

// BenchmarkFastMath: the float32 functions against the math package's
// through Unary, on 4000 values in [-8, 8].
func BenchmarkFastMath(b *testing.B) {
	x, _ := New(tensor.Float32, []int{4000})
	for i := range x.F32 {
		x.F32[i] = float32(i%1600)/100 - 8
	}
	for _, tc := range []struct {
		name string
		f    func(*Tensor) (*Tensor, error)
	}{
		{"exp", Exp}, {"exp_math", func(t *Tensor) (*Tensor, error) { return Unary(t, math.Exp, true) }},
		{"tanh", Tanh}, {"tanh_math", func(t *Tensor) (*Tensor, error) { return Unary(t, math.Tanh, true) }},
		{"sigmoid", Sigmoid}, {"sigmoid_math", func(t *Tensor) (*Tensor, error) {
			return Unary(t, func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }, true)
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				tc.f(x)
			}
		})
	}
}

// TestSoftmaxBlocks: softmax and log_softmax of float32 lines shorter and
// longer than the block, along the last and the first dimension, with
// -Inf entries, agree with a float64 computation within 2.5e-7 relative
// (two roundings for lines longer than the block).
func TestSoftmaxBlocks(t *testing.T) {
	for _, shape := range [][]int{{5, 3}, {2, 300}, {600, 2}} {
		x, _ := New(tensor.Float32, shape)
		for i := range x.F32 {
			x.F32[i] = float32(math.Sin(float64(i)*1.7)) * 30
		}
		x.F32[1] = float32(math.Inf(-1))
		for dim := 0; dim < 2; dim++ {
			for _, log := range []bool{false, true} {
				got, err := Softmax(x, dim, log, 0)
				if err != nil {
					t.Fatal(err)
				}
				along(shape, dim, func(base, stride, n int) {
					m := math.Inf(-1)
					for k := 0; k < n; k++ {
						m = math.Max(m, float64(x.F32[base+k*stride]))
					}
					s := 0.0
					for k := 0; k < n; k++ {
						s += math.Exp(float64(x.F32[base+k*stride]) - m)
					}
					for k := 0; k < n; k++ {
						i := base + k*stride
						want := math.Exp(float64(x.F32[i])-m) / s
						if log {
							want = float64(x.F32[i]) - m - math.Log(s)
						}
						g := float64(got.F32[i])
						if math.IsInf(want, -1) || want == 0 {
							if g != want {
								t.Fatalf("%v dim %d log %v [%d] = %v, want %v", shape, dim, log, i, g, want)
							}
							continue
						}
						if math.Abs(g-want) > 2.5e-7*math.Abs(want) {
							t.Fatalf("%v dim %d log %v [%d] = %v, want %v", shape, dim, log, i, g, want)
						}
					}
				})
			}
		}
	}
}
