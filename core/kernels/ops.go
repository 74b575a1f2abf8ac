package kernels

import (
	"fmt"
	"math"
	"slices"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// NormDim wraps a possibly negative dimension into [0, n).
func NormDim(d, n int) (int, error) {
	if n == 0 {
		n = 1 // a 0-dim tensor accepts dims -1 and 0
	}
	if d < -n || d >= n {
		return 0, fmt.Errorf("dimension out of range (expected to be in range of [%d, %d], but got %d)", -n, n-1, d)
	}
	if d < 0 {
		d += n
	}
	return d, nil
}

// split3 returns (outer, size, inner) of shape around dim.
func split3(shape []int, dim int) (int, int, int) {
	outer, inner := 1, 1
	for i := 0; i < dim; i++ {
		outer *= shape[i]
	}
	for i := dim + 1; i < len(shape); i++ {
		inner *= shape[i]
	}
	size := 1
	if dim < len(shape) {
		size = shape[dim]
	}
	return outer, size, inner
}

// Reshape is torch.reshape (one -1 dimension is inferred).
func Reshape(t *Tensor, shape []int) (*Tensor, error) {
	out := append([]int(nil), shape...)
	infer := -1
	n := 1
	for i, d := range out {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d < 0:
			return nil, fmt.Errorf("invalid shape dimension %d", d)
		default:
			n *= d
		}
	}
	total := t.Numel()
	if infer >= 0 {
		if n == 0 || total%n != 0 {
			return nil, fmt.Errorf("shape %v is invalid for input of size %d", shape, total)
		}
		out[infer] = total / n
	} else if n != total {
		return nil, fmt.Errorf("shape %v is invalid for input of size %d", shape, total)
	}
	return view(t, out), nil
}

// Flatten is torch.flatten(t, start, end).
func Flatten(t *Tensor, start, end int) (*Tensor, error) {
	if t.Dim() == 0 {
		return view(t, []int{1}), nil
	}
	s, err := NormDim(start, t.Dim())
	if err != nil {
		return nil, err
	}
	e, err := NormDim(end, t.Dim())
	if err != nil {
		return nil, err
	}
	if s > e {
		return nil, fmt.Errorf("flatten() has invalid args: start_dim cannot come after end_dim")
	}
	shape := append([]int(nil), t.Shape[:s]...)
	shape = append(shape, numel(t.Shape[s:e+1]))
	shape = append(shape, t.Shape[e+1:]...)
	return view(t, shape), nil
}

// Squeeze is torch.squeeze(t) (dim nil: every size-1 dimension).
func Squeeze(t *Tensor, dim *int) (*Tensor, error) {
	var shape []int
	if dim == nil {
		for _, d := range t.Shape {
			if d != 1 {
				shape = append(shape, d)
			}
		}
		return view(t, shape), nil
	}
	if t.Dim() == 0 {
		if _, err := NormDim(*dim, 0); err != nil {
			return nil, err
		}
		return view(t, nil), nil
	}
	d, err := NormDim(*dim, t.Dim())
	if err != nil {
		return nil, err
	}
	if t.Shape[d] != 1 {
		return t, nil
	}
	shape = append(append([]int(nil), t.Shape[:d]...), t.Shape[d+1:]...)
	return view(t, shape), nil
}

// Unsqueeze is torch.unsqueeze.
func Unsqueeze(t *Tensor, dim int) (*Tensor, error) {
	d, err := NormDim(dim, t.Dim()+1)
	if err != nil {
		return nil, err
	}
	shape := append(append(append([]int(nil), t.Shape[:d]...), 1), t.Shape[d:]...)
	return view(t, shape), nil
}

// gather copies, for each (outer, j in idx, inner), the slices of t along
// dim: the core of slice, select, index_select and cat.
func gather(t *Tensor, dim int, idx []int, keepDim bool) (*Tensor, error) {
	outer, size, inner := split3(t.Shape, dim)
	shape := append([]int(nil), t.Shape...)
	if keepDim {
		shape[dim] = len(idx)
	} else {
		shape = append(shape[:dim], shape[dim+1:]...)
	}
	r, err := New(t.DType, shape)
	if err != nil {
		return nil, err
	}
	k := 0
	for o := 0; o < outer; o++ {
		for _, j := range idx {
			src := (o*size + j) * inner
			copySpan(r, k, t, src, inner)
			k += inner
		}
	}
	return r, nil
}

