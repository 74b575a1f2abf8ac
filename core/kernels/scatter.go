package kernels

import (
	"fmt"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// Index-driven reads and writes along one dimension (gather, scatter,
// scatter_add) and cumulative sums: what sparsemax/entmax use to pick each
// row's threshold, and what sequence reducers use to pick a position.

// indexWalk checks index against t for gather/scatter along dim (same
// number of dimensions; index no larger than t outside dim, nor than
// other's when given) and calls f(index position, position in t) for every
// element of index, the position in t having dim replaced by the index
// value (negative values refused, as libtorch refuses them).
func indexWalk(op string, t *Tensor, dim int, index, other *Tensor, f func(ip, tp int)) error {
	if index.DType != tensor.Int64 {
		return fmt.Errorf("%s(): expected dtype int64 for index, got %s", op, index.DType)
	}
	td := max(t.Dim(), 1)
	if max(index.Dim(), 1) != td {
		return fmt.Errorf("index tensor must have the same number of dimensions as input tensor (%s: index %v, input %v)", op, index.Shape, t.Shape)
	}
	if other != nil && max(other.Dim(), 1) != td {
		return fmt.Errorf("index tensor must have the same number of dimensions as src tensor (%s: index %v, src %v)", op, index.Shape, other.Shape)
	}
	d, err := NormDim(dim, t.Dim())
	if err != nil {
		return err
	}
	tshape, ishape := padShape(t.Shape), padShape(index.Shape)
	for k := range ishape {
		if k != d && ishape[k] > tshape[k] {
			return fmt.Errorf("size does not match at dimension %d expected index %v to be no larger than self %v apart from dimension %d", k, index.Shape, t.Shape, d)
		}
		if other != nil && ishape[k] > padShape(other.Shape)[k] {
			return fmt.Errorf("size does not match at dimension %d expected index %v to be no larger than src %v", k, index.Shape, other.Shape)
		}
	}
	tst := strides(tshape)
	pos := make([]int, len(ishape))
	for ip := 0; ip < index.Numel(); ip++ {
		v := index.I64[ip]
		if v < 0 || v >= int64(tshape[d]) {
			return fmt.Errorf("%s(): index %d is out of bounds for dimension %d with size %d", op, v, d, tshape[d])
		}
		tp := 0
		for k, p := range pos {
			if k == d {
				p = int(v)
			}
			tp += p * tst[k]
		}
		f(ip, tp)
		advance(pos, ishape)
	}
	return nil
}

// padShape is a 0-dim tensor's shape as one element.
func padShape(s []int) []int {
	if len(s) == 0 {
		return []int{1}
	}
	return s
}

// Gather is torch.gather(t, dim, index): out[i][j] = t[index[i][j]][j]
// (dim 0), out of index's shape and t's dtype.
func Gather(t *Tensor, dim int, index *Tensor) (*Tensor, error) {
	r, err := New(t.DType, index.Shape)
	if err != nil {
		return nil, err
	}
	err = indexWalk("gather", t, dim, index, nil, func(ip, tp int) { copySpan(r, ip, t, tp, 1) })
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Scatter is torch.scatter(t, dim, index, src) (add false) and
// torch.scatter_add (add true): a copy of t where, for every element of
// index, the position it names takes (adds) the element of src at the
// index's position. src is a tensor (at least index's size in every
// dimension) or, for scatter, a number (value=). Where two index elements
// name one position, scatter keeps the last written, as libtorch's CPU
// kernel does.
func Scatter(t *Tensor, dim int, index *Tensor, src Operand, add bool) (*Tensor, error) {
	op := "scatter"
	if add {
		op = "scatter_add"
	}
	if src.T != nil && src.T.DType != t.DType {
		return nil, fmt.Errorf("%s(): expected self.dtype to be equal to src.dtype (%s and %s)", op, t.DType, src.T.DType)
	}
	if src.T == nil && add {
		return nil, fmt.Errorf("scatter_add(): src must be a tensor")
	}
	r := Clone(t)
	var sst, ist []int
	if src.T != nil {
		sst, ist = strides(padShape(src.T.Shape)), strides(padShape(index.Shape))
	}
	value := src.asTensor(t.DType)
	err := indexWalk(op, t, dim, index, src.T, func(ip, tp int) {
		sp := 0
		if src.T != nil {
			// index's position, re-addressed in src's (larger) shape
			rem := ip
			for k := range ist {
				sp += (rem / ist[k]) * sst[k]
				rem %= ist[k]
			}
		}
		switch {
		case !add:
			copySpan(r, tp, value, sp, 1)
		case IsFloat(r.DType):
			r.Set(tp, r.At(tp)+value.At(sp)) // rounded to the dtype at each add
		case r.DType == tensor.Bool:
			r.U8[tp] |= value.U8[sp]
		default:
			r.SetInt(tp, r.IntAt(tp)+value.IntAt(sp))
		}
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Cumsum is torch.cumsum(t, dim, dtype): running sums along dim, in dt
// when given; integer and bool inputs give int64 otherwise.
func Cumsum(t *Tensor, dim int, dt tensor.DType) (*Tensor, error) {
	return cumulative(t, dim, dt, 0, func(a, x float64) float64 { return a + x }, func(a, x int64) int64 { return a + x })
}

// cumulative is cumsum and cumprod: acc = f(acc, x) from init along dim,
// each step's acc written out, in dt (undefined: t's dtype, int64 for
// integer and bool inputs). Floating accumulators are float64, as
// libtorch's CPU kernel accumulates float in double, rounded to the result
// dtype as each step is written.
func cumulative(t *Tensor, dim int, dt tensor.DType, init float64, f func(acc, x float64) float64, fi func(acc, x int64) int64) (*Tensor, error) {
	if dt == undefined {
		dt = t.DType
		if !IsFloat(dt) {
			dt = tensor.Int64
		}
	}
	r, err := To(t, dt, true)
	if err != nil {
		return nil, err
	}
	if r.Dim() == 0 {
		return r, nil
	}
	d, err := NormDim(dim, r.Dim())
	if err != nil {
		return nil, err
	}
	along(r.Shape, d, func(base, stride, n int) {
		if IsFloat(dt) {
			acc := init
			for k := 0; k < n; k++ {
				acc = f(acc, r.At(base+k*stride))
				r.Set(base+k*stride, acc)
			}
			return
		}
		acc := int64(init)
		for k := 0; k < n; k++ {
			acc = fi(acc, r.IntAt(base+k*stride))
			r.SetInt(base+k*stride, acc)
		}
	})
	return r, nil
}
