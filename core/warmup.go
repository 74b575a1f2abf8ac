package core

import (
	"fmt"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core/consistency"
	"github.com/ludwig-infer/ludwig-infer/core/export"
	"github.com/ludwig-infer/ludwig-infer/core/featurize"
	"github.com/ludwig-infer/ludwig-infer/core/response"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// warmupRuns is how many times the warm-up runs the stages: TorchScript's
// profiling executor optimises a graph on its second call.
const warmupRuns = 3

// warmup runs every stage on two generated rows so first calls are fast, and
// records the postprocessor's real keys in the model info. A feature it
// cannot generate a value for (an image without a known size, audio) skips
// the warm-up; failures are logged, never fatal.
func (m *Model) warmup() {
	if m.schema == nil || m.files.Preprocessor == "" || m.files.Postprocessor == "" {
		return
	}
	if m.script.pre != nil { // nil without libtorch: only the Go stages run
		if vt, err := m.script.pre.InputValueType(); err == nil {
			for _, w := range consistency.Inputs(m.schema, vt) {
				m.warn(w)
			}
		}
	}
	inputs := make([]featurize.Input, len(m.schema.Inputs))
	for i, f := range m.schema.Inputs {
		in, ok := sampleInput(f)
		if !ok {
			logf(LogInfo, "warm-up skipped: no sample value for %s feature %q", f.Type, f.Name)
			return
		}
		inputs[i] = in
	}
	for run := 0; run < warmupRuns; run++ {
		entries, err := runAll(m.staged, inputs)
		if err != nil {
			// In Info.Warnings too: a failing warm-up usually means the JSON
			// files contradict the modules (core/consistency).
			m.warn(fmt.Sprintf("warm-up failed (calls will likely fail the same way): %v", err))
			return
		}
		if run == 0 {
			m.recordKeys(entries)
			for _, w := range consistency.Outputs(m.schema, entries) {
				m.warn(w)
			}
		}
	}
}

// warn records a model warning in Info.Warnings and logs it.
func (m *Model) warn(msg string) {
	m.info.Warnings = append(m.info.Warnings, msg)
	logf(LogWarn, "%s: %s", m.files.Dir, msg)
}

// recordKeys stores each output's real postprocessor keys in the model info.
func (m *Model) recordKeys(entries []response.Entry) {
	for i := range m.info.Outputs {
		o := &m.info.Outputs[i]
		var keys, types []string
		var shapes [][]int64
		for _, e := range entries {
			if e.Feature != o.Name {
				continue
			}
			keys = append(keys, e.Key)
			typ, shape := describe(e.Value)
			types = append(types, typ)
			shapes = append(shapes, shape)
		}
		if len(keys) > 0 {
			o.Keys, o.Types, o.Shapes = keys, types, shapes
		}
	}
}

// describe names a postprocessor value's kind for OutputInfo.
func describe(v any) (string, []int64) {
	switch x := v.(type) {
	case tensor.Tensor:
		shape := append([]int64(nil), x.Shape...)
		if len(shape) > 0 {
			shape[0] = -1
		}
		return x.DType.String(), shape
	case []string:
		return "string", []int64{-1}
	case [][]string:
		return "string_list", []int64{-1}
	case []tensor.Tensor:
		return "tensor_list", []int64{-1}
	}
	return "other", nil
}

func sampleInput(f export.Feature) (featurize.Input, bool) {
	strs := func(a, b string) (featurize.Input, bool) {
		return featurize.Input{Strings: []string{a, b}, Rows: 2}, true
	}
	label := func(i int) string {
		if i >= 0 && i < len(f.Labels) {
			return f.Labels[i]
		}
		return "a"
	}
	switch f.Type {
	case "number":
		t := tensor.FromFloat64([]float64{0, 1}, 2)
		return featurize.Input{Tensor: &t, Rows: 2}, true
	case "binary":
		return strs("True", "False")
	case "category", "set", "bag":
		return strs(label(len(f.Labels)-1), "nan")
	case "text", "sequence":
		return strs(strings.Join([]string{label(len(f.Labels) - 1), "a", "b"}, " "), "nan")
	case "timeseries":
		return strs("1 2 3", "0.5 nan 1")
	case "vector":
		if f.VectorSize <= 0 {
			return featurize.Input{}, false
		}
		v := make([]float32, 2*f.VectorSize)
		t := tensor.FromFloat32(v, 2, int64(f.VectorSize))
		return featurize.Input{Tensor: &t, Rows: 2}, true
	case "date":
		d := []int64{2024, 2, 29, 3, 60, 12, 30, 15, 45015}
		return featurize.Input{Tensors: []tensor.Tensor{tensor.FromInt64(d, 9), tensor.FromInt64(d, 9)}, Rows: 2}, true
	case "h3":
		t := tensor.FromInt64([]int64{576495936675512319, 576495936675512319}, 2)
		return featurize.Input{Tensor: &t, Rows: 2}, true
	}
	return featurize.Input{}, false
}
