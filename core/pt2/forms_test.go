package pt2

import (
	"slices"
	"strings"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/kernels"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// withClampReplaced reads tinyProgram with its clamp node (c, from b)
// replaced by node, whose output is named c too.
func withClampReplaced(t *testing.T, node string) *Program {
	t.Helper()
	clamp := `{"target": "torch.ops.aten.clamp.default", "inputs": [{"name": "self", "arg": {"as_tensor": {"name": "b"}}}, {"name": "max", "arg": {"as_float": "Infinity"}}]`
	if !strings.Contains(tinyProgram, clamp) {
		t.Fatal("tinyProgram changed: update withClampReplaced")
	}
	return readProgram(t, strings.Replace(tinyProgram, clamp, node, 1))
}

// TestPowExponent: pow's schema names its second operand exponent
// (pow.Tensor_Scalar, as tabnet's entmax calls it in Ludwig 0.17's
// graphs); it reaches the operator's other (schemaAliases).
func TestPowExponent(t *testing.T) {
	p := withClampReplaced(t, `{"target": "torch.ops.aten.pow.Tensor_Scalar", "inputs": [{"name": "self", "arg": {"as_tensor": {"name": "b"}}}, {"name": "exponent", "arg": {"as_float": 3.0}}]`)
	x, _ := kernels.New(tensor.Float32, []int{2})
	copy(x.F32, []float32{1.5, -2})
	out, err := p.Run(map[string]*kernels.Tensor{"num1": x})
	if err != nil {
		t.Fatal(err)
	}
	if c := out["1"]; c == nil || !slices.Equal(c.F32, []float32{-8}) {
		t.Fatalf("c = %+v, want [-8]", out["1"])
	}
}

// TestArangeEnd: arange.default's one bound is named end in the schema
// (Ludwig 0.17's sequence masks: arange(end=sym_size)); the start is 0.
func TestArangeEnd(t *testing.T) {
	p := withClampReplaced(t, `{"target": "torch.ops.aten.arange.default", "inputs": [{"name": "end", "arg": {"as_sym_int": {"as_name": "n"}}}, {"name": "device", "arg": {"as_device": {"type": "cpu", "index": null}}}, {"name": "pin_memory", "arg": {"as_bool": false}}]`)
	x, _ := kernels.New(tensor.Float32, []int{2})
	out, err := p.Run(map[string]*kernels.Tensor{"num1": x})
	if err != nil {
		t.Fatal(err)
	}
	if c := out["1"]; c == nil || c.DType != tensor.Int64 || !slices.Equal(c.I64, []int64{0, 1}) {
		t.Fatalf("arange = %+v, want int64 [0 1]", out["1"])
	}
}

// TestEmptyWeight: a weight with a zero dimension (Ludwig's
// tabtransformer combiner's empty_hidden, [1, 0], strides [1, 1], an
// empty record) reads as an empty tensor of its shape.
func TestEmptyWeight(t *testing.T) {
	i := func(v int64) symIntJSON { return symIntJSON{AsInt: &v} }
	w, err := rawTensor(nil, 7, []symIntJSON{i(1), i(0)}, []symIntJSON{i(1), i(1)}, i(0))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(w.Shape, []int{1, 0}) || w.DType != tensor.Float32 || w.Numel() != 0 {
		t.Fatalf("got %s %v", w.DType, w.Shape)
	}
	// A non-empty weight still needs its bytes.
	if _, err := rawTensor(nil, 7, []symIntJSON{i(1), i(2)}, []symIntJSON{i(2), i(1)}, i(0)); err == nil || !strings.Contains(err.Error(), "beyond the record's 0 elements") {
		t.Fatalf("non-empty weight with no bytes: %v", err)
	}
}
