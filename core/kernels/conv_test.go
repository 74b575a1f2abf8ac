package kernels

import (
	"math"
	"strings"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

func ramp(n int, scale float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(i%7-3) * scale
	}
	return v
}

// TestConvBlocks: the result does not depend on how the output positions
// are split into GEMM blocks (one row, a few rows, all at once).
func TestConvBlocks(t *testing.T) {
	x := f32(ramp(3*4*6*5, 0.5), 3, 4, 6, 5)
	w := f32(ramp(6*2*3*2, 0.25), 6, 2, 3, 2)
	b := f32([]float32{1, -1, 2, -2, 0.5, 0}, 6)
	spec := func() ConvSpec {
		return ConvSpec{Stride: []int{1, 2}, Dilation: []int{2, 1}, PadBegin: []int{1, 0}, PadEnd: []int{2, 1}, Groups: 2}
	}
	defer func(n int) { ColBlockElements = n }(ColBlockElements)
	var want *Tensor
	for _, block := range []int{1 << 20, 1, 12 * 5} {
		ColBlockElements = block
		got, err := Conv(x, w, b, spec())
		if err != nil {
			t.Fatal(err)
		}
		// (6 + 3 - 2*2 - 1)/1 + 1 = 5 rows, (5 + 1 - 1 - 1)/2 + 1 = 3 columns
		if !sameShape(got.Shape, []int{3, 6, 5, 3}) {
			t.Fatalf("shape %v", got.Shape)
		}
		if want == nil {
			want = got
			continue
		}
		for i := range want.F32 {
			if math.Abs(float64(got.F32[i]-want.F32[i])) > 1e-5 {
				t.Fatalf("block %d: element %d is %v, want %v", block, i, got.F32[i], want.F32[i])
			}
		}
	}
	// One output by hand: batch 0, channel 0, (0, 0): the window rows
	// -1, 1, 3 (row -1 is padding), columns 0, 1 over input channels 0-1.
	sum := float64(b.F32[0])
	for c := 0; c < 2; c++ {
		for ky, iy := range []int{-1, 1, 3} {
			for kx := 0; kx < 2; kx++ {
				if iy >= 0 {
					sum += float64(x.F32[(c*6+iy)*5+kx]) * float64(w.F32[(c*3+ky)*2+kx])
				}
			}
		}
	}
	if math.Abs(float64(want.F32[0])-sum) > 1e-5 {
		t.Errorf("output (0,0,0,0) = %v, want %v", want.F32[0], sum)
	}
}

func TestConvPadding(t *testing.T) {
	b, e, err := ConvPadding("same", []int{4, 3}, []int{1, 1}, []int{1, 2})
	if err != nil || !sameShape(b, []int{1, 2}) || !sameShape(e, []int{2, 2}) {
		t.Errorf("same: %v %v %v, want [1 2] [2 2]", b, e, err)
	}
	b, e, err = ConvPadding("valid", []int{4}, []int{3}, []int{1})
	if err != nil || !sameShape(b, []int{0}) || !sameShape(e, []int{0}) {
		t.Errorf("valid: %v %v %v", b, e, err)
	}
	for mode, want := range map[string]string{"same": "strided", "full": "invalid padding string: 'full'"} {
		if _, _, err := ConvPadding(mode, []int{3}, []int{2}, []int{1}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", mode, err, want)
		}
	}
}

