package core

import (
	"os"
	"path/filepath"

	"github.com/ludwig-infer/ludwig-infer/core/artifact"
	"github.com/ludwig-infer/ludwig-infer/core/export"
	"github.com/ludwig-infer/ludwig-infer/core/extension"
	"github.com/ludwig-infer/ludwig-infer/core/featurize"
	"github.com/ludwig-infer/ludwig-infer/core/stage"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/core/torch"
)

// Artifacts other than the three-stage export directory:
//
//   - a scripted InferenceModule (torch.jit.script(InferenceModule) or
//     LudwigModel.to_torchscript(), saved as one .pt): its forward runs the
//     three stages; preprocessor_forward, predictor_forward and
//     postprocessor_forward run one each. Whole-model calls run forward;
//     staged calls run those methods, so requests and responses are the
//     three-stage export's.
//   - a Carton (.carton, Ludwig's export_carton): a zip whose model/model.pt
//     wraps the scripted InferenceModule in a module whose forward(Dict[str,
//     Any]) returns {output feature: predictions}. Whole-model calls run that
//     forward, so every output form holds predictions only; staged calls run
//     the wrapped InferenceModule's methods, and the postprocess stage keeps
//     predictions only too, so that every answer of a carton agrees.
//
// The feature schema comes from model_hyperparameters.json and
// training_set_metadata.json when they lie beside the file (and name the
// module's features), otherwise from the module itself: the feature names
// and types from its preprocessing and postprocessing submodules, output
// labels from their idx2str / bool2str attributes. Model info says which,
// and what the module cannot tell (input columns, date formats, vector
// sizes).

// ArtifactInfo describes what a model path held (Info.Artifact).
type ArtifactInfo struct {
	// Kind is "torchscript_export" (the three-stage directory),
	// "inference_module" or "carton".
	Kind string `json:"kind"`
	// Path is the directory (torchscript_export) or the file loaded.
	Path string `json:"path"`
	// Schema tells where the feature schema came from: "json" (the JSON
	// files), "module" (the module's submodules and attributes) or "none".
	Schema string `json:"schema"`
	// Outputs is "all" or "predictions" (a Carton's module returns
	// predictions only: no probabilities, so the full form adds nothing).
	Outputs string `json:"outputs"`
	// Stages lists the stages that can be called.
	Stages []string `json:"stages"`
	// Unknown lists schema fields the artifact cannot tell: "column" (input
	// columns are taken to be the feature names), "datetime_format" (dates
	// are parsed as ISO-8601 or epoch numbers), "vector_size".
	Unknown []string `json:"unknown,omitempty"`
	// Carton is carton.toml's content, for cartons.
	Carton *artifact.CartonConfig `json:"carton,omitempty"`
	// ManifestSHA256 is the sha256 of a carton's MANIFEST (Carton's model
	// hash).
	ManifestSHA256 string `json:"manifest_sha256,omitempty"`
	// Graph is a Ludwig model folder's model.pt2 (kind "ludwig_model",
	// ludwigmodel.go), GraphKind what it holds: "PT2 archive", "torch.export
	// zip (torch < 2.8)" or "TorchScript".
	Graph     string `json:"graph,omitempty"`
	GraphKind string `json:"graph_kind,omitempty"`
	// LudwigVersion is the ludwig_version of a Ludwig model folder's config;
	// TorchVersion the torch that exported its graph (absent in files of
	// torch < 2.8 and TorchScript ones, which do not record it).
	LudwigVersion string `json:"ludwig_version,omitempty"`
	TorchVersion  string `json:"torch_version,omitempty"`
	// Batch is the batch one run of a Ludwig model folder's graph takes:
	// {"fixed": N} (torch.export's default: the export's sample size; calls
	// run in chunks of N, the last padded) or {"min": A, "max": B} (a
	// dynamic batch; calls run in chunks of at most B). Absent for a
	// TorchScript model.pt2.
	Batch map[string]int `json:"batch,omitempty"`
}

