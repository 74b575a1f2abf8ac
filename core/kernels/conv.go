package kernels

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// ConvSpec is a convolution's geometry over its 1 or 2 spatial dimensions
// (one entry per dimension): stride, dilation, the zero padding before
// and after the input, and the channel groups.
type ConvSpec struct {
	Stride, Dilation []int
	PadBegin, PadEnd []int
	Groups           int
}

// convGeom is a ConvSpec resolved for its operands, as 2-D (a 1-D
// convolution has height 1): sizes, kernel, strides, dilations, the
// leading padding, channels in and out, per group.
type convGeom struct {
	ConvSpec
	spatial            int
	inH, inW, kh, kw   int
	outH, outW         int
	sh, sw, dh, dw     int
	padT, padL         int
	inC, outC, cg, ogs int
}

// ColBlockElements bounds the im2col buffer of one GEMM (elements): a
// convolution over a large batch runs as several GEMMs over blocks of
// output positions (the im2col matrix's columns), so that the block just
// written by im2col is still in the L2 cache when the product reads it
// (512 KiB of float32). Blocks of 64 Ki-256 Ki elements ran the
// text_parallel_cnn predictor at batch 1000 in the same CPU time, 512 Ki
// 20% slower, 4 Mi (the whole batch in one product) 50% slower.
var ColBlockElements = 128 << 10

// ConvPadding computes the padding of torch's string padding modes:
// "valid" is none; "same" pads dilation*(kernel-1) in total per spatial
// dimension, half before and the rest - one more for an odd total - after
// (what libtorch's _convolution_mode does), and needs stride 1.
func ConvPadding(mode string, kernel, stride, dilation []int) (begin, end []int, err error) {
	n := len(kernel)
	begin, end = make([]int, n), make([]int, n)
	switch mode {
	case "valid":
		return begin, end, nil
	case "same":
		for i := range kernel {
			if stride[i] != 1 {
				return nil, nil, fmt.Errorf("padding='same' is not supported for strided convolutions")
			}
			total := dilation[i] * (kernel[i] - 1)
			begin[i] = total / 2
			end[i] = total - begin[i]
		}
		return begin, end, nil
	}
	return nil, nil, fmt.Errorf("invalid padding string: '%s' (expected 'same' or 'valid')", mode)
}

// Conv is a 1-D or 2-D convolution (torch.conv1d/conv2d,
// aten::_convolution): x is (N, C, L) or (N, C, H, W), or the same without
// the batch dimension; w is (O, C/groups, k) or (O, C/groups, kh, kw); b is
// nil or (O). It runs as im2col and a GEMM per group over blocks of output
// positions of the whole batch (float32 or float64, accumulated as gonum's
// GEMM does).
func Conv(x, w, b *Tensor, spec ConvSpec) (*Tensor, error) {
	s := convGeom{ConvSpec: spec}
	if err := s.check(x, w, b); err != nil {
		return nil, err
	}
	unbatched := x.Dim() == w.Dim()-1
	n := 1
	if !unbatched {
		n = x.Shape[0]
	}
	shape := []int{n, s.outC, s.outH, s.outW}
	if s.spatial == 1 {
		shape = []int{n, s.outC, s.outW}
	}
	if unbatched {
		shape = shape[1:]
	}
	out, err := New(x.DType, shape)
	if err != nil {
		return nil, err
	}
	if x.DType == tensor.Float32 {
		convRun(x.F32, w.F32, biasData(b, func(t *Tensor) []float32 { return t.F32 }), out.F32, n, &s, gemm32)
	} else {
		convRun(x.F64, w.F64, biasData(b, func(t *Tensor) []float64 { return t.F64 }), out.F64, n, &s, gemm64)
	}
	return out, nil
}

func biasData[T float32 | float64](b *Tensor, data func(*Tensor) []T) []T {
	if b == nil {
		return nil
	}
	return data(b)
}