func TestConvErrors(t *testing.T) {
	x := f32(ramp(2*4*5, 1), 2, 4, 5)
	w := f32(ramp(3*4*2, 1), 3, 4, 2)
	ok := func() ConvSpec {
		return ConvSpec{Stride: []int{1}, Dilation: []int{1}, PadBegin: []int{0}, PadEnd: []int{0}, Groups: 1}
	}
	x64 := &Tensor{DType: tensor.Float64, Shape: []int{2, 4, 5}, F64: make([]float64, 40)}
	cases := []struct {
		x, w, b *Tensor
		spec    func(*ConvSpec)
		want    string
	}{
		{x, f32(make([]float32, 2), 2), nil, nil, "1-D and 2-D convolutions, got a 1-D weight"},
		{f32(make([]float32, 5), 5), w, nil, nil, "expected 3-D (batched) or 2-D (unbatched) input"},
		{x64, w, nil, nil, "input (float64) and weight (float32) must have the same floating dtype"},
		{x, w, nil, func(s *ConvSpec) { s.Stride = []int{1, 1} }, "expected stride, padding and dilation of 1 values"},
		{x, w, nil, func(s *ConvSpec) { s.Stride = []int{0} }, "stride and dilation must be positive"},
		{x, w, nil, func(s *ConvSpec) { s.PadEnd = []int{-1} }, "padding non-negative"},
		{x, f32(nil, 3, 4, 0), nil, nil, "has an empty dimension"},
		{x, w, nil, func(s *ConvSpec) { s.Groups = 0 }, "non-positive groups"},
		{x, w, nil, func(s *ConvSpec) { s.Groups = 2 }, "expected input[2 4 5] to have 8 channels, but got 4"},
		{x, w, f32(make([]float32, 2), 2), nil, "bias of shape [2] and float32 does not fit 3 output channels"},
		{x, f32(make([]float32, 3*4*9), 3, 4, 9), nil, nil, "calculated output size (1 x 0) is too small"},
	}
	for i, c := range cases {
		s := ok()
		if c.spec != nil {
			c.spec(&s)
		}
		_, err := Conv(c.x, c.w, c.b, s)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("case %d: %v, want %q", i, err, c.want)
		}
	}
}

func TestPool(t *testing.T) {
	x := f32([]float32{1, -2, 3, float32(math.NaN()), 5, -6, 7}, 1, 7)
	got, err := MaxPool(x, 1, PoolSpec{Kernel: []int{2}, Padding: []int{1}, CeilMode: true})
	if err != nil {
		t.Fatal(err)
	}
	// windows [pad,1] [-2,3] [NaN,5] [-6,7]: ceil adds no window starting in the padding
	if !sameShape(got.Shape, []int{1, 4}) || got.F32[0] != 1 || got.F32[1] != 3 || !math.IsNaN(float64(got.F32[2])) || got.F32[3] != 7 {
		t.Errorf("max pool: %v %v", got.Shape, got.F32)
	}
	y := f32([]float32{1, 2, 3, 4, 5}, 1, 1, 5)
	for _, c := range []struct {
		spec PoolSpec
		want []float32
	}{
		{PoolSpec{Kernel: []int{2}, Padding: []int{1}, CountIncludePad: true}, []float32{0.5, 2.5, 4.5}},
		{PoolSpec{Kernel: []int{2}, Padding: []int{1}}, []float32{1, 2.5, 4.5}},
		{PoolSpec{Kernel: []int{3}, Stride: []int{2}, Padding: []int{1}, Divisor: 4}, []float32{0.75, 2.25, 2.25}},
	} {
		got, err := AvgPool(y, 1, c.spec)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range c.want {
			if got.F32[i] != v {
				t.Errorf("avg pool %+v: %v, want %v", c.spec, got.F32, c.want)
				break
			}
		}
	}
}

func TestPoolErrors(t *testing.T) {
	x := f32(make([]float32, 10), 2, 5)
	cases := []struct {
		x       *Tensor
		spatial int
		spec    PoolSpec
		want    string
	}{
		{f32(make([]float32, 5), 5), 2, PoolSpec{Kernel: []int{2, 2}, Padding: []int{0, 0}}, "max_pool2d: expected 3-D or 4-D input"},
		{i64(make([]int64, 10), 2, 5), 1, PoolSpec{Kernel: []int{2}, Padding: []int{0}}, "pools float32 and float64 tensors, got int64"},
		{x, 1, PoolSpec{Kernel: []int{2, 2}, Padding: []int{0}}, "must have 1 values"},
		{x, 1, PoolSpec{Kernel: []int{0}, Padding: []int{0}}, "must be positive"},
		{x, 1, PoolSpec{Kernel: []int{2}, Padding: []int{2}}, "padding [2] should be at most half of kernel size [2]"},
		{x, 1, PoolSpec{Kernel: []int{6}, Padding: []int{0}}, "calculated output size 0 is too small"},
	}
	for i, c := range cases {
		if _, err := MaxPool(c.x, c.spatial, c.spec); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("case %d: %v, want %q", i, err, c.want)
		}
	}
	if _, err := AvgPool(x, 1, PoolSpec{Kernel: []int{3}, Padding: []int{2}}); err == nil || !strings.Contains(err.Error(), "avg_pool1d: padding") {
		t.Errorf("avg pool: %v", err)
	}
}
