package kernels

import (
	"fmt"
	"slices"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// Sorting, as tabnet's sparsemax and entmax call it (sort, topk).
//
// Order: NaN is larger than every number (last ascending, first
// descending), as in libtorch. Equal elements keep their input order
// (libtorch's stable sort; its unstable CPU sort gives the same order on
// the short lines Ludwig sorts, and only the indices can tell).

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
	return sortK(t, dim, -1, descending)
}

// TopK is torch.topk(t, k, dim, largest, sorted): the k largest (smallest
// when largest is false) elements along dim, in sorted order whatever
// sorted says (libtorch's unsorted order is unspecified), and their int64
// indices. Ties: the lower index first.
func TopK(t *Tensor, k, dim int, largest bool) (*Tensor, *Tensor, error) {
	d, err := NormDim(dim, t.Dim())
	if err != nil {
		return nil, nil, err
	}
	size := 1
	if t.Dim() > 0 {
		size = t.Shape[d]
	}
	if k < 0 || k > size {
		return nil, nil, fmt.Errorf("selected index k (%d) out of range for dimension %d of size %d", k, d, size)
	}
	return sortK(t, dim, k, largest)
}

// sortK sorts along dim and keeps the first k (k < 0: all).
func sortK(t *Tensor, dim, k int, descending bool) (*Tensor, *Tensor, error) {
	d, err := NormDim(dim, t.Dim())
	if err != nil {
		return nil, nil, err
	}
	src := t
	if t.Dim() == 0 {
		src = view(t, []int{1})
	}
	shape := slices.Clone(src.Shape)
	if k >= 0 {
		shape[d] = k
	}
	vals, err := New(t.DType, shape)
	if err != nil {
		return nil, nil, err
	}
	idx, err := New(tensor.Int64, shape)
	if err != nil {
		return nil, nil, err
	}
	_, _, inner := split3(src.Shape, d)
	keep := shape[d]
	line := 0
	along(src.Shape, d, func(base, stride, n int) {
		// line counts (outer, inner) pairs; the output line starts at
		// outer*keep*inner + inner position.
		o, i := line/inner, line%inner
		out := o*keep*inner + i
		for j, p := range sortedLine(src, base, stride, n, descending)[:keep] {
			copySpan(vals, out+j*inner, src, base+p*stride, 1)
			idx.I64[out+j*inner] = int64(p)
		}
		line++
	})
	if t.Dim() == 0 {
		return view(vals, nil), view(idx, nil), nil
	}
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