// copySpan copies n elements of src from si to dst at di (same dtype).
func copySpan(dst *Tensor, di int, src *Tensor, si, n int) {
	switch dst.DType {
	case tensor.Float32:
		copy(dst.F32[di:di+n], src.F32[si:si+n])
	case tensor.Float64:
		copy(dst.F64[di:di+n], src.F64[si:si+n])
	case tensor.Int64:
		copy(dst.I64[di:di+n], src.I64[si:si+n])
	case tensor.Int32:
		copy(dst.I32[di:di+n], src.I32[si:si+n])
	case tensor.Int16:
		copy(dst.I16[di:di+n], src.I16[si:si+n])
	case tensor.Int8:
		copy(dst.I8[di:di+n], src.I8[si:si+n])
	default:
		copy(dst.U8[di:di+n], src.U8[si:si+n])
	}
}

// Slice is torch.slice(t, dim, start, end, step) with Python's clamping
// (nil start/end: the whole dimension).
func Slice(t *Tensor, dim int, start, end *int64, step int64) (*Tensor, error) {
	if t.Dim() == 0 {
		return nil, fmt.Errorf("slice() cannot be applied to a 0-dim tensor")
	}
	d, err := NormDim(dim, t.Dim())
	if err != nil {
		return nil, err
	}
	if step <= 0 {
		return nil, fmt.Errorf("slice step must be positive")
	}
	n := int64(t.Shape[d])
	lo, hi := int64(0), n
	if start != nil {
		lo = clampIndex(*start, n)
	}
	if end != nil {
		hi = clampIndex(*end, n)
	}
	var idx []int
	for i := lo; i < hi; i += step {
		idx = append(idx, int(i))
	}
	r, err := gather(t, d, idx, true)
	if err == nil {
		r.Alias = aliasOf(t, d, int(lo), int(step), true)
	}
	return r, err
}

func clampIndex(i, n int64) int64 {
	if i < 0 {
		i += n
	}
	return max(0, min(i, n))
}

// Select is torch.select(t, dim, index).
func Select(t *Tensor, dim int, index int64) (*Tensor, error) {
	if t.Dim() == 0 {
		return nil, fmt.Errorf("select() cannot be applied to a 0-dim tensor")
	}
	d, err := NormDim(dim, t.Dim())
	if err != nil {
		return nil, err
	}
	n := int64(t.Shape[d])
	if index < -n || index >= n {
		return nil, fmt.Errorf("select(): index %d out of range for tensor of size %v at dimension %d", index, t.Shape, d)
	}
	if index < 0 {
		index += n
	}
	r, err := gather(t, d, []int{int(index)}, false)
	if err == nil {
		r.Alias = aliasOf(t, d, int(index), 1, false)
	}
	return r, err
}

// IndexSelect is torch.index_select(t, dim, index) (index: int64 1-D).
func IndexSelect(t *Tensor, dim int, index *Tensor) (*Tensor, error) {
	d, err := NormDim(dim, t.Dim())
	if err != nil {
		return nil, err
	}
	idx := make([]int, index.Numel())
	for i := range idx {
		v := index.IntAt(i)
		if v < -int64(t.Shape[d]) || v >= int64(t.Shape[d]) {
			return nil, fmt.Errorf("index %d is out of bounds for dimension %d with size %d", v, d, t.Shape[d])
		}
		if v < 0 {
			v += int64(t.Shape[d])
		}
		idx[i] = int(v)
	}
	return gather(t, d, idx, true)
}

