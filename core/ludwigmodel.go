package core

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core/engine"
	"github.com/ludwig-infer/ludwig-infer/core/export"
	"github.com/ludwig-infer/ludwig-infer/core/pt2"
	"github.com/ludwig-infer/ludwig-infer/core/pyproc"
	"github.com/ludwig-infer/ludwig-infer/core/request"
	"github.com/ludwig-infer/ludwig-infer/core/safetensors"
	"github.com/ludwig-infer/ludwig-infer/core/stage"
	"github.com/ludwig-infer/ludwig-infer/core/status"
)

// Loading a model folder saved by current Ludwig (0.13 and later):
// model_hyperparameters.json, training_set_metadata.json and a model.pt2
// (`ludwig export_model -f torch_export`, or `python -m
// ludwig_infer.export`). It is told apart from a TorchScript export
// directory by content: a folder with a model.pt2 and no
// inference_predictor-<device>.pt. Preprocessing and postprocessing follow
// LudwigModel.predict (core/pyproc) and the graph runs in Go (core/pt2, or
// core/engine for the TorchScript file Ludwig writes under the name
// model.pt2 when torch.export fails), in every build: no Python, no
// libtorch.

// GraphFile is the name of the exported graph in a Ludwig model folder.
const GraphFile = "model.pt2"

// ArtifactLudwigModel is Info.Artifact.Kind of a Ludwig model folder.
const ArtifactLudwigModel = "ludwig_model"

// ludwigFolder is a Ludwig model folder found at a model path.
type ludwigFolder struct {
	dir, graph string
}

// findLudwigModel tells whether path (with the graph load option) is a
// Ludwig model folder: nil when it is something else. A folder saved by
// Ludwig without a model.pt2 (only its safetensors weights) is an error
// saying how to get one.
func findLudwigModel(path, graph string) (*ludwigFolder, error) {
	st, err := os.Stat(path)
	if graph != "" {
		if err != nil || !st.IsDir() {
			return nil, status.Errorf(status.NotFound, "model folder %q: the graph option needs the folder that holds %s and %s", path, pyproc.HyperparametersFile, pyproc.MetadataFile)
		}
		if gs, err := os.Stat(graph); err != nil || !gs.Mode().IsRegular() {
			return nil, status.Errorf(status.NotFound, "graph %q: not a file", graph)
		}
		return &ludwigFolder{dir: path, graph: graph}, nil
	}
	if err != nil {
		return nil, nil // artifact.Detect says why
	}
	if !st.IsDir() {
		if strings.EqualFold(filepath.Ext(path), ".pt2") {
			return &ludwigFolder{dir: filepath.Dir(path), graph: path}, nil
		}
		return nil, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, nil
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "inference_predictor") {
			return nil, nil // a TorchScript export directory
		}
	}
	for _, d := range []string{path, filepath.Join(path, "model")} {
		if fileExists(filepath.Join(d, GraphFile)) {
			return &ludwigFolder{dir: path, graph: filepath.Join(d, GraphFile)}, nil
		}
	}
	for _, d := range []string{path, filepath.Join(path, "model")} {
		if !fileExists(filepath.Join(d, pyproc.HyperparametersFile)) {
			continue
		}
		for _, w := range []string{"model_weights.safetensors", "model_weights"} {
			if _, err := os.Stat(filepath.Join(d, w)); err == nil {
				return nil, status.Errorf(status.NotFound, "%s is a Ludwig model folder with %s but no %s: ludwig-infer runs the exported graph. Write one with `ludwig export_model -m %s -o OUT -f torch_export` (then copy OUT/%s into the folder, or load with the option \"graph\": \"OUT/%s\") or with `python -m ludwig_infer.export %s OUT` (then load OUT)", path, w, GraphFile, d, GraphFile, GraphFile, d)
			}
		}
	}
	return nil, nil
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// checkLudwigOptions refuses the load options that do not apply to a
// Ludwig model folder, whose stages always run in Go on the CPU.
func checkLudwigOptions(opts LoadOptions) error {
	switch opts.Engine {
	case "", engine.Auto, engine.Go:
	case engine.Libtorch:
		return status.Errorf(status.InvalidArgument, "engine \"libtorch\": the graph of a Ludwig model folder (%s) always runs in Go; use engine \"auto\" or \"go\"", GraphFile)
	default:
		_, err := resolveEngine(opts.Engine)
		return err
	}
	switch opts.Stages {
	case "", StagesAuto, StagesNative:
	case StagesTorchScript:
		return status.Errorf(status.InvalidArgument, "stages \"torchscript\": a Ludwig model folder has no TorchScript stages; its preprocessing and postprocessing run in Go (LudwigModel.predict's): use stages \"auto\" or \"native\"")
	default:
		return status.Errorf(status.InvalidArgument, "unknown stages %q (want auto, torchscript or native)", opts.Stages)
	}
	if opts.Device != "cpu" {
		return status.Errorf(status.InvalidArgument, "device %q: the graph of a Ludwig model folder runs in Go, on the CPU only", opts.Device)
	}
	if len(opts.Extensions) > 0 {
		return status.Errorf(status.InvalidArgument, "extensions are libtorch custom-op libraries; a Ludwig model folder runs in Go without libtorch")
	}
	return nil
}

