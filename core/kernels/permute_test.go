package kernels

import (
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
