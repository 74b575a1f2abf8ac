package kernels

import (
	"fmt"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// OneHot is torch.one_hot: an int64 index tensor to int64 one-hot rows
// over a new last dimension of numClasses (-1: the largest index plus
// one), as Ludwig's one-hot category encoder calls it.
func OneHot(t *Tensor, numClasses int64) (*Tensor, error) {
	if t.DType != tensor.Int64 {
		return nil, fmt.Errorf("one_hot is only applicable to index tensor (int64), got %s", t.DType)
	}
	if numClasses == -1 {
		if len(t.I64) == 0 {
			return nil, fmt.Errorf("one_hot: can not infer total number of classes from empty tensor")
		}
		for _, v := range t.I64 {
			numClasses = max(numClasses, v+1)
		}
	}
	if numClasses < 1 && len(t.I64) > 0 {
		return nil, fmt.Errorf("one_hot: num_classes should be positive or -1, got %d", numClasses)
	}
	if numClasses > MaxElements {
		return nil, fmt.Errorf("one_hot: %d classes is more than %d elements", numClasses, MaxElements)
	}
	r, err := New(tensor.Int64, append(append([]int(nil), t.Shape...), int(max(numClasses, 0))))
	if err != nil {
		return nil, err
	}
	for i, v := range t.I64 {
		if v < 0 {
			return nil, fmt.Errorf("one_hot: class values must be non-negative, got %d", v)
		}
		if v >= numClasses {
			return nil, fmt.Errorf("one_hot: class values must be smaller than num_classes (%d), got %d", numClasses, v)
		}
		r.I64[int64(i)*numClasses+v] = 1
	}
	return r, nil
}
