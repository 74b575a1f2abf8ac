package kernels

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// The torch results below were printed by torch 1.13 (Debian's python3).

func b8(v []uint8, shape ...int) *Tensor { return &Tensor{DType: tensor.Bool, Shape: shape, U8: v} }

func wantErr(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want an error containing %q", err, want)
	}
}

// TestAttentionErrors: every refusal of attention.go, sort.go,
// scatter.go, advindex.go and glu.go names the problem.
func TestAttentionErrors(t *testing.T) {
	x := f32([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	x3 := f32(make([]float32, 12), 2, 2, 3)
	idx := i64([]int64{0, 1}, 2, 1)
	_, err := Tile(x, []int{1, -1})
	wantErr(t, err, "negative dimension -1")
	_, err = BatchMatmul(x, Scalar(tensor.Float32, 1))
	wantErr(t, err, "need to be at least 1D")
	_, err = BatchMatmul(x3, i64(make([]int64, 6), 3, 2))
	wantErr(t, err, "same floating dtype, got float32 and int64")
	_, err = BatchMatmul(x3, x3)
	wantErr(t, err, "cannot be multiplied (2x3 and 2x3)")
	_, err = BatchMatmul(f32(make([]float32, 18), 3, 2, 3), f32(make([]float32, 12), 2, 3, 2))
	wantErr(t, err, "batch dimensions of [3 2 3] and [2 3 2]")
	_, err = Bmm(x, x3)
	wantErr(t, err, "batch1 must be a 3D tensor")
	_, err = Bmm(x3, f32(make([]float32, 6), 1, 3, 2))
	wantErr(t, err, "expected size for batch2 [2, 3, *]")
	_, err = Mm(x3, x)
	wantErr(t, err, "self must be a matrix")
	_, _, err = Sort(x, 2, false)
	wantErr(t, err, "dimension out of range")
	_, err = Extremum(f32(nil, 2, 0), []int{1}, false, false)
	wantErr(t, err, "expected reduction dim 1 to have non-zero size")
	_, err = Gather(x, 1, f32([]float32{0}, 1, 1))
	wantErr(t, err, "expected dtype int64 for index, got float32")
	_, err = Gather(x, 1, i64([]int64{0}, 1))
	wantErr(t, err, "index tensor must have the same number of dimensions")
	_, err = Gather(x, 1, i64([]int64{0, 0, 0}, 3, 1))
	wantErr(t, err, "size does not match at dimension 0")
	_, err = Gather(x, 1, i64([]int64{3, 0}, 2, 1))
	wantErr(t, err, "gather(): index 3 is out of bounds for dimension 1 with size 3")
	_, err = Gather(x, 1, i64([]int64{-1, 0}, 2, 1))
	wantErr(t, err, "index -1 is out of bounds")
	_, err = Scatter(x, 1, idx, Operand{T: i64([]int64{1, 2}, 2, 1)}, false)
	wantErr(t, err, "expected self.dtype to be equal to src.dtype (float32 and int64)")
	_, err = Scatter(x, 1, idx, Operand{S: 1.0}, true)
	wantErr(t, err, "scatter_add(): src must be a tensor")
	_, err = Scatter(x, 1, i64([]int64{0, 1}, 1, 2), Operand{T: f32([]float32{1}, 1, 1)}, true)
	wantErr(t, err, "no larger than src")
	_, err = Scatter(x, 1, idx, Operand{T: f32([]float32{1, 2}, 2)}, false)
	wantErr(t, err, "must have the same number of dimensions as src tensor")
	_, err = Gather(x, 1, i64(nil, 0))
	wantErr(t, err, "index tensor must have the same number of dimensions as input tensor")
	_, err = IndexPut(x, []*Tensor{i64([]int64{0}, 1), i64([]int64{0}, 1)}, f32([]float32{1, 2}, 2), false)
	wantErr(t, err, "value tensor of shape [2] cannot be broadcast to indexing result of shape [1]")
	_, err = Cumsum(x, 3, 0)
	wantErr(t, err, "dimension out of range")
	_, err = Glu(i64([]int64{1, 2}, 2), 0)
	wantErr(t, err, "glu: expected a floating tensor, got int64")
	_, err = Glu(Scalar(tensor.Float32, 1), 0)
	wantErr(t, err, "glu does not support scalars")
	_, err = Glu(x, 1)
	wantErr(t, err, "Halving dimension must be even, but dimension 1 is size 3")
	_, err = Glu(x, 5)
	wantErr(t, err, "dimension out of range")
	_, err = Index(x, []*Tensor{b8([]uint8{1, 0, 1}, 3)})
	wantErr(t, err, "the shape of the mask [3] at index 0 does not match the shape of the indexed tensor [2 3]")
	_, err = Index(x, []*Tensor{x})
	wantErr(t, err, "tensors used as indices must be long, int, byte or bool tensors, not float32")
	_, err = Index(x, []*Tensor{nil, nil, i64([]int64{0}, 1)})
	wantErr(t, err, "too many indices for tensor of dimension 2 (got 3)")
	_, err = Index(x, []*Tensor{nil})
	wantErr(t, err, "at least one index tensor is required")
	_, err = Index(x, []*Tensor{i64([]int64{0, 1}, 2), i64([]int64{0, 1, 2}, 3)})
	wantErr(t, err, "indexing tensors could not be broadcast together with shapes [[2] [3]]")
	_, err = Index(x, []*Tensor{i64([]int64{2}, 1)})
	wantErr(t, err, "index 2 is out of bounds for dimension 0 with size 2")
	_, err = IndexPut(x, []*Tensor{i64([]int64{0, 1}, 2)}, f32([]float32{1, 2}, 2), false)
	wantErr(t, err, "value tensor of shape [2] cannot be broadcast to indexing result of shape [2 3]")
	_, err = IndexPut(x, []*Tensor{i64([]int64{0}, 1)}, i64([]int64{1}, 1), false)
	wantErr(t, err, "Index put requires the source and destination dtypes match, got float32 for the destination and int64 for the source.")
	_, err = IndexPut(x, []*Tensor{x}, f32([]float32{1}, 1), false)
	wantErr(t, err, "tensors used as indices")
}

// TestSortOrder: NaN sorts above every number; equal elements keep their
// order (torch: sort([1, nan, 0], descending=True) gives [nan, 1, 0] and
// indices [1, 0, 2]).
func TestSortOrder(t *testing.T) {
	nan := float32(math.NaN())
	x := f32([]float32{1, nan, 0}, 3)
	v, i, err := Sort(x, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(float64(v.F32[0])) || v.F32[1] != 1 || v.F32[2] != 0 || !slices.Equal(i.I64, []int64{1, 0, 2}) {
		t.Errorf("descending: %v %v", v.F32, i.I64)
	}
	v, i, _ = Sort(x, 0, false)
	if v.F32[0] != 0 || v.F32[1] != 1 || !math.IsNaN(float64(v.F32[2])) || !slices.Equal(i.I64, []int64{2, 0, 1}) {
		t.Errorf("ascending: %v %v", v.F32, i.I64)
	}
	ties := i64([]int64{2, 1, 2, 1}, 4)
	_, i, _ = Sort(ties, 0, true)
	if !slices.Equal(i.I64, []int64{0, 2, 1, 3}) {
		t.Errorf("ties, descending: %v", i.I64)
	}
	v, i, _ = Sort(Scalar(tensor.Float64, 4), 0, false)
	if v.Dim() != 0 || v.F64[0] != 4 || i.Dim() != 0 || i.I64[0] != 0 {
		t.Errorf("0-dim: %v %v", v, i)
	}
}

// TestExtremumNaN: amax and amin propagate NaN.
func TestExtremumNaN(t *testing.T) {
	nan := math.NaN()
	x := &Tensor{DType: tensor.Float64, Shape: []int{2, 3}, F64: []float64{1, nan, 0, 3, -2, 5}}
	for _, isMin := range []bool{false, true} {
		r, err := Extremum(x, []int{1}, false, isMin)
		if err != nil {
			t.Fatal(err)
		}
		want := 5.0
		if isMin {
			want = -2
		}
		if !math.IsNaN(r.F64[0]) || r.F64[1] != want {
			t.Errorf("isMin %v: %v", isMin, r.F64)
		}
	}
}

// TestIndexPutInPlace: index_put_ writes through views and casts a 0-dim
// value (torch: t = zeros(3, int64); t.index_put_([mask], tensor(1.5))
// gives [1, 0, 1]); accumulate adds, repeated positions included.
func TestIndexPutInPlace(t *testing.T) {
	base := i64([]int64{0, 0, 0, 0}, 4)
	v := view(base, []int{2, 2})
	r, err := IndexPut(v, []*Tensor{b8([]uint8{1, 0, 0, 1}, 2, 2)}, Scalar(tensor.Float32, 1.5), false)
	if err != nil {
		t.Fatal(err)
	}
	if r != v || !slices.Equal(base.I64, []int64{1, 0, 0, 1}) {
		t.Errorf("masked put: %v", base.I64)
	}
	if _, err := IndexPut(base, []*Tensor{i64([]int64{2, 2, -1}, 3)}, i64([]int64{5}, 1), true); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(base.I64, []int64{1, 0, 10, 6}) {
		t.Errorf("accumulate: %v", base.I64)
	}
}

// TestIndexLayout: non-adjacent index tensors put the broadcast dimensions
// first (torch: x[idx, :, idx2] of a [2, 3, 4] tensor with two 2-element
// indices is [2, 3]); adjacent ones replace theirs in place.
func TestIndexLayout(t *testing.T) {
	x := f32(make([]float32, 24), 2, 3, 4)
	for i := range x.F32 {
		x.F32[i] = float32(i)
	}
	r, err := Index(x, []*Tensor{i64([]int64{0, 1}, 2), nil, i64([]int64{1, 2}, 2)})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Shape, []int{2, 3}) || !slices.Equal(r.F32, []float32{1, 5, 9, 14, 18, 22}) {
		t.Errorf("non-adjacent: %v %v", r.Shape, r.F32)
	}
	r, err = Index(x, []*Tensor{nil, i64([]int64{2, 0}, 2), i64([]int64{3}, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Shape, []int{2, 2}) || !slices.Equal(r.F32, []float32{11, 3, 23, 15}) {
		t.Errorf("adjacent: %v %v", r.Shape, r.F32)
	}
}

// TestScatterDuplicates: scatter keeps the last write to a position,
// scatter_add sums them, and a bool scatter_add is a logical or.
func TestScatterDuplicates(t *testing.T) {
	z := f32(make([]float32, 3), 1, 3)
	idx := i64([]int64{1, 1}, 1, 2)
	src := f32([]float32{4, 7}, 1, 2)
	r, err := Scatter(z, 1, idx, Operand{T: src}, false)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.F32, []float32{0, 7, 0}) || z.F32[1] != 0 {
		t.Errorf("scatter: %v (input %v)", r.F32, z.F32)
	}
	r, _ = Scatter(z, 1, idx, Operand{T: src}, true)
	if !slices.Equal(r.F32, []float32{0, 11, 0}) {
		t.Errorf("scatter_add: %v", r.F32)
	}
	bz := b8([]uint8{0, 0, 0}, 1, 3)
	r, _ = Scatter(bz, 1, idx, Operand{T: b8([]uint8{1, 0}, 1, 2)}, true)
	if !slices.Equal(r.U8, []uint8{0, 1, 0}) {
		t.Errorf("bool scatter_add: %v", r.U8)
	}
}

// TestExpandTileShapes: expand adds leading dimensions and keeps -1;
// tile pads its repetitions with leading 1s; zero repetitions are empty.
func TestExpandTileShapes(t *testing.T) {
	x := f32([]float32{1, 2}, 2, 1)
	r, err := Expand(x, []int{3, -1, 2})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Shape, []int{3, 2, 2}) || !slices.Equal(r.F32[:4], []float32{1, 1, 2, 2}) {
		t.Errorf("expand: %v %v", r.Shape, r.F32)
	}
	r, err = Tile(x, []int{2})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Shape, []int{2, 2}) || !slices.Equal(r.F32, []float32{1, 1, 2, 2}) {
		t.Errorf("tile: %v %v", r.Shape, r.F32)
	}
	r, err = Tile(x, []int{0, 3})
	if err != nil || !slices.Equal(r.Shape, []int{0, 3}) {
		t.Errorf("zero tile: %v %v", r, err)
	}
	r, err = Tile(x, []int{2, 1, 2})
	if err != nil || !slices.Equal(r.Shape, []int{2, 2, 2}) || !slices.Equal(r.F32, []float32{1, 1, 2, 2, 1, 1, 2, 2}) {
		t.Errorf("tile adding a dimension: %v %v", r, err)
	}
}
