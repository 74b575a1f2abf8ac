package kernels

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// TestSumFastPath: sum and mean of float32 and float64 tensors through the
// contiguous fast path against the generic loop, over every run of adjacent
// dimensions (last, middle, first, all), kept or not, and the dimension
// sets it must leave to the generic loop (non-adjacent, or a dtype change);
// results within 1e-7 of the sum of |terms| in float32 (the fast path adds
// in another order in float64), identical in float64 for the middle runs.
// Shapes include empty ones (a mean over no elements is NaN).
func TestSumFastPath(t *testing.T) {
	defer func() { sumFastPath = true }()
	r := rand.New(rand.NewSource(3))
	shapes := [][]int{{7}, {3, 17}, {1000, 32}, {5, 9, 16}, {2, 3, 4, 5}, {4, 0, 3}, {6, 1, 33}}
	for _, shape := range shapes {
		for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
			x, err := New(dt, shape)
			if err != nil {
				t.Fatal(err)
			}
			for i := range x.Numel() {
				x.Set(i, r.NormFloat64())
			}
			abs := absTensor(t, x)
			var dimSets [][]int
			for lo := range shape {
				for hi := lo + 1; hi <= len(shape); hi++ {
					var d []int
					for k := lo; k < hi; k++ {
						d = append(d, k-len(shape)*(k%2)) // negative dims too
					}
					dimSets = append(dimSets, d)
				}
			}
			dimSets = append(dimSets, nil)
			if len(shape) >= 3 {
				dimSets = append(dimSets, []int{0, 2})
			}
			for _, dims := range dimSets {
				for _, keep := range []bool{false, true} {
					for _, mean := range []bool{false, true} {
						name := fmt.Sprintf("%v %s dims %v keep %v mean %v", shape, dt, dims, keep, mean)
						sumFastPath = true
						got, err := Sum(x, dims, keep, undefined, mean)
						if err != nil {
							t.Fatal(name, err)
						}
						sumFastPath = false
						want, _ := Sum(x, dims, keep, undefined, mean)
						bound, _ := Sum(abs, dims, keep, undefined, mean)
						if !sameShape(got.Shape, want.Shape) || got.DType != dt {
							t.Fatalf("%s: shape %v %s, want %v", name, got.Shape, got.DType, want.Shape)
						}
						for i := range want.Numel() {
							g, w := got.At(i), want.At(i)
							if math.IsNaN(w) && math.IsNaN(g) {
								continue
							}
							tol := 1e-7 * bound.At(i)
							if dt == tensor.Float64 {
								tol = 1e-15 * bound.At(i)
							}
							if !(math.Abs(g-w) <= tol) {
								t.Fatalf("%s: [%d] = %v, generic %v", name, i, g, w)
							}
						}
					}
				}
			}
		}
	}
	// Summing float32 into float64 takes the generic loop; the result is
	// the float64 sum.
	x, _ := New(tensor.Float32, []int{2, 3})
	copy(x.F32, []float32{0.1, 0.2, 0.3, 1, 2, 3})
	s, err := Sum(x, []int{1}, false, tensor.Float64, false)
	if err != nil || s.DType != tensor.Float64 || s.F64[1] != 6 || s.F64[0] != float64(float32(0.1))+float64(float32(0.2))+float64(float32(0.3)) {
		t.Fatalf("float32 summed to float64: %v %v", s, err)
	}
}

func absTensor(t *testing.T, x *Tensor) *Tensor {
	a, err := New(x.DType, x.Shape)
	if err != nil {
		t.Fatal(err)
	}
	for i := range x.Numel() {
		a.Set(i, math.Abs(x.At(i)))
	}
	return a
}
