package kernels

import (
	"strings"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

func f32(v []float32, shape ...int) *Tensor {
	return &Tensor{DType: tensor.Float32, Shape: shape, F32: v}
}

func i64(v []int64, shape ...int) *Tensor { return &Tensor{DType: tensor.Int64, Shape: shape, I64: v} }

// TestResultType: libtorch's promotion rules (torch.result_type).
func TestResultType(t *testing.T) {
	dim := func(dt tensor.DType) Operand { x, _ := New(dt, []int{2}); return Operand{T: x} }
	zero := func(dt tensor.DType) Operand { x, _ := New(dt, nil); return Operand{T: x} }
	cases := []struct {
		a, b Operand
		want tensor.DType
	}{
		{dim(tensor.Int64), Operand{S: 2.5}, tensor.Float32},
		{dim(tensor.Int32), Operand{S: int64(3)}, tensor.Int32},
		{dim(tensor.Float32), zero(tensor.Float64), tensor.Float32},
		{dim(tensor.Int8), zero(tensor.Float64), tensor.Float64},
		{dim(tensor.Int32), zero(tensor.Int64), tensor.Int32},
		{dim(tensor.Uint8), dim(tensor.Int8), tensor.Int16},
		{dim(tensor.Bool), dim(tensor.Bool), tensor.Bool},
		{dim(tensor.Bool), Operand{S: int64(1)}, tensor.Int64},
		{dim(tensor.Int16), dim(tensor.Float64), tensor.Float64},
		{zero(tensor.Int64), Operand{S: 1.0}, tensor.Float32},
	}
	for i, c := range cases {
		if got := ResultType(c.a, c.b); got != c.want {
			t.Errorf("case %d: %s, want %s", i, got, c.want)
		}
	}
}

// TestErrors: each operator's error for bad arguments.
func TestErrors(t *testing.T) {
	x := f32([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	check := func(err error, want string) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want %q", err, want)
		}
	}
	_, err := Binary(Operand{T: x}, Operand{T: f32([]float32{1, 2}, 2)}, Add, 0)
	check(err, "must match the size of tensor b (2) at non-singleton dimension 1")
	_, err = Linear(x, f32([]float32{1, 2}, 1, 2), nil)
	check(err, "mat1 and mat2 shapes cannot be multiplied ([2 3] and [2 1])")
	_, err = Embedding(x, i64([]int64{0, 2}, 2))
	check(err, "index out of range in self (index 2, 2 embeddings)")
	_, err = Embedding(x, x)
	check(err, "expected scalar type Long or Int")
	_, err = Reshape(x, []int{4, -1})
	check(err, "shape [4 -1] is invalid for input of size 6")
	_, err = Select(x, 1, 3)
	check(err, "index 3 out of range")
	_, err = Cat([]*Tensor{x, f32([]float32{1, 2}, 1, 2)}, 0)
	check(err, "sizes of tensors must match except in dimension 0")
	_, err = Stack(nil, 0)
	check(err, "non-empty")
	_, err = NormDim(2, 2)
	check(err, "dimension out of range (expected to be in range of [-2, 1], but got 2)")
	_, err = MaskedFill(x, x, 0)
	check(err, "only supports boolean masks")
	_, err = Sum(i64([]int64{1}, 1), nil, false, 0, true)
	check(err, "mean(): could not infer output dtype")
	_, err = New(tensor.Float32, []int{1 << 20, 1 << 20})
	check(err, "larger than")
	_, err = BatchNorm(x, nil, nil, nil, nil, 1e-5)
	check(err, "training mode")
	_, err = DTypeOf(5)
	check(err, "dtype float16 is not supported")
}

// TestArgMax: NaN is the maximum, ties give the first index.
func TestArgMax(t *testing.T) {
	nan := float32(0)
	nan = nan / nan
	x := f32([]float32{1, 3, 3, 0, nan, 2}, 2, 3)
	d := 1
	r, err := ArgMax(x, &d, false)
	if err != nil {
		t.Fatal(err)
	}
	if r.I64[0] != 1 || r.I64[1] != 1 {
		t.Errorf("argmax %v", r.I64)
	}
}