// Cat is torch.cat (dtypes promoted; empty 1-D tensors skipped).
func Cat(ts []*Tensor, dim int) (*Tensor, error) {
	if len(ts) == 0 {
		return nil, fmt.Errorf("cat() expects a non-empty list of tensors")
	}
	var dt tensor.DType
	var ref *Tensor
	for _, t := range ts {
		dt = Promote(dt, t.DType)
		if !(t.Dim() == 1 && t.Shape[0] == 0) && ref == nil {
			ref = t
		}
	}
	if ref == nil {
		return New(dt, []int{0})
	}
	if ref.Dim() == 0 {
		return nil, fmt.Errorf("zero-dimensional tensor cannot be concatenated")
	}
	d, err := NormDim(dim, ref.Dim())
	if err != nil {
		return nil, err
	}
	shape := append([]int(nil), ref.Shape...)
	shape[d] = 0
	var parts []*Tensor
	for i, t := range ts {
		if t.Dim() == 1 && t.Shape[0] == 0 {
			continue
		}
		if t.Dim() != ref.Dim() {
			return nil, fmt.Errorf("tensors must have the same number of dimensions: got %d and %d", ref.Dim(), t.Dim())
		}
		for k := range shape {
			if k != d && t.Shape[k] != ref.Shape[k] {
				return nil, fmt.Errorf("sizes of tensors must match except in dimension %d: expected size %d but got size %d for tensor number %d in the list", d, ref.Shape[k], t.Shape[k], i)
			}
		}
		c, err := To(t, dt, false)
		if err != nil {
			return nil, err
		}
		parts = append(parts, c)
		shape[d] += t.Shape[d]
	}
	r, err := New(dt, shape)
	if err != nil {
		return nil, err
	}
	outer, _, inner := split3(shape, d)
	k := 0
	for o := 0; o < outer; o++ {
		for _, p := range parts {
			n := p.Shape[d] * inner
			copySpan(r, k, p, o*n, n)
			k += n
		}
	}
	return r, nil
}

