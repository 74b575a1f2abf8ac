package stage

import (
	"regexp"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core/export"
	"github.com/ludwig-infer/ludwig-infer/core/featurize"
	"github.com/ludwig-infer/ludwig-infer/core/response"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/core/torch"
)

// The TorchScript stages: exported modules run by libtorch.

// Script runs a TorchScript module's forward (or a staged method) on a
// batch as a Predictor: Ludwig's predictor, an InferenceModule's
// predictor_forward, or (Name "model") a whole InferenceModule or Carton
// module on Pack's dict.
type Script struct {
	Mod    *torch.Module
	Device string // where the module runs: "cpu", "cuda:0", ...
	Name   string // the stage in errors: "predictor", "model"
}

// Predict runs the module; the output stays in libtorch.
func (s *Script) Predict(in *Batch) (*Batch, error) {
	v, owned, err := in.input(s.Mod)
	if err != nil {
		return nil, err
	}
	if owned {
		defer v.Free()
	}
	out, err := Forward(s.Mod, v, s.Device, s.Name)
	if err != nil {
		return nil, err
	}
	return Torch(out), nil
}

// ScriptPre is the TorchScript preprocessor: it takes the featurised
// inputs as its input dict (by feature name) and runs on the CPU.
type ScriptPre struct {
	Mod      *torch.Module
	Features []export.Feature // the schema's input features
}

// Preprocess runs the preprocessor; the output stays in libtorch.
func (s *ScriptPre) Preprocess(inputs []featurize.Input) (*Batch, error) {
	in, err := TableInput(s.Mod, s.Features, inputs)
	if err != nil {
		return nil, err
	}
	defer in.Free()
	out, err := Forward(s.Mod, in, "cpu", "preprocessor")
	if err != nil {
		return nil, err
	}
	return Torch(out), nil
}

// Pack is the preprocessing of a whole InferenceModule or Carton module,
// which preprocesses itself: it only builds the module's input dict.
type Pack struct {
	Mod      *torch.Module
	Features []export.Feature
}

// Preprocess builds Mod's input dict.
func (p *Pack) Preprocess(inputs []featurize.Input) (*Batch, error) {
	in, err := TableInput(p.Mod, p.Features, inputs)
	if err != nil {
		return nil, err
	}
	return Torch(in), nil
}

// ScriptPost is the TorchScript postprocessor (or an InferenceModule's
// postprocessor_forward), run on the CPU.
type ScriptPost struct {
	Mod *torch.Module
	// PredictionsOnly keeps the "predictions" key of each feature only (a
	// Carton, whose whole-model answer holds nothing else).
	PredictionsOnly bool
}

// Postprocess runs the postprocessor and unflattens its output.
func (s *ScriptPost) Postprocess(in *Batch) ([]response.Entry, error) {
	v, owned, err := in.input(s.Mod)
	if err != nil {
		return nil, err
	}
	if owned {
		defer v.Free()
	}
	out, err := Forward(s.Mod, v, "cpu", "postprocessor")
	if err != nil {
		return nil, err
	}
	defer out.Free()
	return Entries(out, "postprocessor", s.PredictionsOnly)
}

// Unflatten is the postprocessing of a whole InferenceModule or Carton
// module, which postprocesses itself: it only reads the module's output.
type Unflatten struct {
	PredictionsOnly bool // a Carton module's output (see ScriptPost)
}

// Postprocess reads the whole module's output dict into entries.
func (u *Unflatten) Postprocess(in *Batch) ([]response.Entry, error) {
	if in.lt == nil {
		return nil, status.Errorf(status.Internal, "the model's output is not a libtorch value")
	}
	return Entries(in.lt, "model", u.PredictionsOnly)
}

// Forward runs mod on in, mapping a failure to a status.Runtime error
// naming stage with the interpreter's exception line.
func Forward(mod *torch.Module, in *torch.Value, device, stage string) (*torch.Value, error) {
	out, err := mod.Forward(in, device)
	if err != nil {
		return nil, status.Errorf(status.Runtime, "%s failed: %s", stage, CleanTorchError(err.Error()))
	}
	return out, nil
}

var pyErrRE = regexp.MustCompile(`(?m)^\s*(?:builtins\.)?([A-Za-z]+(?:Error|Exception)): (.*)$`)

// CleanTorchError keeps the Python-style exception line of a TorchScript
// interpreter traceback ("RuntimeError: ...") when there is one, else the
// message's first line.
func CleanTorchError(msg string) string {
	if all := pyErrRE.FindAllStringSubmatch(msg, -1); len(all) > 0 {
		last := all[len(all)-1]
		return last[1] + ": " + strings.TrimSpace(last[2])
	}
	return FirstLine(msg)
}