// check validates the operands and fills the derived geometry.
func (s *convGeom) check(x, w, b *Tensor) error {
	s.spatial = w.Dim() - 2
	if s.spatial != 1 && s.spatial != 2 {
		return fmt.Errorf("convolution: the Go engine supports 1-D and 2-D convolutions, got a %d-D weight", w.Dim())
	}
	if x.Dim() != w.Dim() && x.Dim() != w.Dim()-1 {
		return fmt.Errorf("convolution: expected %d-D (batched) or %d-D (unbatched) input to conv%dd, but got input of size %v",
			w.Dim(), w.Dim()-1, s.spatial, x.Shape)
	}
	if !IsFloat(x.DType) || x.DType != w.DType {
		return fmt.Errorf("convolution: input (%s) and weight (%s) must have the same floating dtype", x.DType, w.DType)
	}
	for _, l := range [][]int{s.Stride, s.Dilation, s.PadBegin, s.PadEnd} {
		if len(l) != s.spatial {
			return fmt.Errorf("convolution: expected stride, padding and dilation of %d values, got %v, %v, %v",
				s.spatial, s.Stride, s.PadBegin, s.Dilation)
		}
	}
	for i := 0; i < s.spatial; i++ {
		if s.Stride[i] <= 0 || s.Dilation[i] <= 0 || s.PadBegin[i] < 0 || s.PadEnd[i] < 0 {
			return fmt.Errorf("convolution: stride and dilation must be positive and padding non-negative, got stride %v, padding %v, dilation %v",
				s.Stride, s.PadBegin, s.Dilation)
		}
	}
	for _, d := range w.Shape {
		if d <= 0 {
			return fmt.Errorf("convolution: weight of size %v has an empty dimension", w.Shape)
		}
	}
	if s.Groups <= 0 {
		return fmt.Errorf("convolution: non-positive groups is not supported (%d)", s.Groups)
	}
	in := x.Shape[x.Dim()-s.spatial-1:]
	s.inC, s.outC, s.cg = in[0], w.Shape[0], w.Shape[1]
	if s.outC%s.Groups != 0 || s.cg*s.Groups != s.inC {
		return fmt.Errorf("convolution: given groups=%d, weight of size %v, expected input%v to have %d channels, but got %d channels instead",
			s.Groups, w.Shape, x.Shape, s.cg*s.Groups, s.inC)
	}
	if b != nil && (b.Dim() != 1 || b.Shape[0] != s.outC || b.DType != x.DType) {
		return fmt.Errorf("convolution: bias of shape %v and %s does not fit %d output channels of %s", b.Shape, b.DType, s.outC, x.DType)
	}
	s.ogs = s.outC / s.Groups
	s.inH, s.kh, s.sh, s.dh, s.padT, s.outH = 1, 1, 1, 1, 0, 1
	if s.spatial == 2 {
		s.inH, s.kh, s.sh, s.dh, s.padT = in[1], w.Shape[2], s.Stride[0], s.Dilation[0], s.PadBegin[0]
		s.outH = convOut(s.inH, s.kh, s.sh, s.dh, s.PadBegin[0]+s.PadEnd[0])
	}
	last := s.spatial - 1
	s.inW, s.kw, s.sw, s.dw, s.padL = in[len(in)-1], w.Shape[w.Dim()-1], s.Stride[last], s.Dilation[last], s.PadBegin[last]
	s.outW = convOut(s.inW, s.kw, s.sw, s.dw, s.PadBegin[last]+s.PadEnd[last])
	if s.outH <= 0 || s.outW <= 0 {
		return fmt.Errorf("convolution: calculated output size (%d x %d) is too small for input %v, kernel %v, padding %v/%v, dilation %v",
			s.outH, s.outW, x.Shape, w.Shape[2:], s.PadBegin, s.PadEnd, s.Dilation)
	}
	return nil
}

func convOut(in, k, stride, dil, pad int) int {
	span := in + pad - dil*(k-1) - 1
	if span < 0 {
		return 0
	}
	return span/stride + 1
}

type gemmFn[T float32 | float64] func(m, n, k int, a, b, c []T)

// gemm32 is c (m x n) = a (m x k) times b (k x n).
func gemm32(m, n, k int, a, b, c []float32) {
	sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
}

func gemm64(m, n, k int, a, b, c []float64) {
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1,
		blas64.General{Rows: m, Cols: k, Stride: k, Data: a},
		blas64.General{Rows: k, Cols: n, Stride: n, Data: b}, 0,
		blas64.General{Rows: m, Cols: n, Stride: n, Data: c})
}