// Stack is torch.stack.
func Stack(ts []*Tensor, dim int) (*Tensor, error) {
	if len(ts) == 0 {
		return nil, fmt.Errorf("stack expects a non-empty TensorList")
	}
	for i, t := range ts {
		if !sameShape(t.Shape, ts[0].Shape) {
			return nil, fmt.Errorf("stack expects each tensor to be equal size, but got %v at entry 0 and %v at entry %d", ts[0].Shape, t.Shape, i)
		}
	}
	d, err := NormDim(dim, ts[0].Dim()+1)
	if err != nil {
		return nil, err
	}
	us := make([]*Tensor, len(ts))
	for i, t := range ts {
		us[i], _ = Unsqueeze(t, d)
	}
	return Cat(us, d)
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Transpose is torch.transpose(t, d0, d1).
func Transpose(t *Tensor, d0, d1 int) (*Tensor, error) {
	a, err := NormDim(d0, t.Dim())
	if err != nil {
		return nil, err
	}
	b, err := NormDim(d1, t.Dim())
	if err != nil {
		return nil, err
	}
	if t.Dim() < 2 || a == b {
		return t, nil
	}
	perm := make([]int, t.Dim())
	for i := range perm {
		perm[i] = i
	}
	perm[a], perm[b] = perm[b], perm[a]
	return permute(t, perm)
}

// Embedding is torch.embedding(weight, indices): rows of weight.
func Embedding(weight, indices *Tensor) (*Tensor, error) {
	if weight.Dim() != 2 {
		return nil, fmt.Errorf("embedding: weight must be 2-D, got %v", weight.Shape)
	}
	if IsFloat(indices.DType) {
		return nil, fmt.Errorf("expected scalar type Long or Int for the embedding indices, got %s", indices.DType)
	}
	n, dim := weight.Shape[0], weight.Shape[1]
	shape := append(append([]int(nil), indices.Shape...), dim)
	r, err := New(weight.DType, shape)
	if err != nil {
		return nil, err
	}
	for i := 0; i < indices.Numel(); i++ {
		j := indices.IntAt(i)
		if j < 0 || j >= int64(n) {
			return nil, fmt.Errorf("index out of range in self (index %d, %d embeddings)", j, n)
		}
		copySpan(r, i*dim, weight, int(j)*dim, dim)
	}
	return r, nil
}

// Linear is torch.linear(x, w, b): x @ w^T + b over the last dimension.
func Linear(x, w, b *Tensor) (*Tensor, error) {
	if w.Dim() != 2 || x.Dim() == 0 || x.Shape[x.Dim()-1] != w.Shape[1] {
		return nil, fmt.Errorf("mat1 and mat2 shapes cannot be multiplied (%v and %v)", x.Shape, reverse(w.Shape))
	}
	if x.DType != w.DType || !IsFloat(x.DType) {
		return nil, fmt.Errorf("expected both arguments to have the same floating dtype, got %s and %s", x.DType, w.DType)
	}
	out, in := w.Shape[0], w.Shape[1]
	if b != nil && (b.Numel() != out || b.DType != x.DType) {
		return nil, fmt.Errorf("linear: bias of shape %v and %s does not fit %d outputs of %s", b.Shape, b.DType, out, x.DType)
	}
	rows := numel(x.Shape[:x.Dim()-1])
	var dims [4]int
	shape := append(append(dims[:0], x.Shape[:x.Dim()-1]...), out)
	r, err := New(x.DType, shape)
	if err != nil {
		return nil, err
	}
	if x.DType == tensor.Float32 {
		if b != nil {
			for i := 0; i < rows; i++ {
				copy(r.F32[i*out:(i+1)*out], b.F32)
			}
		}
		gemmF32(rows, out, in, x.F32, w.F32, r.F32, beta(b))
		return r, nil
	}
	if b != nil {
		for i := 0; i < rows; i++ {
			copy(r.F64[i*out:(i+1)*out], b.F64)
		}
	}
	gemmF64(rows, out, in, x.F64, w.F64, r.F64, float64(beta(b)))
	return r, nil
}

// beta is the GEMM's beta: 1 adds the bias already in the output.
func beta(b *Tensor) float32 {
	if b == nil {
		return 0
	}
	return 1
}

func reverse(s []int) []int {
	r := make([]int, len(s))
	for i, v := range s {
		r[len(s)-1-i] = v
	}
	return r
}

// Matmul is torch.matmul: through Linear when b has at most 2 dimensions,
// BatchMatmul otherwise.
func Matmul(a, b *Tensor) (*Tensor, error) {
	switch {
	case b.Dim() == 2:
		bt, err := Transpose(b, 0, 1)
		if err != nil {
			return nil, err
		}
		if a.Dim() == 1 {
			r, err := Linear(view(a, []int{1, a.Shape[0]}), bt, nil)
			if err != nil {
				return nil, err
			}
			return view(r, []int{r.Shape[1]}), nil
		}
		return Linear(a, bt, nil)
	case b.Dim() == 1:
		r, err := Linear(a, view(b, []int{1, b.Shape[0]}), nil)
		if err != nil {
			return nil, err
		}
		return view(r, r.Shape[:r.Dim()-1]), nil
	}
	return BatchMatmul(a, b)
}

// Reduce sums (or multiplies, ...) along dims.
func reduceDims(t *Tensor, dims []int, keep bool) ([]int, []bool, error) {
	mark := make([]bool, max(t.Dim(), 1))
	if len(dims) == 0 {
		for i := range mark {
			mark[i] = true
		}
	}
	for _, d := range dims {
		n, err := NormDim(d, t.Dim())
		if err != nil {
			return nil, nil, err
		}
		mark[n] = true
	}
	var shape []int
	for i, d := range t.Shape {
		if !mark[i] {
			shape = append(shape, d)
		} else if keep {
			shape = append(shape, 1)
		}
	}
	return shape, mark, nil
}

// Sum is torch.sum(t, dims, keepdim, dtype) (dims empty: all). Integer and
// bool inputs sum to int64.
func Sum(t *Tensor, dims []int, keep bool, dt tensor.DType, mean bool) (*Tensor, error) {
	if dt == undefined {
		dt = t.DType
		if !IsFloat(dt) {
			if mean {
				return nil, fmt.Errorf("mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: %s", t.DType)
			}
			dt = tensor.Int64
		}
	}
	shape, mark, err := reduceDims(t, dims, keep)
	if err != nil {
		return nil, err
	}
	r, err := New(dt, shape)
	if err != nil {
		return nil, err
	}
	if sumFastPath && sumContiguous(t, mark, r, mean) {
		return r, nil
	}
	acc := make([]float64, r.Numel())
	iacc := make([]int64, r.Numel())
	count := make([]int, r.Numel())
	forEachReduced(t, mark, func(src, dst int) {
		if IsFloat(dt) {
			acc[dst] += t.At(src)
		} else {
			iacc[dst] += t.IntAt(src)
		}
		count[dst]++
	})
	for i := range acc {
		if IsFloat(dt) {
			v := acc[i]
			if mean {
				v /= float64(count[i])
			}
			r.Set(i, v)
		} else {
			r.SetInt(i, iacc[i])
		}
	}
	return r, nil
}

// sumFastPath enables sumContiguous (tests clear it to compare with the
// generic loop).
var sumFastPath = true

// sumContiguous is Sum's fast path for a floating tensor summed in its own
// dtype over one run of adjacent dimensions (the last ones, or a middle run
// with the trailing ones kept): t is then outer x size x inner with the
// size elements reduced, and the loops run over contiguous memory. It
// reports whether it applied.
func sumContiguous(t *Tensor, mark []bool, r *Tensor, mean bool) bool {
	if t.DType != r.DType || !IsFloat(t.DType) || t.Dim() == 0 {
		return false
	}
	lo := slices.Index(mark, true)
	hi := lo
	for hi < len(mark) && mark[hi] {
		hi++
	}
	if lo < 0 || slices.Contains(mark[hi:], true) {
		return false
	}
	outer, size, inner := numel(t.Shape[:lo]), numel(t.Shape[lo:hi]), numel(t.Shape[hi:])
	if t.DType == tensor.Float32 {
		sumRuns(t.F32, r.F32, outer, size, inner, mean)
	} else {
		sumRuns(t.F64, r.F64, outer, size, inner, mean)
	}
	return true
}

// sumRuns sets dst[o*inner+i] to the sum (mean: the mean) of src[(o*size+s)*
// inner+i] over s, accumulated in float64: over a contiguous row with four
// accumulators (inner 1), otherwise row by row into inner accumulators (the
// generic loop's order). A mean over no elements is NaN, as in torch.
func sumRuns[F float](src, dst []F, outer, size, inner int, mean bool) {
	div := 1.0
	if mean {
		div = float64(size)
	}
	if inner == 1 {
		for o := range outer {
			row := src[o*size : (o+1)*size]
			var s0, s1, s2, s3 float64
			p := 0
			for ; p+4 <= len(row); p += 4 {
				q := row[p : p+4 : p+4]
				s0 += float64(q[0])
				s1 += float64(q[1])
				s2 += float64(q[2])
				s3 += float64(q[3])
			}
			for _, v := range row[p:] {
				s0 += float64(v)
			}
			dst[o] = F(((s0 + s1) + (s2 + s3)) / div)
		}
		return
	}
	acc := make([]float64, inner)
	for o := range outer {
		clear(acc)
		for s := range size {
			row := src[(o*size+s)*inner : (o*size+s+1)*inner]
			for i, v := range row[:len(acc)] {
				acc[i] += float64(v)
			}
		}
		out := dst[o*inner : (o+1)*inner]
		for i, v := range acc {
			out[i] = F(v / div)
		}
	}
}

// forEachReduced calls f(source index, destination index) for every
// element, the destination collapsing the marked dimensions.
func forEachReduced(t *Tensor, mark []bool, f func(src, dst int)) {
	n := t.Numel()
	pos := make([]int, t.Dim())
	for i := 0; i < n; i++ {
		dst := 0
		for k, d := range t.Shape {
			if !mark[k] {
				dst = dst*d + pos[k]
			}
		}
		f(i, dst)
		for k := len(pos) - 1; k >= 0; k-- {
			pos[k]++
			if pos[k] < t.Shape[k] {
				break
			}
			pos[k] = 0
		}
	}
}

// along calls f(base, stride, n) for every 1-D line of t along dim.
func along(shape []int, dim int, f func(base, stride, n int)) {
	outer, size, inner := split3(shape, dim)
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			f(o*size*inner+i, inner, size)
		}
	}
}

