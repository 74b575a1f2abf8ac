package kernels

import (
	"strings"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

func TestOneHot(t *testing.T) {
	r, err := OneHot(i64([]int64{2, 0}, 2), -1)
	if err != nil || !sameShape(r.Shape, []int{2, 3}) || r.I64[2] != 1 || r.I64[3] != 1 || r.I64[0]+r.I64[1]+r.I64[4]+r.I64[5] != 0 {
		t.Errorf("one_hot: %v %v", r, err)
	}
	r, err = OneHot(i64(nil, 0), 0)
	if err != nil || !sameShape(r.Shape, []int{0, 0}) {
		t.Errorf("empty one_hot: %v %v", r, err)
	}
	for _, c := range []struct {
		t    *Tensor
		n    int64
		want string
	}{
		{&Tensor{DType: tensor.Int32, Shape: []int{1}, I32: []int32{0}}, 2, "only applicable to index tensor (int64), got int32"},
		{i64(nil, 0), -1, "can not infer total number of classes from empty tensor"},
		{i64([]int64{1}, 1), -2, "num_classes should be positive or -1, got -2"},
		{i64([]int64{1}, 1), MaxElements + 1, "classes is more than"},
		{i64([]int64{-1}, 1), 3, "class values must be non-negative, got -1"},
		{i64([]int64{3}, 1), 3, "must be smaller than num_classes (3), got 3"},
	} {
		if _, err := OneHot(c.t, c.n); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("one_hot(%v, %d): %v, want %q", c.t.I64, c.n, err, c.want)
		}
	}
}
