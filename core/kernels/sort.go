package kernels

import (
	"fmt"
	"slices"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// Sorting, as tabnet's sparsemax and entmax call it (torch.sort), and the
// amax/amin reductions of Ludwig's sequence-length masks.
//
// Order: NaN is larger than every number (last ascending, first
// descending), as in libtorch. Equal elements keep their input order, as
// libtorch's stable sort (sort(stable=True)) does; its default CPU sort
// gives that order too on lines of up to 16 elements (measured with torch
// 1.13: from 20 elements with ties it differs), and only the indices can
// tell: the sorted values are the same.

// compareAt orders element i of t and element j of u (one dtype): NaN
// above everything.
func compareAt(t *Tensor, i int, u *Tensor, j int) int {
	if IsFloat(t.DType) {
		a, b := t.At(i), u.At(j)
		switch {
		case a != a && b != b:
			return 0
		case a != a:
			return 1
		case b != b:
			return -1
		case a < b:
			return -1
		case a > b:
			return 1
		}
		return 0
	}
	a, b := t.IntAt(i), u.IntAt(j)
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// sortedLine returns the positions 0..n-1 of one line of t (base, stride)
// in sorted order.
func sortedLine(t *Tensor, base, stride, n int, descending bool) []int {
	pos := make([]int, n)
	for k := range pos {
		pos[k] = k
	}
	slices.SortStableFunc(pos, func(x, y int) int {
		c := compareAt(t, base+x*stride, t, base+y*stride)
		if descending {
			return -c
		}
		return c
	})
	return pos
}

// Sort is torch.sort(t, dim, descending): (values, int64 indices), both of
// t's shape; a 0-dim tensor sorts to itself with index 0.
func Sort(t *Tensor, dim int, descending bool) (*Tensor, *Tensor, error) {
	d, err := NormDim(dim, t.Dim())
	if err != nil {
		return nil, nil, err
	}
	if t.Dim() == 0 {
		return Clone(t), Scalar(tensor.Int64, 0), nil
	}
	vals, err := New(t.DType, t.Shape)
	if err != nil {
		return nil, nil, err
	}
	idx, err := New(tensor.Int64, t.Shape)
	if err != nil {
		return nil, nil, err
	}
	along(t.Shape, d, func(base, stride, n int) {
		for j, p := range sortedLine(t, base, stride, n, descending) {
			copySpan(vals, base+j*stride, t, base+p*stride, 1)
			idx.I64[base+j*stride] = int64(p)
		}
	})
	return vals, idx, nil
}

// Extremum is torch.amax (isMin: torch.amin)(t, dims, keepdim): the
// largest (smallest) element over dims (all when empty), of t's dtype; NaN
// wins.
func Extremum(t *Tensor, dims []int, keep, isMin bool) (*Tensor, error) {
	shape, mark, err := reduceDims(t, dims, keep)
	if err != nil {
		return nil, err
	}
	for k, m := range mark {
		if m && k < t.Dim() && t.Shape[k] == 0 {
			return nil, fmt.Errorf("amax(): expected reduction dim %d to have non-zero size", k)
		}
	}
	r, err := New(t.DType, shape)
	if err != nil {
		return nil, err
	}
	seen := make([]bool, r.Numel())
	forEachReduced(t, mark, func(src, dst int) {
		if !seen[dst] {
			seen[dst] = true
			copySpan(r, dst, t, src, 1)
			return
		}
		cur, x := r.At(dst), t.At(src)
		if cur != cur {
			return
		}
		c := compareAt(t, src, r, dst)
		if x != x || (isMin && c < 0) || (!isMin && c > 0) {
			copySpan(r, dst, t, src, 1)
		}
	})
	return r, nil
}
