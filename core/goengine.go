package core

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core/artifact"
	"github.com/ludwig-infer/ludwig-infer/core/engine"
	"github.com/ludwig-infer/ludwig-infer/core/export"
	"github.com/ludwig-infer/ludwig-infer/core/featurize"
	"github.com/ludwig-infer/ludwig-infer/core/native"
	"github.com/ludwig-infer/ludwig-infer/core/response"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
	"github.com/ludwig-infer/ludwig-infer/core/torch"
)

// The Go engine's place in the pipeline. With engine "go" (or "auto" in a
// build without libtorch) the predictor is an engine.Predictor and Infer
// runs inferGo: decode, featurise, preprocess (natively, or through the
// TorchScript preprocessor when libtorch is linked), predict in Go,
// postprocess (natively, or through the TorchScript postprocessor), encode.
// Tensors pass between the stages as Go values. With engine "libtorch"
// (the default of a libtorch build) nothing here runs: the outputs are
// those of the TorchScript path, bit for bit.

const engineGo = engine.Go

// EngineInfo says what runs the predictor: the "engine" object of model
// info.
type EngineInfo struct {
	// Predictor is "go" or "libtorch".
	Predictor string `json:"predictor"`
	// Unsupported is, when libtorch runs the predictor of an export
	// directory, the first operator of its code the Go engine lacks (null
	// when it has them all: engine "go" would load it); null for the Go
	// engine, which fails the load instead.
	Unsupported *string `json:"unsupported"`
}

// resolveEngine validates the engine option and resolves "auto".
func resolveEngine(e string) (string, error) {
	switch e {
	case "", engine.Auto:
		if torch.Available {
			return engine.Libtorch, nil
		}
		return engineGo, nil
	case engine.Libtorch:
		if !torch.Available {
			return "", status.Errorf(status.InvalidArgument, "engine \"libtorch\": this build of ludwig-infer has no libtorch (CGO_ENABLED=0 or ./build.sh --no-libtorch); use engine \"go\" or \"auto\", or a full build")
		}
		return e, nil
	case engineGo:
		return e, nil
	}
	return "", status.Errorf(status.InvalidArgument, "unknown engine %q (want auto, libtorch or go)", e)
}

func (m *Model) engineInfo() EngineInfo {
	if m.goPred != nil {
		return EngineInfo{Predictor: engineGo}
	}
	info := EngineInfo{Predictor: engine.Libtorch}
	if m.art == nil && m.files.Predictor != "" {
		// Whether engine "go" would take this predictor (code only, ~ms).
		if op := engine.Probe(m.files.Predictor); op != "" {
			info.Unsupported = &op
		}
	}
	return info
}

// loadGoPredictor reads and compiles a predictor for the Go engine.
func loadGoPredictor(path, device string) (*engine.Predictor, error) {
	if device != "cpu" {
		return nil, status.Errorf(status.InvalidArgument, "device %q: the Go engine runs on the CPU only (use engine \"libtorch\" for %s)", device, device)
	}
	if err := checkArchive(path); err != nil {
		return nil, err
	}
	p, err := engine.LoadPredictor(path)
	if err != nil {
		if op := engine.UnsupportedOp(err); op != "" {
			return nil, status.Errorf(status.Model, "engine \"go\": %s: %v; load with engine \"libtorch\"", path, err)
		}
		return nil, status.Errorf(status.Model, "engine \"go\": cannot load %s: %v", path, err)
	}
	return p, nil
}

