package core

import (
	"errors"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core/featurize"
	"github.com/ludwig-infer/ludwig-infer/core/native"
	"github.com/ludwig-infer/ludwig-infer/core/response"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
	"github.com/ludwig-infer/ludwig-infer/core/torch"
)

// The values of LoadOptions.Stages: how the preprocessing and
// postprocessing stages run. The predictor always runs in libtorch.
const (
	// StagesAuto (the default) runs natively, in Go, every feature whose
	// scripted module core/native recognises, and TorchScript for the rest.
	StagesAuto = "auto"
	// StagesTorchScript runs the exported TorchScript stages only.
	StagesTorchScript = "torchscript"
	// StagesNative requires every feature to run natively: Load fails with
	// status.Model naming the features that cannot.
	StagesNative = "native"
)

// StagesInfo says how the preprocessing and postprocessing stages run: the
// "stages" object of model info.
type StagesInfo struct {
	// Mode is the stages load option in effect: auto, torchscript or native.
	Mode string `json:"mode"`
	// NativeInputs are the input features preprocessed in Go.
	NativeInputs []string `json:"native_inputs"`
	// NativeOutputs are the output features postprocessed in Go (all of
	// them or none: postprocessing runs natively only as a whole).
	NativeOutputs []string `json:"native_outputs"`
	// TorchScript lists, for each feature left to TorchScript, why.
	TorchScript []string `json:"torchscript"`
	// Code lists the code of every Ludwig class read while planning (a
	// feature's module and its submodules): its aten operations and those
	// that recognition does not know for the class. Empty when the stages
	// are not planned (mode torchscript, artefacts without a config).
	Code []native.ClassOps `json:"code"`
}

// nativeStages is a model's native plan, wired to its modules.
type nativeStages struct {
	// inputs are in schema order; pre is nil when TorchScript runs the
	// feature, and sub is the feature's scripted module (also used when a
	// native module declines an input form).
	inputs []nativeInput
	pre    bool // some input feature is preprocessed natively
	// outputs are in the postprocessor's module order; post is set when
	// every output feature is postprocessed natively.
	outputs []native.Output
	post    bool
}

type nativeInput struct {
	pre native.Preprocessor
	sub *torch.Module
}

func (n *nativeStages) close() {
	if n == nil {
		return
	}
	for _, in := range n.inputs {
		in.sub.Close()
	}
}

// setupStages plans the native stages for mode ("" is auto) and records the
// plan in the model info.
func (m *Model) setupStages(mode string) error {
	if mode == "" {
		mode = StagesAuto
	}
	if mode != StagesAuto && mode != StagesTorchScript && mode != StagesNative {
		return status.Errorf(status.InvalidArgument, "unknown stages %q (want auto, torchscript or native)", mode)
	}
	m.info.Stages = noStages(mode)
	if mode == StagesTorchScript || m.schema == nil || (m.pre == nil && m.post == nil) {
		if mode == StagesNative && m.schema == nil && (m.pre != nil || m.post != nil) {
			return status.Errorf(status.Model, "stages \"native\": the export has no config to map features to modules")
		}
		return nil
	}
	plan, err := native.Build(m.stageTrees())
	if err != nil {
		if mode == StagesNative {
			return status.Errorf(status.Model, "stages \"native\": %v", err)
		}
		logf(LogWarn, "native stages disabled: %v", err)
		return nil
	}
	m.info.Stages.Code = plan.Classes
	n := &nativeStages{}
	var why []string
	if m.pre != nil {
		byName := plan.InputsByName()
		for _, f := range m.schema.Inputs {
			in, ok := byName[f.Name]
			if !ok {
				why = append(why, "input feature "+quote(f.Name)+": the preprocessor has no module for it")
				n.close()
				n.inputs, n.pre = nil, false
				m.info.Stages.NativeInputs = []string{}
				break
			}
			sub, err := m.pre.Submodule(in.Path)
			if err != nil {
				why = append(why, "input feature "+quote(f.Name)+": "+err.Error())
				n.close()
				n.inputs, n.pre = nil, false
				m.info.Stages.NativeInputs = []string{}
				break
			}
			n.inputs = append(n.inputs, nativeInput{pre: in.Pre, sub: sub})
			if in.Pre != nil {
				n.pre = true
				m.info.Stages.NativeInputs = append(m.info.Stages.NativeInputs, f.Name)
			}
		}
	}
	if m.post != nil {
		n.outputs = plan.Outputs
		n.post = len(plan.Outputs) > 0
		for _, o := range plan.Outputs {
			n.post = n.post && o.Post != nil
		}
		if n.post {
			m.info.Stages.NativeOutputs = plan.NativeOutputs()
		} else if len(plan.Outputs) > 0 && len(plan.NativeOutputs()) > 0 {
			why = append(why, "output features "+strings.Join(plan.NativeOutputs(), ", ")+": postprocessing runs natively only when every output feature can")
		}
	}
	why = append(plan.Unsupported(), why...)
	if !n.pre {
		// No input runs natively: keep the whole TorchScript preprocessor.
		n.close()
		n.inputs = nil
	}
	m.info.Stages.TorchScript = append(m.info.Stages.TorchScript, why...)
	if mode == StagesNative && len(why) > 0 {
		n.close()
		return status.Errorf(status.Model, "stages \"native\": these cannot run natively: %s", strings.Join(why, "; "))
	}
	if n.pre || n.post {
		m.native = n
	}
	for _, w := range why {
		logf(LogInfo, "TorchScript runs %s", w)
	}
	return nil
}

