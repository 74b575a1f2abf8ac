// Package golden reads the goldens that testdata/generate.py writes
// (testdata/golden/<model>.json) and compares responses with them: strings
// exactly, floats as numpy's allclose with atol = rtol = 1e-5.
package golden

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// Tensor is a golden tensor: {"dtype", "shape", "data"}.
type Tensor struct {
	DType string  `json:"dtype"`
	Shape []int64 `json:"shape"`
	Data  []any   `json:"data"`
}

// Value is a golden module value (module_inputs, postprocessed).
type Value struct {
	Kind   string          `json:"kind"`
	Tensor *Tensor         `json:"tensor"`
	Value  json.RawMessage `json:"value"`
}

// Case is one golden case.
type Case struct {
	Name          string            `json:"name"`
	Request       json.RawMessage   `json:"request"`
	ModuleInputs  map[string]Value  `json:"module_inputs"`
	Preprocessed  map[string]Tensor `json:"preprocessed"`
	Predicted     map[string]Tensor `json:"predicted"`
	Postprocessed map[string]Value  `json:"postprocessed"`
	Full          map[string][]any  `json:"full"`
}

// File is a model's goldens.
type File struct {
	Model string `json:"model"`
	Cases []Case `json:"cases"`
}

// Root returns the repository's testdata folder.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata")
}

// ModelDir returns testdata/models/<name>.
func ModelDir(name string) string { return filepath.Join(Root(), "models", name) }

// Load reads testdata/golden/<name>.json.
func Load(name string) (*File, error) {
	b, err := os.ReadFile(filepath.Join(Root(), "golden", name+".json"))
	if err != nil {
		return nil, err
	}
	var f File
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return &f, nil
}

// Names lists the models that have goldens.
func Names() []string {
	m, _ := filepath.Glob(filepath.Join(Root(), "golden", "*.json"))
	var out []string
	for _, p := range m {
		out = append(out, strings.TrimSuffix(filepath.Base(p), ".json"))
	}
	sort.Strings(out)
	return out
}

// Close reports whether got is within |got-want| <= 1e-5 + 1e-5*|want|.
func Close(got, want float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	return math.Abs(got-want) <= 1e-5+1e-5*math.Abs(want)
}

// Nested turns a golden tensor into nested arrays of its shape, the form
// responses use.
func (t Tensor) Nested() any {
	if len(t.Shape) == 0 {
		return t.Data[0]
	}
	idx := 0
	var rec func(d int) any
	rec = func(d int) any {
		out := make([]any, t.Shape[d])
		for i := range out {
			if d == len(t.Shape)-1 {
				out[i] = t.Data[idx]
				idx++
			} else {
				out[i] = rec(d + 1)
			}
		}
		return out
	}
	return rec(0)
}

// Nested returns the value as the JSON a response carries.
func (v Value) Nested() (any, error) {
	switch v.Kind {
	case "tensor":
		return v.Tensor.Nested(), nil
	case "tensors":
		var ts []Tensor
		if err := json.Unmarshal(v.Value, &ts); err != nil {
			return nil, err
		}
		out := make([]any, len(ts))
		for i, t := range ts {
			out[i] = t.Nested()
		}
		return out, nil
	}
	var x any
	err := json.Unmarshal(v.Value, &x)
	return x, err
}

// Diff compares decoded JSON values: strings and booleans exactly, numbers
// with Close, arrays by length and item, objects by key set and value. It
// returns "" when they match, else where they differ.
func Diff(got, want any, path string) string {
	switch w := want.(type) {
	case nil:
		if got != nil {
			return fmt.Sprintf("%s: got %v, want null", path, got)
		}
	case float64:
		g, ok := got.(float64)
		if !ok {
			return fmt.Sprintf("%s: got %v (%T), want number %v", path, got, got, w)
		}
		if !Close(g, w) {
			return fmt.Sprintf("%s: got %v, want %v", path, g, w)
		}
	case json.Number:
		wf, _ := w.Float64()
		return Diff(toFloat(got), wf, path)
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%s: got %v, want %v", path, trim(got), trim(want))
		}
		for i := range w {
			if d := Diff(g[i], w[i], fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%s: got keys %v, want keys %v", path, keys(got), keys(want))
		}
		for k := range w {
			if d := Diff(g[k], w[k], path+"."+k); d != "" {
				return d
			}
		}
	default:
		if got != want {
			return fmt.Sprintf("%s: got %#v, want %#v", path, got, want)
		}
	}
	return ""
}

func toFloat(v any) any {
	if n, ok := v.(json.Number); ok {
		f, _ := n.Float64()
		return f
	}
	return v
}

func keys(v any) []string {
	m, _ := v.(map[string]any)
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func trim(v any) string {
	s := fmt.Sprint(v)
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
