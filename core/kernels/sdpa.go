package kernels

import (
	"fmt"
	"math"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// ScaledDotProductAttention is torch.nn.functional.scaled_dot_product_attention
// in eval mode (dropout_p 0): softmax(q @ k^T * scale + mask) @ v over the
// last two dimensions, the leading ones batched (equal on all three).
// q is [..., L, E], k [..., S, E], v [..., S, Ev]; the result [..., L, Ev].
// mask (nil: none) broadcasts to [..., L, S]: a bool mask keeps the
// positions that are true (a row with none kept gives NaN, as torch does),
// a float mask is added to the scores. causal keeps j <= i. scale <= 0 is
// the default 1/sqrt(E). Scores and softmax are computed in float64 and the
// result rounded to the inputs' dtype.
func ScaledDotProductAttention(q, k, v, mask *Tensor, causal bool, scale float64) (*Tensor, error) {
	if q.Dim() < 2 || k.Dim() != q.Dim() || v.Dim() != q.Dim() {
		return nil, fmt.Errorf("scaled_dot_product_attention: query, key and value must have the same rank >= 2, got %v, %v and %v", q.Shape, k.Shape, v.Shape)
	}
	if !IsFloat(q.DType) || k.DType != q.DType || v.DType != q.DType {
		return nil, fmt.Errorf("scaled_dot_product_attention: expected query, key and value of one floating dtype, got %s, %s and %s", q.DType, k.DType, v.DType)
	}
	n := q.Dim()
	lead := q.Shape[:n-2]
	if !sameShape(k.Shape[:n-2], lead) || !sameShape(v.Shape[:n-2], lead) {
		return nil, fmt.Errorf("scaled_dot_product_attention: batch dimensions differ: %v, %v and %v", q.Shape, k.Shape, v.Shape)
	}
	L, E := q.Shape[n-2], q.Shape[n-1]
	S, Ev := k.Shape[n-2], v.Shape[n-1]
	if k.Shape[n-1] != E || v.Shape[n-2] != S {
		return nil, fmt.Errorf("scaled_dot_product_attention: key %v and value %v do not fit query %v", k.Shape, v.Shape, q.Shape)
	}
	var maskIdx []int
	if mask != nil {
		full := append(append([]int(nil), lead...), L, S)
		bs, err := BroadcastShapes(mask.Shape, full)
		if err != nil || !sameShape(bs, full) {
			return nil, fmt.Errorf("scaled_dot_product_attention: mask of shape %v does not broadcast to %v", mask.Shape, full)
		}
		if mask.DType != tensor.Bool && mask.DType != q.DType {
			return nil, fmt.Errorf("scaled_dot_product_attention: mask of dtype %s (bool or %s expected)", mask.DType, q.DType)
		}
		maskIdx = broadcastIndex(mask.Shape, full)
	}
	if scale <= 0 {
		scale = 1 / math.Sqrt(float64(E))
	}
	out, err := New(q.DType, append(append([]int(nil), lead...), L, Ev))
	if err != nil {
		return nil, err
	}
	scores := make([]float64, S)
	acc := make([]float64, Ev)
	batches := numel(lead)
	for b := 0; b < batches; b++ {
		for i := 0; i < L; i++ {
			qb := (b*L + i) * E
			m := math.Inf(-1)
			for j := 0; j < S; j++ {
				s := math.Inf(-1)
				keep := !causal || j <= i
				if keep && maskIdx != nil {
					mi := maskIdx[(b*L+i)*S+j]
					if mask.DType == tensor.Bool {
						keep = mask.U8[mi] != 0
					}
					if keep {
						s = 0
						if mask.DType != tensor.Bool {
							s = mask.At(mi)
						}
					}
				} else if keep {
					s = 0
				}
				if keep {
					kb := (b*S + j) * E
					dot := 0.0
					for e := 0; e < E; e++ {
						dot += q.At(qb+e) * k.At(kb+e)
					}
					s += dot * scale
				}
				scores[j] = s
				m = math.Max(m, s)
			}
			sum := 0.0
			for j := range scores {
				scores[j] = math.Exp(scores[j] - m)
				sum += scores[j]
			}
			for e := range acc {
				acc[e] = 0
			}
			for j := 0; j < S; j++ {
				w := scores[j] / sum
				vb := (b*S + j) * Ev
				for e := 0; e < Ev; e++ {
					acc[e] += w * v.At(vb+e)
				}
			}
			ob := (b*L + i) * Ev
			for e := 0; e < Ev; e++ {
				out.Set(ob+e, acc[e])
			}
		}
	}
	return out, nil
}