// Softmax is torch.softmax(t, dim) (log: log_softmax); integer inputs give
// float32.
func Softmax(t *Tensor, dim int, log bool, dt tensor.DType) (*Tensor, error) {
	if dt == undefined {
		dt = t.DType
		if !IsFloat(dt) {
			dt = tensor.Float32
		}
	}
	r, err := To(t, dt, true)
	if err != nil {
		return nil, err
	}
	if r.Dim() == 0 {
		r.Set(0, b2f(!log))
		return r, nil
	}
	d, err := NormDim(dim, r.Dim())
	if err != nil {
		return nil, err
	}
	if r.DType == tensor.Float32 {
		along(r.Shape, d, func(base, stride, n int) { softmaxF32(r.F32, base, stride, n, log) })
		return r, nil
	}
	along(r.Shape, d, func(base, stride, n int) {
		m := math.Inf(-1)
		for k := 0; k < n; k++ {
			m = math.Max(m, r.At(base+k*stride))
		}
		s := 0.0
		for k := 0; k < n; k++ {
			s += math.Exp(r.At(base+k*stride) - m)
		}
		for k := 0; k < n; k++ {
			x := r.At(base+k*stride) - m
			if log {
				r.Set(base+k*stride, x-math.Log(s))
			} else {
				r.Set(base+k*stride, math.Exp(x)/s)
			}
		}
	})
	return r, nil
}

