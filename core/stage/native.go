package stage

import (
	"errors"

	"github.com/ludwig-infer/ludwig-infer/core/export"
	"github.com/ludwig-infer/ludwig-infer/core/featurize"
	"github.com/ludwig-infer/ludwig-infer/core/native"
	"github.com/ludwig-infer/ludwig-infer/core/response"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
	"github.com/ludwig-infer/ludwig-infer/core/torch"
)

// The native stages: Ludwig's per-feature pre- and postprocessing modules
// recognised and run in Go (core/native).

// NativePre preprocesses every input feature in Go and hands Go tensors on
// (the preprocessor of the Go engine). A value a native module declines
// (native.ErrFallback) sends the whole call to Fallback, the TorchScript
// preprocessor (nil in a build without libtorch).
type NativePre struct {
	Features []export.Feature      // the schema's input features
	Pre      []native.Preprocessor // one per feature, none nil
	Fallback Preprocessor
}

// Preprocess runs each feature's native module.
func (n *NativePre) Preprocess(inputs []featurize.Input) (*Batch, error) {
	names := make([]string, len(inputs))
	ts := make([]tensor.Tensor, len(inputs))
	for i, f := range n.Features {
		t, err := n.Pre[i].Preprocess(inputs[i])
		if errors.Is(err, native.ErrFallback) {
			if n.Fallback == nil {
				return nil, status.Errorf(status.Input, "a value of this request needs the TorchScript preprocessor, and this build has no libtorch")
			}
			return n.Fallback.Preprocess(inputs)
		}
		if err != nil {
			return nil, status.Errorf(status.Input, "input feature %q (%s): %v", f.Name, f.Type, err)
		}
		names[i], ts[i] = f.Name, t
	}
	return Tensors(names, ts, "preprocessor"), nil
}

// MixedPre preprocesses each input feature natively where it can and
// through the feature's own scripted module where it cannot (or a native
// module declines the value), building the predictor's input dict in
// libtorch with the tensors the TorchScript preprocessor would have
// produced (the preprocessor of the libtorch engine).
type MixedPre struct {
	Features []export.Feature
	Pre      []native.Preprocessor // one per feature; nil: scripted
	Sub      []*torch.Module       // each feature's scripted module
	Script   *torch.Module         // the TorchScript preprocessor (its input dict type)
	Dict     *torch.Module         // a module whose input is a Dict[str, Tensor] (the output's type)
}

// Preprocess runs every feature, natively or scripted.
func (n *MixedPre) Preprocess(inputs []featurize.Input) (*Batch, error) {
	out, err := n.Dict.NewInput()
	if err != nil {
		return nil, status.Errorf(status.Model, "%v", err)
	}
	ok := false
	defer func() {
		if !ok {
			out.Free()
		}
	}()
	for i, f := range n.Features {
		if pre := n.Pre[i]; pre != nil {
			t, err := pre.Preprocess(inputs[i])
			if err == nil {
				if err := out.PutTensor(f.Name, t, false); err != nil {
					return nil, status.Errorf(status.Internal, "input feature %q: %v", f.Name, err)
				}
				continue
			}
			if !errors.Is(err, native.ErrFallback) {
				return nil, status.Errorf(status.Input, "input feature %q (%s): %v", f.Name, f.Type, err)
			}
		}
		v, err := n.scripted(i, inputs[i])
		if err != nil {
			return nil, err
		}
		err = out.PutValue(f.Name, v)
		v.Free()
		if err != nil {
			return nil, status.Errorf(status.Model, "input feature %q: %v", f.Name, err)
		}
	}
	ok = true
	return Torch(out), nil
}

// scripted runs input feature i's scripted module on its value.
func (n *MixedPre) scripted(i int, x featurize.Input) (*torch.Value, error) {
	f := n.Features[i]
	in, err := n.Script.NewInput()
	if err != nil {
		return nil, status.Errorf(status.Model, "%v", err)
	}
	defer in.Free()
	if err := PutInput(in, f.Name, x); err != nil {
		return nil, err
	}
	arg, err := in.DictValue(0)
	if err != nil {
		return nil, status.Errorf(status.Internal, "input feature %q: %v", f.Name, err)
	}
	defer arg.Free()
	out, err := n.Sub[i].Call("forward", arg)
	if err != nil {
		return nil, status.Errorf(status.Runtime, "preprocessor failed: %s", CleanTorchError(err.Error()))
	}
	return out, nil
}

// NativePost postprocesses every output feature in Go. A feature whose
// native module declines its values (native.ErrFallback) sends the whole
// stage to Fallback, the TorchScript postprocessor (nil in a build without
// libtorch).
type NativePost struct {
	Outputs  []native.Output // in the postprocessor's module order
	Fallback Postprocessor
}

// Postprocess runs each feature's native module.
func (n *NativePost) Postprocess(in *Batch) ([]response.Entry, error) {
	if byKey, err := in.byKey(); err == nil {
		if entries, done, err := n.run(byKey); done {
			return entries, err
		}
	}
	if n.Fallback == nil {
		return nil, status.Errorf(status.Model, "the postprocessor cannot run natively on these values, and this build has no libtorch")
	}
	return n.Fallback.Postprocess(in)
}

// run postprocesses the predictor's tensors (by "<feature>::<key>"); done
// is false when a feature's native module declines its values.
func (n *NativePost) run(byKey map[string]tensor.Tensor) (entries []response.Entry, done bool, err error) {
	for _, o := range n.Outputs {
		prefix := o.Name + "::"
		es, err := o.Post.Postprocess(func(key string) (tensor.Tensor, bool) {
			t, ok := byKey[prefix+key]
			return t, ok
		})
		if errors.Is(err, native.ErrFallback) {
			return nil, false, nil
		}
		if err != nil {
			return nil, true, status.Errorf(status.Runtime, "postprocessor failed: output feature %q: %v", o.Name, err)
		}
		for _, e := range es {
			entries = append(entries, response.Entry{Feature: o.Name, Key: e.Key, Value: e.Value})
		}
	}
	return entries, true, nil
}