// convRun computes the convolution: for each group, the output positions
// of the whole batch are taken in blocks of columns; the block's im2col
// matrix (one row per input channel and kernel tap, one column per output
// position: the input value the tap sees there, zero in the padding) is
// multiplied by the group's weights (O/groups x C/groups*kh*kw), and the
// product's rows - one output channel each, positions contiguous - are
// copied into (N, O, H, W) with the bias.
func convRun[T float32 | float64](x, w, bias, out []T, n int, s *convGeom, gemm gemmFn[T]) {
	kdim := s.cg * s.kh * s.kw
	positions := s.outH * s.outW
	total := n * positions
	cols := max(1, min(total, ColBlockElements/kdim))
	col := make([]T, kdim*cols)
	res := make([]T, s.ogs*cols)
	var rows, planes []convSpan
	for g := 0; g < s.Groups; g++ {
		wg := w[g*s.ogs*kdim : (g+1)*s.ogs*kdim]
		for p0 := 0; p0 < total; p0 += cols {
			nc := min(cols, total-p0)
			rows = convSpans(rows[:0], p0, nc, positions, s.outW)
			im2col(x, col[:kdim*nc], s, g, nc, rows)
			gemm(s.ogs, nc, kdim, wg, col[:kdim*nc], res[:s.ogs*nc])
			planes = convSpans(planes[:0], p0, nc, positions, positions)
			for o := 0; o < s.ogs; o++ {
				var b T
				if bias != nil {
					b = bias[g*s.ogs+o]
				}
				src := res[o*nc : (o+1)*nc]
				for _, sp := range planes {
					dst := out[(sp.item*s.outC+g*s.ogs+o)*positions+sp.pos:][:sp.n]
					for i, v := range src[sp.j : sp.j+sp.n] {
						dst[i] = v + b
					}
				}
			}
		}
	}
}

// convSpan is a run of a block's columns (output positions) that stays in
// one line of one batch item: columns j .. j+n-1 are positions pos ..
// pos+n-1 of item.
type convSpan struct{ j, n, item, pos int }

// convSpans appends to spans the runs of at most line positions (a line
// starting at every multiple of line within an item) that cover the
// columns p0 .. p0+nc-1 of the batch: computed once per block and used for
// every im2col row and every output channel.
func convSpans(spans []convSpan, p0, nc, positions, line int) []convSpan {
	for j := 0; j < nc; {
		p := p0 + j
		pos := p % positions
		n := min(line-pos%line, nc-j)
		spans = append(spans, convSpan{j: j, n: n, item: p / positions, pos: pos})
		j += n
	}
	return spans
}

// im2col fills col (kdim rows of nc columns) for the block whose output
// rows are spans (convSpans with lines of s.outW) and the input channels
// of group g.
func im2col[T float32 | float64](x, col []T, s *convGeom, g, nc int, spans []convSpan) {
	inPlane := s.inH * s.inW
	r := 0
	for c := 0; c < s.cg; c++ {
		for ky := 0; ky < s.kh; ky++ {
			for kx := 0; kx < s.kw; kx++ {
				dst := col[r*nc : (r+1)*nc]
				r++
				for _, sp := range spans {
					oy, ox := sp.pos/s.outW, sp.pos%s.outW
					seg := dst[sp.j : sp.j+sp.n]
					iy := oy*s.sh - s.padT + ky*s.dh
					if iy < 0 || iy >= s.inH {
						clear(seg)
						continue
					}
					line := x[(sp.item*s.inC+g*s.cg+c)*inPlane+iy*s.inW:][:s.inW]
					ix := ox*s.sw - s.padL + kx*s.dw
					if s.sw == 1 {
						copyShifted(seg, line, ix)
						continue
					}
					for i := range seg {
						if ix >= 0 && ix < s.inW {
							seg[i] = line[ix]
						} else {
							seg[i] = 0
						}
						ix += s.sw
					}
				}
			}
		}
	}
}

// copyShifted sets seg[i] = line[ix+i], zero outside line.
func copyShifted[T float32 | float64](seg, line []T, ix int) {
	lo := max(0, -ix)                 // first i inside
	hi := min(len(seg), len(line)-ix) // end of i inside
	if hi <= lo {
		clear(seg)
		return
	}
	clear(seg[:lo])
	copy(seg[lo:hi], line[ix+lo:ix+hi])
	clear(seg[hi:])
}