// loadLudwig loads a Ludwig model folder: the JSON files with core/pyproc,
// the graph with core/pt2 (or core/engine for a TorchScript model.pt2).
func loadLudwig(lf *ludwigFolder, opts LoadOptions) (*Model, error) {
	if err := checkLudwigOptions(opts); err != nil {
		return nil, err
	}
	if err := firstLoad(); err != nil {
		return nil, err
	}
	pm, err := pyproc.Load(lf.dir)
	if err != nil {
		return nil, err
	}
	pred, kind, err := stage.LoadGraph(lf.graph)
	if err != nil {
		return nil, err
	}
	jsonDir := lf.dir
	if !fileExists(filepath.Join(jsonDir, pyproc.HyperparametersFile)) {
		jsonDir = filepath.Join(lf.dir, "model") // where pyproc.Load found them
	}
	m := &Model{
		files: export.Files{Dir: lf.dir, Predictor: lf.graph, PredictorDevice: "cpu",
			Hyperparameters: filepath.Join(jsonDir, pyproc.HyperparametersFile), Metadata: filepath.Join(jsonDir, pyproc.MetadataFile)},
		device: "cpu",
		staged: pipeline{pre: &stage.LudwigPre{M: pm}, pred: pred, post: &stage.LudwigPost{M: pm}},
	}
	// The schema maps table columns to features for the command and the
	// server; the encoder keeps no outputs, so the full form writes the
	// postprocessor's columns as they are (LudwigModel.predict's).
	m.schema = &export.Schema{}
	for _, s := range pm.InputSpecs() {
		m.schema.Inputs = append(m.schema.Inputs, export.Feature{Name: s.Name, Column: s.Column, Type: s.Type})
	}
	for _, o := range pm.OutputSpecs() {
		m.schema.Outputs = append(m.schema.Outputs, export.Feature{Name: o.Name, Column: o.Name, Type: o.Type, Labels: o.Labels})
	}
	if g, ok := pred.(*stage.GraphPredictor); ok {
		if err := checkGraphInputs(pm, g.P); err != nil {
			return nil, err
		}
	}
	if names := pm.CalibratedOutputs(); len(names) > 0 {
		temps, err := calibrationTemperatures(lf.dir, pred, names)
		if err != nil {
			return nil, err
		}
		if err := pm.SetTemperatures(temps); err != nil {
			return nil, err
		}
	}
	m.info = m.ludwigInfo(pm, pred, kind)
	logf(LogInfo, "loaded %s (Ludwig model folder, graph %s, %s, in Go)", lf.dir, lf.graph, kind)
	return m, nil
}

// temperatureParam is the name, inside Ludwig's ECD module, of the
// calibration temperature of output feature name: output features live in
// a LudwigFeatureDict, whose keys replace "." by "__ludwig_punct_period__"
// and end in "__ludwig".
func temperatureParam(name string) string {
	return "output_features.module_dict." + strings.ReplaceAll(name, ".", "__ludwig_punct_period__") +
		"__ludwig._calibration_module.temperature"
}

// calibrationTemperatures reads the temperature of each calibrated output
// feature: from the graph's parameters (torch.export lifts it although no
// node reads it; a module that wraps Ludwig's adds a prefix, so the name
// may be a suffix after a "."), else from model_weights.safetensors in
// the folder (or its "model" subfolder). None found is status.Model naming
// the feature and where it looked.
func calibrationTemperatures(dir string, pred stage.Predictor, names []string) (map[string]float32, error) {
	out := map[string]float32{}
	var graphNames []string
	var g *pt2.Program
	if gp, ok := pred.(*stage.GraphPredictor); ok {
		g, graphNames = gp.P, gp.P.ParameterNames()
	}
	var weights *safetensors.File
	for _, d := range []string{dir, filepath.Join(dir, "model")} {
		p := filepath.Join(d, "model_weights.safetensors")
		if !fileExists(p) {
			continue
		}
		f, err := safetensors.Open(p)
		if err != nil {
			return nil, status.Errorf(status.Model, "calibration: %v", err)
		}
		defer f.Close()
		weights = f
		break
	}
	for _, name := range names {
		want := temperatureParam(name)
		if fqn, ok := paramBySuffix(graphNames, want); ok {
			t, _ := g.Parameter(fqn)
			if t.Numel() != 1 {
				return nil, status.Errorf(status.Model, "output feature %q: calibration temperature %s has %d values, want 1", name, fqn, t.Numel())
			}
			out[name] = float32(t.At(0))
			continue
		}
		if weights != nil {
			if fqn, ok := paramBySuffix(weights.Names(), want); ok {
				v, err := weights.Float32s(fqn)
				if err != nil {
					return nil, status.Errorf(status.Model, "output feature %q: calibration: %v", name, err)
				}
				if len(v) != 1 {
					return nil, status.Errorf(status.Model, "output feature %q: calibration temperature %s has %d values, want 1", name, fqn, len(v))
				}
				out[name] = v[0]
				continue
			}
		}
		return nil, status.Errorf(status.Model, "output feature %q: calibration is on, but neither %s's parameters nor a model_weights.safetensors in %s hold %s", name, GraphFile, dir, want)
	}
	return out, nil
}

