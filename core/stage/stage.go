// Package stage gives the three stages of a Ludwig export one shape. A
// Preprocessor turns featurised inputs into the predictor's tensors, a
// Predictor turns those into the postprocessor's, and a Postprocessor turns
// those into output entries. Each has implementations that run in libtorch
// (TorchScript modules: Script, ScriptPre, ScriptPost, Pack, Unflatten) and
// in Go (GoPredictor over core/engine; NativePre, MixedPre and NativePost
// over core/native; for a model folder of current Ludwig, LudwigPre,
// GraphPredictor and LudwigPost over core/pyproc and core/pt2, ludwig.go).
// core chooses one of each at load, from the model, the "engine" and
// "stages" options and the build; a call then runs them in order.
//
// Between stages the tensors travel as a Batch, which holds them in Go or
// inside libtorch (a TorchScript stage's output dict) and converts them only
// when the next stage runs in the other one: two libtorch stages in a row
// hand libtorch's dict over as it is, as core did before stages had a
// shape, so outputs stay bit for bit the same.
//
// Stages do not own the torch modules they run (the model closes them) and
// are safe for concurrent use: a call's state lives in its Batch.
package stage

import (
	"github.com/ludwig-infer/ludwig-infer/core/featurize"
	"github.com/ludwig-infer/ludwig-infer/core/response"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
	"github.com/ludwig-infer/ludwig-infer/core/torch"
)

// Preprocessor runs the preprocessing stage on featurised inputs, one per
// input feature in schema order, and returns the predictor's input tensors.
type Preprocessor interface {
	Preprocess(inputs []featurize.Input) (*Batch, error)
}

// Predictor runs the predictor on the preprocessed tensors (or a request's
// tensors) and returns its "<feature>::<key>" tensors.
type Predictor interface {
	Predict(in *Batch) (*Batch, error)
}

// Postprocessor runs the postprocessing stage on the predictor's tensors
// (or a request's) and returns the output entries, grouped by feature.
type Postprocessor interface {
	Postprocess(in *Batch) ([]response.Entry, error)
}

// Batch is the named tensors one stage hands the next: Go tensors, or a
// libtorch value (a TorchScript stage's output). Free it after use.
type Batch struct {
	names  []string
	values []tensor.Tensor
	// borrowFrom: values[borrowFrom:] are the caller's C memory, valid
	// during the call, which libtorch reads in place.
	borrowFrom int
	// origin is the stage that produced the Go values ("" for a request),
	// for the error of a value libtorch refuses.
	origin string
	lt     *torch.Value
}

// Request is a batch of a request's tensors; tensors from index borrowFrom
// on are borrowed C memory (len(names) when none is).
func Request(names []string, values []tensor.Tensor, borrowFrom int) *Batch {
	return &Batch{names: names, values: values, borrowFrom: borrowFrom}
}

// Tensors is a batch of Go tensors that stage origin produced.
func Tensors(names []string, values []tensor.Tensor, origin string) *Batch {
	return &Batch{names: names, values: values, borrowFrom: len(names), origin: origin}
}

// Torch is a batch held by libtorch; the batch owns v.
func Torch(v *torch.Value) *Batch { return &Batch{lt: v} }

// Free releases the libtorch value the batch holds, if any. Nil-safe.
func (b *Batch) Free() {
	if b != nil && b.lt != nil {
		b.lt.Free()
		b.lt = nil
	}
}

// Tensors returns the batch's names and tensors in Go; label names the
// batch's producer in errors (a libtorch dict holding something other than
// tensors).
func (b *Batch) Tensors(label string) ([]string, []tensor.Tensor, error) {
	if b.lt == nil {
		return b.names, b.values, nil
	}
	d, err := ReadDict(b.lt, label)
	if err != nil {
		return nil, nil, err
	}
	return dictTensors(d, label)
}

// byKey returns the batch's tensors by name; a libtorch dict's values that
// are not tensors are left out.
func (b *Batch) byKey() (map[string]tensor.Tensor, error) {
	if b.lt == nil {
		m := make(map[string]tensor.Tensor, len(b.names))
		for i, n := range b.names {
			m[n] = b.values[i]
		}
		return m, nil
	}
	d, err := ReadDict(b.lt, "predictor")
	if err != nil {
		return nil, err
	}
	m := make(map[string]tensor.Tensor, len(d.Keys))
	for i, k := range d.Keys {
		if t, ok := d.Values[i].(tensor.Tensor); ok {
			m[k] = t
		}
	}
	return m, nil
}

// input returns the batch as mod's input dict: the libtorch value itself
// (owned false), or a new dict of the Go tensors (owned true: free it).
func (b *Batch) input(mod *torch.Module) (v *torch.Value, owned bool, err error) {
	if b.lt != nil {
		return b.lt, false, nil
	}
	in, err := mod.NewInput()
	if err != nil {
		return nil, false, status.Errorf(status.Model, "%v", err)
	}
	for i, n := range b.names {
		if err := in.PutTensor(n, b.values[i], i >= b.borrowFrom); err != nil {
			in.Free()
			if b.origin == "" {
				return nil, false, status.Errorf(status.Input, "tensor %q: %v", n, err)
			}
			return nil, false, status.Errorf(status.Internal, "%s output %q: %v", b.origin, n, err)
		}
	}
	return in, true, nil
}

// dictTensors returns a stage output dict's tensors.
func dictTensors(d *torch.Dict, stage string) ([]string, []tensor.Tensor, error) {
	ts := make([]tensor.Tensor, len(d.Keys))
	for i, k := range d.Keys {
		t, ok := d.Values[i].(tensor.Tensor)
		if !ok {
			return nil, nil, status.Errorf(status.Model, "%s output %q is %T, expected a tensor", stage, k, d.Values[i])
		}
		ts[i] = t
	}
	return d.Keys, ts, nil
}

// ReadDict reads a TorchScript stage's output dict into Go; stage names
// the stage in errors.
func ReadDict(v *torch.Value, stage string) (*torch.Dict, error) {
	g, err := v.ToGo()
	if err != nil {
		return nil, status.Errorf(status.Runtime, "reading the %s's output: %v", stage, err)
	}
	d, ok := g.(*torch.Dict)
	if !ok {
		return nil, status.Errorf(status.Model, "the %s returned %T, expected a dict", stage, g)
	}
	return d, nil
}
