package kernels

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// The operators of Ludwig's multi-head self-attention (its transformer
// encoder and the transformer, tabtransformer and sequence combiners) and
// of the comparator combiner: batched matrix products, permutations and
// the expansions that feed them.

// Permute is torch.permute(t, dims): dims is a permutation of t's
// dimensions (negative ones counted from the end). The result is a copy.
func Permute(t *Tensor, dims []int) (*Tensor, error) {
	if len(dims) != t.Dim() {
		return nil, fmt.Errorf("permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = %d is not equal to len(dims) = %d", t.Dim(), len(dims))
	}
	perm := make([]int, len(dims))
	seen := make([]bool, len(dims))
	for i, d := range dims {
		n, err := NormDim(d, t.Dim())
		if err != nil {
			return nil, err
		}
		if seen[n] {
			return nil, fmt.Errorf("permute(): duplicate dims are not allowed")
		}
		seen[n] = true
		perm[i] = n
	}
	identity := true
	for i, p := range perm {
		identity = identity && p == i
	}
	if identity {
		return t, nil
	}
	shape := make([]int, t.Dim())
	for i, p := range perm {
		shape[i] = t.Shape[p]
	}
	r, err := New(t.DType, shape)
	if err != nil {
		return nil, err
	}
	st := strides(t.Shape)
	// The last output dimension is copied as one strided run.
	last := len(shape) - 1
	inner, innerStride := shape[last], st[perm[last]]
	pos := make([]int, len(shape))
	for i := 0; i < r.Numel(); i += inner {
		src := 0
		for k, p := range perm[:last] {
			src += pos[k] * st[p]
		}
		copyStrided(r, i, t, src, innerStride, inner)
		advance(pos[:last], shape[:last])
	}
	return r, nil
}

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

// copyStrided copies n elements of src, from si by step, to dst at di.
func copyStrided(dst *Tensor, di int, src *Tensor, si, step, n int) {
	if step == 1 {
		copySpan(dst, di, src, si, n)
		return
	}
	switch dst.DType {
	case tensor.Float32:
		for k := 0; k < n; k++ {
			dst.F32[di+k] = src.F32[si+k*step]
		}
	case tensor.Float64:
		for k := 0; k < n; k++ {
			dst.F64[di+k] = src.F64[si+k*step]
		}
	default:
		for k := 0; k < n; k++ {
			copySpan(dst, di+k, src, si+k*step, 1)
		}
	}
}

// Expand is torch.expand(t, sizes): size-1 dimensions (and new leading
// ones) repeated to sizes; -1 keeps a dimension. The result is a copy.
func Expand(t *Tensor, sizes []int) (*Tensor, error) {
	if len(sizes) < t.Dim() {
		return nil, fmt.Errorf("expand(%v): the number of sizes provided (%d) must be greater or equal to the number of dimensions in the tensor (%d)", t.Shape, len(sizes), t.Dim())
	}
	shape := make([]int, len(sizes))
	lead := len(sizes) - t.Dim()
	for i, s := range sizes {
		if i < lead {
			if s < 0 {
				return nil, fmt.Errorf("expand(%v): -1 is not allowed in a leading, non-existing dimension", t.Shape)
			}
			shape[i] = s
			continue
		}
		d := t.Shape[i-lead]
		switch {
		case s == -1 || s == d:
			shape[i] = d
		case d == 1 && s >= 0:
			shape[i] = s
		default:
			return nil, fmt.Errorf("the expanded size of the tensor (%d) must match the existing size (%d) at non-singleton dimension %d; target sizes: %v, tensor sizes: %v", s, d, i, sizes, t.Shape)
		}
	}
	return broadcastTo(t, shape)
}

// broadcastTo copies t broadcast to shape (which BroadcastShapes accepts).
func broadcastTo(t *Tensor, shape []int) (*Tensor, error) {
	if slices.Equal(t.Shape, shape) {
		return t, nil
	}
	r, err := New(t.DType, shape)
	if err != nil {
		return nil, err
	}
	for i, j := range broadcastIndex(t.Shape, shape) {
		copySpan(r, i, t, j, 1)
	}
	return r, nil
}

