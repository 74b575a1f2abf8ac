package core

import (
	"fmt"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core/engine"
	"github.com/ludwig-infer/ludwig-infer/core/native"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/core/torch"
)

// The values of LoadOptions.Stages: how the preprocessing and
// postprocessing stages run (the predictor: LoadOptions.Engine).
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
	if mode == StagesTorchScript || m.schema == nil || (m.script.pre == nil && m.script.post == nil) {
		if mode == StagesNative && m.schema == nil && (m.script.pre != nil || m.script.post != nil) {
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
	if m.script.pre != nil {
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
			sub, err := m.script.pre.Submodule(in.Path)
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
	if m.script.post != nil {
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

// setupGoStages plans the native stages from the archives read in Go:
// without libtorch every feature must run natively.
func (m *Model) setupGoStages(mode string) error {
	if mode == "" {
		mode = StagesAuto
	}
	if mode != StagesAuto && mode != StagesNative {
		return status.Errorf(status.InvalidArgument, "unknown stages %q (want auto, torchscript or native)", mode)
	}
	m.info.Stages = StagesInfo{Mode: mode, NativeInputs: []string{}, NativeOutputs: []string{}, TorchScript: []string{}}
	if m.files.Preprocessor == "" && m.files.Postprocessor == "" {
		return nil
	}
	if m.schema == nil {
		return status.Errorf(status.Model, "without libtorch the stages run natively, and the export has no config to map features to modules")
	}
	pre, post, err := m.readStageTrees()
	if err != nil {
		return status.Errorf(status.Model, "%v", err)
	}
	plan, err := native.Build(pre, post)
	if err != nil {
		return status.Errorf(status.Model, "%v", err)
	}
	why := plan.Unsupported()
	n := &nativeStages{}
	if pre != nil {
		byName := plan.InputsByName()
		for _, f := range m.schema.Inputs {
			in, ok := byName[f.Name]
			if !ok {
				why = append(why, "input feature "+quote(f.Name)+": the preprocessor has no module for it")
				continue
			}
			n.inputs = append(n.inputs, nativeInput{pre: in.Pre})
		}
		n.pre = true
		m.info.Stages.NativeInputs = plan.NativeInputs()
	}
	if post != nil {
		n.outputs, n.post = plan.Outputs, true
		m.info.Stages.NativeOutputs = plan.NativeOutputs()
	}
	if len(why) > 0 {
		return status.Errorf(status.Model, "this build has no libtorch, and these features cannot run natively: %s", strings.Join(why, "; "))
	}
	m.native = n
	return nil
}

// readStageTrees reads the preprocessor's and postprocessor's module trees
// with the Go reader (nil for a stage the export lacks).
func (m *Model) readStageTrees() (pre, post native.Module, err error) {
	if m.files.Preprocessor != "" {
		if pre, err = engine.StageTree(m.files.Preprocessor); err != nil {
			return nil, nil, fmt.Errorf("%s: %v", m.files.Preprocessor, err)
		}
	}
	if m.files.Postprocessor != "" {
		if post, err = engine.StageTree(m.files.Postprocessor); err != nil {
			return nil, nil, fmt.Errorf("%s: %v", m.files.Postprocessor, err)
		}
	}
	return pre, post, nil
}

// stageTrees returns the modules the native stages read their constants and
// op sets from: the Go reader's trees (equal to libtorch's: TestAttrsMatchLibtorch,
// TestClassOpsMatchLibtorch), or libtorch's loaded modules when an archive
// cannot be read in Go.
func (m *Model) stageTrees() (native.Module, native.Module) {
	pre, post, err := m.readStageTrees()
	if err != nil {
		logf(LogDebug, "native stages read through libtorch: %v", err)
		return native.Torch(m.script.pre), native.Torch(m.script.post)
	}
	return pre, post
}

// allInputs reports whether every input feature has a native module.
func (n *nativeStages) allInputs() bool {
	for _, in := range n.inputs {
		if in.pre == nil {
			return false
		}
	}
	return len(n.inputs) > 0
}
