package script

import (
	"slices"
	"strings"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/kernels"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// TestConvOpArgs: the operators' argument errors name the operator and
// the argument; the successful forms are covered by testdata/kernels'
// conv.json (TestKernelModules).
func TestConvOpArgs(t *testing.T) {
	f := func(shape ...int) *kernels.Tensor {
		x, _ := kernels.New(tensor.Float32, shape)
		return x
	}
	ints := func(v ...int64) *List {
		l := &List{}
		for _, i := range v {
			l.Items = append(l.Items, i)
		}
		return l
	}
	x, w := f(1, 2, 6), f(3, 2, 2)
	cases := []struct {
		op   string
		args []Value
		want string
	}{
		{"_convolution_mode", []Value{x, w, nil, ints(1), ints(0), ints(1), int64(1)}, "_convolution_mode: padding must be a string, not List"},
		{"_convolution_mode", []Value{x, w, nil, ints(2), "same", ints(1), int64(1)}, "not supported for strided convolutions"},
		{"_convolution", []Value{x, w, nil, ints(1), ints(0), ints(1), true, ints(0), int64(1)}, "transposed convolutions are not supported"},
		{"_convolution", []Value{x, f(3, 2, 2, 2, 2), nil, ints(1), ints(0), ints(1), false, ints(0), int64(1)}, "got a weight of size [3 2 2 2 2]"},
		{"conv1d", []Value{"x", w}, "argument 1 must be a Tensor, not str"},
		{"conv1d", []Value{x, "w"}, "argument 2 must be a Tensor, not str"},
		{"conv1d", []Value{x, w, "b"}, "argument 3 must be a Tensor, not str"},
		{"conv1d", []Value{x, f(3, 2, 2, 2)}, "conv1d: expected a 3-D weight, got size [3 2 2 2]"},
		{"conv1d", []Value{x, w, nil, ints(1, 1)}, "stride must have 1 values, got [1 1]"},
		{"conv1d", []Value{x, w, nil, 1.5}, "stride: expected a list of ints, not float"},
		{"conv1d", []Value{x, w, nil, nil, nil, ints(0)}, "stride and dilation must be positive"},
		{"conv1d", []Value{x, w, nil, nil, ints(1, 2)}, "padding must have 1 values"},
		{"conv1d", []Value{x, w, nil, nil, "full"}, "invalid padding string: 'full'"},
		{"conv1d", []Value{x, w, nil, nil, nil, nil, "g"}, "argument 7 must be an int, not str"},
		{"conv2d", []Value{f(1, 2, 4, 4), f(2, 2, 2, 2), nil, nil, ints(1, 2, 3)}, "padding must have 2 values, got [1 2 3]"},
		{"max_pool1d", []Value{x}, "kernel_size, stride and dilation must be positive"},
		{"max_pool1d", []Value{x, "k"}, "max_pool1d: kernel_size: expected a list of ints, not str"},
		{"max_pool1d", []Value{x, ints(2), ints(1, 1)}, "max_pool1d: stride must have 1 values"},
		{"max_pool2d", []Value{f(1, 4, 4), ints(2), nil, ints(3)}, "padding [3 3] should be at most half"},
		{"max_pool2d", []Value{f(1, 4, 4), ints(2), nil, nil, "d"}, "max_pool2d: dilation: expected a list of ints"},
		{"avg_pool1d", []Value{"x", ints(2)}, "argument 1 must be a Tensor, not str"},
		{"avg_pool1d", []Value{x, ints(2), nil, ints(0), false, true, int64(2)}, "avg_pool1d: takes no divisor_override"},
		{"avg_pool2d", []Value{f(1, 4, 4), ints(2), nil, nil, false, true, int64(0)}, "avg_pool2d: divisor must be not zero"},
		{"avg_pool2d", []Value{f(1, 4, 4), ints(2), nil, nil, false, true, "d"}, "argument 7 must be an int, not str"},
		{"avg_pool2d", []Value{f(1, 4, 4), ints(2), nil, "p"}, "avg_pool2d: padding: expected a list of ints"},
	}
	for i, c := range cases {
		_, err := ops[c.op].fn(c.args)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("case %d (%s): %v, want %q", i, c.op, err, c.want)
		}
	}
	// Defaults: stride None or [] is the kernel; int[n] from one int.
	for _, stride := range []Value{nil, ints()} {
		r, err := ops["avg_pool2d"].fn([]Value{f(1, 4, 6), int64(2), stride})
		if err != nil || !slices.Equal(r.(*kernels.Tensor).Shape, []int{1, 2, 3}) {
			t.Errorf("avg_pool2d stride %v: %v %v", stride, r, err)
		}
	}
	r, err := ops["conv2d"].fn([]Value{f(1, 2, 5, 5), f(4, 1, 3, 3), nil, int64(2), int64(1), int64(1), int64(2)})
	if err != nil || !slices.Equal(r.(*kernels.Tensor).Shape, []int{1, 4, 3, 3}) {
		t.Errorf("conv2d int arguments: %v %v", r, err)
	}
}