// loadWithoutTorch loads an export directory in a build without libtorch:
// every stage in Go.
func loadWithoutTorch(dir string, opts LoadOptions) (*Model, error) {
	if opts.Device == "" {
		opts.Device = "cpu"
	}
	if !validDevice(opts.Device) {
		return nil, status.Errorf(status.InvalidArgument, "unknown device %q (want cpu, cuda or cuda:N)", opts.Device)
	}
	if opts.Device != "cpu" {
		return nil, status.Errorf(status.InvalidArgument, "device %q: this build has no libtorch and the Go engine runs on the CPU only", opts.Device)
	}
	if opts.Stages == StagesTorchScript {
		return nil, status.Errorf(status.InvalidArgument, "stages \"torchscript\" needs libtorch, which this build does not have: use stages \"auto\" or \"native\"")
	}
	if len(opts.Extensions) > 0 {
		return nil, status.Errorf(status.InvalidArgument, "extensions are libtorch custom-op libraries; this build has no libtorch")
	}
	a, err := artifact.Detect(dir)
	if err != nil {
		return nil, err
	}
	if a.Kind != artifact.Stages {
		return nil, status.Errorf(status.InvalidArgument, "%s holds a %s: without libtorch only export directories (ludwig export_torchscript) run", dir, a.Kind)
	}
	files, err := export.Find(dir, opts.Device)
	if err != nil {
		return nil, err
	}
	if err := firstLoad(); err != nil {
		return nil, err
	}
	m := &Model{files: files, device: opts.Device, engine: engineGo}
	warnings, err := m.readSchema()
	if err != nil {
		return nil, err
	}
	if m.goPred, err = loadGoPredictor(files.Predictor, opts.Device); err != nil {
		return nil, err
	}
	m.info = m.buildInfo(warnings)
	if err := m.setupGoStages(opts.Stages); err != nil {
		return nil, err
	}
	if !opts.NoWarmup {
		m.warmup()
	}
	logf(LogInfo, "loaded %s (predictor %s in Go)", dir, files.Predictor)
	return m, nil
}

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
		return native.Torch(m.pre), native.Torch(m.post)
	}
	return pre, post
}

// newTensorDict returns an empty Dict[str, Tensor] value (libtorch).
func (m *Model) newTensorDict() (*torch.Value, error) {
	for _, mod := range []*torch.Module{m.pred, m.post} {
		if mod != nil {
			return mod.NewInput()
		}
	}
	return nil, fmt.Errorf("no module to make a dict with")
}

// inferGo is Infer with the Go engine's predictor.
func (m *Model) inferGo(ctx context.Context, req Request, opts InferOptions) (*Result, error) {
	switch opts.Stage {
	case StageAll, StagePreprocess:
		if m.files.Preprocessor == "" {
			return nil, status.Errorf(status.InvalidArgument, "this export has no %s (a --model_only export): call the predict stage with preprocessed tensors", export.PreprocessorFile)
		}
		if opts.Stage == StageAll && m.files.Postprocessor == "" {
			return nil, status.Errorf(status.InvalidArgument, "this export has no %s: use the preprocess and predict stages", export.PostprocessorFile)
		}
		inputs, err := m.featurizeRequest(req)
		if err != nil {
			return nil, err
		}
		names, ts, err := m.preprocessGo(inputs)
		if err != nil {
			return nil, err
		}
		if opts.Stage == StagePreprocess {
			return namedResult(names, ts, opts.TensorOutputs), nil
		}
		if err := alive(ctx, "before the predictor"); err != nil {
			return nil, err
		}
		pn, pt, err := m.predictGo(names, ts)
		if err != nil {
			return nil, err
		}
		if err := alive(ctx, "before postprocessing"); err != nil {
			return nil, err
		}
		entries, err := m.postEntriesGo(pn, pt)
		if err != nil {
			return nil, err
		}
		return m.encode(entries, opts)
	case StagePredict:
		names, ts, _, err := requestTensors(req)
		if err != nil {
			return nil, err
		}
		pn, pt, err := m.predictGo(names, ts)
		if err != nil {
			return nil, err
		}
		return namedResult(pn, pt, opts.TensorOutputs), nil
	case StagePostprocess:
		if m.files.Postprocessor == "" {
			return nil, status.Errorf(status.InvalidArgument, "this export has no %s", export.PostprocessorFile)
		}
		names, ts, _, err := requestTensors(req)
		if err != nil {
			return nil, err
		}
		entries, err := m.postEntriesGo(names, ts)
		if err != nil {
			return nil, err
		}
		return m.encode(entries, opts)
	}
	return nil, status.Errorf(status.InvalidArgument, "unknown stage %d", int(opts.Stage))
}

