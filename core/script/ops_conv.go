package script

import (
	"fmt"

	"github.com/ludwig-infer/ludwig-infer/core/kernels"
)

// Convolution and pooling operators: what TorchScript records for
// nn.Conv1d/Conv2d (traced: aten::_convolution, or aten::_convolution_mode
// for string padding; scripted: aten::conv1d/conv2d) and for the pooling
// modules and functions Ludwig's encoders use.

func init() {
	registerOps(map[string]op{
		"_convolution_mode": {params: []string{"input", "weight", "bias", "stride", "padding", "dilation", "groups"}, fn: convMode},
		"_convolution": {params: []string{"input", "weight", "bias", "stride", "padding", "dilation", "transposed",
			"output_padding", "groups", "benchmark", "deterministic", "cudnn_enabled", "allow_tf32"}, fn: convolution},
		"conv1d":     convOp(1),
		"conv2d":     convOp(2),
		"max_pool1d": poolOp(1, true),
		"max_pool2d": poolOp(2, true),
		"avg_pool1d": poolOp(1, false),
		"avg_pool2d": poolOp(2, false),
	})
}

// spatialArg reads an int[n] argument: a list of n ints, or one int (or a
// one-item list) repeated n times, as TorchScript's int[n] accepts; nil is
// def repeated.
func spatialArg(vs []Value, i, n int, name string, def int) ([]int, error) {
	v := arg(vs, i)
	if v == nil {
		v = int64(def)
	}
	l, err := intList(v)
	if err != nil {
		return nil, argErr{fmt.Sprintf("%s: %v", name, err)}
	}
	if len(l) == 1 && n > 1 {
		l = append(l, make([]int, n-1)...)
		for j := range l {
			l[j] = l[0]
		}
	}
	if len(l) != n {
		return nil, argErr{fmt.Sprintf("%s must have %d values, got %v", name, n, l)}
	}
	return l, nil
}

// convArgs reads (input, weight, bias) and the weight's spatial rank.
func convArgs(vs []Value) (x, w, b *kernels.Tensor, n int, err error) {
	if x, err = tensorArg(vs, 0); err != nil {
		return
	}
	if w, err = tensorArg(vs, 1); err != nil {
		return
	}
	if b, err = optTensor(vs, 2); err != nil {
		return
	}
	n = w.Dim() - 2
	if n != 1 && n != 2 {
		err = argErr{fmt.Sprintf("convolution: the Go engine supports 1-D and 2-D convolutions, got a weight of size %v", w.Shape)}
	}
	return
}

// convCall reads stride (argument si), padding (pi: ints or 'same'/'valid'),
// dilation (di) and groups (gi) and convolves.
func convCall(vs []Value, si, pi, di, gi int) (Value, error) {
	x, w, b, n, err := convArgs(vs)
	if err != nil {
		return nil, err
	}
	spec := kernels.ConvSpec{}
	if spec.Stride, err = spatialArg(vs, si, n, "stride", 1); err != nil {
		return nil, err
	}
	if spec.Dilation, err = spatialArg(vs, di, n, "dilation", 1); err != nil {
		return nil, err
	}
	g, err := intArg(vs, gi, 1)
	if err != nil {
		return nil, err
	}
	spec.Groups = int(g)
	if mode, ok := arg(vs, pi).(string); ok {
		spec.PadBegin, spec.PadEnd, err = kernels.ConvPadding(mode, w.Shape[2:], spec.Stride, spec.Dilation)
	} else if spec.PadBegin, err = spatialArg(vs, pi, n, "padding", 0); err == nil {
		spec.PadEnd = spec.PadBegin
	}
	if err != nil {
		return nil, err
	}
	return tv(kernels.Conv(x, w, b, spec))
}

func convMode(vs []Value) (Value, error) {
	if _, ok := arg(vs, 4).(string); !ok {
		return nil, argErr{"_convolution_mode: padding must be a string, not " + typeOf(arg(vs, 4))}
	}
	return convCall(vs, 3, 4, 5, 6)
}

func convolution(vs []Value) (Value, error) {
	if boolArg(vs, 6) {
		return nil, argErr{"_convolution: transposed convolutions are not supported by the Go engine"}
	}
	return convCall(vs, 3, 4, 5, 8)
}

// convOp is torch.conv1d/conv2d (int or string padding).
func convOp(n int) op {
	return op{params: []string{"input", "weight", "bias", "stride", "padding", "dilation", "groups"}, fn: func(vs []Value) (Value, error) {
		if w, ok := arg(vs, 1).(*kernels.Tensor); ok && w.Dim() != n+2 {
			return nil, argErr{fmt.Sprintf("conv%dd: expected a %d-D weight, got size %v", n, n+2, w.Shape)}
		}
		return convCall(vs, 3, 4, 5, 6)
	}}
}

// poolOp is torch.max_poolNd(self, kernel_size, stride, padding, dilation,
// ceil_mode) or torch.avg_poolNd(self, kernel_size, stride, padding,
// ceil_mode, count_include_pad[, divisor_override]).
func poolOp(n int, isMax bool) op {
	params := []string{"self", "kernel_size", "stride", "padding", "dilation", "ceil_mode"}
	if !isMax {
		params = []string{"self", "kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"}
	}
	name := fmt.Sprintf("avg_pool%dd", n)
	if isMax {
		name = fmt.Sprintf("max_pool%dd", n)
	}
	return op{params: params, fn: func(vs []Value) (Value, error) {
		x, err := tensorArg(vs, 0)
		if err != nil {
			return nil, err
		}
		var s kernels.PoolSpec
		if s.Kernel, err = spatialArg(vs, 1, n, name+": kernel_size", 0); err != nil {
			return nil, err
		}
		if !emptyList(arg(vs, 2)) { // None or [] is the kernel size
			if s.Stride, err = spatialArg(vs, 2, n, name+": stride", 0); err != nil {
				return nil, err
			}
		}
		if s.Padding, err = spatialArg(vs, 3, n, name+": padding", 0); err != nil {
			return nil, err
		}
		if isMax {
			if s.Dilation, err = spatialArg(vs, 4, n, name+": dilation", 1); err != nil {
				return nil, err
			}
			s.CeilMode = boolArg(vs, 5)
			return tv(kernels.MaxPool(x, n, s))
		}
		s.CeilMode = boolArg(vs, 4)
		s.CountIncludePad = arg(vs, 5) == nil || boolArg(vs, 5)
		if n == 2 && arg(vs, 6) != nil {
			d, err := intArg(vs, 6, 0)
			if err != nil {
				return nil, err
			}
			if d == 0 {
				return nil, argErr{name + ": divisor must be not zero"}
			}
			s.Divisor = int(d)
		} else if len(vs) > 6 && arg(vs, 6) != nil {
			return nil, argErr{name + ": takes no divisor_override"}
		}
		return tv(kernels.AvgPool(x, n, s))
	}}
}

// emptyList reports whether v is None or an empty list or tuple.
func emptyList(v Value) bool {
	switch x := v.(type) {
	case nil:
		return true
	case *List:
		return len(x.Items) == 0
	case Tuple:
		return len(x) == 0
	}
	return false
}
