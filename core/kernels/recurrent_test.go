package kernels

import (
	"strings"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

func zerosF32(shape ...int) *Tensor {
	t, _ := New(tensor.Float32, shape)
	return t
}

// TestRNNErrors: every malformed call of the fused recurrent operators is
// an error naming the cell and the problem.
func TestRNNErrors(t *testing.T) {
	gru := func() []*Tensor {
		return []*Tensor{zerosF32(9, 2), zerosF32(9, 3), zerosF32(9), zerosF32(9)}
	}
	lstmProj := []*Tensor{zerosF32(12, 2), zerosF32(12, 2), zerosF32(12), zerosF32(12), zerosF32(2, 3)}
	cfg := RNNConfig{Cell: GRU, HasBiases: true, NumLayers: 1}
	in, h0 := zerosF32(4, 1, 2), zerosF32(1, 1, 3)
	cases := []struct {
		cfg    RNNConfig
		in, h0 *Tensor
		c0     *Tensor
		params []*Tensor
		want   string
	}{
		{cfg, zerosF32(4, 2), h0, nil, gru(), "gru: input must have 3 dimensions"},
		{cfg, i64(make([]int64, 8), 4, 1, 2), h0, nil, gru(), "gru: input must be float32 or float64"},
		{RNNConfig{Cell: GRU, HasBiases: true}, in, h0, nil, gru(), "num_layers must be at least 1"},
		{cfg, in, h0, nil, gru()[:3], "gru: expected 4 parameter tensors for 1 layers, 1 directions, has_biases=true, got 3"},
		{RNNConfig{Cell: LSTM, HasBiases: true, NumLayers: 1}, in, zerosF32(1, 1, 2), zerosF32(1, 1, 2), lstmProj, "proj_size are not supported"},
		{cfg, in, zerosF32(2, 1, 3), nil, gru(), "gru: expected hidden size [1 1 3], got [2 1 3]"},
		{RNNConfig{Cell: LSTM, HasBiases: false, NumLayers: 1}, in, zerosF32(1, 1, 3), nil,
			[]*Tensor{zerosF32(12, 2), zerosF32(12, 3)}, "lstm: expected cell state size [1 1 3], got none"},
		{cfg, in, h0, nil, []*Tensor{zerosF32(9, 5), zerosF32(9, 3), zerosF32(9), zerosF32(9)}, "gru layer 0 direction 0: weight_ih has shape [9 5], want [9 2]"},
		{cfg, in, h0, nil, []*Tensor{zerosF32(9, 2), zerosF32(6, 3), zerosF32(9), zerosF32(9)}, "weight_hh has shape [6 3], want [9 3]"},
		{cfg, in, h0, nil, []*Tensor{zerosF32(9, 2), zerosF32(9, 3), zerosF32(8), zerosF32(9)}, "bias has shape [8], want [9]"},
		{cfg, in, &Tensor{DType: tensor.Float64, Shape: []int{1, 1, 3}, F64: make([]float64, 3)}, nil, gru(), "input is float32 but a state or parameter is float64"},
	}
	for i, c := range cases {
		_, _, _, err := RNN(c.cfg, c.in, c.h0, c.c0, c.params)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("case %d: %v, want %q", i, err, c.want)
		}
	}
}

// TestCopyIntoAlias: copy_ into a strided slice of a selected row writes
// into the tensor they were taken from (and broadcasts, converts dtypes).
func TestCopyIntoAlias(t *testing.T) {
	base := zerosF32(2, 3, 4)
	row, _ := Select(base, 0, 1) // [3 4] at offset 12
	start, end := int64(1), int64(4)
	cols, _ := Slice(row, 1, &start, &end, 2) // columns 1 and 3
	src := i64([]int64{7, 8, 9}, 3, 1)        // broadcast over the 2 columns
	got, err := CopyInto(cols, src)
	if err != nil || got != cols {
		t.Fatalf("CopyInto = %v, %v", got, err)
	}
	want := make([]float32, 24)
	for r, v := range []float32{7, 8, 9} {
		want[12+r*4+1], want[12+r*4+3] = v, v
	}
	for i := range want {
		if base.F32[i] != want[i] {
			t.Fatalf("base %v, want %v", base.F32, want)
		}
	}
	if cols.F32[0] != 7 || cols.F32[5] != 9 {
		t.Errorf("destination %v", cols.F32)
	}
	if _, err := CopyInto(cols, zerosF32(3)); err == nil || !strings.Contains(err.Error(), "does not broadcast") {
		t.Errorf("wrong-shape source: %v", err)
	}
	// A reshape of an alias is no alias (its strides are not the alias's).
	flat, _ := Reshape(cols, []int{6})
	if flat.Alias != nil {
		t.Error("a reshaped slice kept the alias")
	}
}

// TestRepeatTopKErrors: the generator's helpers refuse bad arguments as
// libtorch does.
func TestRepeatTopKErrors(t *testing.T) {
	x := zerosF32(2, 3)
	if _, err := Repeat(x, []int{2}); err == nil || !strings.Contains(err.Error(), "can not be smaller") {
		t.Errorf("repeat with too few dims: %v", err)
	}
	if _, err := Repeat(x, []int{1, -1}); err == nil || !strings.Contains(err.Error(), "can not be negative") {
		t.Errorf("negative repeat: %v", err)
	}
	if _, _, err := TopK(x, 4, -1, true); err == nil || !strings.Contains(err.Error(), "k (4) out of range") {
		t.Errorf("topk k > size: %v", err)
	}
	if _, _, err := TopK(x, 1, 2, true); err == nil {
		t.Error("topk on a missing dimension")
	}
	nan := f32([]float32{1, float32NaN(), 3}, 3)
	v, i, err := TopK(nan, 3, 0, false)
	if err != nil || i.I64[0] != 0 || i.I64[1] != 2 || i.I64[2] != 1 || v.F32[0] != 1 {
		t.Errorf("ascending topk with NaN: %v %v %v", v, i, err)
	}
}

func float32NaN() float32 {
	z := float32(0)
	return z / z
}