// pipelineGo runs the three stages on featurised inputs (the warm-up).
func (m *Model) pipelineGo(inputs []featurize.Input) ([]response.Entry, error) {
	names, ts, err := m.preprocessGo(inputs)
	if err != nil {
		return nil, err
	}
	pn, pt, err := m.predictGo(names, ts)
	if err != nil {
		return nil, err
	}
	return m.postEntriesGo(pn, pt)
}

// preprocessGo runs the preprocessing stage: natively when the plan covers
// every input (a value a native module declines goes to the TorchScript
// preprocessor when libtorch is linked), else through the TorchScript
// preprocessor.
func (m *Model) preprocessGo(inputs []featurize.Input) ([]string, []tensor.Tensor, error) {
	if m.native != nil && m.native.pre && m.native.allInputs() {
		names := make([]string, len(inputs))
		ts := make([]tensor.Tensor, len(inputs))
		fallback := false
		for i, f := range m.schema.Inputs {
			t, err := m.native.inputs[i].pre.Preprocess(inputs[i])
			if errors.Is(err, native.ErrFallback) {
				fallback = true
				break
			}
			if err != nil {
				return nil, nil, status.Errorf(status.Input, "input feature %q (%s): %v", f.Name, f.Type, err)
			}
			names[i], ts[i] = f.Name, t
		}
		if !fallback {
			return names, ts, nil
		}
		if m.pre == nil {
			return nil, nil, status.Errorf(status.Input, "a value of this request needs the TorchScript preprocessor, and this build has no libtorch")
		}
	}
	if m.pre == nil {
		return nil, nil, status.Errorf(status.Model, "the preprocessor cannot run natively, and this build has no libtorch")
	}
	in, err := m.buildPreInput(inputs)
	if err != nil {
		return nil, nil, err
	}
	defer in.Free()
	out, err := forward(m.pre, in, "cpu", "preprocessor")
	if err != nil {
		return nil, nil, err
	}
	defer out.Free()
	d, err := toDict(out, "preprocessor")
	if err != nil {
		return nil, nil, err
	}
	return dictTensors(d, "preprocessor")
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

func (m *Model) predictGo(names []string, ts []tensor.Tensor) ([]string, []tensor.Tensor, error) {
	pn, pt, err := m.goPred.Predict(names, ts)
	if err != nil {
		return nil, nil, status.Errorf(status.Runtime, "predictor failed: %v", err)
	}
	return pn, pt, nil
}

// postEntriesGo runs the postprocessing stage on the predictor's tensors:
// natively, or through the TorchScript postprocessor.
func (m *Model) postEntriesGo(names []string, ts []tensor.Tensor) ([]response.Entry, error) {
	if m.native != nil && m.native.post {
		byKey := make(map[string]tensor.Tensor, len(names))
		for i, n := range names {
			byKey[n] = ts[i]
		}
		entries, done, err := m.nativePost(byKey)
		if done {
			return entries, err
		}
	}
	if m.post == nil {
		return nil, status.Errorf(status.Model, "the postprocessor cannot run natively on these values, and this build has no libtorch")
	}
	in, err := m.post.NewInput()
	if err != nil {
		return nil, status.Errorf(status.Model, "%v", err)
	}
	defer in.Free()
	for i, n := range names {
		if err := in.PutTensor(n, ts[i], false); err != nil {
			return nil, status.Errorf(status.Internal, "predictor output %q: %v", n, err)
		}
	}
	out, err := forward(m.post, in, "cpu", "postprocessor")
	if err != nil {
		return nil, err
	}
	defer out.Free()
	return m.outputEntries(out, "postprocessor")
}
