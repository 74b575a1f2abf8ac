// Package export finds the files of a Ludwig TorchScript export directory
// and reads its JSON files into a feature schema.
package export

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	jsoniter "github.com/json-iterator/go"

	"github.com/ludwig-infer/ludwig-infer/core/status"
)

// File names inside an export directory.
const (
	PreprocessorFile    = "inference_preprocessor.pt"
	PostprocessorFile   = "inference_postprocessor.pt"
	HyperparametersFile = "model_hyperparameters.json"
	MetadataFile        = "training_set_metadata.json"
)

// Files are the paths of an export's files; empty when absent.
type Files struct {
	Dir             string `json:"dir"`
	Preprocessor    string `json:"preprocessor,omitempty"`
	Predictor       string `json:"predictor"`
	Postprocessor   string `json:"postprocessor,omitempty"`
	Hyperparameters string `json:"model_hyperparameters,omitempty"`
	Metadata        string `json:"training_set_metadata,omitempty"`
	// PredictorDevice is the device named in the predictor's file name
	// ("cpu", "cuda", "cuda:0", "mps").
	PredictorDevice string `json:"predictor_device"`
}

// predictorDevice returns the device part of a predictor file name
// (inference_predictor-<device>.pt or inference_predictor_<device>.pt).
func predictorDevice(name string) (string, bool) {
	const prefix = "inference_predictor"
	if !strings.HasPrefix(name, prefix) || !strings.HasSuffix(name, ".pt") {
		return "", false
	}
	rest := strings.TrimSuffix(strings.TrimPrefix(name, prefix), ".pt")
	if len(rest) < 2 || (rest[0] != '-' && rest[0] != '_') {
		return "", false
	}
	return rest[1:], true
}

// sameDevice reports whether a predictor saved for fileDev serves device:
// equal strings, or "cuda" and "cuda:0".
func sameDevice(fileDev, device string) bool {
	norm := func(s string) string {
		if s == "cuda:0" {
			return "cuda"
		}
		return s
	}
	return norm(fileDev) == norm(device)
}

// Find locates the files of the export in dir. The predictor is the one saved
// for device when there is one, else the only predictor present (the caller
// loads it onto device). Missing JSON and pre/postprocessor files are not
// errors (a --model_only export has only the predictor).
func Find(dir, device string) (Files, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return Files{}, status.Errorf(status.NotFound, "model directory %q: %v", dir, unwrapPathErr(err))
	}
	if !st.IsDir() {
		return Files{}, status.Errorf(status.NotFound, "model path %q is not a directory", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return Files{}, status.Errorf(status.NotFound, "model directory %q: %v", dir, unwrapPathErr(err))
	}
	f := Files{Dir: dir}
	var preds []string
	present := map[string]bool{}
	for _, e := range entries {
		present[e.Name()] = true
		if _, ok := predictorDevice(e.Name()); ok {
			preds = append(preds, e.Name())
		}
	}
	sort.Strings(preds)
	opt := func(name string) string {
		if present[name] {
			return filepath.Join(dir, name)
		}
		return ""
	}
	f.Preprocessor = opt(PreprocessorFile)
	f.Postprocessor = opt(PostprocessorFile)
	f.Hyperparameters = opt(HyperparametersFile)
	f.Metadata = opt(MetadataFile)
	switch {
	case len(preds) == 0:
		return Files{}, status.Errorf(status.NotFound, "model directory %q has no inference_predictor-<device>.pt (is it a Ludwig TorchScript export?)", dir)
	case len(preds) == 1:
		f.Predictor = preds[0]
	default:
		for _, p := range preds {
			if d, _ := predictorDevice(p); sameDevice(d, device) {
				f.Predictor = p
				break
			}
		}
		if f.Predictor == "" {
			return Files{}, status.Errorf(status.NotFound, "model directory %q has predictors %s but none for device %q", dir, strings.Join(preds, ", "), device)
		}
	}
	f.PredictorDevice, _ = predictorDevice(f.Predictor)
	f.Predictor = filepath.Join(dir, f.Predictor)
	return f, nil
}

func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// Feature is one input or output feature of the config, with what the
// runtime needs from its metadata.
type Feature struct {
	Name   string `json:"name"`
	Column string `json:"column"`
	Type   string `json:"type"`
	// DatetimeFormat is preprocessing.datetime_format of a date feature; ""
	// when null or absent (then ISO-8601 and epoch numbers are accepted).
	DatetimeFormat string `json:"datetime_format,omitempty"`
	// Labels are idx2str (category, set, sequence, text vocabularies) or, for
	// binary outputs, [false label, true label] from bool2str (else
	// ["False", "True"]).
	Labels []string `json:"labels,omitempty"`
	// VectorSize is the vector/timeseries length when the metadata knows it.
	VectorSize int `json:"-"`
	// Str2Bool is a binary input's str2bool map from the metadata (the
	// strings the column held in training and the boolean each stands for);
	// nil when the column held booleans.
	Str2Bool map[string]bool `json:"-"`
}

