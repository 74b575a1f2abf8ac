package kernels

import (
	"fmt"
	"slices"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// Advanced indexing (torch.index, torch.index_put_): t[i0, i1, ...] with a
// list of optional index tensors, numpy's rules. Ludwig's "last" sequence
// reducer picks each row's last position with t[arange(b), lengths - 1]
// after clearing negative lengths with lengths[lengths < 0] = 0.

// indexPlan is where each element of t[indices] comes from.
type indexPlan struct {
	shape []int // the result's shape
	src   []int // for each result element, its flat position in t
}

// planIndex resolves indices (nil entries: whole dimensions) against shape:
// bool and uint8 masks become the coordinates of their true elements,
// integer tensors (negative values count from the end) broadcast together.
// When the indexed dimensions are adjacent the broadcast shape replaces
// them in place, otherwise it comes first (numpy's rule).
func planIndex(shape []int, indices []*Tensor) (*indexPlan, error) {
	var dims []int
	var idx []*Tensor
	d := 0
	for _, ix := range indices {
		switch {
		case ix == nil:
			d++
		case ix.DType == tensor.Bool || ix.DType == tensor.Uint8:
			if d+ix.Dim() > len(shape) || !slices.Equal(ix.Shape, shape[d:d+ix.Dim()]) {
				return nil, fmt.Errorf("the shape of the mask %v at index %d does not match the shape of the indexed tensor %v", ix.Shape, d, shape)
			}
			for k, c := range maskCoords(ix) {
				dims = append(dims, d+k)
				idx = append(idx, c)
			}
			d += ix.Dim()
		case IsFloat(ix.DType):
			return nil, fmt.Errorf("tensors used as indices must be long, int, byte or bool tensors, not %s", ix.DType)
		default:
			dims = append(dims, d)
			idx = append(idx, ix)
			d++
		}
	}
	if d > len(shape) {
		return nil, fmt.Errorf("too many indices for tensor of dimension %d (got %d)", len(shape), d)
	}
	if len(idx) == 0 {
		return nil, fmt.Errorf("index(): at least one index tensor is required")
	}
	b := []int{}
	for _, ix := range idx {
		s, err := BroadcastShapes(b, ix.Shape)
		if err != nil {
			return nil, fmt.Errorf("shape mismatch: indexing tensors could not be broadcast together with shapes %v: %w", shapesOf(idx), err)
		}
		b = s
	}
	adjacent := dims[len(dims)-1]-dims[0] == len(dims)-1
	indexed := make([]bool, len(shape))
	for _, dd := range dims {
		indexed[dd] = true
	}
	// Result dimensions: -1 the broadcast block, else the source dimension.
	var layout []int
	if !adjacent {
		layout = append(layout, -1)
	}
	for k := range shape {
		switch {
		case !indexed[k]:
			layout = append(layout, k)
		case adjacent && k == dims[0]:
			layout = append(layout, -1)
		}
	}
	var out []int
	for _, l := range layout {
		if l < 0 {
			out = append(out, b...)
		} else {
			out = append(out, shape[l])
		}
	}
	n := int64(numel(out))
	if n > MaxElements {
		return nil, fmt.Errorf("index(): a result of shape %v is larger than %d elements", out, MaxElements)
	}
	bi := make([][]int, len(idx))
	for k, ix := range idx {
		bi[k] = broadcastIndex(ix.Shape, b)
	}
	st := strides(shape)
	bst := strides(b)
	plan := &indexPlan{shape: out, src: make([]int, n)}
	pos := make([]int, len(out))
	for i := range plan.src {
		off, p := 0, 0
		for _, l := range layout {
			if l >= 0 {
				off += pos[p] * st[l]
				p++
				continue
			}
			flat := 0
			for q := range b {
				flat += pos[p+q] * bst[q]
			}
			p += len(b)
			for k, dd := range dims {
				v := idx[k].IntAt(bi[k][flat])
				if v < -int64(shape[dd]) || v >= int64(shape[dd]) {
					return nil, fmt.Errorf("index %d is out of bounds for dimension %d with size %d", v, dd, shape[dd])
				}
				if v < 0 {
					v += int64(shape[dd])
				}
				off += int(v) * st[dd]
			}
		}
		plan.src[i] = off
		advance(pos, out)
	}
	return plan, nil
}

// maskCoords returns, per dimension of mask, the int64 coordinates of its
// non-zero elements in row-major order (torch.nonzero's columns).
func maskCoords(mask *Tensor) []*Tensor {
	var hits []int
	for i := 0; i < mask.Numel(); i++ {
		if mask.U8[i] != 0 {
			hits = append(hits, i)
		}
	}
	st := strides(mask.Shape)
	out := make([]*Tensor, mask.Dim())
	for k := range out {
		c, _ := New(tensor.Int64, []int{len(hits)})
		for j, h := range hits {
			c.I64[j] = int64((h / st[k]) % mask.Shape[k])
		}
		out[k] = c
	}
	return out
}

func shapesOf(ts []*Tensor) [][]int {
	out := make([][]int, len(ts))
	for i, t := range ts {
		out[i] = t.Shape
	}
	return out
}

// Index is torch.index(t, indices) (t[i0, i1, ...], nil: a whole
// dimension): a new tensor.
func Index(t *Tensor, indices []*Tensor) (*Tensor, error) {
	p, err := planIndex(t.Shape, indices)
	if err != nil {
		return nil, err
	}
	r, err := New(t.DType, p.shape)
	if err != nil {
		return nil, err
	}
	for i, s := range p.src {
		copySpan(r, i, t, s, 1)
	}
	return r, nil
}

// IndexPut is torch.index_put_(t, indices, values, accumulate): t's
// elements t[indices] take (add, with accumulate) values broadcast to the
// indexed shape (a 0-dim values tensor is cast to t's dtype, any other must
// have it); t is modified in place (and
// returned). Without accumulate, a position indexed twice keeps the last
// value.
func IndexPut(t *Tensor, indices []*Tensor, values *Tensor, accumulate bool) (*Tensor, error) {
	p, err := planIndex(t.Shape, indices)
	if err != nil {
		return nil, err
	}
	if bs, err := BroadcastShapes(p.shape, values.Shape); err != nil || !slices.Equal(bs, p.shape) {
		return nil, fmt.Errorf("shape mismatch: value tensor of shape %v cannot be broadcast to indexing result of shape %v", values.Shape, p.shape)
	}
	if values.Dim() > 0 && values.DType != t.DType {
		return nil, fmt.Errorf("Index put requires the source and destination dtypes match, got %s for the destination and %s for the source.", t.DType, values.DType)
	}
	vi := broadcastIndex(values.Shape, p.shape)
	asFloat := IsFloat(t.DType) || IsFloat(values.DType) // a 0-dim value is cast
	for i, s := range p.src {
		switch {
		case asFloat && accumulate:
			t.Set(s, t.At(s)+values.At(vi[i]))
		case asFloat:
			t.Set(s, values.At(vi[i]))
		case accumulate:
			t.SetInt(s, t.IntAt(s)+values.IntAt(vi[i]))
		default:
			t.SetInt(s, values.IntAt(vi[i]))
		}
	}
	return t, nil
}