// softmaxF32 is one line of Softmax on float32 data, in place: the
// exponentials in float64 (expSlice) in blocks of a stack buffer, summed in
// float64; a line longer than the block keeps its exponentials in v until
// the sum is known (rounded twice: within 1.2e-7 relative more).
func softmaxF32(v []float32, base, stride, n int, log bool) {
	m := math.Inf(-1)
	for k := 0; k < n; k++ {
		m = math.Max(m, float64(v[base+k*stride]))
	}
	var buf [fastBlock]float64
	s := 0.0
	for k0 := 0; k0 < n; k0 += fastBlock {
		b := buf[:min(fastBlock, n-k0)]
		for k := range b {
			b[k] = float64(v[base+(k0+k)*stride]) - m
		}
		expSlice(b, false)
		for k, e := range b {
			s += e
			if !log && n > fastBlock {
				v[base+(k0+k)*stride] = float32(e)
			}
		}
	}
	if log {
		ls := math.Log(s)
		for k := 0; k < n; k++ {
			i := base + k*stride
			v[i] = float32(float64(v[i]) - m - ls)
		}
		return
	}
	if n > fastBlock {
		for k := 0; k < n; k++ {
			i := base + k*stride
			v[i] = float32(float64(v[i]) / s)
		}
		return
	}
	for k, e := range buf[:n] {
		v[base+k*stride] = float32(e / s)
	}
}

// Cumprod is torch.cumprod(t, dim); integer and bool inputs give int64.
func Cumprod(t *Tensor, dim int) (*Tensor, error) {
	return cumulative(t, dim, undefined, 1, func(a, x float64) float64 { return a * x }, func(a, x int64) int64 { return a * x })
}

// ArgMax is torch.argmax(t, dim, keepdim) (dim nil: over all elements);
// NaN is the maximum, ties give the first index.
func ArgMax(t *Tensor, dim *int, keep bool) (*Tensor, error) {
	src := t
	d := 0
	if dim == nil {
		src = view(t, []int{t.Numel()})
		keep = false
	} else {
		var err error
		if d, err = NormDim(*dim, t.Dim()); err != nil {
			return nil, err
		}
		if t.Dim() == 0 {
			src = view(t, []int{1})
		}
	}
	vals, idx, err := maxAlong(src, d, keep)
	_ = vals
	return idx, err
}

// MaxDim is torch.max(t, dim, keepdim): (values, indices).
func MaxDim(t *Tensor, dim int, keep bool) (*Tensor, *Tensor, error) {
	d, err := NormDim(dim, t.Dim())
	if err != nil {
		return nil, nil, err
	}
	src := t
	if t.Dim() == 0 {
		src = view(t, []int{1})
	}
	return maxAlong(src, d, keep)
}

func maxAlong(t *Tensor, d int, keep bool) (*Tensor, *Tensor, error) {
	if t.Shape[d] == 0 {
		return nil, nil, fmt.Errorf("cannot perform reduction function argmax on a tensor with no elements because the operation does not have an identity")
	}
	shape := append([]int(nil), t.Shape...)
	if keep {
		shape[d] = 1
	} else {
		shape = append(shape[:d], shape[d+1:]...)
	}
	vals, err := New(t.DType, shape)
	if err != nil {
		return nil, nil, err
	}
	idx, err := New(tensor.Int64, shape)
	if err != nil {
		return nil, nil, err
	}
	k := 0
	along(t.Shape, d, func(base, stride, n int) {
		best := 0
		bv := t.At(base)
		for j := 1; j < n; j++ {
			v := t.At(base + j*stride)
			if bv != bv {
				break
			}
			if v > bv || v != v {
				best, bv = j, v
			}
		}
		copySpan(vals, k, t, base+best*stride, 1)
		idx.I64[k] = int64(best)
		k++
	})
	// along visits (outer, inner) in row-major order of the result.
	return vals, idx, nil
}

