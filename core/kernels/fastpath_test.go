package kernels

import (
	"math"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// TestFastPaths: the typed loops give what the element-by-element paths
// give: conversions of every source dtype to float32, float64 and int64
// (values exact in every dtype, plus float64 beyond float32's range), and
// float32 +, -, *, / with equal shapes, row broadcasts both ways and a
// broadcast that is not a row repetition.
func TestFastPaths(t *testing.T) {
	vals := []float64{0, 1, -3, 100, 127, -128, 1e7}
	for _, src := range []tensor.DType{tensor.Float32, tensor.Float64, tensor.Int64, tensor.Int32, tensor.Int16, tensor.Int8, tensor.Uint8, tensor.Bool} {
		x, _ := New(src, []int{len(vals)})
		for i, v := range vals {
			x.Set(i, v)
		}
		for _, dst := range []tensor.DType{tensor.Float32, tensor.Float64, tensor.Int64} {
			got, err := To(x, dst, true)
			if err != nil {
				t.Fatal(err)
			}
			for i := range vals {
				want := x.At(i)
				if dst == tensor.Float32 {
					want = float64(float32(want))
				}
				if got.At(i) != want || got.DType != dst {
					t.Errorf("%s -> %s [%d]: %v, want %v", src, dst, i, got.At(i), want)
				}
			}
		}
	}
	big := &Tensor{DType: tensor.Float64, Shape: []int{3}, F64: []float64{1e39, -1e39, math.NaN()}}
	f, _ := To(big, tensor.Float32, false)
	if !math.IsInf(float64(f.F32[0]), 1) || !math.IsInf(float64(f.F32[1]), -1) || f.F32[2] == f.F32[2] {
		t.Errorf("float64 beyond float32 -> %v", f.F32)
	}
	a := &Tensor{DType: tensor.Float32, Shape: []int{3, 4}, F32: []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}}
	row := &Tensor{DType: tensor.Float32, Shape: []int{1, 4}, F32: []float32{0.5, -2, 3, 7}}
	col := &Tensor{DType: tensor.Float32, Shape: []int{3, 1}, F32: []float32{2, 4, 8}}
	for _, fn := range []BinaryFunc{Add, Sub, Mul, Div} {
		for _, pair := range [][2]*Tensor{{a, a}, {a, row}, {row, a}, {a, col}, {col, a}} {
			got, err := Binary(Operand{T: pair[0]}, Operand{T: pair[1]}, fn, 0)
			if err != nil {
				t.Fatal(err)
			}
			ia, ib := broadcastIndex(pair[0].Shape, got.Shape), broadcastIndex(pair[1].Shape, got.Shape)
			for i := range got.F32 {
				if want := float32(fn.F(float64(pair[0].F32[ia[i]]), float64(pair[1].F32[ib[i]]))); got.F32[i] != want {
					t.Fatalf("%v %v [%d]: %v, want %v", pair[0].Shape, pair[1].Shape, i, got.F32[i], want)
				}
			}
		}
	}
}

// TestRelu: the float32 loop against the definition (NaN kept, -0 and
// negatives to +0, infinities), and float64 and int64 through Unary.
func TestRelu(t *testing.T) {
	nan := math.NaN()
	in := []float64{-2, -0.0, 0, 1.5, math.Inf(1), math.Inf(-1), nan, -1e-30, 3e38}
	for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
		x, _ := New(dt, []int{3, 3})
		for i, v := range in {
			x.Set(i, v)
		}
		r, err := Relu(x)
		if err != nil || r.DType != dt || !sameShape(r.Shape, x.Shape) {
			t.Fatalf("%s: %v %v", dt, r, err)
		}
		for i, v := range in {
			want := 0.0
			if v > 0 || math.IsNaN(v) {
				want = x.At(i)
			}
			got := r.At(i)
			if !(got == want && !math.Signbit(got) || math.IsNaN(got) && math.IsNaN(want)) {
				t.Fatalf("%s: relu(%v) = %v, want %v", dt, v, got, want)
			}
		}
	}
	x, _ := New(tensor.Int64, []int{2})
	x.I64[0], x.I64[1] = -3, 4
	r, err := Relu(x)
	if err != nil || r.DType != tensor.Int64 || r.I64[0] != 0 || r.I64[1] != 4 {
		t.Fatalf("int64: %v %v", r, err)
	}
}

