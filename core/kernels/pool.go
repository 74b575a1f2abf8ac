package kernels

import (
	"fmt"
	"math"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// PoolSpec is a pooling window over 1 or 2 spatial dimensions (one entry
// per dimension). An empty Stride is the kernel size (torch's default);
// Dilation applies to max pooling only (nil is 1).
type PoolSpec struct {
	Kernel, Stride, Padding, Dilation []int
	CeilMode                          bool
	// CountIncludePad and Divisor (0: none; else the divisor of every
	// window) are average pooling's.
	CountIncludePad bool
	Divisor         int
}

// poolGeom is a PoolSpec resolved for an input, as 2-D (H=1 for 1-D).
type poolGeom struct {
	inH, inW, outH, outW, kh, kw, sh, sw, ph, pw, dh, dw int
}

// MaxPool is torch.max_pool1d/max_pool2d: the maximum of each window,
// padding never chosen (it is -inf), NaN propagated as libtorch does.
func MaxPool(x *Tensor, spatial int, spec PoolSpec) (*Tensor, error) {
	return pool(x, spatial, spec, "max_pool", true)
}

// AvgPool is torch.avg_pool1d/avg_pool2d: the mean of each window, over
// the window clipped to the padded input (CountIncludePad) or to the input,
// or divided by Divisor when it is set.
func AvgPool(x *Tensor, spatial int, spec PoolSpec) (*Tensor, error) {
	return pool(x, spatial, spec, "avg_pool", false)
}

func pool(x *Tensor, spatial int, spec PoolSpec, name string, isMax bool) (*Tensor, error) {
	name = fmt.Sprintf("%s%dd", name, spatial)
	if x.Dim() != spatial+1 && x.Dim() != spatial+2 {
		return nil, fmt.Errorf("%s: expected %d-D or %d-D input, got input of size %v", name, spatial+1, spatial+2, x.Shape)
	}
	if !IsFloat(x.DType) {
		return nil, fmt.Errorf("%s: the Go engine pools float32 and float64 tensors, got %s", name, x.DType)
	}
	g, err := spec.resolve(x.Shape[x.Dim()-spatial:], spatial, name, isMax)
	if err != nil {
		return nil, err
	}
	shape := append([]int(nil), x.Shape[:x.Dim()-spatial]...)
	if spatial == 2 {
		shape = append(shape, g.outH)
	}
	out, err := New(x.DType, append(shape, g.outW))
	if err != nil {
		return nil, err
	}
	planes := numel(x.Shape[:x.Dim()-spatial])
	if x.DType == tensor.Float32 {
		poolRun(x.F32, out.F32, planes, &g, &spec, isMax)
	} else {
		poolRun(x.F64, out.F64, planes, &g, &spec, isMax)
	}
	return out, nil
}

// resolve checks the window against the input's spatial size in and
// computes the output size as libtorch's pooling_output_shape.
func (s *PoolSpec) resolve(in []int, spatial int, name string, isMax bool) (poolGeom, error) {
	stride := s.Stride
	if len(stride) == 0 {
		stride = s.Kernel
	}
	dil := s.Dilation
	if len(dil) == 0 || !isMax {
		dil = make([]int, spatial)
		for i := range dil {
			dil[i] = 1
		}
	}
	for _, l := range [][]int{s.Kernel, stride, s.Padding, dil} {
		if len(l) != spatial {
			return poolGeom{}, fmt.Errorf("%s: kernel_size, stride, padding and dilation must have %d values, got %v, %v, %v, %v",
				name, spatial, s.Kernel, s.Stride, s.Padding, s.Dilation)
		}
	}
	var size [2][6]int // per dim: in, out, kernel, stride, pad, dilation
	for i := 0; i < spatial; i++ {
		k, st, p, d := s.Kernel[i], stride[i], s.Padding[i], dil[i]
		if k <= 0 || st <= 0 || d <= 0 || p < 0 {
			return poolGeom{}, fmt.Errorf("%s: kernel_size, stride and dilation must be positive and padding non-negative, got kernel %v, stride %v, padding %v, dilation %v",
				name, s.Kernel, stride, s.Padding, dil)
		}
		if p > k/2 {
			return poolGeom{}, fmt.Errorf("%s: padding %v should be at most half of kernel size %v", name, s.Padding, s.Kernel)
		}
		o := poolOut(in[i], k, st, p, d, s.CeilMode)
		if o <= 0 {
			return poolGeom{}, fmt.Errorf("%s: given input size %v, calculated output size %d is too small", name, in, o)
		}
		size[2-spatial+i] = [6]int{in[i], o, k, st, p, d}
	}
	if spatial == 1 {
		size[0] = [6]int{1, 1, 1, 1, 0, 1}
	}
	h, w := size[0], size[1]
	return poolGeom{inH: h[0], outH: h[1], kh: h[2], sh: h[3], ph: h[4], dh: h[5],
		inW: w[0], outW: w[1], kw: w[2], sw: w[3], pw: w[4], dw: w[5]}, nil
}

// poolOut is libtorch's pooling output size: floor (or ceil) of the
// window positions, a ceil window starting in the right padding dropped.
func poolOut(in, k, stride, pad, dil int, ceil bool) int {
	span := in + 2*pad - dil*(k-1) - 1
	if ceil {
		span += stride - 1
	}
	if span < 0 {
		return 0
	}
	out := span/stride + 1
	if ceil && (out-1)*stride >= in+pad {
		out--
	}
	return out
}

func poolRun[T float32 | float64](x, out []T, planes int, g *poolGeom, s *PoolSpec, isMax bool) {
	inPlane, outPlane := g.inH*g.inW, g.outH*g.outW
	for p := 0; p < planes; p++ {
		src, dst := x[p*inPlane:(p+1)*inPlane], out[p*outPlane:(p+1)*outPlane]
		for oy := 0; oy < g.outH; oy++ {
			for ox := 0; ox < g.outW; ox++ {
				if isMax {
					dst[oy*g.outW+ox] = T(maxWindow(src, g, oy*g.sh-g.ph, ox*g.sw-g.pw))
				} else {
					dst[oy*g.outW+ox] = T(avgWindow(src, g, s, oy*g.sh-g.ph, ox*g.sw-g.pw))
				}
			}
		}
	}
}

func maxWindow[T float32 | float64](src []T, g *poolGeom, y0, x0 int) float64 {
	m := math.Inf(-1)
	for ky := 0; ky < g.kh; ky++ {
		iy := y0 + ky*g.dh
		if iy < 0 || iy >= g.inH {
			continue
		}
		for kx := 0; kx < g.kw; kx++ {
			ix := x0 + kx*g.dw
			if ix < 0 || ix >= g.inW {
				continue
			}
			v := float64(src[iy*g.inW+ix])
			if v > m || v != v {
				m = v
				if v != v {
					return v
				}
			}
		}
	}
	return m
}

func avgWindow[T float32 | float64](src []T, g *poolGeom, s *PoolSpec, y0, x0 int) float64 {
	y1, x1 := min(y0+g.kh, g.inH+g.ph), min(x0+g.kw, g.inW+g.pw)
	padded := (y1 - y0) * (x1 - x0)
	y0, x0, y1, x1 = max(y0, 0), max(x0, 0), min(y1, g.inH), min(x1, g.inW)
	if y0 >= y1 || x0 >= x1 {
		return 0
	}
	sum := 0.0
	for iy := y0; iy < y1; iy++ {
		for ix := x0; ix < x1; ix++ {
			sum += float64(src[iy*g.inW+ix])
		}
	}
	switch {
	case s.Divisor != 0:
		return sum / float64(s.Divisor)
	case s.CountIncludePad:
		return sum / float64(padded)
	}
	return sum / float64((y1-y0)*(x1-x0))
}
