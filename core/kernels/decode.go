package kernels

import (
	"fmt"
	"math"
	"sort"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// The operators of Ludwig's traced sequence generator decoder beyond the
// recurrent layer: repeat (the initial state and the logits buffer), topk
// (the greedy choice of each step) and copy_ into a slice of the logits
// buffer (an in-place write through select/slice views).

// aliasOf returns the alias of the result of selecting (keep false) or
// slicing (keep true, with step) t along dim from index start.
func aliasOf(t *Tensor, dim, start, step int, keep bool) *Alias {
	base, off, from := t, 0, strides(t.Shape)
	if t.Alias != nil {
		base, off, from = t.Alias.Base, t.Alias.Offset, t.Alias.Strides
	}
	off += start * from[dim]
	st := make([]int, 0, len(from))
	for i, s := range from {
		switch {
		case i != dim:
			st = append(st, s)
		case keep:
			st = append(st, s*step)
		}
	}
	return &Alias{Base: base, Offset: off, Strides: st}
}

// CopyInto is torch.Tensor.copy_(dst, src): src broadcast to dst's shape
// and converted to its dtype is written into dst and, when dst is the
// result of Select/Slice, into the elements of the tensor it was taken
// from. It returns dst.
//
// The Go engine's select and slice copy: a tensor taken from the same base
// before the write keeps the old values (in libtorch it would see the new
// ones). Ludwig's traced generator takes each slice after the previous
// write, which is what this supports.
func CopyInto(dst, src *Tensor) (*Tensor, error) {
	shape, err := BroadcastShapes(dst.Shape, src.Shape)
	if err != nil || !sameShape(shape, dst.Shape) {
		return nil, fmt.Errorf("copy_: the source of shape %v does not broadcast to the destination's %v", src.Shape, dst.Shape)
	}
	idx := broadcastIndex(src.Shape, dst.Shape)
	intCopy := !IsFloat(dst.DType) && !IsFloat(src.DType)
	var pos []int
	if dst.Alias != nil {
		pos = aliasPositions(dst.Shape, dst.Alias)
		if dst.Alias.Base.DType != dst.DType {
			return nil, fmt.Errorf("copy_: the destination's base is %s, not %s", dst.Alias.Base.DType, dst.DType)
		}
	}
	for i, j := range idx {
		if intCopy {
			v := src.IntAt(j)
			dst.SetInt(i, v)
			if pos != nil {
				dst.Alias.Base.SetInt(pos[i], v)
			}
			continue
		}
		v := src.At(j)
		dst.Set(i, v)
		if pos != nil {
			dst.Alias.Base.Set(pos[i], v)
		}
	}
	return dst, nil
}

// aliasPositions lists, row-major over shape, the base element positions.
func aliasPositions(shape []int, a *Alias) []int {
	n := numel(shape)
	pos := make([]int, n)
	cur := make([]int, len(shape))
	off := a.Offset
	for i := 0; i < n; i++ {
		pos[i] = off
		for d := len(shape) - 1; d >= 0; d-- {
			cur[d]++
			off += a.Strides[d]
			if cur[d] < shape[d] {
				break
			}
			off -= a.Strides[d] * cur[d]
			cur[d] = 0
		}
	}
	return pos
}

// Repeat is torch.Tensor.repeat(t, repeats): t tiled repeats[i] times
// along each dimension (leading repeats add dimensions); always a copy.
func Repeat(t *Tensor, repeats []int) (*Tensor, error) {
	if len(repeats) < t.Dim() {
		return nil, fmt.Errorf("repeat: number of dimensions of repeat dims (%d) can not be smaller than number of dimensions of tensor (%d)", len(repeats), t.Dim())
	}
	in := make([]int, len(repeats)) // t's shape padded with leading 1s
	for i := range in {
		in[i] = 1
	}
	copy(in[len(repeats)-t.Dim():], t.Shape)
	for _, r := range repeats {
		if r < 0 {
			return nil, fmt.Errorf("repeat: repeats can not be negative, got %v", repeats)
		}
	}
	// Tile one dimension at a time, last first: each step copies whole
	// contiguous blocks (the dimensions after d are already tiled).
	cur := view(t, in)
	for d := len(in) - 1; d >= 0; d-- {
		s := append([]int(nil), cur.Shape...)
		s[d] *= repeats[d]
		next, err := New(t.DType, s)
		if err != nil {
			return nil, err
		}
		block := numel(cur.Shape[d:])
		for o := 0; o < numel(cur.Shape[:d]); o++ {
			for k := 0; k < repeats[d]; k++ {
				copySpan(next, (o*repeats[d]+k)*block, cur, o*block, block)
			}
		}
		cur = next
	}
	return cur, nil
}

// TopK is torch.topk(t, k, dim, largest, sorted): the k largest (smallest)
// values along dim and their int64 indices, in order of value (NaN counts
// as the largest, as in libtorch; equal values in index order).
func TopK(t *Tensor, k int, dim int, largest bool) (*Tensor, *Tensor, error) {
	d, err := NormDim(dim, t.Dim())
	if err != nil {
		return nil, nil, err
	}
	shape := append([]int(nil), t.Shape...)
	if len(shape) == 0 {
		shape = []int{1}
	}
	if k < 0 || k > shape[d] {
		return nil, nil, fmt.Errorf("topk: selected index k (%d) out of range for dimension of size %d", k, shape[d])
	}
	shape[d] = k
	if t.Dim() == 0 {
		shape = nil
	}
	vals, err := New(t.DType, shape)
	if err != nil {
		return nil, nil, err
	}
	idx, err := New(tensor.Int64, shape)
	if err != nil {
		return nil, nil, err
	}
	outer, size, inner := split3(t.Shape, d)
	order := make([]int, size)
	key := make([]float64, size)
	for o := 0; o < outer; o++ {
		for in := 0; in < inner; in++ {
			base := o*size*inner + in
			for j := 0; j < size; j++ {
				order[j] = j
				key[j] = t.At(base + j*inner)
			}
			sort.SliceStable(order, func(a, b int) bool {
				x, y := key[order[a]], key[order[b]]
				if largest {
					return greater(x, y)
				}
				return greater(y, x)
			})
			ob := o*k*inner + in
			for j := 0; j < k; j++ {
				copySpan(vals, ob+j*inner, t, base+order[j]*inner, 1)
				idx.I64[ob+j*inner] = int64(order[j])
			}
		}
	}
	return vals, idx, nil
}

// greater orders NaN above every number.
func greater(x, y float64) bool {
	if math.IsNaN(x) {
		return !math.IsNaN(y)
	}
	return x > y
}
