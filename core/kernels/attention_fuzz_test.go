package kernels

import (
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// fuzzReader hands out small numbers from the fuzzer's bytes (0 when they
// run out).
type fuzzReader struct{ b []byte }

func (r *fuzzReader) next(n int) int {
	if len(r.b) == 0 || n <= 0 {
		return 0
	}
	v := int(r.b[0]) % n
	r.b = r.b[1:]
	return v
}

// shape returns up to 4 dimensions of size 0-3.
func (r *fuzzReader) shape() []int {
	s := make([]int, r.next(5))
	for i := range s {
		s[i] = r.next(4)
	}
	return s
}

// ints returns n values in [-3, 4]: indices and dimensions in and out of
// range.
func (r *fuzzReader) ints(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = r.next(8) - 3
	}
	return out
}

func (r *fuzzReader) tensor(dt tensor.DType, shape []int) *Tensor {
	t, _ := New(dt, shape)
	for i := 0; i < t.Numel(); i++ {
		t.Set(i, float64(r.next(9)-4))
	}
	return t
}

// FuzzAttnKernels: the attention, sorting and indexing kernels on shapes,
// dimensions and indices the fuzzer picks (out of range included) return a
// tensor or an error, never panic.
func FuzzAttnKernels(f *testing.F) {
	f.Add([]byte{2, 2, 3, 1, 0, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Add([]byte{3, 1, 2, 3, 3, 2, 1, 0, 7, 7, 7, 1, 2, 3, 4, 0, 0, 2})
	f.Add([]byte{4, 3, 3, 3, 3, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := &fuzzReader{b: b}
		x := r.tensor(tensor.Float32, r.shape())
		y := r.tensor(tensor.Float32, r.shape())
		idx := r.tensor(tensor.Int64, r.shape())
		mask := r.tensor(tensor.Bool, r.shape())
		d := r.ints(1)[0]
		_, _ = Permute(x, r.ints(x.Dim()))
		_, _ = Expand(x, r.ints(r.next(5)))
		_, _ = Tile(x, r.ints(r.next(5)))
		_, _ = BatchMatmul(x, y)
		_, _ = Bmm(x, y)
		_, _ = Mm(x, y)
		_, _, _ = Sort(x, d, r.next(2) == 1)
		_, _ = Extremum(x, r.ints(r.next(3)), r.next(2) == 1, r.next(2) == 1)
		_, _ = Gather(x, d, idx)
		_, _ = Scatter(x, d, idx, Operand{T: y}, r.next(2) == 1)
		_, _ = Scatter(x, d, idx, Operand{S: 1.5}, false)
		_, _ = Cumsum(idx, d, undefined)
		_, _ = Glu(x, d)
		_, _ = Index(x, []*Tensor{nil, idx, mask}[r.next(3):])
		_, _ = Index(x, []*Tensor{mask})
		_, _ = IndexPut(Clone(x), []*Tensor{idx, nil, idx}[r.next(3):], y, r.next(2) == 1)
		_, _ = ScaledDotProductAttention(x, y, y, mask, r.next(2) == 1, 0)
	})
}