// noStages is the stages info of a model whose stages are not planned (yet).
func noStages(mode string) StagesInfo {
	return StagesInfo{Mode: mode, NativeInputs: []string{}, NativeOutputs: []string{}, TorchScript: []string{}, Code: []native.ClassOps{}}
}

func quote(s string) string { return `"` + s + `"` }

// preprocess featurises a table request and runs the preprocessing stage,
// returning the predictor's input dict.
func (m *Model) preprocess(req Request) (*torch.Value, error) {
	inputs, err := m.featurizeRequest(req)
	if err != nil {
		return nil, err
	}
	return m.preprocessFeatures(inputs)
}

// preprocessFeatures runs the preprocessing stage on featurised inputs:
// the TorchScript preprocessor, or each feature natively (or through its own
// scripted module when it cannot), building the predictor's input dict with
// the tensors the preprocessor would have produced.
func (m *Model) preprocessFeatures(inputs []featurize.Input) (*torch.Value, error) {
	if m.native == nil || !m.native.pre {
		in, err := m.buildPreInput(inputs)
		if err != nil {
			return nil, err
		}
		defer in.Free()
		return forward(m.pre, in, "cpu", "preprocessor")
	}
	out, err := m.newTensorDict()
	if err != nil {
		return nil, status.Errorf(status.Model, "%v", err)
	}
	ok := false
	defer func() {
		if !ok {
			out.Free()
		}
	}()
	for i, f := range m.schema.Inputs {
		ni := m.native.inputs[i]
		if ni.pre != nil {
			t, err := ni.pre.Preprocess(inputs[i])
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
		v, err := m.scriptedFeature(ni.sub, i, inputs[i])
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
	return out, nil
}

// scriptedFeature runs input feature i's scripted module on its value.
func (m *Model) scriptedFeature(sub *torch.Module, i int, x featurize.Input) (*torch.Value, error) {
	f := m.schema.Inputs[i]
	in, err := m.pre.NewInput()
	if err != nil {
		return nil, status.Errorf(status.Model, "%v", err)
	}
	defer in.Free()
	if err := putInput(in, f.Name, x); err != nil {
		return nil, err
	}
	arg, err := in.DictValue(0)
	if err != nil {
		return nil, status.Errorf(status.Internal, "input feature %q: %v", f.Name, err)
	}
	defer arg.Free()
	out, err := sub.Call("forward", arg)
	if err != nil {
		return nil, status.Errorf(status.Runtime, "preprocessor failed: %s", cleanTorchError(err.Error()))
	}
	return out, nil
}

// postEntriesNative postprocesses the predictor's outputs in Go. A feature
// whose native module declines its values (ErrFallback) sends the whole
// stage to TorchScript.
func (m *Model) postEntriesNative(in *torch.Value) ([]response.Entry, bool, error) {
	d, err := toDict(in, "predictor")
	if err != nil {
		return nil, false, err
	}
	byKey := make(map[string]tensor.Tensor, len(d.Keys))
	for i, k := range d.Keys {
		if t, ok := d.Values[i].(tensor.Tensor); ok {
			byKey[k] = t
		}
	}
	return m.nativePost(byKey)
}

// nativePost postprocesses the predictor's tensors (by "<feature>::<key>")
// in Go; done is false when a feature's native module declines its values.
func (m *Model) nativePost(byKey map[string]tensor.Tensor) (entries []response.Entry, done bool, err error) {
	for _, o := range m.native.outputs {
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