// Tile is torch.tile(t, reps): t copied reps[i] times along each
// dimension; fewer reps than dimensions are padded with leading 1s, more
// add leading dimensions. (Tensor.repeat, which refuses fewer reps, is
// kernels.Repeat.)
func Tile(t *Tensor, reps []int) (*Tensor, error) {
	if len(reps) < t.Dim() {
		reps = append(slices.Repeat([]int{1}, t.Dim()-len(reps)), reps...)
	}
	src := make([]int, len(reps))
	lead := len(reps) - t.Dim()
	for i := range src {
		src[i] = 1
		if i >= lead {
			src[i] = t.Shape[i-lead]
		}
	}
	shape := make([]int, len(reps))
	for i, r := range reps {
		if r < 0 {
			return nil, fmt.Errorf("trying to create tensor with negative dimension %d: %v", r, reps)
		}
		shape[i] = src[i] * r
	}
	r, err := New(t.DType, shape)
	if err != nil {
		return nil, err
	}
	if r.Numel() == 0 {
		return r, nil
	}
	st := strides(src)
	pos := make([]int, len(shape))
	for i := 0; i < r.Numel(); i++ {
		j := 0
		for k, p := range pos {
			j += (p % src[k]) * st[k]
		}
		copySpan(r, i, t, j, 1)
		advance(pos, shape)
	}
	return r, nil
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
		blas32.Gemm(blas.NoTrans, blas.NoTrans, 1,
			blas32.General{Rows: m, Cols: k, Stride: k, Data: a.F32[ao : ao+m*k]},
			blas32.General{Rows: k, Cols: n, Stride: n, Data: b.F32[bo : bo+k*n]}, float32(beta),
			blas32.General{Rows: m, Cols: n, Stride: n, Data: r.F32[ro : ro+m*n]})
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

// DotProductAttention is aten::scaled_dot_product_attention in eval mode
// (no dropout), as Ludwig 0.11's MultiHeadSelfAttention calls it:
// softmax(q @ k^T * scale + mask) @ v over the last two dimensions, the
// leading ones broadcast as matmul broadcasts them. q is [..., L, E], k
// [..., S, E], v [..., S, Ev]. mask (nil: none) broadcasts to [..., L, S]:
// a bool mask keeps the positions that are true, a floating one is added.
// causal keeps key j <= query i. scale nil is 1/sqrt(E). A row with no
// position kept is NaN, as libtorch 2.3's math kernel gives. It is built
// from BatchMatmul and Softmax (float64 exponentials).
func DotProductAttention(q, k, v, mask *Tensor, causal bool, scale *float64) (*Tensor, error) {
	if q.Dim() < 2 || k.Dim() < 2 || v.Dim() < 2 {
		return nil, fmt.Errorf("scaled_dot_product_attention: query, key and value must have at least 2 dimensions, got %v, %v and %v", q.Shape, k.Shape, v.Shape)
	}
	kt, err := Transpose(k, -2, -1)
	if err != nil {
		return nil, err
	}
	scores, err := BatchMatmul(q, kt)
	if err != nil {
		return nil, fmt.Errorf("scaled_dot_product_attention: query %v and key %v: %w", q.Shape, k.Shape, err)
	}
	s := 1 / math.Sqrt(float64(q.Shape[q.Dim()-1]))
	if scale != nil {
		s = *scale
	}
	n := scores.Dim()
	L, S := scores.Shape[n-2], scores.Shape[n-1]
	var maskIdx []int
	if mask != nil {
		bs, err := BroadcastShapes(mask.Shape, scores.Shape)
		if err != nil || !slices.Equal(bs, scores.Shape) {
			return nil, fmt.Errorf("scaled_dot_product_attention: attn_mask of shape %v does not broadcast to the scores' %v", mask.Shape, scores.Shape)
		}
		if mask.DType != tensor.Bool && mask.DType != q.DType {
			return nil, fmt.Errorf("scaled_dot_product_attention: expected attn_mask dtype to be bool or %s, got %s", q.DType, mask.DType)
		}
		maskIdx = broadcastIndex(mask.Shape, scores.Shape)
	}
	for i := 0; i < scores.Numel(); i++ {
		x := scores.At(i) * s
		row, col := (i/S)%L, i%S
		switch {
		case causal && col > row:
			x = math.Inf(-1)
		case maskIdx != nil && mask.DType == tensor.Bool:
			if mask.U8[maskIdx[i]] == 0 {
				x = math.Inf(-1)
			}
		case maskIdx != nil:
			x += mask.At(maskIdx[i])
		}
		scores.Set(i, x)
	}
	w, err := Softmax(scores, -1, false, undefined)
	if err != nil {
		return nil, err
	}
	out, err := BatchMatmul(w, v)
	if err != nil {
		return nil, fmt.Errorf("scaled_dot_product_attention: weights %v and value %v: %w", w.Shape, v.Shape, err)
	}
	return out, nil
}
