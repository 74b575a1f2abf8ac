package script

import (
	"strings"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/kernels"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// TestAttnOpArguments: the argument checks of ops_attn.go's operators
// (what the traced fixtures cannot reach), sort's tuple and index_put's
// copy.
func TestAttnOpArguments(t *testing.T) {
	x, _ := kernels.New(tensor.Float32, []int{2, 3})
	idx, _ := kernels.New(tensor.Int64, []int{2, 1})
	q, _ := kernels.New(tensor.Float32, []int{1, 2, 2})
	call := func(name string, vs ...Value) (Value, error) { return ops[name].fn(vs) }
	bad := []struct {
		name string
		args []Value
		want string
	}{
		{"permute", []Value{x, "x"}, "expected a list of ints"},
		{"permute", []Value{int64(1)}, "argument 1 must be a Tensor"},
		{"expand", []Value{x, 2.5}, "expected a list of ints"},
		{"tile", []Value{x, nil}, "expected a list of ints"},
		{"sort", []Value{x, "d"}, "argument 2 must be an int"},
		{"gather", []Value{x, int64(1), "i"}, "argument 3 must be a Tensor"},
		{"scatter", []Value{x, int64(1), idx, x, "sum"}, "scatter with reduce= is not supported by the Go engine"},
		{"scatter", []Value{x, int64(1), idx, "s"}, "src must be a tensor or a number, not str"},
		{"cumsum", []Value{x, int64(1), int64(5)}, "dtype float16 is not supported"},
		{"amax", []Value{x, "d"}, "expected a list of ints"},
		{"index", []Value{x, int64(1)}, "expected a list of optional tensors, not int"},
		{"index", []Value{x, &List{Items: []Value{int64(1)}}}, "got an item of type int"},
		{"index_put_", []Value{x, &List{Items: []Value{idx}}, 1.0}, "argument 3 must be a Tensor"},
		{"baddbmm", []Value{x, q, q, "b"}, "argument 4 must be a number"},
		{"baddbmm", []Value{x, q, q, 1.0, "a"}, "argument 5 must be a number"},
		{"baddbmm", []Value{x, x, q}, "batch1 must be a 3D tensor"},
		{"scaled_dot_product_attention", []Value{q, q, q, nil, 0.1}, "dropout_p 0.1: the Go engine runs inference only"},
		{"scaled_dot_product_attention", []Value{q, q, q, nil, 0.0, false, "s"}, "argument 7 must be a number"},
		{"scaled_dot_product_attention", []Value{q, q, q, nil, 0.0, false, -1.0}, "scale -1: the Go engine supports a positive scale only"},
		{"scaled_dot_product_attention", []Value{q, q, q, int64(1)}, "argument 4 must be a Tensor"},
	}
	for _, c := range bad {
		_, err := call(c.name, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s%v: %v, want %q", c.name, c.args, err, c.want)
		}
	}
	v, err := call("sort", x)
	if tu, ok := v.(Tuple); err != nil || !ok || len(tu) != 2 {
		t.Errorf("sort(x) = %v, %v: want (values, indices)", v, err)
	}
	put, err := call("index_put", x, &List{Items: []Value{idx}}, kernels.Scalar(tensor.Float32, 3))
	if err != nil || put.(*kernels.Tensor).F32[0] != 3 || x.F32[0] != 0 {
		t.Errorf("index_put (out of place) = %v, %v; input %v", put, err, x.F32)
	}
}
