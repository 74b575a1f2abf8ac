package script

import (
	"fmt"

	"github.com/ludwig-infer/ludwig-infer/core/kernels"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// Operators of Ludwig's attention modules (the transformer encoder, the
// transformer, tabtransformer, sequence and sequence_concat combiners),
// the comparator combiner, tabnet's sparsemax/entmax and its GLU blocks,
// and the sequence reducers: batched products, permutations, expansions,
// sorting, gathers and scatters, advanced indexing.

func init() {
	registerOps(map[string]op{
		"permute": {params: []string{"self", "dims"}, fn: shapeOp(kernels.Permute)},
		"bmm": tensorsOp([]string{"self", "mat2"}, 2, nil, func(ts []*kernels.Tensor, _ []int, _ []Value) (Value, error) {
			return tv(kernels.Bmm(ts[0], ts[1]))
		}),
		"mm": tensorsOp([]string{"self", "mat2"}, 2, nil, func(ts []*kernels.Tensor, _ []int, _ []Value) (Value, error) {
			return tv(kernels.Mm(ts[0], ts[1]))
		}),
		"baddbmm":                      tensorsOp([]string{"self", "batch1", "batch2", "beta", "alpha"}, 3, nil, baddbmm),
		"scaled_dot_product_attention": tensorsOp([]string{"query", "key", "value", "attn_mask", "dropout_p", "is_causal", "scale"}, 3, nil, sdpa),
		"expand":                       {params: []string{"self", "size", "implicit"}, fn: shapeOp(kernels.Expand)},
		"expand_as": tensorsOp([]string{"self", "other"}, 2, nil, func(ts []*kernels.Tensor, _ []int, _ []Value) (Value, error) {
			return tv(kernels.Expand(ts[0], ts[1].Shape))
		}),
		"tile": {params: []string{"self", "dims"}, fn: shapeOp(kernels.Tile)},
		"sort": {params: []string{"self", "dim", "descending", "stable"}, fn: func(vs []Value) (Value, error) {
			t, err := tensorArg(vs, 0)
			if err != nil {
				return nil, err
			}
			d, err := intArg(vs, 1, -1)
			if err != nil {
				return nil, err
			}
			return pair(kernels.Sort(t, int(d), boolArg(vs, 2)))
		}},
		"gather": {params: []string{"self", "dim", "index", "sparse_grad"}, fn: func(vs []Value) (Value, error) {
			t, d, i, err := tensorDimIndex(vs)
			if err != nil {
				return nil, err
			}
			return tv(kernels.Gather(t, d, i))
		}},
		"scatter":     {params: []string{"self", "dim", "index", "src", "reduce"}, fn: scatter(false)},
		"scatter_add": {params: []string{"self", "dim", "index", "src"}, fn: scatter(true)},
		"cumsum": {params: []string{"self", "dim", "dtype"}, fn: func(vs []Value) (Value, error) {
			t, d, dt, err := tensorDimDtype(vs)
			if err != nil {
				return nil, err
			}
			return tv(kernels.Cumsum(t, d, dt))
		}},
		"glu": tensorsOp([]string{"self", "dim"}, 1, []int64{-1}, func(ts []*kernels.Tensor, is []int, _ []Value) (Value, error) {
			return tv(kernels.Glu(ts[0], is[0]))
		}),
		"amax":       {params: []string{"self", "dim", "keepdim"}, fn: extremum(false)},
		"amin":       {params: []string{"self", "dim", "keepdim"}, fn: extremum(true)},
		"sign":       unaryOp(sign, false),
		"reciprocal": unaryOp(func(x float64) float64 { return 1 / x }, true),
		"div_":       inPlace("div"),
		"index":      {params: []string{"self", "indices"}, fn: advancedIndex},
		"index_put_": {params: []string{"self", "indices", "values", "accumulate"}, fn: indexPut(true)},
		"index_put":  {params: []string{"self", "indices", "values", "accumulate"}, fn: indexPut(false)},
	})
}

// pair returns a kernel's (values, indices) as a tuple.
func pair(a, b *kernels.Tensor, err error) (Value, error) {
	if err != nil {
		return nil, err
	}
	return Tuple{a, b}, nil
}

func sign(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return x // 0, -0 and NaN keep themselves
}

// baddbmm is beta*self + alpha*(batch1 @ batch2), batch1 and batch2 3-D.
func baddbmm(ts []*kernels.Tensor, _ []int, vs []Value) (Value, error) {
	beta, err := floatArg(vs, 3, 1)
	if err != nil {
		return nil, err
	}
	alpha, err := floatArg(vs, 4, 1)
	if err != nil {
		return nil, err
	}
	p, err := kernels.Bmm(ts[1], ts[2])
	if err != nil {
		return nil, err
	}
	return scaledSum(ts[0], p, beta, alpha)
}

// sdpa is aten::scaled_dot_product_attention(query, key, value,
// attn_mask=None, dropout_p=0.0, is_causal=False, *, scale=None) at
// inference: a dropout_p other than 0 is refused.
func sdpa(ts []*kernels.Tensor, _ []int, vs []Value) (Value, error) {
	mask, err := optTensor(vs, 3)
	if err != nil {
		return nil, err
	}
	p, err := floatArg(vs, 4, 0)
	if err != nil {
		return nil, err
	}
	if p != 0 {
		return nil, argErr{fmt.Sprintf("scaled_dot_product_attention with dropout_p %g: the Go engine runs inference only (dropout_p 0)", p)}
	}
	scale := 0.0 // the kernel's default, 1/sqrt(E)
	if arg(vs, 6) != nil {
		if scale, err = floatArg(vs, 6, 0); err != nil {
			return nil, err
		}
		if scale <= 0 {
			return nil, argErr{fmt.Sprintf("scaled_dot_product_attention with scale %g: the Go engine supports a positive scale only", scale)}
		}
	}
	return tv(kernels.ScaledDotProductAttention(ts[0], ts[1], ts[2], mask, boolArg(vs, 5), scale))
}

// scaledSum is beta*b + alpha*p (addmm, baddbmm; b broadcasts), skipping
// the products by 1.
func scaledSum(b, p *kernels.Tensor, beta, alpha float64) (Value, error) {
	var err error
	if alpha != 1 {
		if p, err = kernels.Binary(kernels.Operand{T: p}, kernels.Operand{S: alpha}, kernels.Mul, 0); err != nil {
			return nil, err
		}
	}
	if beta != 1 {
		if b, err = kernels.Binary(kernels.Operand{T: b}, kernels.Operand{S: beta}, kernels.Mul, 0); err != nil {
			return nil, err
		}
	}
	return kernels.Binary(kernels.Operand{T: b}, kernels.Operand{T: p}, kernels.Add, 0)
}

// extremum is amax/amin(self, dim=[], keepdim=False): the maximum
// (minimum) over dims (all when empty), NaN propagating.
func extremum(isMin bool) func([]Value) (Value, error) {
	return func(vs []Value) (Value, error) {
		t, dims, err := tensorDims(vs)
		if err != nil {
			return nil, err
		}
		return tv(kernels.Extremum(t, dims, boolArg(vs, 2), isMin))
	}
}

// shapeOp is an operator of (self: Tensor, sizes: int[]): permute,
// expand, tile.
func shapeOp(f func(*kernels.Tensor, []int) (*kernels.Tensor, error)) func([]Value) (Value, error) {
	return func(vs []Value) (Value, error) {
		t, err := tensorArg(vs, 0)
		if err != nil {
			return nil, err
		}
		sizes, err := intList(arg(vs, 1))
		if err != nil {
			return nil, err
		}
		return tv(f(t, sizes))
	}
}

// tensorDimIndex reads (self: Tensor, dim: int, index: Tensor): gather,
// scatter, index_select.
func tensorDimIndex(vs []Value) (*kernels.Tensor, int, *kernels.Tensor, error) {
	t, d, err := tensorDim(vs)
	if err != nil {
		return nil, 0, nil, err
	}
	i, err := tensorArg(vs, 2)
	if err != nil {
		return nil, 0, nil, err
	}
	return t, int(d), i, nil
}

// tensorDimDtype reads (self: Tensor, dim: int, dtype: ScalarType? = None):
// cumsum, softmax, log_softmax.
func tensorDimDtype(vs []Value) (*kernels.Tensor, int, tensor.DType, error) {
	t, d, err := tensorDim(vs)
	if err != nil {
		return nil, 0, 0, err
	}
	dt, err := dtypeArg(vs, 2)
	if err != nil {
		return nil, 0, 0, err
	}
	return t, int(d), dt, nil
}

func scatter(add bool) func([]Value) (Value, error) {
	return func(vs []Value) (Value, error) {
		t, d, i, err := tensorDimIndex(vs)
		if err != nil {
			return nil, err
		}
		if arg(vs, 4) != nil {
			return nil, argErr{"scatter with reduce= is not supported by the Go engine"}
		}
		src, ok := operand(arg(vs, 3))
		if !ok {
			return nil, argErr{"scatter: src must be a tensor or a number, not " + typeOf(arg(vs, 3))}
		}
		return tv(kernels.Scatter(t, d, i, src, add))
	}
}

// tensorIndices reads (self: Tensor, indices: List[Optional[Tensor]]).
func tensorIndices(vs []Value) (*kernels.Tensor, []*kernels.Tensor, error) {
	t, err := tensorArg(vs, 0)
	if err != nil {
		return nil, nil, err
	}
	idx, err := tensorItems(arg(vs, 1), true)
	if err != nil {
		return nil, nil, err
	}
	return t, idx, nil
}

// advancedIndex is aten::index (t[i0, i1, ...] with index tensors, None for a
// whole dimension).
func advancedIndex(vs []Value) (Value, error) {
	t, idx, err := tensorIndices(vs)
	if err != nil {
		return nil, err
	}
	return tv(kernels.Index(t, idx))
}

// indexPut is index_put_ (in place) and index_put (on a copy).
func indexPut(inPlace bool) func([]Value) (Value, error) {
	return func(vs []Value) (Value, error) {
		t, idx, err := tensorIndices(vs)
		if err != nil {
			return nil, err
		}
		v, err := tensorArg(vs, 2)
		if err != nil {
			return nil, err
		}
		if !inPlace {
			t = kernels.Clone(t)
		}
		return tv(kernels.IndexPut(t, idx, v, boolArg(vs, 3)))
	}
}