// FirstLine is s's first line, trimmed.
func FirstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// TableInput builds mod's input dict from featurised inputs, one per
// feature of features, keyed by feature name.
func TableInput(mod *torch.Module, features []export.Feature, inputs []featurize.Input) (*torch.Value, error) {
	in, err := mod.NewInput()
	if err != nil {
		return nil, status.Errorf(status.Model, "%v", err)
	}
	for i, f := range features {
		if err := PutInput(in, f.Name, inputs[i]); err != nil {
			in.Free()
			return nil, err
		}
	}
	return in, nil
}

// PutInput puts feature name's value x into the input dict in.
func PutInput(in *torch.Value, name string, x featurize.Input) error {
	var err error
	switch {
	case x.Tensor != nil:
		err = in.PutTensor(name, *x.Tensor, x.Borrowed)
	case x.Tensors != nil:
		err = in.PutTensorList(name, x.Tensors, x.Tuples)
	default:
		err = in.PutStrings(name, x.Strings)
	}
	if err != nil {
		return status.Errorf(status.Input, "input feature %q: %v", name, err)
	}
	return nil
}

// Entries unflattens a module's output dict into entries grouped by
// feature: the postprocessor's flat "<f>::<key>" dict, InferenceModule's
// nested {f: {key: value}}, or a Carton module's {f: predictions}
// (predictionsOnly: only the predictions are kept).
func Entries(out *torch.Value, stage string, predictionsOnly bool) ([]response.Entry, error) {
	d, err := ReadDict(out, stage)
	if err != nil {
		return nil, err
	}
	return groupByFeature(flatten(d, predictionsOnly)), nil
}

func flatten(d *torch.Dict, predictionsOnly bool) []response.Entry {
	entries := make([]response.Entry, 0, len(d.Keys))
	for i, k := range d.Keys {
		switch v := d.Values[i].(type) {
		case *torch.Dict:
			for j, key := range v.Keys {
				entries = append(entries, response.Entry{Feature: k, Key: key, Value: v.Values[j]})
			}
		default:
			if predictionsOnly && !strings.Contains(k, "::") {
				// The Carton module's {feature: predictions}.
				entries = append(entries, response.Entry{Feature: k, Key: "predictions", Value: v})
				continue
			}
			f, key := response.Split(k)
			entries = append(entries, response.Entry{Feature: f, Key: key, Value: v})
		}
	}
	if predictionsOnly {
		kept := entries[:0]
		for _, e := range entries {
			if e.Key == "predictions" {
				kept = append(kept, e)
			}
		}
		entries = kept
	}
	return entries
}

// groupByFeature makes each feature's entries contiguous, keeping the order
// in which features and keys first appear.
func groupByFeature(entries []response.Entry) []response.Entry {
	order := []string{}
	byFeature := map[string][]response.Entry{}
	for _, e := range entries {
		if _, ok := byFeature[e.Feature]; !ok {
			order = append(order, e.Feature)
		}
		byFeature[e.Feature] = append(byFeature[e.Feature], e)
	}
	out := entries[:0:0]
	for _, f := range order {
		out = append(out, byFeature[f]...)
	}
	return out
}

var missingOpRE = regexp.MustCompile(`(?:Unknown builtin op: |Unknown type name '__torch__\.torch\.classes\.)([A-Za-z0-9_]+)(?:::|\.)`)

// extensionLibraries names the library that defines each custom-op namespace
// Ludwig exports use.
var extensionLibraries = map[string]string{
	"torchaudio":  "libtorchaudio.so (torchaudio's C++ library; Debian package python3-torchaudio, or a pip torchaudio)",
	"torchtext":   "libtorchtext.so (torchtext's C++ library, from a pip torchtext)",
	"torchvision": "libtorchvision.so (torchvision's C++ library, from a pip torchvision)",
}

// LoadModule loads a stage's TorchScript archive in libtorch. Hostile files
// (FIFOs, symlink loops, non-archives, zip bombs) fail first with a clear
// status.Model error (export.CheckArchive), as does a module that does not
// take a dict (not a stage of a Ludwig export).
func LoadModule(path, device string) (*torch.Module, error) {
	if err := export.CheckArchive(path); err != nil {
		return nil, err
	}
	m, err := torch.Load(path, device)
	if err != nil {
		return nil, LoadError(path, err)
	}
	in, err := m.NewInput()
	if err != nil {
		m.Close()
		return nil, status.Errorf(status.Model, "cannot load %s: %v (not a stage of a Ludwig export)", path, err)
	}
	in.Free()
	return m, nil
}

// LoadError maps a failed libtorch load of path to a status.Model error;
// missing custom ops name the library to load with the "extensions" option.
func LoadError(path string, err error) error {
	msg := err.Error()
	if sm := missingOpRE.FindStringSubmatch(msg); sm != nil {
		lib := extensionLibraries[sm[1]]
		if lib == "" {
			lib = "the library that defines it"
		}
		return status.Errorf(status.Model, "%s needs custom ops of namespace %q, which are not loaded: load %s first with the \"extensions\" load option (%s)", path, sm[1], lib, FirstLine(msg))
	}
	return status.Errorf(status.Model, "cannot load %s: %s", path, FirstLine(msg))
}
