// Package engine is the Go engine's face to core: a predictor stage that
// runs a TorchScript predictor archive in Go (core/ptfile reads it,
// core/script runs its code on core/kernels), and the archive's module tree
// for the native stages (core/native) - both without libtorch.
package engine

import (
	"errors"
	"fmt"

	"github.com/ludwig-infer/ludwig-infer/core/kernels"
	"github.com/ludwig-infer/ludwig-infer/core/native"
	"github.com/ludwig-infer/ludwig-infer/core/ptfile"
	"github.com/ludwig-infer/ludwig-infer/core/script"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
	"github.com/ludwig-infer/ludwig-infer/core/torch"
)

// The values of the engine load option.
const (
	// Auto runs the predictor in libtorch when the library was built with
	// it, in Go otherwise.
	Auto = "auto"
	// Libtorch runs the predictor in libtorch (TorchScript).
	Libtorch = "libtorch"
	// Go runs the predictor in Go; a load fails naming the first operator
	// the Go engine does not implement.
	Go = "go"
)

// Predictor runs a predictor archive's forward in Go. Safe for concurrent
// use: each call has its own frames; the module's attributes are only read.
type Predictor struct {
	mod *script.Module
}

// Unsupported is the error of a predictor whose code the Go engine does
// not run; Op names what is missing ("aten::lstm_cell").
type Unsupported = script.Unsupported

// LoadPredictor reads and compiles the predictor archive at path.
func LoadPredictor(path string) (*Predictor, error) {
	a, err := ptfile.Open(path, ptfile.DefaultLimits)
	if err != nil {
		return nil, err
	}
	m, err := script.Load(a, script.DefaultLimits)
	if err != nil {
		return nil, err
	}
	if _, ok := m.Root.Class.Method("forward"); !ok {
		return nil, fmt.Errorf("the module %s has no forward method", m.Root.Class.Name())
	}
	return &Predictor{mod: m}, nil
}

// UnsupportedOp returns the operator err reports missing, or "".
func UnsupportedOp(err error) string {
	var u *script.Unsupported
	if errors.As(err, &u) {
		return u.Op
	}
	return ""
}

// Predict runs forward on the named input tensors (a Dict[str, Tensor])
// and returns the output dict's names and tensors, in order. The inputs are
// copied; the outputs are new memory.
func (p *Predictor) Predict(names []string, in []tensor.Tensor) ([]string, []tensor.Tensor, error) {
	d := script.NewDict()
	for i, n := range names {
		t, err := kernels.FromTensor(in[i])
		if err != nil {
			return nil, nil, fmt.Errorf("tensor %q: %v", n, err)
		}
		if err := d.Set(n, t); err != nil {
			return nil, nil, err
		}
	}
	out, err := p.mod.Call("forward", d)
	if err != nil {
		return nil, nil, err
	}
	od, ok := out.(*script.Dict)
	if !ok {
		return nil, nil, fmt.Errorf("the predictor returned a %T, expected a dict", out)
	}
	keys := make([]string, len(od.Keys))
	ts := make([]tensor.Tensor, len(od.Keys))
	for i, k := range od.Keys {
		ks, ok := k.(string)
		t, ok2 := od.Values[i].(*kernels.Tensor)
		if !ok || !ok2 {
			return nil, nil, fmt.Errorf("the predictor's output %v is not a tensor under a string key", k)
		}
		keys[i], ts[i] = ks, t.ToTensor()
	}
	return keys, ts, nil
}

// StageTree reads a preprocessor or postprocessor archive's module tree for
// core/native.Build.
func StageTree(path string) (native.Module, error) {
	a, err := ptfile.Open(path, ptfile.DefaultLimits)
	if err != nil {
		return nil, err
	}
	t, err := script.NewTree(a)
	if err != nil {
		return nil, err
	}
	return treeModule{t}, nil
}

type treeModule struct{ *script.Tree }

func (t treeModule) Sub(path string) (native.Module, error) {
	s, err := t.Submodule(path)
	if err != nil {
		return nil, err
	}
	return treeModule{s}, nil
}

func (t treeModule) Children() ([]torch.Child, error) { return t.Tree.Children() }

func (t treeModule) Close() {}

// Probe returns the first operator (or construct) of the predictor archive's
// code that the Go engine does not run, "" when it would run it all, reading
// only the code. Errors reading the archive give "".
func Probe(path string) string {
	a, err := ptfile.OpenCode(path, ptfile.DefaultLimits)
	if err != nil {
		return ""
	}
	if u := script.Probe(a.Sources); u != nil {
		return u.Op
	}
	return ""
}
