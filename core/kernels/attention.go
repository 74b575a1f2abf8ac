package kernels

import (
	"fmt"
	"slices"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// The operators of Ludwig's multi-head self-attention (its transformer
// encoder and the transformer, tabtransformer and sequence combiners) and
// of the comparator combiner: batched matrix products and tile (Permute,
// Expand and ScaledDotProductAttention are permute.go's and sdpa.go's).

// strides returns the row-major strides of shape.
func strides(shape []int) []int {
	st := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = s
		s *= shape[i]
	}
	return st
}

// advance steps pos, a position in shape, to the next one in row-major
// order (all zeros after the last).
func advance(pos, shape []int) {
	for k := len(pos) - 1; k >= 0; k-- {
		pos[k]++
		if pos[k] < shape[k] {
			return
		}
		pos[k] = 0
	}
}

// Tile is torch.tile(t, reps): t copied reps[i] times along each
// dimension; fewer reps than dimensions are padded with leading 1s, more
// add leading dimensions. (Tensor.repeat, which refuses fewer reps, is
// kernels.Repeat.)
func Tile(t *Tensor, reps []int) (*Tensor, error) {
	if len(reps) < t.Dim() {
		reps = append(slices.Repeat([]int{1}, t.Dim()-len(reps)), reps...)
	}
	for _, r := range reps {
		if r < 0 {
			return nil, fmt.Errorf("trying to create tensor with negative dimension %d: %v", r, reps)
		}
	}
	return Repeat(t, reps)
}

// BatchMatmul is torch.matmul where either operand has more than two
// dimensions: the last two dimensions multiply as matrices, the leading
// (batch) dimensions broadcast; a 1-D operand is a row (left) or column
// (right) vector whose dimension is dropped from the result. Both operands
// must have the same floating dtype.
func BatchMatmul(a, b *Tensor) (*Tensor, error) {
	if a.Dim() == 0 || b.Dim() == 0 {
		return nil, fmt.Errorf("both arguments to matmul need to be at least 1D, but they are %dD and %dD", a.Dim(), b.Dim())
	}
	if a.DType != b.DType || !IsFloat(a.DType) {
		return nil, fmt.Errorf("expected both matmul arguments to have the same floating dtype, got %s and %s", a.DType, b.DType)
	}
	av, bv := a, b
	if a.Dim() == 1 {
		av = view(a, []int{1, a.Shape[0]})
	}
	if b.Dim() == 1 {
		bv = view(b, []int{b.Shape[0], 1})
	}
	m, k := av.Shape[av.Dim()-2], av.Shape[av.Dim()-1]
	k2, n := bv.Shape[bv.Dim()-2], bv.Shape[bv.Dim()-1]
	if k != k2 {
		return nil, fmt.Errorf("matmul: shapes %v and %v cannot be multiplied (%dx%d and %dx%d)", a.Shape, b.Shape, m, k, k2, n)
	}
	batch, err := BroadcastShapes(av.Shape[:av.Dim()-2], bv.Shape[:bv.Dim()-2])
	if err != nil {
		return nil, fmt.Errorf("matmul: batch dimensions of %v and %v: %w", a.Shape, b.Shape, err)
	}
	shape := append(slices.Clone(batch), m, n)
	r, err := New(a.DType, shape)
	if err != nil {
		return nil, err
	}
	ia := broadcastIndex(av.Shape[:av.Dim()-2], batch)
	ib := broadcastIndex(bv.Shape[:bv.Dim()-2], batch)
	if m > 0 && n > 0 && k > 0 {
		for i := range ia {
			gemm(av, ia[i]*m*k, bv, ib[i]*k*n, r, i*m*n, m, k, n, false)
		}
	}
	out := shape
	switch {
	case a.Dim() == 1 && b.Dim() == 1:
		out = nil
	case a.Dim() == 1:
		out = append(slices.Clone(batch), n)
	case b.Dim() == 1:
		out = append(slices.Clone(batch), m)
	}
	return view(r, out), nil
}

// gemm computes r[ro:] (+)= a[ao:] (m x k) @ b[bo:] (k x n), all
// row-major and of one floating dtype; accumulate adds to r.
func gemm(a *Tensor, ao int, b *Tensor, bo int, r *Tensor, ro, m, k, n int, accumulate bool) {
	var beta float64
	if accumulate {
		beta = 1
	}
	if a.DType == tensor.Float32 {
		sgemm(false, false, m, n, k, 1, a.F32[ao:ao+m*k], k, b.F32[bo:bo+k*n], n, float32(beta), r.F32[ro:ro+m*n], n)
		return
	}
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1,
		blas64.General{Rows: m, Cols: k, Stride: k, Data: a.F64[ao : ao+m*k]},
		blas64.General{Rows: k, Cols: n, Stride: n, Data: b.F64[bo : bo+k*n]}, beta,
		blas64.General{Rows: m, Cols: n, Stride: n, Data: r.F64[ro : ro+m*n]})
}

// Bmm is torch.bmm(a, b): two 3-D tensors of one floating dtype and the
// same batch size, no broadcasting.
func Bmm(a, b *Tensor) (*Tensor, error) {
	if a.Dim() != 3 || b.Dim() != 3 {
		return nil, fmt.Errorf("batch1 must be a 3D tensor and batch2 must be a 3D tensor, got %v and %v", a.Shape, b.Shape)
	}
	if a.Shape[0] != b.Shape[0] || a.Shape[2] != b.Shape[1] {
		return nil, fmt.Errorf("bmm: expected size for batch2 [%d, %d, *], got %v (batch1 %v)", a.Shape[0], a.Shape[2], b.Shape, a.Shape)
	}
	return BatchMatmul(a, b)
}

// Mm is torch.mm(a, b): two 2-D tensors of one floating dtype.
func Mm(a, b *Tensor) (*Tensor, error) {
	if a.Dim() != 2 || b.Dim() != 2 {
		return nil, fmt.Errorf("mm: self must be a matrix and mat2 must be a matrix, got %v and %v", a.Shape, b.Shape)
	}
	return BatchMatmul(a, b)
}
