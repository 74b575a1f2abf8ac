package core

import (
	"fmt"
	"strings"
	"time"

	jsoniter "github.com/json-iterator/go"

	"github.com/ludwig-infer/ludwig-infer/core/response"
	"github.com/ludwig-infer/ludwig-infer/core/status"
)

// LoadOptions configure Load. The zero value loads on the CPU with a warm-up.
type LoadOptions struct {
	// Device is the predictor's device: "cpu" (default), "cuda", "cuda:N".
	// Preprocessing and postprocessing always run on the CPU.
	Device string `json:"device"`
	// NoWarmup skips the warm-up run of every stage at load time (first
	// TorchScript calls take tens of milliseconds while the graph executor
	// profiles and optimises).
	NoWarmup bool `json:"-"`
	// Warmup is the JSON spelling ("warmup": false disables it).
	Warmup *bool `json:"warmup"`
	// Extensions are custom-op libraries loaded (dlopen, RTLD_GLOBAL) before
	// the modules, as Python's torch.ops.load_library does.
	Extensions []string `json:"extensions"`
	// Stages chooses how preprocessing and postprocessing run: "auto" (the
	// default, also ""): natively in Go for every feature core/native
	// recognises, TorchScript for the rest; "torchscript": the exported
	// TorchScript stages only; "native": every feature natively, or Load
	// fails with status.Model naming those that cannot (stages.go).
	Stages string `json:"stages"`
	// Engine chooses what runs the predictor: "auto" (the default, also
	// ""): libtorch when the library was built with it, Go otherwise;
	// "libtorch"; "go": the Go engine (core/engine), which fails the load
	// naming the first operator it does not implement (load.go, core/stage).
	Engine string `json:"engine"`
	// Graph is the model.pt2 of a model folder saved by current Ludwig
	// (0.13 and later; `ludwig export_model -f torch_export` writes it
	// elsewhere): the folder passed to Load holds the JSON files, Graph the
	// exported graph. Without it, Load finds a model.pt2 inside the folder
	// (ludwigmodel.go).
	Graph string `json:"graph"`
}

// ParseLoadOptions reads the JSON options of li_load; empty input gives the
// defaults. Unknown keys are errors, so a misspelt option is never ignored.
func ParseLoadOptions(data []byte) (LoadOptions, error) {
	var o LoadOptions
	if len(strings.TrimSpace(string(data))) == 0 {
		return o, nil
	}
	cfg := jsoniter.Config{DisallowUnknownFields: true}.Froze()
	if err := cfg.Unmarshal(data, &o); err != nil {
		return o, status.Errorf(status.InvalidArgument, "invalid load options %s: %v (known keys: device, warmup, extensions, stages, engine, graph)", truncate(string(data), 200), err)
	}
	if o.Warmup != nil && !*o.Warmup {
		o.NoWarmup = true
	}
	return o, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// Stage selects what Infer runs; values equal li_stage in the C header.
type Stage int

// The stages.
const (
	StageAll         Stage = 0
	StagePreprocess  Stage = 1
	StagePredict     Stage = 2
	StagePostprocess Stage = 3
)

// ParseStage maps "all", "preprocess", "predict", "postprocess" to a Stage.
func ParseStage(s string) (Stage, error) {
	for i, n := range stageNames {
		if n == s {
			return Stage(i), nil
		}
	}
	if s == "" {
		return StageAll, nil
	}
	return 0, status.Errorf(status.InvalidArgument, "unknown stage %q (want all, preprocess, predict or postprocess)", s)
}

var stageNames = [...]string{"all", "preprocess", "predict", "postprocess"}

// String returns the stage's name.
func (s Stage) String() string {
	if s >= 0 && int(s) < len(stageNames) {
		return stageNames[s]
	}
	return fmt.Sprintf("stage(%d)", int(s))
}

// InferOptions configure one Infer call. The zero value runs every stage
// and answers in the features form; use DefaultInferOptions for the C
// default (columns).
type InferOptions struct {
	Stage Stage
	Form  response.Form
	// TensorOutputs returns every tensor output in Result.Tensors (named
	// "<feature>::<key>", or by input feature after StagePreprocess) and
	// leaves it out of the JSON.
	TensorOutputs bool
	// Records answers with a JSON array of one object per row (columns and
	// full forms only), the orientation of JSON Lines and `ludwig serve`.
	Records bool
	// Timings, when not nil, receives the duration of each stage a StageAll
	// call of an export directory ran (servers report them as metrics).
	Timings *Timings
}

// Timings are the durations of an Infer call's stages: preprocessing
// (featurizing the request included), the predictor, postprocessing
// (encoding the response included).
type Timings struct {
	Preprocess, Predict, Postprocess time.Duration
}

// DefaultInferOptions are li_infer's defaults: all stages, columns form.
func DefaultInferOptions() InferOptions {
	return InferOptions{Stage: StageAll, Form: response.Columns}
}
