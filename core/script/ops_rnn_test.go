package script

import (
	"strings"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/kernels"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

func zeros32(shape ...int) *kernels.Tensor {
	t, _ := kernels.New(tensor.Float32, shape)
	return t
}

// TestRecurrentOpErrors: the forms of the fused recurrent operators the Go
// engine refuses, each with an error naming the operator and the reason.
func TestRecurrentOpErrors(t *testing.T) {
	in, h := zeros32(2, 1, 2), zeros32(1, 1, 3)
	gruParams := &List{Items: []Value{zeros32(9, 2), zeros32(9, 3)}}
	lstmParams := &List{Items: []Value{zeros32(12, 2), zeros32(12, 3)}}
	batchSizes := &kernels.Tensor{DType: tensor.Int64, Shape: []int{2}, I64: []int64{1, 1}}
	cases := []struct {
		op   string
		args []Value
		want string
	}{
		{"gru", []Value{in, batchSizes, h, gruParams, false, int64(1), 0.0, false, false}, "aten::gru over a packed sequence (batch_sizes) is not supported"},
		{"lstm", []Value{in, batchSizes, &List{Items: []Value{h, h}}, lstmParams, false, int64(1), 0.0, false, false}, "aten::lstm over a packed sequence"},
		{"lstm", []Value{in, &List{Items: []Value{h}}, lstmParams, false, int64(1), 0.0, false, false, false}, "hx must be a list of two tensors"},
		{"rnn_tanh", []Value{in, h, gruParams, false, int64(2), 0.5, true, false, false}, "aten::rnn_tanh in training mode with dropout 0.5 is not supported"},
		{"rnn_relu", []Value{in, "h", gruParams}, "argument 2 must be a Tensor"},
		{"rnn_relu", []Value{in, h, gruParams, false, int64(1), 0.0, false, false, false}, "rnn_relu layer 0 direction 0: weight_ih has shape [9 2], want [3 2]"},
		{"zeros", []Value{&List{Items: []Value{int64(2)}}, int64(6), nil, Device("cuda:0")}, "CPU only, not on cuda:0"},
		{"zeros", []Value{&List{Items: []Value{int64(2)}}, int64(5)}, "dtype float16 is not supported"},
		{"repeat", []Value{in, "x"}, "expected a list of ints"},
		{"copy_", []Value{in, 1.0}, "argument 2 must be a Tensor"},
		{"topk", []Value{in, int64(5)}, "k (5) out of range"},
	}
	for _, c := range cases {
		_, err := ops[c.op].fn(c.args)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.op, err, c.want)
		}
	}
	// train with dropout 0 (or one layer: no dropout between layers) is eval.
	params := &List{Items: []Value{zeros32(3, 2), zeros32(3, 3)}}
	v, err := ops["rnn_relu"].fn([]Value{in, h, params, false, int64(1), 0.5, true, false, false})
	if err != nil || len(v.(Tuple)) != 2 {
		t.Errorf("rnn_relu train, one layer: %v, %v", v, err)
	}
	z, err := ops["zeros"].fn([]Value{&List{Items: []Value{int64(2), int64(3)}}, nil, nil, Device("cpu")})
	if zt, ok := z.(*kernels.Tensor); err != nil || !ok || zt.DType != tensor.Float32 || zt.Numel() != 6 {
		t.Errorf("zeros: %v, %v", z, err)
	}
}