// Schema is the feature schema of an export.
type Schema struct {
	Inputs  []Feature
	Outputs []Feature
}

type rawFeature struct {
	Name          string         `json:"name"`
	Column        string         `json:"column"`
	Type          string         `json:"type"`
	Preprocessing map[string]any `json:"preprocessing"`
}

type rawConfig struct {
	InputFeatures  []rawFeature `json:"input_features"`
	OutputFeatures []rawFeature `json:"output_features"`
}

type rawMeta struct {
	Idx2Str    []string        `json:"idx2str"`
	Bool2Str   []string        `json:"bool2str"`
	Str2Bool   map[string]bool `json:"str2bool"`
	VectorSize int             `json:"vector_size"`
}

var json = jsoniter.ConfigCompatibleWithStandardLibrary

// ReadSchema reads model_hyperparameters.json and, when present,
// training_set_metadata.json. It fails with status.NotFound when the config
// is absent and status.Model when a file is malformed.
func ReadSchema(f Files) (*Schema, error) {
	if f.Hyperparameters == "" {
		return nil, status.Errorf(status.NotFound, "model directory %q has no %s", f.Dir, HyperparametersFile)
	}
	var cfg rawConfig
	if err := readJSON(f.Hyperparameters, &cfg); err != nil {
		return nil, err
	}
	meta := map[string]rawMeta{}
	if f.Metadata != "" {
		var all map[string]jsoniter.RawMessage
		if err := readJSON(f.Metadata, &all); err != nil {
			return nil, err
		}
		for k, v := range all {
			var m rawMeta
			if json.Unmarshal(v, &m) == nil {
				meta[k] = m
			}
		}
	}
	if len(cfg.InputFeatures) == 0 && len(cfg.OutputFeatures) == 0 {
		return nil, status.Errorf(status.Model, "%s lists no input_features or output_features", f.Hyperparameters)
	}
	convert := func(raws []rawFeature, output bool) ([]Feature, error) {
		out := make([]Feature, 0, len(raws))
		for i, r := range raws {
			if r.Name == "" || r.Type == "" {
				return nil, status.Errorf(status.Model, "%s: feature %d has no name or type", f.Hyperparameters, i)
			}
			ft := Feature{Name: r.Name, Column: r.Column, Type: r.Type}
			if ft.Column == "" {
				ft.Column = r.Name
			}
			if s, ok := r.Preprocessing["datetime_format"].(string); ok {
				ft.DatetimeFormat = s
			}
			m := meta[r.Name]
			ft.VectorSize = m.VectorSize
			if !output && r.Type == "binary" {
				ft.Str2Bool = m.Str2Bool
			}
			switch {
			case output && r.Type == "binary":
				ft.Labels = []string{"False", "True"}
				if len(m.Bool2Str) == 2 {
					ft.Labels = m.Bool2Str
				}
			case len(m.Idx2Str) > 0:
				ft.Labels = m.Idx2Str
			}
			out = append(out, ft)
		}
		return out, nil
	}
	var s Schema
	var err error
	if s.Inputs, err = convert(cfg.InputFeatures, false); err != nil {
		return nil, err
	}
	if s.Outputs, err = convert(cfg.OutputFeatures, true); err != nil {
		return nil, err
	}
	return &s, nil
}

// FileKind names what a non-regular file is, for error messages: "a
// directory", "a named pipe (FIFO)", "a device", "a socket".
func FileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&os.ModeDevice != 0 || m&os.ModeCharDevice != 0:
		return "a device"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return "not a regular file"
}

// MaxJSONFileBytes bounds an export's JSON files (1 GiB; the metadata of a
// large vocabulary is a few MiB).
const MaxJSONFileBytes = 1 << 30

func readJSON(path string, v any) error {
	// Only regular files, read to a bound: a FIFO would block Load forever
	// and a symlink to /dev/zero would never end (found by the hostile-input
	// tests).
	st, err := os.Stat(path)
	if err != nil {
		return status.Errorf(status.NotFound, "%s: %v", path, unwrapPathErr(err))
	}
	if !st.Mode().IsRegular() {
		return status.Errorf(status.Model, "%s is not a regular file: it is %s", path, FileKind(st.Mode()))
	}
	if st.Size() > MaxJSONFileBytes {
		return status.Errorf(status.Model, "%s has %d bytes, more than the limit of %d", path, st.Size(), MaxJSONFileBytes)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return status.Errorf(status.NotFound, "%s: %v", path, unwrapPathErr(err))
	}
	if err := json.Unmarshal(b, v); err != nil {
		return status.Errorf(status.Model, "%s is not valid JSON of the expected shape: %v", path, err)
	}
	return nil
}
