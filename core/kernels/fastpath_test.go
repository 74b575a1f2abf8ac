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

// TestLayerNormFastPath: LayerNorm's float32 loop gives bit for bit what
// its element-by-element loop gives (reached with float64 weights holding
// the same values), with and without weight and bias, and the expected
// normalisation of a known row.
func TestLayerNormFastPath(t *testing.T) {
	x, _ := New(tensor.Float32, []int{3, 5})
	for i := range x.F32 {
		x.F32[i] = float32(math.Sin(float64(i)*1.7) * 3)
	}
	w32, _ := New(tensor.Float32, []int{5})
	b32, _ := New(tensor.Float32, []int{5})
	for i := range w32.F32 {
		w32.F32[i], b32.F32[i] = float32(0.5+0.3*float64(i)), float32(-0.1*float64(i))
	}
	w64, _ := To(w32, tensor.Float64, true)
	b64, _ := To(b32, tensor.Float64, true)
	for _, c := range []struct {
		name           string
		w, b, wRef, bR *Tensor
	}{{"weight and bias", w32, b32, w64, b64}, {"weight", w32, nil, w64, nil}, {"bias", nil, b32, nil, b64}} {
		fast, err := LayerNorm(x, []int{5}, c.w, c.b, 1e-5)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := LayerNorm(x, []int{5}, c.wRef, c.bR, 1e-5)
		if err != nil {
			t.Fatal(err)
		}
		for i := range fast.F32 {
			if fast.F32[i] != ref.F32[i] {
				t.Fatalf("%s [%d]: %v, element-by-element %v", c.name, i, fast.F32[i], ref.F32[i])
			}
		}
	}
	// No weight or bias: the row 1..5 has mean 3 and variance 2.
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
}