// paramBySuffix finds the name that is want or ends in "."+want.
func paramBySuffix(names []string, want string) (string, bool) {
	for _, n := range names {
		if n == want || strings.HasSuffix(n, "."+want) {
			return n, true
		}
	}
	return "", false
}

// checkGraphInputs checks that the graph takes the tensors the
// preprocessing makes: one per input feature, by name, of its dtype.
func checkGraphInputs(pm *pyproc.Model, p *pt2.Program) error {
	specs := pm.InputSpecs()
	byName := map[string]pyproc.InputSpec{}
	for _, s := range specs {
		byName[s.Name] = s
	}
	for _, in := range p.Inputs {
		s, ok := byName[in.Name]
		if !ok {
			return status.Errorf(status.Model, "the graph takes input %q, which is no input feature of %s", in.Name, pyproc.HyperparametersFile)
		}
		if s.DType != in.DType {
			return status.Errorf(status.Model, "input feature %q (%s): preprocessing makes %s, the graph takes %s", s.Name, s.Type, s.DType, in.DType)
		}
	}
	if len(p.Inputs) != len(specs) {
		return status.Errorf(status.Model, "the graph takes %d inputs, %s has %d input features", len(p.Inputs), pyproc.HyperparametersFile, len(specs))
	}
	return nil
}

// ludwigInfo is the model info of a Ludwig model folder.
func (m *Model) ludwigInfo(pm *pyproc.Model, pred stage.Predictor, kind pt2.Kind) Info {
	info := m.buildInfo(nil)
	art := ArtifactInfo{
		Kind: ArtifactLudwigModel, Path: m.files.Dir, Schema: "json", Outputs: "all",
		Stages: []string{"all", "preprocess", "predict", "postprocess"}, Graph: m.files.Predictor,
		GraphKind: kind.String(), LudwigVersion: pm.LudwigVersion,
	}
	if g, ok := pred.(*stage.GraphPredictor); ok {
		art.TorchVersion = g.P.TorchVersion
		if b := g.P.Batch; b.Fixed() {
			art.Batch = map[string]int{"fixed": b.Max}
		} else {
			art.Batch = map[string]int{"min": b.Min, "max": b.Max}
		}
	}
	info.Artifact = art
	info.Engine = EngineInfo{Predictor: engine.Go}
	info.Inputs, info.Outputs = []InputInfo{}, []OutputInfo{}
	info.Stages = StagesInfo{Mode: StagesNative, NativeInputs: []string{}, NativeOutputs: []string{}, TorchScript: []string{}}
	for _, s := range pm.InputSpecs() {
		info.Inputs = append(info.Inputs, InputInfo{Name: s.Name, Column: s.Column, Type: s.Type,
			Forms: []string{"string", "number", "boolean", "null"}, DType: s.DType.String(), Shape: s.Shape})
		info.Stages.NativeInputs = append(info.Stages.NativeInputs, s.Name)
	}
	for _, o := range pm.OutputSpecs() {
		info.Outputs = append(info.Outputs, OutputInfo{Name: o.Name, Column: o.Name, Type: o.Type, Keys: o.Keys, Labels: o.Labels})
		info.Stages.NativeOutputs = append(info.Stages.NativeOutputs, o.Name)
	}
	return info
}

// ludwigTable decodes the table of a request to a Ludwig model folder,
// whose preprocessing reads columns (tensors go to the predict stage).
func ludwigTable(req Request) (*request.Table, error) {
	if len(req.Tensors) > 0 {
		return nil, status.Errorf(status.InvalidArgument, "a Ludwig model folder takes table requests as JSON only; tensor buffers go to the predict stage (the graph's inputs, by input feature)")
	}
	table := req.Table
	if table == nil && len(strings.TrimSpace(string(req.JSON))) > 0 {
		var err error
		if table, err = request.Decode(req.JSON); err != nil {
			return nil, err
		}
	}
	if table == nil || table.Rows == 0 {
		return nil, status.Errorf(status.Input, "the request has no rows")
	}
	return table, nil
}
