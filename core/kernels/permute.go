package kernels

import (
	"fmt"
	"slices"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// Permute is torch.permute(t, dims): a copy with the dimensions reordered
// (dims may be negative; each dimension once).
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
		seen[n], perm[i] = true, n
	}
	return permute(t, perm)
}

// permute copies t with dimension i of the result being perm[i] of t.
func permute(t *Tensor, perm []int) (*Tensor, error) {
	shape := make([]int, t.Dim())
	for i, p := range perm {
		shape[i] = t.Shape[p]
	}
	r, err := New(t.DType, shape)
	if err != nil {
		return nil, err
	}
	// st[i]: t's stride of the dimension that becomes the result's i.
	st := make([]int, t.Dim())
	s := 1
	for i := t.Dim() - 1; i >= 0; i-- {
		st[slices.Index(perm, i)] = s
		s *= t.Shape[i]
	}
	switch t.DType {
	case tensor.Float32:
		gatherStrided(r.F32, t.F32, shape, st)
	case tensor.Float64:
		gatherStrided(r.F64, t.F64, shape, st)
	case tensor.Int64:
		gatherStrided(r.I64, t.I64, shape, st)
	case tensor.Int32:
		gatherStrided(r.I32, t.I32, shape, st)
	case tensor.Int16:
		gatherStrided(r.I16, t.I16, shape, st)
	case tensor.Int8:
		gatherStrided(r.I8, t.I8, shape, st)
	default:
		gatherStrided(r.U8, t.U8, shape, st)
	}
	return r, nil
}

// gatherStrided fills dst (row-major, shape) with dst[i_0, ..., i_k] =
// src[sum i_j*st[j]], a row of the last dimension at a time: one copy when
// that dimension is contiguous in src, a strided loop otherwise.
func gatherStrided[E any](dst, src []E, shape, st []int) {
	if len(dst) == 0 {
		return
	}
	if len(shape) == 0 {
		dst[0] = src[0]
		return
	}
	last := len(shape) - 1
	inner, step := shape[last], st[last]
	pos := make([]int, last)
	for o := 0; o < len(dst); o += inner {
		base := 0
		for k, p := range pos {
			base += p * st[k]
		}
		row := dst[o : o+inner]
		if step == 1 {
			copy(row, src[base:base+inner])
		} else {
			for i := range row {
				row[i] = src[base+i*step]
			}
		}
		for k := last - 1; k >= 0; k-- {
			pos[k]++
			if pos[k] < shape[k] {
				break
			}
			pos[k] = 0
		}
	}
}

// Expand is Tensor.expand(sizes): t broadcast to sizes (a copy), -1
// keeping a dimension; new leading dimensions are allowed, an existing
// one must be 1 or the size.
func Expand(t *Tensor, sizes []int) (*Tensor, error) {
	if len(sizes) < t.Dim() {
		return nil, fmt.Errorf("expand: the number of sizes provided (%d) must be greater or equal to the number of dimensions in the tensor (%d)", len(sizes), t.Dim())
	}
	shape := make([]int, len(sizes))
	lead := len(sizes) - t.Dim()
	for i, s := range sizes {
		switch {
		case i < lead && s < 0:
			return nil, fmt.Errorf("expand: -1 is not allowed in a leading, non-existing dimension %d", i)
		case i < lead:
			shape[i] = s
		case s == -1 || s == t.Shape[i-lead]:
			shape[i] = t.Shape[i-lead]
		case t.Shape[i-lead] == 1 && s >= 0:
			shape[i] = s
		default:
			return nil, fmt.Errorf("the expanded size of the tensor (%d) must match the existing size (%d) at non-singleton dimension %d. Target sizes: %v. Tensor sizes: %v", s, t.Shape[i-lead], i, sizes, t.Shape)
		}
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
