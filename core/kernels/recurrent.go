package kernels

import (
	"fmt"
	"math"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// Cell is a recurrent layer's cell type, with libtorch's gate layout.
type Cell int

// The cell types of aten::lstm, aten::gru, aten::rnn_tanh and aten::rnn_relu.
const (
	// LSTM has 4 gates stacked in the order input, forget, cell, output:
	// c' = f*c + i*g, h' = o*tanh(c'), i, f, o sigmoid and g tanh.
	LSTM Cell = iota
	// GRU has 3 gates stacked in the order reset, update, new:
	// n = tanh(W_in x + b_in + r*(W_hn h + b_hn)), h' = (1-z)*n + z*h.
	GRU
	// RNNTanh is h' = tanh(W_ih x + b_ih + W_hh h + b_hh).
	RNNTanh
	// RNNReLU is h' = relu(W_ih x + b_ih + W_hh h + b_hh).
	RNNReLU
)

var cellNames = [...]string{"lstm", "gru", "rnn_tanh", "rnn_relu"}

func (c Cell) String() string { return cellNames[c] }

// gates is the number of gate blocks of the weight matrices.
func (c Cell) gates() int {
	switch c {
	case LSTM:
		return 4
	case GRU:
		return 3
	}
	return 1
}

// RNNConfig is the scalar arguments of aten's fused recurrent operators.
type RNNConfig struct {
	Cell          Cell
	HasBiases     bool
	NumLayers     int
	Bidirectional bool
	BatchFirst    bool
}

// RNN runs a multi-layer recurrent network as aten::lstm / aten::gru /
// aten::rnn_tanh / aten::rnn_relu do in eval mode: input (seq, batch,
// features), or (batch, seq, features) with BatchFirst; h0 (and c0 for an
// LSTM, nil otherwise) (layers*directions, batch, hidden); params per layer
// and direction (forward, then reverse): w_ih, w_hh and, with HasBiases,
// b_ih, b_hh. It returns the last layer's outputs (seq, batch,
// directions*hidden; batch first when BatchFirst), h_n, and c_n for an LSTM.
//
// Every layer reads and writes rows in the input's layout (no transposes).
// The input projections of each layer and direction are one GEMM over the
// whole sequence (gonum blocks and parallelises large ones); each time step
// is one GEMM of the batch's hidden states and the gates' pointwise math,
// computed in float64 and rounded to the dtype.
func RNN(cfg RNNConfig, input, h0, c0 *Tensor, params []*Tensor) (out, hn, cn *Tensor, err error) {
	name := cfg.Cell.String()
	if input.Dim() != 3 {
		return nil, nil, nil, fmt.Errorf("%s: input must have 3 dimensions, got %v", name, input.Shape)
	}
	if !IsFloat(input.DType) {
		return nil, nil, nil, fmt.Errorf("%s: input must be float32 or float64, got %s", name, input.DType)
	}
	if cfg.NumLayers < 1 {
		return nil, nil, nil, fmt.Errorf("%s: num_layers must be at least 1, got %d", name, cfg.NumLayers)
	}
	dirs := 1
	if cfg.Bidirectional {
		dirs = 2
	}
	per := 2
	if cfg.HasBiases {
		per = 4
	}
	if len(params) != per*dirs*cfg.NumLayers {
		if len(params) == (per+1)*dirs*cfg.NumLayers && cfg.Cell == LSTM {
			return nil, nil, nil, fmt.Errorf("lstm: LSTMs with proj_size are not supported by the Go engine")
		}
		return nil, nil, nil, fmt.Errorf("%s: expected %d parameter tensors for %d layers, %d directions, has_biases=%v, got %d",
			name, per*dirs*cfg.NumLayers, cfg.NumLayers, dirs, cfg.HasBiases, len(params))
	}
	seq, batch := input.Shape[0], input.Shape[1]
	if cfg.BatchFirst {
		seq, batch = batch, seq
	}
	hidden := params[1].Shape[len(params[1].Shape)-1]
	want := []int{cfg.NumLayers * dirs, batch, hidden}
	if !sameShape(h0.Shape, want) {
		return nil, nil, nil, fmt.Errorf("%s: expected hidden size %v, got %v", name, want, h0.Shape)
	}
	if cfg.Cell == LSTM && (c0 == nil || !sameShape(c0.Shape, want)) {
		return nil, nil, nil, fmt.Errorf("lstm: expected cell state size %v, got %v", want, shapeOf(c0))
	}
	for _, t := range append([]*Tensor{h0, c0}, params...) {
		if t != nil && t.DType != input.DType {
			return nil, nil, nil, fmt.Errorf("%s: input is %s but a state or parameter is %s", name, input.DType, t.DType)
		}
	}
	// x: (seq*batch, features) rows in the input's layout, which every
	// layer keeps (no transposes).
	x := view(input, []int{seq * batch, input.Shape[2]})
	if hn, err = New(input.DType, want); err != nil {
		return nil, nil, nil, err
	}
	if cfg.Cell == LSTM {
		if cn, err = New(input.DType, want); err != nil {
			return nil, nil, nil, err
		}
	}
	for l := 0; l < cfg.NumLayers; l++ {
		next, err := New(input.DType, []int{seq * batch, dirs * hidden})
		if err != nil {
			return nil, nil, nil, err
		}
		for d := 0; d < dirs; d++ {
			k := l*dirs + d
			p := params[k*per : (k+1)*per]
			w := layerWeights{wih: p[0], whh: p[1]}
			if cfg.HasBiases {
				w.bih, w.bhh = p[2], p[3]
			}
			if err := w.check(cfg.Cell, x.Shape[1], hidden, l, d); err != nil {
				return nil, nil, nil, err
			}
			st := dirState{cell: cfg.Cell, seq: seq, batch: batch, hidden: hidden, in: x.Shape[1],
				reverse: d == 1, col: d * hidden, outW: dirs * hidden, layer: k, batchFirst: cfg.BatchFirst}
			if input.DType == tensor.Float32 {
				err = runDir(st, w, x.F32, next.F32, h0.F32, slice32(c0), hn.F32, slice32(cn))
			} else {
				err = runDir(st, w, x.F64, next.F64, h0.F64, slice64(c0), hn.F64, slice64(cn))
			}
			if err != nil {
				return nil, nil, nil, err
			}
		}
		x = next
	}
	out = view(x, []int{input.Shape[0], input.Shape[1], dirs * hidden})
	return out, hn, cn, nil
}

func shapeOf(t *Tensor) any {
	if t == nil {
		return "none"
	}
	return t.Shape
}

func slice32(t *Tensor) []float32 {
	if t == nil {
		return nil
	}
	return t.F32
}

func slice64(t *Tensor) []float64 {
	if t == nil {
		return nil
	}
	return t.F64
}

// layerWeights are one layer and direction's parameters.
type layerWeights struct{ wih, whh, bih, bhh *Tensor }

func (w layerWeights) check(c Cell, in, hidden, layer, dir int) error {
	g := c.gates() * hidden
	where := fmt.Sprintf("%s layer %d direction %d", c, layer, dir)
	if !sameShape(w.wih.Shape, []int{g, in}) {
		return fmt.Errorf("%s: weight_ih has shape %v, want %v", where, w.wih.Shape, []int{g, in})
	}
	if !sameShape(w.whh.Shape, []int{g, hidden}) {
		return fmt.Errorf("%s: weight_hh has shape %v, want %v", where, w.whh.Shape, []int{g, hidden})
	}
	for _, b := range []*Tensor{w.bih, w.bhh} {
		if b != nil && !sameShape(b.Shape, []int{g}) {
			return fmt.Errorf("%s: bias has shape %v, want %v", where, b.Shape, []int{g})
		}
	}
	return nil
}

// dirState is the geometry of one layer and direction's run.
type dirState struct {
	cell                   Cell
	seq, batch, hidden, in int
	reverse                bool
	col, outW              int  // this direction's columns in the output rows
	layer                  int  // index into h0/c0/hn/cn
	batchFirst             bool // rows are (batch, seq), not (seq, batch)
}

// row is the row of time step t of batch entry b.
func (st dirState) row(t, b int) int {
	if st.batchFirst {
		return b*st.seq + t
	}
	return t*st.batch + b
}

type float interface{ float32 | float64 }

// gemmNT computes c = a (m x k) * b^T (b: n x k) + beta*c, row-major, beta
// 0 or 1 (gemmF32/gemmF64: serial).
func gemmNT[F float](m, n, k int, a, b, c []F, beta F) {
	switch av := any(a).(type) {
	case []float32:
		gemmF32(m, n, k, av, any(b).([]float32), any(c).([]float32), float32(beta))
	case []float64:
		gemmF64(m, n, k, av, any(b).([]float64), any(c).([]float64), float64(beta))
	}
}

func data[F float](t *Tensor) []F {
	if t == nil {
		return nil
	}
	var z F
	if _, ok := any(z).(float32); ok {
		return any(t.F32).([]F)
	}
	return any(t.F64).([]F)
}

// runDir runs one layer in one direction: x (seq*batch rows of st.in),
// writing the hidden states into out's columns [col, col+hidden) and the
// final states into hn/cn at st.layer.
func runDir[F float](st dirState, w layerWeights, x, out, h0, c0, hn, cn []F) error {
	g := st.cell.gates() * st.hidden
	rows := st.seq * st.batch
	if int64(rows)*int64(g) > MaxElements {
		return fmt.Errorf("%s: gate projections of %d x %d are larger than %d elements", st.cell, rows, g, MaxElements)
	}
	// xg = x W_ih^T + b_ih for the whole sequence.
	xg := make([]F, rows*g)
	bih, bhh := data[F](w.bih), data[F](w.bhh)
	var beta F
	if bih != nil {
		for r := 0; r < rows; r++ {
			copy(xg[r*g:(r+1)*g], bih)
		}
		beta = 1
	}
	gemmNT(rows, g, st.in, x, data[F](w.wih), xg, beta)

	hs := st.batch * st.hidden
	h := make([]F, hs)
	copy(h, h0[st.layer*hs:(st.layer+1)*hs])
	var c []F
	if st.cell == LSTM {
		c = make([]F, hs)
		copy(c, c0[st.layer*hs:(st.layer+1)*hs])
	}
	hg := make([]F, st.batch*g)
	whh := data[F](w.whh)
	for step := 0; step < st.seq; step++ {
		t := step
		if st.reverse {
			t = st.seq - 1 - step
		}
		// hg = h W_hh^T + b_hh
		beta = 0
		if bhh != nil {
			for b := 0; b < st.batch; b++ {
				copy(hg[b*g:(b+1)*g], bhh)
			}
			beta = 1
		}
		gemmNT(st.batch, g, st.hidden, h, whh, hg, beta)
		for b := 0; b < st.batch; b++ {
			r := st.row(t, b)
			xr := xg[r*g : (r+1)*g]
			hr := hg[b*g : (b+1)*g]
			hb := h[b*st.hidden : (b+1)*st.hidden]
			switch st.cell {
			case LSTM:
				cellLSTM(xr, hr, hb, c[b*st.hidden:(b+1)*st.hidden])
			case GRU:
				cellGRU(xr, hr, hb)
			case RNNTanh:
				for j := range hb {
					hb[j] = F(math.Tanh(float64(xr[j] + hr[j])))
				}
			case RNNReLU:
				for j := range hb {
					hb[j] = max(xr[j]+hr[j], 0)
				}
			}
			o := r*st.outW + st.col
			copy(out[o:o+st.hidden], hb)
		}
	}
	copy(hn[st.layer*hs:(st.layer+1)*hs], h)
	if c != nil {
		copy(cn[st.layer*hs:(st.layer+1)*hs], c)
	}
	return nil
}

func sig(v float64) float64 { return 1 / (1 + math.Exp(-v)) }

// cellLSTM updates h and c from the gate pre-activations xr (input part,
// with b_ih) and hr (hidden part, with b_hh), gates i, f, g, o.
func cellLSTM[F float](xr, hr, h, c []F) {
	n := len(h)
	for j := 0; j < n; j++ {
		i := sig(float64(xr[j] + hr[j]))
		f := sig(float64(xr[n+j] + hr[n+j]))
		gg := math.Tanh(float64(xr[2*n+j] + hr[2*n+j]))
		o := sig(float64(xr[3*n+j] + hr[3*n+j]))
		cv := F(f*float64(c[j]) + i*gg)
		c[j] = cv
		h[j] = F(o * math.Tanh(float64(cv)))
	}
}

// cellGRU updates h from the gate pre-activations, gates r, z, n; the
// reset gate multiplies the hidden part of n with its bias (libtorch).
func cellGRU[F float](xr, hr, h []F) {
	n := len(h)
	for j := 0; j < n; j++ {
		r := sig(float64(xr[j] + hr[j]))
		z := sig(float64(xr[n+j] + hr[n+j]))
		nn := math.Tanh(float64(xr[2*n+j]) + r*float64(hr[2*n+j]))
		h[j] = F((1-z)*nn + z*float64(h[j]))
	}
}
