package core

import (
	"regexp"

	"github.com/ludwig-infer/ludwig-infer/core/engine"
	"github.com/ludwig-infer/ludwig-infer/core/export"
	"github.com/ludwig-infer/ludwig-infer/core/extension"
	"github.com/ludwig-infer/ludwig-infer/core/stage"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/core/torch"
)

// Loading an export directory, and choosing its stages once: what runs
// the predictor (the engine option: libtorch, or the Go engine), and how
// preprocessing and postprocessing run (the stages option: natively in Go,
// TorchScript, or per feature; stages.go plans it). The choice ends up in
// Model.staged, which Infer runs without asking again.

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
		return engine.Go, nil
	case engine.Libtorch:
		if !torch.Available {
			return "", status.Errorf(status.InvalidArgument, "engine \"libtorch\": this build of ludwig-infer has no libtorch (CGO_ENABLED=0 or ./build.sh --no-libtorch); use engine \"go\" or \"auto\", or a full build")
		}
		return e, nil
	case engine.Go:
		return e, nil
	}
	return "", status.Errorf(status.InvalidArgument, "unknown engine %q (want auto, libtorch or go)", e)
}

var deviceRE = regexp.MustCompile(`^(cpu|cuda|cuda:[0-9]+|mps)$`)

func validDevice(d string) bool { return deviceRE.MatchString(d) }

// checkNoTorch refuses, in a build without libtorch, the options that need
// it.
func checkNoTorch(opts LoadOptions) error {
	if opts.Device != "cpu" {
		return status.Errorf(status.InvalidArgument, "device %q: this build has no libtorch and the Go engine runs on the CPU only", opts.Device)
	}
	if opts.Stages == StagesTorchScript {
		return status.Errorf(status.InvalidArgument, "stages \"torchscript\" needs libtorch, which this build does not have: use stages \"auto\" or \"native\"")
	}
	if len(opts.Extensions) > 0 {
		return status.Errorf(status.InvalidArgument, "extensions are libtorch custom-op libraries; this build has no libtorch")
	}
	return nil
}

// loadExport loads the export directory dir with the predictor engine eng
// (resolved).
func loadExport(dir, eng string, opts LoadOptions) (*Model, error) {
	files, err := export.Find(dir, opts.Device)
	if err != nil {
		return nil, err
	}
	if torch.Available {
		if err := prepareLoad(opts); err != nil {
			return nil, err
		}
		extension.LoadAuto(files, opts.Extensions, extensionLog)
	} else if err := firstLoad(); err != nil {
		return nil, err
	}
	m := &Model{files: files, device: opts.Device}
	warnings, err := m.readSchema()
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			m.free()
		}
	}()
	if torch.Available && files.Preprocessor != "" {
		if m.script.pre, err = stage.LoadModule(files.Preprocessor, "cpu"); err != nil {
			return nil, err
		}
	}
	if eng == engine.Go {
		if m.staged.pred, err = stage.LoadGoPredictor(files.Predictor, opts.Device); err != nil {
			return nil, err
		}
	} else {
		if m.script.pred, err = stage.LoadModule(files.Predictor, opts.Device); err != nil {
			return nil, err
		}
		m.staged.pred = &stage.Script{Mod: m.script.pred, Device: opts.Device, Name: "predictor"}
	}
	if torch.Available && files.Postprocessor != "" {
		if m.script.post, err = stage.LoadModule(files.Postprocessor, "cpu"); err != nil {
			return nil, err
		}
	}
	m.info = m.buildInfo(warnings)
	m.info.Engine = m.engineInfo(eng)
	if torch.Available {
		err = m.setupStages(opts.Stages) // stages.go
	} else {
		err = m.setupGoStages(opts.Stages)
	}
	if err != nil {
		return nil, err
	}
	m.chooseStages(eng)
	if !opts.NoWarmup {
		m.warmup()
	}
	m.relayWarnings()
	ok = true
	if torch.Available {
		logf(LogInfo, "loaded %s (predictor %s on %s)", dir, files.Predictor, opts.Device)
	} else {
		logf(LogInfo, "loaded %s (predictor %s in Go)", dir, files.Predictor)
	}
	return m, nil
}

// chooseStages sets the preprocessor and postprocessor of m.staged from
// the native plan (m.native) and the TorchScript modules loaded. With the
// libtorch engine a feature that cannot run natively runs through its own
// scripted module (MixedPre, the tensors stay in libtorch); with the Go
// engine preprocessing runs natively only when every feature can (NativePre,
// the tensors stay in Go). Either way a value a native module declines
// goes to the TorchScript stage, when libtorch is linked.
func (m *Model) chooseStages(eng string) {
	var inputs []export.Feature
	if m.schema != nil {
		inputs = m.schema.Inputs
	}
	var scriptPre stage.Preprocessor
	if m.script.pre != nil {
		scriptPre = &stage.ScriptPre{Mod: m.script.pre, Features: inputs}
	}
	var scriptPost stage.Postprocessor
	if m.script.post != nil {
		scriptPost = &stage.ScriptPost{Mod: m.script.post}
	}
	m.staged.pre, m.staged.post = scriptPre, scriptPost
	n := m.native
	if n == nil {
		return
	}
	switch {
	case n.pre && eng == engine.Go && n.allInputs():
		p := &stage.NativePre{Features: inputs, Fallback: scriptPre}
		for _, in := range n.inputs {
			p.Pre = append(p.Pre, in.pre)
		}
		m.staged.pre = p
	case n.pre && eng != engine.Go:
		p := &stage.MixedPre{Features: inputs, Script: m.script.pre, Dict: m.script.pred}
		if p.Dict == nil {
			p.Dict = m.script.post
		}
		for _, in := range n.inputs {
			p.Pre = append(p.Pre, in.pre)
			p.Sub = append(p.Sub, in.sub)
		}
		m.staged.pre = p
	}
	if n.post {
		m.staged.post = &stage.NativePost{Outputs: n.outputs, Fallback: scriptPost}
	}
}

// readSchema reads the export's config into m.schema; a missing config is
// a warning (returned), not an error.
func (m *Model) readSchema() ([]string, error) {
	var warnings []string
	schema, err := export.ReadSchema(m.files)
	if err != nil {
		if status.CodeOf(err) != status.NotFound {
			return nil, err
		}
		warnings = append(warnings, err.Error()+": table requests and the full form need it")
		schema = nil
	}
	m.schema = schema
	if schema != nil {
		m.encoder.Outputs = schema.Outputs
	}
	return warnings, nil
}

// engineInfo describes what runs an export directory's predictor.
func (m *Model) engineInfo(eng string) EngineInfo {
	if eng == engine.Go {
		return EngineInfo{Predictor: engine.Go}
	}
	info := EngineInfo{Predictor: engine.Libtorch}
	if m.files.Predictor != "" {
		// Whether engine "go" would take this predictor (code only, ~ms).
		if op := engine.Probe(m.files.Predictor); op != "" {
			info.Unsupported = &op
		}
	}
	return info
}
