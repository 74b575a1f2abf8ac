package pt2

import (
	"fmt"

	"github.com/ludwig-infer/ludwig-infer/core/kernels"
	"github.com/ludwig-infer/ludwig-infer/core/script"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// Run runs the graph on a batch of any size: inputs by Input.Name, each
// of the exported dtype and with the exported non-batch dimensions, all
// with the same number of rows.
//
// Batch handling: a graph exported with a fixed batch (empty
// range_constraints) runs in chunks of that size; a dynamic one in chunks
// of at most its range's maximum. A chunk smaller than the graph's minimum
// (the last one of a fixed-batch graph) is padded by repeating its last
// real row, and the padding's results are dropped. An output whose first
// dimension is not the chunk's batch (Ludwig's `used_tokens`, a count over
// the batch) has no per-row meaning: it is returned only when the call ran
// as one chunk without padding, and left out otherwise.
func (p *Program) Run(inputs map[string]*kernels.Tensor) (map[string]*kernels.Tensor, error) {
	rows, err := p.check(inputs)
	if err != nil {
		return nil, err
	}
	type piece struct {
		t       *kernels.Tensor
		batched bool
	}
	parts := make([][]piece, len(p.Outputs))
	single := true
	for start := 0; start < rows; start += p.Batch.Max {
		n := min(p.Batch.Max, rows-start)
		run := max(n, p.Batch.Min)
		if run != rows || start > 0 {
			single = false
		}
		args := make([]*kernels.Tensor, len(p.Inputs))
		for i, in := range p.Inputs {
			c, err := rowsOf(inputs[in.Name], start, n, run)
			if err != nil {
				return nil, fmt.Errorf("input %s: %w", in.Name, err)
			}
			args[i] = c
		}
		outs, err := p.runOnce(args)
		if err != nil {
			return nil, err
		}
		for i, o := range outs {
			batched := o.Dim() > 0 && o.Shape[0] == run
			if batched && run != n {
				e := int64(n)
				z := int64(0)
				if o, err = kernels.Slice(o, 0, &z, &e, 1); err != nil {
					return nil, err
				}
			}
			parts[i] = append(parts[i], piece{o, batched})
		}
	}
	res := make(map[string]*kernels.Tensor, len(p.Outputs))
	for i, name := range p.Outputs {
		ps := parts[i]
		if single {
			res[name] = ps[0].t
			continue
		}
		ts := make([]*kernels.Tensor, 0, len(ps))
		for _, pc := range ps {
			if !pc.batched {
				ts = nil
				break
			}
			ts = append(ts, pc.t)
		}
		if ts == nil {
			continue // not per row: left out (doc comment)
		}
		if len(ts) == 1 {
			res[name] = kernels.Clone(ts[0])
			continue
		}
		c, err := kernels.Cat(ts, 0)
		if err != nil {
			return nil, fmt.Errorf("output %s: %w", name, err)
		}
		res[name] = c
	}
	return res, nil
}

// check validates the inputs against the exported ones and returns the
// batch's rows.
func (p *Program) check(inputs map[string]*kernels.Tensor) (int, error) {
	rows := -1
	for _, in := range p.Inputs {
		t, ok := inputs[in.Name]
		if !ok || t == nil {
			return 0, fmt.Errorf("input %s is missing", in.Name)
		}
		if t.DType != in.DType {
			return 0, fmt.Errorf("input %s: dtype %s, the graph takes %s", in.Name, t.DType, in.DType)
		}
		if t.Dim() != len(in.Shape) {
			return 0, fmt.Errorf("input %s: shape %v, the graph takes %d dimensions", in.Name, t.Shape, len(in.Shape))
		}
		for d := 1; d < len(in.Shape); d++ {
			if in.Shape[d] >= 0 && t.Shape[d] != in.Shape[d] {
				return 0, fmt.Errorf("input %s: shape %v, the graph takes dimension %d of size %d", in.Name, t.Shape, d, in.Shape[d])
			}
		}
		if rows >= 0 && t.Shape[0] != rows {
			return 0, fmt.Errorf("input %s: %d rows, other inputs %d", in.Name, t.Shape[0], rows)
		}
		rows = t.Shape[0]
	}
	if len(inputs) != len(p.Inputs) {
		for name := range inputs {
			found := false
			for _, in := range p.Inputs {
				found = found || in.Name == name
			}
			if !found {
				return 0, fmt.Errorf("input %s is not an input of the graph", name)
			}
		}
	}
	if rows == 0 {
		return 0, fmt.Errorf("a batch of 0 rows")
	}
	return rows, nil
}

// rowsOf returns rows [start, start+n) of t, padded to run rows by
// repeating the last of them.
func rowsOf(t *kernels.Tensor, start, n, run int) (*kernels.Tensor, error) {
	if start == 0 && n == t.Shape[0] && run == n {
		return t, nil
	}
	idx, err := kernels.New(tensor.Int64, []int{run})
	if err != nil {
		return nil, err
	}
	for i := 0; i < run; i++ {
		idx.I64[i] = int64(start + min(i, n-1))
	}
	return kernels.IndexSelect(t, 0, idx)
}

// runOnce runs the graph on one chunk.
func (p *Program) runOnce(args []*kernels.Tensor) ([]*kernels.Tensor, error) {
	frame := make([]Value, len(p.frame))
	copy(frame, p.frame)
	for i, s := range p.inSlot {
		frame[s] = args[i]
	}
	for si := range p.steps {
		s := &p.steps[si]
		vs := make([]Value, s.nparams)
		for _, a := range s.args {
			vs[a.idx] = a.a.eval(frame)
		}
		r, err := s.fn(vs)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.target, err)
		}
		if err := s.store(frame, r); err != nil {
			return nil, fmt.Errorf("%s: %w", s.target, err)
		}
	}
	out := make([]*kernels.Tensor, len(p.outSlot))
	for i, s := range p.outSlot {
		t, ok := frame[s].(*kernels.Tensor)
		if !ok {
			return nil, fmt.Errorf("output %s is not a tensor", p.Outputs[i])
		}
		out[i] = t
	}
	return out, nil
}

// store places an operator's result in the step's output slots.
func (s *step) store(frame []Value, r Value) error {
	switch {
	case len(s.outs) == 0:
		return nil
	case !s.listOut && len(s.outs) == 1:
		if s.outs[0] >= 0 {
			frame[s.outs[0]] = r
		}
		return nil
	}
	var items []Value
	switch x := r.(type) {
	case *script.List:
		items = x.Items
	case script.Tuple:
		items = x
	default:
		return fmt.Errorf("expected %d results, got one %s", len(s.outs), ptTypeName(r))
	}
	if len(items) != len(s.outs) {
		return fmt.Errorf("expected %d results, got %d", len(s.outs), len(items))
	}
	for i, slot := range s.outs {
		if slot >= 0 {
			frame[slot] = items[i]
		}
	}
	return nil
}