// artifactState is what a Model loaded from an InferenceModule or a Carton
// holds beyond the three-stage fields.
type artifactState struct {
	info artifact.Artifact
	// whole runs every stage: InferenceModule.forward, or the Carton
	// module's forward.
	whole *torch.Module
	// owned are further module handles to close.
	owned []*torch.Module
	// predictionsOnly keeps only the "predictions" key of every output.
	predictionsOnly bool
	// schemaSource is "json", "module" or "none".
	schemaSource string
	unknown      []string
	carton       *artifact.CartonFile
}

// artifactInfo describes the model for Info.Artifact.
func (m *Model) artifactInfo() ArtifactInfo {
	stages := []string{}
	if m.art != nil && m.art.whole != nil || m.script.pre != nil && m.script.post != nil {
		stages = append(stages, "all")
	}
	if m.script.pre != nil {
		stages = append(stages, "preprocess")
	}
	if m.script.pred != nil {
		stages = append(stages, "predict")
	}
	if m.script.post != nil {
		stages = append(stages, "postprocess")
	}
	if m.art == nil {
		schema := "json"
		if m.schema == nil {
			schema = "none"
		}
		return ArtifactInfo{Kind: artifact.Stages.String(), Path: m.files.Dir, Schema: schema, Outputs: "all", Stages: stages}
	}
	a := ArtifactInfo{
		Kind: m.art.info.Kind.String(), Path: m.art.info.Path, Schema: m.art.schemaSource,
		Outputs: "all", Stages: stages, Unknown: m.art.unknown,
	}
	if m.art.predictionsOnly {
		a.Outputs = "predictions"
	}
	if c := m.art.carton; c != nil {
		cfg := c.Config
		a.Carton = &cfg
		a.ManifestSHA256 = c.ManifestSHA256
	}
	return a
}

func (a *artifactState) close() {
	if a == nil {
		return
	}
	a.whole.Close()
	for _, h := range a.owned {
		h.Close()
	}
}

