package pt2

import (
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/kernels"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// TestSymNumel: graphs exported with a dynamic batch (python -m ludwig_infer.export) count
// their inputs' elements with aten.sym_numel (Ludwig's used_tokens).
func TestSymNumel(t *testing.T) {
	op, err := resolve("torch.ops.aten.sym_numel.default")
	if err != nil {
		t.Fatal(err)
	}
	x, _ := kernels.New(tensor.Float32, []int{3, 4})
	got, err := op.Fn([]Value{x})
	if err != nil {
		t.Fatal(err)
	}
	if got != int64(12) {
		t.Fatalf("sym_numel of a [3, 4] tensor = %v (%T), want 12", got, got)
	}
	if !Supported("torch.ops.aten.sym_numel.default") {
		t.Fatal("sym_numel not reported as supported")
	}
}
