package script

import (
	"slices"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/kernels"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// TestMaskedFillInPlace: masked_fill_ (Ludwig 0.17's graphs call
// aten.masked_fill_.Scalar in the rnn and transformer encoders' masks)
// writes into self and returns it; a mask that would broadcast self to a
// larger shape is refused.
func TestMaskedFillInPlace(t *testing.T) {
	self, _ := kernels.New(tensor.Float32, []int{2, 2})
	copy(self.F32, []float32{1, 2, 3, 4})
	mask, _ := kernels.New(tensor.Bool, []int{2})
	copy(mask.U8, []uint8{1, 0})
	got, err := ops["masked_fill_"].fn([]Value{self, mask, -1.5})
	if err != nil {
		t.Fatal(err)
	}
	if got.(*kernels.Tensor) != self || !slices.Equal(self.F32, []float32{-1.5, 2, -1.5, 4}) {
		t.Fatalf("self = %v", self.F32)
	}
	small, _ := kernels.New(tensor.Float32, []int{2})
	big, _ := kernels.New(tensor.Bool, []int{3, 2})
	_, err = ops["masked_fill_"].fn([]Value{small, big, 0.0})
	if want := "masked_fill: mask of shape [3 2] does not broadcast to [2]"; err == nil || err.Error() != want {
		t.Fatalf("mask broadcasting self: got %v, want %q", err, want)
	}
}
