package script

import (
	"fmt"

	"github.com/ludwig-infer/ludwig-infer/core/kernels"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// The recurrent layers (aten::lstm, aten::gru, aten::rnn_tanh,
// aten::rnn_relu in the form nn.LSTM/GRU/RNN call them: input, hx, params,
// has_biases, num_layers, dropout, train, bidirectional, batch_first) and
// the other operators of Ludwig's sequence generator decoder (repeat, topk,
// copy_, clone: the LSTM generator's copy of its initial state, zeros).
//
// The packed-sequence overloads (data, batch_sizes, hx, params, ...) are
// refused: Ludwig's recurrent encoders and decoders pass padded batches.
// Training mode with dropout between layers is refused (random); train
// with dropout 0 computes what eval computes.
func init() {
	registerOps(map[string]op{
		"lstm":     rnnOp(kernels.LSTM),
		"gru":      rnnOp(kernels.GRU),
		"rnn_tanh": rnnOp(kernels.RNNTanh),
		"rnn_relu": rnnOp(kernels.RNNReLU),
		"repeat": {params: []string{"self", "repeats"}, fn: func(vs []Value) (Value, error) {
			t, err := tensorArg(vs, 0)
			if err != nil {
				return nil, err
			}
			r, err := intList(arg(vs, 1))
			if err != nil {
				return nil, err
			}
			return tv(kernels.Repeat(t, r))
		}},
		"topk": {params: []string{"self", "k", "dim", "largest", "sorted"}, fn: func(vs []Value) (Value, error) {
			t, err := tensorArg(vs, 0)
			if err != nil {
				return nil, err
			}
			k, err := intArg(vs, 1, 0)
			if err != nil {
				return nil, err
			}
			d, err := intArg(vs, 2, -1)
			if err != nil {
				return nil, err
			}
			largest := arg(vs, 3) == nil || boolArg(vs, 3)
			v, i, err := kernels.TopK(t, int(k), int(d), largest)
			if err != nil {
				return nil, err
			}
			return Tuple{v, i}, nil
		}},
		"clone": {params: []string{"self", "memory_format"}, fn: func(vs []Value) (Value, error) {
			t, err := tensorArg(vs, 0)
			if err != nil {
				return nil, err
			}
			return kernels.Clone(t), nil
		}},
		"zeros": {params: []string{"size", "dtype", "layout", "device", "pin_memory"}, fn: zeros},
		"copy_": {params: []string{"self", "src", "non_blocking"}, fn: func(vs []Value) (Value, error) {
			dst, err := tensorArg(vs, 0)
			if err != nil {
				return nil, err
			}
			src, err := tensorArg(vs, 1)
			if err != nil {
				return nil, err
			}
			return tv(kernels.CopyInto(dst, src))
		}},
	})
}

// rnnOp is aten::<cell>(input, hx, params, has_biases, num_layers,
// dropout, train, bidirectional, batch_first): hx is a list [h0, c0] for
// the LSTM, a tensor for the others. It returns (output, h_n) or, for the
// LSTM, (output, h_n, c_n).
func rnnOp(cell kernels.Cell) op {
	name := cell.String()
	return op{params: []string{"input", "hx", "params", "has_biases", "num_layers", "dropout", "train", "bidirectional", "batch_first"},
		fn: func(vs []Value) (Value, error) {
			input, err := tensorArg(vs, 0)
			if err != nil {
				return nil, err
			}
			packed := false
			if cell == kernels.LSTM {
				_, packed = arg(vs, 1).(*kernels.Tensor)
			} else {
				_, packed = arg(vs, 2).(*kernels.Tensor)
			}
			if packed {
				return nil, argErr{fmt.Sprintf("aten::%s over a packed sequence (batch_sizes) is not supported by the Go engine", name)}
			}
			var h0, c0 *kernels.Tensor
			if cell == kernels.LSTM {
				hx, err := tensorList(arg(vs, 1))
				if err != nil || len(hx) != 2 {
					return nil, argErr{"aten::lstm: hx must be a list of two tensors (h0, c0)"}
				}
				h0, c0 = hx[0], hx[1]
			} else if h0, err = tensorArg(vs, 1); err != nil {
				return nil, err
			}
			params, err := tensorList(arg(vs, 2))
			if err != nil {
				return nil, err
			}
			layers, err := intArg(vs, 4, 1)
			if err != nil {
				return nil, err
			}
			dropout, err := floatArg(vs, 5, 0)
			if err != nil {
				return nil, err
			}
			if boolArg(vs, 6) && dropout > 0 && layers > 1 {
				return nil, argErr{fmt.Sprintf("aten::%s in training mode with dropout %g is not supported by the Go engine (random)", name, dropout)}
			}
			cfg := kernels.RNNConfig{Cell: cell, HasBiases: boolArg(vs, 3), NumLayers: int(layers),
				Bidirectional: boolArg(vs, 7), BatchFirst: boolArg(vs, 8)}
			out, hn, cn, err := kernels.RNN(cfg, input, h0, c0, params)
			if err != nil {
				return nil, err
			}
			if cell == kernels.LSTM {
				return Tuple{out, hn, cn}, nil
			}
			return Tuple{out, hn}, nil
		}}
}

// zeros is torch.zeros(size, dtype=None, layout=None, device=None,
// pin_memory=None), the initial state nn.LSTM/GRU/RNN make when none is
// given: float32 unless dtype is given, on the CPU only.
func zeros(vs []Value) (Value, error) {
	shape, err := intList(arg(vs, 0))
	if err != nil {
		return nil, err
	}
	dt := tensor.Float32
	if arg(vs, 1) != nil {
		code, err := intArg(vs, 1, 6)
		if err != nil {
			return nil, err
		}
		if dt, err = kernels.DTypeOf(code); err != nil {
			return nil, err
		}
	}
	if d := arg(vs, 3); d != nil && fmt.Sprint(d) != "cpu" {
		return nil, argErr{fmt.Sprintf("the Go engine runs on the CPU only, not on %v", d)}
	}
	return tv(kernels.New(dt, shape))
}