// loadArtifact opens an InferenceModule or a Carton (Load's dispatch).
func loadArtifact(a artifact.Artifact, opts LoadOptions) (*Model, error) {
	if err := prepareLoad(opts); err != nil {
		return nil, err
	}
	m := &Model{files: export.Files{Dir: a.Dir}, device: opts.Device, art: &artifactState{info: a}}
	ok := false
	defer func() {
		if !ok {
			m.free()
		}
	}()
	var root *torch.Module
	var err error
	switch a.Kind {
	case artifact.Module:
		extension.LoadAuto(export.Files{Predictor: a.Path}, opts.Extensions, extensionLog)
		if root, err = stage.LoadModule(a.Path, "cpu"); err != nil {
			return nil, err
		}
	case artifact.Carton:
		c, err := artifact.OpenCarton(a.Path)
		if err != nil {
			return nil, err
		}
		name := a.Path + "!" + artifact.CartonModel
		root, err = torch.LoadBytes(c.Model, "cpu")
		if err != nil {
			return nil, stage.LoadError(name, err)
		}
		c.Model = nil // loaded: no need to keep the bytes
		m.art.carton = c
		m.art.predictionsOnly = true
	}
	m.art.owned = append(m.art.owned, root)
	if m.art.whole, err = root.Method("", "forward"); err != nil {
		return nil, status.Errorf(status.Model, "%s has no forward method: not a Ludwig InferenceModule", a.Path)
	}
	if _, err := m.art.whole.NewInput(); err != nil {
		return nil, status.Errorf(status.Model, "%s is not a Ludwig InferenceModule: %v", a.Path, err)
	}
	// The InferenceModule: the file's root module, or the Carton module's
	// inference_module attribute (ludwig/utils/carton_utils.py).
	inner := root
	if a.Kind == artifact.Carton {
		if inner, err = root.Submodule("inference_module"); err != nil {
			return nil, status.Errorf(status.Model, "%s: the carton's module has no inference_module (not made by Ludwig's export_carton): %v", a.Path, err)
		}
		m.art.owned = append(m.art.owned, inner)
	}
	var warnings []string
	if err := m.bindStages(inner); err != nil {
		// An InferenceModule from before the staged methods keeps the
		// per-feature modules on itself.
		for _, attr := range []string{"preproc_modules", "predict_modules", "postproc_modules"} {
			if sub, serr := inner.Submodule(attr); serr != nil {
				return nil, status.Errorf(status.Model, "%s is not a Ludwig InferenceModule: it has neither preprocessor_forward, predictor_forward and postprocessor_forward nor %s (to load a stage file, load its export directory)", a.Path, attr)
			} else {
				sub.Close()
			}
		}
		warnings = append(warnings, err.Error())
	}
	if opts.Device != "cpu" && m.script.pred != nil {
		// InferenceModule.predictor_forward moves its inputs to
		// self.predictor.device: move the predictor and that attribute.
		p, err := inner.Submodule("predictor")
		if err != nil {
			return nil, status.Errorf(status.Model, "%s: cannot find the predictor to move it to %s: %v", a.Path, opts.Device, err)
		}
		m.art.owned = append(m.art.owned, p)
		if err := p.ToDevice(opts.Device); err != nil {
			return nil, status.Errorf(status.Runtime, "moving the predictor of %s to %s: %v", a.Path, opts.Device, err)
		}
	}
	schemaWarnings, err := m.artifactSchema(inner)
	if err != nil {
		return nil, err
	}
	warnings = append(warnings, schemaWarnings...)
	if m.schema != nil {
		m.encoder.Outputs = m.schema.Outputs
	}
	m.info = m.buildInfo(warnings)
	m.info.Path = a.Path
	// These artifacts run their TorchScript stages (the native stages of
	// stages.go map the three-stage export's files).
	switch opts.Stages {
	case "", StagesAuto, StagesTorchScript:
	case StagesNative:
		return nil, status.Errorf(status.Model, "stages \"native\": %s runs its TorchScript modules (native stages need a three-stage export directory)", a.Path)
	default:
		return nil, status.Errorf(status.InvalidArgument, "unknown stages %q (want auto, torchscript or native)", opts.Stages)
	}
	m.info.Stages = noStages(StagesTorchScript)
	m.info.Devices["module"] = "cpu"
	if s, err := m.art.whole.Schema(); err == nil {
		m.info.Schemas["module"] = s
	}
	if m.art.predictionsOnly {
		for i := range m.info.Outputs {
			m.info.Outputs[i].Keys = []string{"predictions"}
		}
	}
	m.info.Artifact = m.artifactInfo()
	m.chooseArtifactStages()
	if !opts.NoWarmup {
		m.warmup()
		m.warmupWhole()
	}
	m.relayWarnings()
	ok = true
	logf(LogInfo, "loaded %s %s (predictor on %s)", a.Kind, a.Path, opts.Device)
	return m, nil
}

// bindStages points the stage handles at the InferenceModule's staged
// methods; without them (an InferenceModule older than Ludwig v0.8) only
// whole-model calls work.
func (m *Model) bindStages(inner *torch.Module) error {
	methods := []string{"preprocessor_forward", "predictor_forward", "postprocessor_forward"}
	for _, name := range methods {
		if !inner.HasMethod(name) {
			return status.Errorf(status.Model, "the module has no %s method: only whole-model calls (stage all) are possible", name)
		}
	}
	var err error
	if m.script.pre, err = inner.Method("", methods[0]); err != nil {
		return err
	}
	if m.script.pred, err = inner.Method("", methods[1]); err != nil {
		return err
	}
	m.script.post, err = inner.Method("", methods[2])
	return err
}

