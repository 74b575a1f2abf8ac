// Package triton exports a Ludwig model as a Triton Inference Server model
// repository, the way Ludwig's export_triton (ludwig/utils/triton_utils.py)
// did, without Python:
//
//	<repo>/<name>_preprocessor/config.pbtxt, <version>/model.pt
//	<repo>/<name>_predictor/config.pbtxt,    <version>/model.pt
//	<repo>/<name>_postprocessor/config.pbtxt, <version>/model.pt
//	<repo>/<name>/config.pbtxt, <version>/      (the ensemble)
//
// Triton's libtorch backend passes positional tensors (or List[str] for
// TYPE_STRING) named INPUT__0, INPUT__1, ... and takes a tuple of outputs
// OUTPUT__0, ...; it cannot pass dicts. Each stage is therefore wrapped in a
// new TorchScript module whose forward takes the positional inputs, builds
// the stage's input dict, runs the stage (held as the submodule "stage") and
// returns the outputs as a tuple. The wrappers are compiled from generated
// TorchScript source by libtorch itself (torch::jit::Module::define) and
// saved with the stage inside.
//
// Shapes: the preprocessor and postprocessor take whole batches
// (max_batch_size 0: every dims starts with -1); the predictor batches
// (max_batch_size > 0, dynamic batching), so its dims leave the batch out.
// A preprocessed or predicted tensor of shape [B] travels as [B, 1] (Triton
// needs non-empty dims on a batching model), which the wrappers unsqueeze
// and squeeze. Postprocessor outputs that are lists of string lists (set
// and sequence predictions) become one string per row, the tokens joined
// by single spaces; lists of tensors (set probabilities) have no Triton form
// and are left out (Export says so).
package triton

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/core/export"
	"github.com/ludwig-infer/ludwig-infer/core/featurize"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
	"github.com/ludwig-infer/ludwig-infer/core/torch"
)

// Options configure Export.
type Options struct {
	// Name is the ensemble's name and the prefix of the stage models'
	// ("ludwig_model" when empty).
	Name string
	// Version is the model version directory (1 when 0).
	Version int
	// MaxBatchSize is the predictor's max_batch_size: the most rows one
	// (dynamically batched) predictor call takes, so also the most rows a
	// request to the ensemble may carry. 0 turns batching off.
	MaxBatchSize int
	// MaxQueueDelayMicroseconds is the dynamic batcher's delay (100 when 0).
	MaxQueueDelayMicroseconds int
	// Device is the predictor's instance kind: "cpu" (default) or "cuda".
	// Preprocessing and postprocessing always run on the CPU.
	Device string
	// Inputs are featurised rows that trace the stages' outputs (names,
	// dtypes, shapes): Model.Featurize of a sample request. Nil: two
	// generated rows (Model.SampleInputs).
	Inputs []featurize.Input
	// NoVerify skips running the written repository (see Verify).
	NoVerify bool
}

// Report tells what Export wrote.
type Report struct {
	// Dir is the repository; Models the model directories written, the
	// ensemble last.
	Dir    string
	Models []string
	// Skipped lists postprocessor outputs with no Triton form.
	Skipped []string
	// Verified is true when the repository was run and matched the model.
	Verified bool
}

// Stage model names.
const (
	Preprocessor  = "preprocessor"
	Predictor     = "predictor"
	Postprocessor = "postprocessor"
)

var nameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// inputPlan describes how one input feature enters the preprocessor.
type inputPlan struct {
	argType  string // TorchScript type of the wrapper argument
	dataType string // Triton type
	dims     []int64
}

// planInput maps an input feature type to its Triton form: strings for the
// types Ludwig's predict path passes as strings (as Ludwig's export_triton
// did), tensors for numbers (float64), h3 ids (int64), dates (int64 [B, 9]),
// vectors (float32 [B, D]) and images (uint8 [B, C, H, W]).
func planInput(f export.Feature) (inputPlan, error) {
	switch f.Type {
	case "binary", "category", "bag", "set", "text", "sequence", "timeseries":
		return inputPlan{"List[str]", "TYPE_STRING", []int64{-1}}, nil
	case "vector":
		return inputPlan{"Tensor", "TYPE_FP32", []int64{-1, -1}}, nil
	case "number":
		return inputPlan{"Tensor", "TYPE_FP64", []int64{-1}}, nil
	case "h3":
		return inputPlan{"Tensor", "TYPE_INT64", []int64{-1}}, nil
	case "date":
		return inputPlan{"Tensor", "TYPE_INT64", []int64{-1, 9}}, nil
	case "image":
		return inputPlan{"Tensor", "TYPE_UINT8", []int64{-1, -1, -1, -1}}, nil
	case "audio":
		return inputPlan{}, status.Errorf(status.InvalidArgument, "input feature %q is audio, whose (waveform, sample rate) lists Triton's libtorch backend cannot pass", f.Name)
	}
	return inputPlan{}, status.Errorf(status.InvalidArgument, "input feature %q has type %q, which the Triton export does not know", f.Name, f.Type)
}

