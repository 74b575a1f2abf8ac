package kernels

import (
	"fmt"
	"math"
	"slices"
)

// Glu is torch.nn.functional.glu(t, dim): the first half of dim gated by
// the sigmoid of the second, a * sigmoid(b) (tabnet's feature
// transformer). Floating tensors only; dim must have an even size.
func Glu(t *Tensor, dim int) (*Tensor, error) {
	if !IsFloat(t.DType) {
		return nil, fmt.Errorf("glu: expected a floating tensor, got %s", t.DType)
	}
	if t.Dim() == 0 {
		return nil, fmt.Errorf("glu does not support scalars because halving size must be even")
	}
	d, err := NormDim(dim, t.Dim())
	if err != nil {
		return nil, err
	}
	if t.Shape[d]%2 != 0 {
		return nil, fmt.Errorf("Halving dimension must be even, but dimension %d is size %d", d, t.Shape[d])
	}
	half := t.Shape[d] / 2
	shape := slices.Clone(t.Shape)
	shape[d] = half
	r, err := New(t.DType, shape)
	if err != nil {
		return nil, err
	}
	outer, _, inner := split3(t.Shape, d)
	k := 0
	for o := 0; o < outer; o++ {
		base := o * 2 * half * inner
		for j := 0; j < half*inner; j++ {
			a, b := t.At(base+j), t.At(base+half*inner+j)
			r.Set(k, a/(1+math.Exp(-b)))
			k++
		}
	}
	return r, nil
}