// chooseArtifactStages sets the stages of an InferenceModule or a Carton:
// whole-model calls run the whole module (its forward preprocesses and
// postprocesses itself), staged calls its staged methods; every stage is
// TorchScript.
func (m *Model) chooseArtifactStages() {
	var inputs []export.Feature
	if m.schema != nil {
		inputs = m.schema.Inputs
	}
	only := m.art.predictionsOnly
	m.whole = &pipeline{
		pre:  &stage.Pack{Mod: m.art.whole, Features: inputs},
		pred: &stage.Script{Mod: m.art.whole, Device: "cpu", Name: "model"},
		post: &stage.Unflatten{PredictionsOnly: only},
	}
	if m.script.pre != nil {
		m.staged.pre = &stage.ScriptPre{Mod: m.script.pre, Features: inputs}
	}
	if m.script.pred != nil {
		m.staged.pred = &stage.Script{Mod: m.script.pred, Device: m.device, Name: "predictor"}
	}
	if m.script.post != nil {
		m.staged.post = &stage.ScriptPost{Mod: m.script.post, PredictionsOnly: only}
	}
}

// warmupWhole runs the whole module's forward a few times on generated
// rows (warmup runs the staged methods, whose graphs are separate).
func (m *Model) warmupWhole() {
	if m.schema == nil || m.whole == nil {
		return
	}
	inputs := make([]featurize.Input, len(m.schema.Inputs))
	for i, f := range m.schema.Inputs {
		x, ok := sampleInput(f)
		if !ok {
			return
		}
		inputs[i] = x
	}
	for run := 0; run < warmupRuns; run++ {
		if _, err := runAll(*m.whole, inputs); err != nil {
			logf(LogWarn, "warm-up of the whole module failed: %v", err)
			return
		}
	}
}

// artifactSchema sets m.schema from the JSON files beside the artifact when
// they describe the module's features, else from the module.
func (m *Model) artifactSchema(inner *torch.Module) ([]string, error) {
	var warnings []string
	fromModule, unknown, modErr := artifact.ModuleSchema(inner)
	files := export.Files{Dir: m.art.info.Dir}
	for name, dst := range map[string]*string{export.HyperparametersFile: &files.Hyperparameters, export.MetadataFile: &files.Metadata} {
		p := filepath.Join(m.art.info.Dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			*dst = p
		}
	}
	if files.Hyperparameters != "" {
		js, err := export.ReadSchema(files)
		switch {
		case err != nil:
			warnings = append(warnings, "ignoring "+files.Hyperparameters+": "+err.Error())
		case fromModule != nil && !artifact.SameFeatures(js, fromModule):
			warnings = append(warnings, "ignoring "+files.Hyperparameters+": its features ("+artifact.FeatureNames(js)+") are not the module's ("+artifact.FeatureNames(fromModule)+"): the module wins")
		default:
			m.schema, m.art.schemaSource = js, "json"
			m.files.Hyperparameters, m.files.Metadata = files.Hyperparameters, files.Metadata
		}
	}
	if m.schema == nil {
		if modErr != nil {
			warnings = append(warnings, "no feature schema: "+modErr.Error()+"; table requests and the full form need one (put model_hyperparameters.json and training_set_metadata.json beside the file)")
			m.art.schemaSource = "none"
		} else {
			m.schema, m.art.schemaSource, m.art.unknown = fromModule, "module", unknown
			warnings = append(warnings, "the feature schema comes from the module (no "+export.HyperparametersFile+" beside it): input columns are taken to be the feature names, and date formats and vector sizes are unknown")
		}
	}
	if c := m.art.carton; c != nil && m.schema != nil {
		warnings = append(warnings, artifact.CartonSpecWarnings(c.Config, m.schema)...)
	}
	if m.art.predictionsOnly {
		warnings = append(warnings, "a Carton's module returns predictions only: every output form holds predictions only")
	}
	return warnings, nil
}