// LayerNorm is torch.layer_norm(x, shape, weight, bias, eps).
func LayerNorm(x *Tensor, normShape []int, w, b *Tensor, eps float64) (*Tensor, error) {
	n := numel(normShape)
	if len(normShape) > x.Dim() || !sameShape(x.Shape[x.Dim()-len(normShape):], normShape) {
		return nil, fmt.Errorf("layer_norm: input of shape %v does not end with normalized_shape %v", x.Shape, normShape)
	}
	r, err := To(x, x.DType, true)
	if err != nil {
		return nil, err
	}
	for _, p := range []*Tensor{w, b} {
		if p != nil && p.Numel() < n {
			return nil, fmt.Errorf("layer_norm: weight or bias of shape %v for normalized_shape %v", p.Shape, normShape)
		}
	}
	wv, bv := layerNormParam(w, n), layerNormParam(b, n)
	switch r.DType {
	case tensor.Float32:
		layerNormRows(r.F32, n, wv, bv, eps)
	case tensor.Float64:
		layerNormRows(r.F64, n, wv, bv, eps)
	default: // an integer input (torch refuses one): computed in float64, stored as Set stores
		f, err := To(r, tensor.Float64, true)
		if err != nil {
			return nil, err
		}
		layerNormRows(f.F64, n, wv, bv, eps)
		for i, v := range f.F64 {
			r.Set(i, v)
		}
	}
	return r, nil
}

// layerNormParam returns the first n elements of LayerNorm's weight or
// bias as float64 (nil for none).
func layerNormParam(t *Tensor, n int) []float64 {
	if t == nil {
		return nil
	}
	v := make([]float64, n)
	for k := range v {
		v[k] = t.At(k)
	}
	return v
}

// layerNormRows normalises each run of n elements of r in place,
// computing in float64 and rounding to r's type once per element.
func layerNormRows[T float32 | float64](r []T, n int, w, b []float64, eps float64) {
	for base := 0; n > 0 && base+n <= len(r); base += n {
		row := r[base : base+n]
		mean, sq := 0.0, 0.0
		for _, x := range row {
			mean += float64(x)
		}
		mean /= float64(n)
		for _, x := range row {
			d := float64(x) - mean
			sq += d * d
		}
		inv := 1 / math.Sqrt(sq/float64(n)+eps)
		for k, x := range row {
			v := (float64(x) - mean) * inv
			if w != nil {
				v *= w[k]
			}
			if b != nil {
				v += b[k]
			}
			row[k] = T(v)
		}
	}
}

// BatchNorm is torch.batch_norm in eval mode: per-channel (dim 1)
// (x - mean) / sqrt(var + eps) * w + b with the running statistics.
func BatchNorm(x, w, b, mean, variance *Tensor, eps float64) (*Tensor, error) {
	if mean == nil || variance == nil {
		return nil, fmt.Errorf("batch_norm without running statistics (training mode) is not supported by the Go engine")
	}
	if x.Dim() < 2 {
		return nil, fmt.Errorf("batch_norm: expected at least 2-D input, got %v", x.Shape)
	}
	c := x.Shape[1]
	if mean.Numel() != c || variance.Numel() != c {
		return nil, fmt.Errorf("batch_norm: running statistics of %d channels for input %v", mean.Numel(), x.Shape)
	}
	r, err := To(x, x.DType, true)
	if err != nil {
		return nil, err
	}
	_, _, inner := split3(x.Shape, 1)
	for i := 0; i < r.Numel(); i++ {
		ch := (i / inner) % c
		v := (r.At(i) - mean.At(ch)) / math.Sqrt(variance.At(ch)+eps)
		if w != nil {
			v *= w.At(ch)
		}
		if b != nil {
			v += b.At(ch)
		}
		r.Set(i, v)
	}
	return r, nil
}

// MaskedFill is torch.masked_fill(t, mask, value).
func MaskedFill(t, mask *Tensor, value float64) (*Tensor, error) {
	if mask.DType != tensor.Bool {
		return nil, fmt.Errorf("masked_fill only supports boolean masks, but got mask with dtype %s", mask.DType)
	}
	shape, err := BroadcastShapes(t.Shape, mask.Shape)
	if err != nil {
		return nil, err
	}
	if !sameShape(shape, t.Shape) {
		return nil, fmt.Errorf("masked_fill: mask of shape %v does not broadcast to %v", mask.Shape, t.Shape)
	}
	r := Clone(t)
	im := broadcastIndex(mask.Shape, shape)
	for i, j := range im {
		if mask.U8[j] != 0 {
			r.Set(i, value)
		}
	}
	return r, nil
}

// Flat returns t as a 1-D view.
func Flat(t *Tensor) *Tensor { return view(t, []int{t.Numel()}) }
