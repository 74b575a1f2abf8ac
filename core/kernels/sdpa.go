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
	d := sdpaDims{batches: numel(lead), L: L, S: S, E: E, Ev: Ev, causal: causal, scale: scale, mask: mask, maskIdx: maskIdx}
	if q.DType == tensor.Float32 {
		sdpaRows(d, q.F32, k.F32, v.F32, out.F32)
	} else {
		sdpaRows(d, q.F64, k.F64, v.F64, out.F64)
	}
	return out, nil
}

// sdpaDims are the sizes and options of one ScaledDotProductAttention call.
type sdpaDims struct {
	batches, L, S, E, Ev int
	causal               bool
	scale                float64
	mask                 *Tensor // nil: none
	maskIdx              []int   // mask element of each [batch, L, S] position
}

// sdpaRows computes ScaledDotProductAttention on contiguous data of one
// float type (the element type's slices directly: no per-element dtype
// switch), in float64 as the doc comment says.
func sdpaRows[T float32 | float64](d sdpaDims, q, k, v, out []T) {
	L, S, E, Ev := d.L, d.S, d.E, d.Ev
	scores := make([]float64, S)
	acc := make([]float64, Ev)
	for b := 0; b < d.batches; b++ {
		for i := 0; i < L; i++ {
			qrow := q[(b*L+i)*E : (b*L+i+1)*E]
			m := math.Inf(-1)
			for j := 0; j < S; j++ {
				s := math.Inf(-1)
				keep := !d.causal || j <= i
				if keep && d.maskIdx != nil {
					mi := d.maskIdx[(b*L+i)*S+j]
					if d.mask.DType == tensor.Bool {
						keep = d.mask.U8[mi] != 0
					}
					if keep {
						s = 0
						if d.mask.DType != tensor.Bool {
							s = d.mask.At(mi)
						}
					}
				} else if keep {
					s = 0
				}
				if keep {
					krow := k[(b*S+j)*E : (b*S+j+1)*E]
					dot := 0.0
					for e, qe := range qrow {
						dot += float64(qe) * float64(krow[e])
					}
					s += dot * d.scale
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
				vrow := v[(b*S+j)*Ev : (b*S+j+1)*Ev]
				for e, ve := range vrow {
					acc[e] += w * float64(ve)
				}
			}
			orow := out[(b*L+i)*Ev : (b*L+i+1)*Ev]
			for e := range orow {
				orow[e] = T(acc[e])
			}
		}
	}
}
