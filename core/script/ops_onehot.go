package script

import "github.com/ludwig-infer/ludwig-infer/core/kernels"

// one_hot: Ludwig's one-hot category encoder (CategoricalOneHotEncoder).
func init() {
	registerOps(map[string]op{
		"one_hot": tensorsOp([]string{"self", "num_classes"}, 1, []int64{-1}, func(ts []*kernels.Tensor, is []int, _ []Value) (Value, error) {
			return tv(kernels.OneHot(ts[0], int64(is[0])))
		}),
	})
}
