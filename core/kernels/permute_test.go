package kernels

import (
	"slices"
	"strings"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

func rampTensor(shape ...int) *Tensor {
	t, _ := New(tensor.Int64, shape)
	for i := range t.I64 {
		t.I64[i] = int64(i)
	}
	return t
}

func TestPermute(t *testing.T) {
	x := rampTensor(2, 3, 4)
	r, err := Permute(x, []int{2, 0, -2})
	if err != nil {
		t.Fatal(err)
	}
	if !sameShape(r.Shape, []int{4, 2, 3}) {
		t.Fatalf("shape %v", r.Shape)
	}
	// r[k][i][j] = x[i][j][k] = 12i + 4j + k
	for k := 0; k < 4; k++ {
		for i := 0; i < 2; i++ {
			for j := 0; j < 3; j++ {
				if got := r.I64[(k*2+i)*3+j]; got != int64(12*i+4*j+k) {
					t.Fatalf("r[%d][%d][%d] = %d", k, i, j, got)
				}
			}
		}
	}
	for _, c := range []struct {
		dims []int
		want string
	}{{[]int{0, 1}, "does not match the length"}, {[]int{0, 0, 1}, "duplicate dims"}, {[]int{0, 1, 3}, "out of range"}} {
		if _, err := Permute(x, c.dims); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want %q", c.dims, err, c.want)
		}
	}
}

func TestExpand(t *testing.T) {
	x := rampTensor(3, 1)
	r, err := Expand(x, []int{2, -1, 4})
	if err != nil {
		t.Fatal(err)
	}
	if !sameShape(r.Shape, []int{2, 3, 4}) {
		t.Fatalf("shape %v", r.Shape)
	}
	for i, v := range r.I64 {
		if want := int64((i / 4) % 3); v != want {
			t.Fatalf("r[%d] = %d, want %d", i, v, want)
		}
	}
	for _, c := range []struct {
		sizes []int
		want  string
	}{{[]int{3}, "must be greater or equal"}, {[]int{-1, 3, 4}, "-1 is not allowed"}, {[]int{2, 4}, "must match the existing size (3)"}} {
		if _, err := Expand(x, c.sizes); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want %q", c.sizes, err, c.want)
		}
	}
}

// TestPermuteAll: every permutation of tensors of 0 to 4 dimensions (sizes
// 1-4 and 0) in every dtype against the element-by-element definition
// r[i_0, ..., i_k] = t[i at perm^-1].
func TestPermuteAll(t *testing.T) {
	shapes := [][]int{{}, {5}, {3, 4}, {2, 1, 3}, {2, 3, 4, 5}, {3, 0, 2}}
	dtypes := []tensor.DType{tensor.Float32, tensor.Float64, tensor.Int64, tensor.Int32, tensor.Int16, tensor.Int8, tensor.Uint8, tensor.Bool}
	for _, shape := range shapes {
		for _, dt := range dtypes {
			x, err := New(dt, shape)
			if err != nil {
				t.Fatal(err)
			}
			for i := range x.Numel() {
				v := float64(i%101 + 1)
				if dt == tensor.Bool {
					v = float64(i % 2)
				}
				x.Set(i, v)
			}
			for _, perm := range permutations(len(shape)) {
				r, err := Permute(x, perm)
				if err != nil {
					t.Fatal(err)
				}
				if r.DType != dt || r.Numel() != x.Numel() {
					t.Fatalf("%v %s %v: %s %v", shape, dt, perm, r.DType, r.Shape)
				}
				// Walk r's indices; the source index follows perm.
				idx := make([]int, len(shape))
				for i := range r.Numel() {
					src, st := 0, 1
					for d := len(shape) - 1; d >= 0; d-- {
						src += idx[slices.Index(perm, d)] * st
						st *= shape[d]
					}
					if r.At(i) != x.At(src) {
						t.Fatalf("%v %s %v: r[%v] = %v, want %v", shape, dt, perm, idx, r.At(i), x.At(src))
					}
					for k := len(idx) - 1; k >= 0; k-- {
						idx[k]++
						if idx[k] < r.Shape[k] {
							break
						}
						idx[k] = 0
					}
				}
			}
		}
	}
}

// permutations lists every ordering of 0 .. n-1.
func permutations(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for at := 0; at <= len(p); at++ {
			q := slices.Insert(slices.Clone(p), at, n-1)
			out = append(out, q)
		}
	}
	return out
}