// tsString writes a TorchScript string literal.
func tsString(s string) string { return quoted(s, false) }

// quoted writes s as a double-quoted literal with \" \\ \n \r \t escaped;
// octal escapes the other control bytes (as protobuf text format does).
func quoted(s string, octal bool) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if octal && (c < 0x20 || c == 0x7f) {
				fmt.Fprintf(&b, `\%03o`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

func tritonType(d tensor.DType) (string, error) {
	t, ok := TypeOf(d.String())
	if !ok {
		return "", fmt.Errorf("dtype %s has no Triton type", d)
	}
	return t, nil
}

// tensorIO is one tensor crossing between stages.
type tensorIO struct {
	key      string // the stage dict key
	dataType string
	inner    []int64 // the shape without the batch dimension; [1] for [B]
	vector   bool    // shape [B]: travels as [B, 1]
}

func planTensors(d *torch.Dict, stage string) ([]tensorIO, error) {
	out := make([]tensorIO, 0, len(d.Keys))
	for i, k := range d.Keys {
		t, ok := d.Values[i].(tensor.Tensor)
		if !ok {
			return nil, status.Errorf(status.Model, "the %s's output %q is %T, not a tensor", stage, k, d.Values[i])
		}
		if len(t.Shape) == 0 {
			return nil, status.Errorf(status.Model, "the %s's output %q is a scalar, not a batch", stage, k)
		}
		dt, err := tritonType(t.DType)
		if err != nil {
			return nil, status.Errorf(status.Model, "the %s's output %q: %v", stage, k, err)
		}
		io := tensorIO{key: k, dataType: dt, inner: append([]int64(nil), t.Shape[1:]...)}
		if len(t.Shape) == 1 {
			io.vector, io.inner = true, []int64{1}
		}
		out = append(out, io)
	}
	return out, nil
}

func full(inner []int64) []int64 { return append([]int64{-1}, inner...) }

// fullOf is t's dims with the batch dimension.
func fullOf(t tensorIO) []int64 { return full(t.inner) }

// ioTensors is the config tensors <prefix>__0, <prefix>__1, ... for ts.
func ioTensors(prefix string, ts []tensorIO, dims func(tensorIO) []int64) []Tensor {
	var out []Tensor
	for i, t := range ts {
		out = append(out, Tensor{Name: fmt.Sprintf("%s__%d", prefix, i), DataType: t.dataType, Dims: dims(t)})
	}
	return out
}

// writeTensorForward writes the head of a wrapper whose inputs are the
// tensors in (vectors squeezed back to [B]), up to its call of the stage.
func writeTensorForward(src *strings.Builder, in []tensorIO) {
	argTypes := make([]string, len(in))
	for i := range argTypes {
		argTypes[i] = "Tensor"
	}
	fmt.Fprintf(src, "def forward(self, %s):\n", argList(len(in), argTypes))
	src.WriteString("    inputs: Dict[str, Tensor] = {}\n")
	for i, t := range in {
		x := fmt.Sprintf("INPUT__%d", i)
		if t.vector {
			x += ".squeeze(1)"
		}
		fmt.Fprintf(src, "    inputs[%s] = %s\n", tsString(t.key), x)
	}
	src.WriteString("    out = self.stage.forward(inputs)\n")
}

// tensorReturns is the returned items for the stage outputs out (vectors
// unsqueezed to [B, 1]).
func tensorReturns(out []tensorIO) []string {
	var rets []string
	for _, t := range out {
		x := "out[" + tsString(t.key) + "]"
		if t.vector {
			x += ".unsqueeze(1)"
		}
		rets = append(rets, x)
	}
	return rets
}

// postIO is one postprocessor output.
type postIO struct {
	key      string
	kind     string // "tensor", "strings", "string_lists"
	dataType string
	dims     []int64
}

func argList(n int, types []string) string {
	args := make([]string, n)
	for i := range args {
		args[i] = fmt.Sprintf("INPUT__%d: %s", i, types[i])
	}
	return strings.Join(args, ", ")
}

func returnTuple(items []string) string {
	if len(items) == 1 {
		return "(" + items[0] + ",)"
	}
	return "(" + strings.Join(items, ", ") + ")"
}

// Export writes the model repository for m into dir (created if needed;
// the four model directories are replaced).
func Export(m *core.Model, dir string, opts Options) (*Report, error) {
	if opts.Name == "" {
		opts.Name = "ludwig_model"
	}
	if !nameRE.MatchString(opts.Name) {
		return nil, status.Errorf(status.InvalidArgument, "model name %q: use letters, digits, _ . -", opts.Name)
	}
	if opts.Version == 0 {
		opts.Version = 1
	}
	if opts.Version < 1 {
		return nil, status.Errorf(status.InvalidArgument, "model version must be >= 1, got %d", opts.Version)
	}
	if opts.MaxBatchSize < 0 {
		return nil, status.Errorf(status.InvalidArgument, "max batch size must be >= 0, got %d", opts.MaxBatchSize)
	}
	if opts.MaxQueueDelayMicroseconds == 0 {
		opts.MaxQueueDelayMicroseconds = 100
	}
	if opts.Device == "" {
		opts.Device = "cpu"
	}
	if opts.Device != "cpu" && opts.Device != "cuda" {
		return nil, status.Errorf(status.InvalidArgument, "device %q: want cpu or cuda", opts.Device)
	}
	schema := m.Schema()
	if schema == nil {
		return nil, status.Errorf(status.InvalidArgument, "the model has no feature schema (model_hyperparameters.json): the preprocessor's inputs cannot be typed")
	}
	plans := make([]inputPlan, len(schema.Inputs))
	for i, f := range schema.Inputs {
		p, err := planInput(f)
		if err != nil {
			return nil, err
		}
		plans[i] = p
	}
	stages, err := m.StageModules()
	if err != nil {
		return nil, err
	}
	defer stages.Close()
	inputs := opts.Inputs
	if inputs == nil {
		if inputs, err = m.SampleInputs(); err != nil {
			return nil, err
		}
	}
	outs, err := m.RunStages(stages, inputs)
	if err != nil {
		return nil, err
	}
	preOut, err := planTensors(outs.Preprocessed, Preprocessor)
	if err != nil {
		return nil, err
	}
	predOut, err := planTensors(outs.Predicted, Predictor)
	if err != nil {
		return nil, err
	}
	rep := &Report{Dir: dir}
	var postOut []postIO
	predictionsOnly := m.Info().Artifact.Outputs == "predictions"
	for i, k := range outs.Postprocessed.Keys {
		if predictionsOnly && !strings.HasSuffix(k, "::predictions") {
			continue // a Carton: its outputs are the predictions
		}
		switch v := outs.Postprocessed.Values[i].(type) {
		case tensor.Tensor:
			if len(v.Shape) == 0 {
				return nil, status.Errorf(status.Model, "the postprocessor's output %q is a scalar", k)
			}
			dt, err := tritonType(v.DType)
			if err != nil {
				return nil, status.Errorf(status.Model, "the postprocessor's output %q: %v", k, err)
			}
			postOut = append(postOut, postIO{k, "tensor", dt, full(v.Shape[1:])})
		case []string:
			postOut = append(postOut, postIO{k, "strings", "TYPE_STRING", []int64{-1}})
		case [][]string:
			postOut = append(postOut, postIO{k, "string_lists", "TYPE_STRING", []int64{-1}})
		default:
			rep.Skipped = append(rep.Skipped, k)
		}
	}
	if len(postOut) == 0 {
		return nil, status.Errorf(status.Model, "the postprocessor has no output Triton can carry")
	}

	batched := opts.MaxBatchSize > 0
	dimsOf := func(t tensorIO) []int64 {
		if batched {
			return t.inner
		}
		return full(t.inner)
	}
	modelName := func(stage string) string { return opts.Name + "_" + stage }

	// The preprocessor.
	preValueType, err := stages.Pre.InputValueType()
	if err != nil {
		return nil, status.Errorf(status.Model, "reading the preprocessor's input type: %v", err)
	}
	var src strings.Builder
	argTypes := make([]string, len(plans))
	for i, p := range plans {
		argTypes[i] = p.argType
	}
	fmt.Fprintf(&src, "def forward(self, %s):\n", argList(len(plans), argTypes))
	fmt.Fprintf(&src, "    inputs: Dict[str, %s] = {}\n", preValueType)
	for i, f := range schema.Inputs {
		fmt.Fprintf(&src, "    inputs[%s] = INPUT__%d\n", tsString(f.Name), i)
	}
	src.WriteString("    out = self.stage.forward(inputs)\n")
	fmt.Fprintf(&src, "    return %s\n", returnTuple(tensorReturns(preOut)))
	preCfg := &Config{Name: modelName(Preprocessor), Platform: "pytorch_libtorch", Instances: []Instances{{1, "KIND_CPU"}}}
	for i := range schema.Inputs {
		preCfg.Inputs = append(preCfg.Inputs, Tensor{Name: fmt.Sprintf("INPUT__%d", i), DataType: plans[i].dataType, Dims: plans[i].dims})
	}
	preCfg.Outputs = ioTensors("OUTPUT", preOut, fullOf)
	if err := writeModel(dir, preCfg, opts.Version, stages.Pre, "Preprocessor", src.String()); err != nil {
		return nil, err
	}
	rep.Models = append(rep.Models, filepath.Join(dir, preCfg.Name))

	// The predictor.
	src.Reset()
	writeTensorForward(&src, preOut)
	fmt.Fprintf(&src, "    return %s\n", returnTuple(tensorReturns(predOut)))
	kind := "KIND_CPU"
	if opts.Device == "cuda" {
		kind = "KIND_GPU"
	}
	predCfg := &Config{Name: modelName(Predictor), Platform: "pytorch_libtorch", Instances: []Instances{{1, kind}}}
	if batched {
		predCfg.MaxBatchSize = int64(opts.MaxBatchSize)
		predCfg.DynamicBatching = &DynamicBatching{MaxQueueDelayMicroseconds: int64(opts.MaxQueueDelayMicroseconds)}
	}
	predCfg.Inputs = ioTensors("INPUT", preOut, dimsOf)
	predCfg.Outputs = ioTensors("OUTPUT", predOut, dimsOf)
	if err := writeModel(dir, predCfg, opts.Version, stages.Pred, "Predictor", src.String()); err != nil {
		return nil, err
	}
	rep.Models = append(rep.Models, filepath.Join(dir, predCfg.Name))

	// The postprocessor.
	src.Reset()
	writeTensorForward(&src, predOut)
	var rets []string
	for i, o := range postOut {
		v := "o" + strconv.Itoa(i)
		fmt.Fprintf(&src, "    %s = out[%s]\n", v, tsString(o.key))
		switch o.kind {
		case "tensor":
			fmt.Fprintf(&src, "    assert isinstance(%s, Tensor)\n", v)
			rets = append(rets, v)
		case "strings":
			fmt.Fprintf(&src, "    assert isinstance(%s, List[str])\n", v)
			rets = append(rets, v)
		case "string_lists":
			fmt.Fprintf(&src, "    assert isinstance(%s, List[List[str]])\n", v)
			fmt.Fprintf(&src, "    j%d: List[str] = []\n    for row in %s:\n        j%d.append(\" \".join(row))\n", i, v, i)
			rets = append(rets, "j"+strconv.Itoa(i))
		}
	}
	fmt.Fprintf(&src, "    return %s\n", returnTuple(rets))
	postCfg := &Config{Name: modelName(Postprocessor), Platform: "pytorch_libtorch", Instances: []Instances{{1, "KIND_CPU"}}}
	postCfg.Inputs = ioTensors("INPUT", predOut, fullOf)
	for i, o := range postOut {
		postCfg.Outputs = append(postCfg.Outputs, Tensor{Name: fmt.Sprintf("OUTPUT__%d", i), DataType: o.dataType, Dims: o.dims})
	}
	if err := writeModel(dir, postCfg, opts.Version, stages.Post, "Postprocessor", src.String()); err != nil {
		return nil, err
	}
	rep.Models = append(rep.Models, filepath.Join(dir, postCfg.Name))

	// The ensemble: feature names in, "<feature>::<key>" out (Ludwig's
	// names), "preprocessed:<feature>" and "predicted:<feature>::<key>"
	// between the steps.
	ens := &Config{Name: opts.Name, Platform: "ensemble"}
	preStep := Step{ModelName: preCfg.Name, ModelVersion: -1}
	for i, f := range schema.Inputs {
		ens.Inputs = append(ens.Inputs, Tensor{Name: f.Name, DataType: plans[i].dataType, Dims: plans[i].dims})
		preStep.InputMap = append(preStep.InputMap, KV{fmt.Sprintf("INPUT__%d", i), f.Name})
	}
	predStep := Step{ModelName: predCfg.Name, ModelVersion: -1}
	for i, t := range preOut {
		preStep.OutputMap = append(preStep.OutputMap, KV{fmt.Sprintf("OUTPUT__%d", i), "preprocessed:" + t.key})
		predStep.InputMap = append(predStep.InputMap, KV{fmt.Sprintf("INPUT__%d", i), "preprocessed:" + t.key})
	}
	postStep := Step{ModelName: postCfg.Name, ModelVersion: -1}
	for i, t := range predOut {
		predStep.OutputMap = append(predStep.OutputMap, KV{fmt.Sprintf("OUTPUT__%d", i), "predicted:" + t.key})
		postStep.InputMap = append(postStep.InputMap, KV{fmt.Sprintf("INPUT__%d", i), "predicted:" + t.key})
	}
	for i, o := range postOut {
		ens.Outputs = append(ens.Outputs, Tensor{Name: o.key, DataType: o.dataType, Dims: o.dims})
		postStep.OutputMap = append(postStep.OutputMap, KV{fmt.Sprintf("OUTPUT__%d", i), o.key})
	}
	ens.Steps = []Step{preStep, predStep, postStep}
	ensDir := filepath.Join(dir, ens.Name)
	if err := os.RemoveAll(ensDir); err != nil {
		return nil, status.Errorf(status.InvalidArgument, "%v", err)
	}
	// Triton wants a version folder even for an ensemble; it stays empty.
	if err := os.MkdirAll(filepath.Join(ensDir, strconv.Itoa(opts.Version)), 0o755); err != nil {
		return nil, status.Errorf(status.InvalidArgument, "%v", err)
	}
	if err := os.WriteFile(filepath.Join(ensDir, "config.pbtxt"), []byte(ens.Text()), 0o644); err != nil {
		return nil, status.Errorf(status.InvalidArgument, "%v", err)
	}
	rep.Models = append(rep.Models, ensDir)

	if !opts.NoVerify {
		if err := Verify(m, dir, opts.Name, inputs); err != nil {
			return nil, status.Errorf(status.Model, "the exported repository does not reproduce the model: %v", err)
		}
		rep.Verified = true
	}
	return rep, nil
}

// writeModel wraps stage with the generated source, saves it as
// <dir>/<name>/<version>/model.pt and writes config.pbtxt.
func writeModel(dir string, cfg *Config, version int, stage *torch.Module, class, source string) error {
	w, err := torch.Wrap(stage, "__torch__.ludwig_infer.triton.Triton"+class, "stage", source)
	if err != nil {
		return status.Errorf(status.Model, "compiling the %s wrapper: %v\n%s", strings.ToLower(class), err, source)
	}
	defer w.Close()
	mdir := filepath.Join(dir, cfg.Name)
	if err := os.RemoveAll(mdir); err != nil {
		return status.Errorf(status.InvalidArgument, "%v", err)
	}
	vdir := filepath.Join(mdir, strconv.Itoa(version))
	if err := os.MkdirAll(vdir, 0o755); err != nil {
		return status.Errorf(status.InvalidArgument, "%v", err)
	}
	if err := w.Save(filepath.Join(vdir, "model.pt")); err != nil {
		return status.Errorf(status.Runtime, "saving %s: %v", filepath.Join(vdir, "model.pt"), err)
	}
	if err := os.WriteFile(filepath.Join(mdir, "config.pbtxt"), []byte(cfg.Text()), 0o644); err != nil {
		return status.Errorf(status.InvalidArgument, "%v", err)
	}
	return nil
}
