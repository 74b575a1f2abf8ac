package core

import (
	"bytes"

	jsoniter "github.com/json-iterator/go"

	"github.com/ludwig-infer/ludwig-infer/core/engine"
	"github.com/ludwig-infer/ludwig-infer/core/export"
	"github.com/ludwig-infer/ludwig-infer/core/featurize"
	"github.com/ludwig-infer/ludwig-infer/core/torch"
)

// Info describes a loaded model: the schema of li_model_info, `ludwig-infer
// info`, the Python binding's schema and the Rust crate's schema().
type Info struct {
	ABIVersion   int               `json:"abi_version"`
	Version      string            `json:"version"`
	TorchVersion string            `json:"torch_version"`
	Path         string            `json:"path"`
	Files        export.Files      `json:"files"`
	Devices      map[string]string `json:"devices"`
	Schemas      map[string]string `json:"schemas"`
	Inputs       []InputInfo       `json:"inputs"`
	Outputs      []OutputInfo      `json:"outputs"`
	Warnings     []string          `json:"warnings"`
	// Stages says which features run natively (Go) and which in
	// TorchScript (stages.go).
	Stages StagesInfo `json:"stages"`
	// Artifact says what the model path held and what that implies (see
	// ArtifactInfo in artifacts.go).
	Artifact ArtifactInfo `json:"artifact"`
	// Engine says what runs the predictor (load.go).
	Engine EngineInfo `json:"engine"`
}

// InputInfo describes an input feature and the values it accepts.
type InputInfo struct {
	Name   string   `json:"name"`
	Column string   `json:"column"`
	Type   string   `json:"type"`
	Forms  []string `json:"forms"`
	// DType and Shape describe the tensor-buffer form, when there is one
	// (-1 stands for a free dimension, B the batch).
	DType string  `json:"dtype,omitempty"`
	Shape []int64 `json:"shape,omitempty"`
	// DatetimeFormat is the format date strings are parsed with.
	DatetimeFormat string `json:"datetime_format,omitempty"`
}

// OutputInfo describes an output feature.
type OutputInfo struct {
	Name   string   `json:"name"`
	Column string   `json:"column"`
	Type   string   `json:"type"`
	Keys   []string `json:"keys"`
	Labels []string `json:"labels,omitempty"`
	// Types and Shapes describe each key's value as a warm-up run saw it:
	// a dtype ("float32", "bool", ...) with the shape (-1 = batch), or
	// "string" (a string per row), "string_list" (a list of strings per row),
	// "tensor_list" (a tensor per row). Absent without a warm-up.
	Types  []string  `json:"types,omitempty"`
	Shapes [][]int64 `json:"shapes,omitempty"`
}

// Info returns the model's description.
func (m *Model) Info() Info { return m.info }

// InfoJSON returns Info as JSON.
func (m *Model) InfoJSON() []byte {
	b, _ := jsoniter.Config{EscapeHTML: false, SortMapKeys: true}.Froze().Marshal(m.info)
	// jsoniter copies invalid UTF-8 (a path's bytes) as is; JSON, and the C
	// ABI, promise UTF-8 (found with a model directory named "m\xff").
	return bytes.ToValidUTF8(b, []byte("\uFFFD"))
}

var tensorForms = map[string]struct {
	dtype string
	shape []int64
}{
	"number": {"float64", []int64{-1}},
	"binary": {"bool", []int64{-1}},
	"h3":     {"int64", []int64{-1}},
	"vector": {"float32", []int64{-1, -1}},
	"date":   {"int64", []int64{-1, 9}},
	"image":  {"uint8", []int64{-1, -1, -1, -1}},
	"audio":  {"float32", []int64{-1, -1}},
}

// outputKeys are the postprocessor keys per output type (contract section 5),
// used until a warm-up run reads the real ones.
var outputKeys = map[string][]string{
	"binary":     {"predictions", "probabilities"},
	"category":   {"predictions", "probabilities"},
	"number":     {"predictions"},
	"set":        {"predictions", "probabilities"},
	"sequence":   {"predictions", "probabilities", "probability"},
	"text":       {"predictions", "probabilities", "probability"},
	"vector":     {"predictions", "logits"},
	"timeseries": {"predictions", "logits"},
}

func (m *Model) buildInfo(warnings []string) Info {
	info := Info{
		ABIVersion: ABIVersion, Version: Version, TorchVersion: torch.Version(),
		Path: m.files.Dir, Files: m.files,
		Devices:  map[string]string{"predictor": m.device},
		Schemas:  map[string]string{},
		Inputs:   []InputInfo{},
		Outputs:  []OutputInfo{},
		Warnings: warnings,
		// setupStages (stages.go) replaces this for an export directory.
		Stages: noStages(StagesTorchScript),
		// loadExport replaces this for an export directory.
		Engine: EngineInfo{Predictor: engine.Libtorch},
	}
	if info.Warnings == nil {
		info.Warnings = []string{}
	}
	info.Artifact = m.artifactInfo()
	for stage, mod := range map[string]*torch.Module{"preprocessor": m.script.pre, "predictor": m.script.pred, "postprocessor": m.script.post} {
		if mod == nil {
			continue
		}
		if stage != "predictor" {
			info.Devices[stage] = "cpu"
		}
		if s, err := mod.Schema(); err == nil {
			info.Schemas[stage] = s
		}
	}
	if m.schema == nil {
		return info
	}
	for _, f := range m.schema.Inputs {
		in := InputInfo{Name: f.Name, Column: f.Column, Type: f.Type, Forms: featurize.Forms(f.Type), DatetimeFormat: f.DatetimeFormat}
		if tf, ok := tensorForms[f.Type]; ok {
			in.DType, in.Shape = tf.dtype, tf.shape
		}
		info.Inputs = append(info.Inputs, in)
	}
	for _, f := range m.schema.Outputs {
		keys := outputKeys[f.Type]
		if keys == nil {
			keys = []string{"predictions"}
		}
		info.Outputs = append(info.Outputs, OutputInfo{Name: f.Name, Column: f.Column, Type: f.Type, Keys: keys, Labels: f.Labels})
	}
	return info
}