// TestLayerNormDTypes: LayerNorm computes in float64 whatever the dtype:
// a float32 input gives bit for bit the float64 result of the same values
// rounded once; an integer input the float64 result stored as Set stores
// it; weights and bias of either float dtype give the same result; a known
// row gives its expected normalisation; the input is left unchanged; a
// weight shorter than normalized_shape is an error.
func TestLayerNormDTypes(t *testing.T) {
	x32, _ := New(tensor.Float32, []int{3, 5})
	for i := range x32.F32 {
		x32.F32[i] = float32(math.Sin(float64(i)*1.7) * 3)
	}
	x64, _ := To(x32, tensor.Float64, true)
	w32, _ := New(tensor.Float32, []int{5})
	b32, _ := New(tensor.Float32, []int{5})
	for i := range w32.F32 {
		w32.F32[i], b32.F32[i] = float32(0.5+0.3*float64(i)), float32(-0.1*float64(i))
	}
	w64, _ := To(w32, tensor.Float64, true)
	b64, _ := To(b32, tensor.Float64, true)
	norm := func(x, w, b *Tensor) *Tensor {
		t.Helper()
		r, err := LayerNorm(x, []int{5}, w, b, 1e-5)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for _, c := range []struct {
		name         string
		w, b, w2, b2 *Tensor
	}{{"weight and bias", w32, b32, w64, b64}, {"weight", w32, nil, w64, nil}, {"bias", nil, b32, nil, b64}, {"neither", nil, nil, nil, nil}} {
		got, ref, mixed := norm(x32, c.w, c.b), norm(x64, c.w, c.b), norm(x32, c.w2, c.b2)
		for i := range ref.F64 { // the formula, written out
			rowv := x64.F64[i/5*5 : i/5*5+5]
			mean, sq := 0.0, 0.0
			for _, v := range rowv {
				mean += v / 5
			}
			for _, v := range rowv {
				sq += (v - mean) * (v - mean) / 5
			}
			want := (x64.F64[i] - mean) / math.Sqrt(sq+1e-5)
			if c.w != nil {
				want *= w64.F64[i%5]
			}
			if c.b != nil {
				want += b64.F64[i%5]
			}
			if math.Abs(ref.F64[i]-want) > 1e-12 {
				t.Fatalf("%s [%d]: %v, want %v", c.name, i, ref.F64[i], want)
			}
		}
		for i := range got.F32 {
			if got.F32[i] != float32(ref.F64[i]) || mixed.F32[i] != got.F32[i] {
				t.Fatalf("%s [%d]: float32 %v, float64 %v, float64 weights %v", c.name, i, got.F32[i], ref.F64[i], mixed.F32[i])
			}
		}
	}
	xi, _ := New(tensor.Int64, []int{2, 5})
	for i := range xi.I64 {
		xi.I64[i] = int64(i * i)
	}
	xf, _ := To(xi, tensor.Float64, true)
	big, _ := New(tensor.Float64, []int{5})
	for i := range big.F64 {
		big.F64[i] = 10
	}
	gi, gf := norm(xi, big, nil), norm(xf, big, nil)
	if gi.DType != tensor.Int64 {
		t.Fatalf("int64 input gave %s", gi.DType)
	}
	for i := range gi.I64 {
		if gi.I64[i] != floatToInt(gf.F64[i]) {
			t.Fatalf("int64 [%d]: %d, want %d", i, gi.I64[i], floatToInt(gf.F64[i]))
		}
	}
	// The row 1..5 has mean 3 and variance 2.
	row := &Tensor{DType: tensor.Float32, Shape: []int{1, 5}, F32: []float32{1, 2, 3, 4, 5}}
	got, err := LayerNorm(row, []int{5}, nil, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range got.F32 {
		want := (float64(i) - 2) / math.Sqrt(2)
		if math.Abs(float64(v)-want) > 1e-6 {
			t.Errorf("[%d] = %v, want %v", i, v, want)
		}
	}
	if row.F32[0] != 1 {
		t.Errorf("the input was changed: %v", row.F32)
	}
	short, _ := New(tensor.Float32, []int{4})
	if _, err := LayerNorm(row, []int{5}, short, nil, 0); err == nil || err.Error() != "layer_norm: weight or bias of shape [4] for normalized_shape [5]" {
		t.Errorf("short weight: %v", err)
	}
}
