package core_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
	"github.com/ludwig-infer/ludwig-infer/core/torch"
	"github.com/ludwig-infer/ludwig-infer/internal/golden"
)

func requireCode(t *testing.T, err error, code status.Code, contains ...string) {
	t.Helper()
	require.Error(t, err)
	assert.Equal(t, code, status.CodeOf(err), err.Error())
	for _, c := range contains {
		assert.Contains(t, err.Error(), c)
	}
}

// copyExport copies the named files of a test model into a temp dir.
func copyExport(t *testing.T, model string, files ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(golden.ModelDir(model), f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), b, 0o644))
	}
	return dir
}

func TestLoadErrors(t *testing.T) {
	_, err := core.Load("/nonexistent/dir", core.LoadOptions{})
	requireCode(t, err, status.NotFound, `model directory "/nonexistent/dir": no such file or directory`)

	empty := t.TempDir()
	_, err = core.Load(empty, core.LoadOptions{})
	requireCode(t, err, status.NotFound, "has no inference_predictor-<device>.pt")

	file := filepath.Join(empty, "x")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	_, err = core.Load(file, core.LoadOptions{})
	requireCode(t, err, status.NotFound, "is not a directory")

	_, err = core.Load(golden.ModelDir("tabular"), core.LoadOptions{Device: "gpu"})
	requireCode(t, err, status.InvalidArgument, `unknown device "gpu"`)

	_, err = core.Load(golden.ModelDir("tabular"), core.LoadOptions{Extensions: []string{"/nonexistent/libx.so"}})
	requireCode(t, err, status.NotFound, "cannot load library /nonexistent/libx.so")
}

func TestCorruptModules(t *testing.T) {
	pred, err := os.ReadFile(filepath.Join(golden.ModelDir("tabular"), "inference_predictor-cpu.pt"))
	require.NoError(t, err)
	for name, content := range map[string][]byte{
		"zero-byte": {},
		"not a zip": []byte("hello, I am not a TorchScript archive"),
		"truncated": pred[:len(pred)/2],
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "inference_predictor-cpu.pt"), content, 0o644))
			_, err := core.Load(dir, core.LoadOptions{})
			requireCode(t, err, status.Model, "cannot load "+filepath.Join(dir, "inference_predictor-cpu.pt"))
		})
	}
	// A module of the wrong kind: the postprocessor where the preprocessor goes.
	dir := copyExport(t, "tabular", "inference_predictor-cpu.pt", "model_hyperparameters.json", "training_set_metadata.json", "inference_postprocessor.pt")
	post, err := os.ReadFile(filepath.Join(dir, "inference_postprocessor.pt"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "inference_preprocessor.pt"), post, 0o644))
	m, err := core.Load(dir, core.LoadOptions{})
	require.NoError(t, err) // the warm-up fails and is logged, the load succeeds
	defer m.Close()
	g, _ := golden.Load("tabular")
	_, err = m.Infer(context.Background(), core.Request{JSON: g.Cases[0].Request}, core.DefaultInferOptions())
	requireCode(t, err, status.Runtime, "preprocessor failed")
}

func TestMalformedConfig(t *testing.T) {
	dir := copyExport(t, "tabular", "inference_predictor-cpu.pt")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "model_hyperparameters.json"), []byte("{not json"), 0o644))
	_, err := core.Load(dir, core.LoadOptions{})
	requireCode(t, err, status.Model, "model_hyperparameters.json is not valid JSON")
}

func TestModelOnly(t *testing.T) {
	m, err := core.Load(golden.ModelDir("model_only"), core.LoadOptions{})
	require.NoError(t, err)
	defer m.Close()
	info := m.Info()
	require.Len(t, info.Warnings, 1)
	assert.Contains(t, info.Warnings[0], "has no model_hyperparameters.json")
	g, err := golden.Load("tabular")
	require.NoError(t, err)
	c := g.Cases[0]
	_, err = m.Infer(context.Background(), core.Request{JSON: c.Request}, core.DefaultInferOptions())
	requireCode(t, err, status.InvalidArgument, "has no inference_preprocessor.pt")
	got := infer(t, m, tensorsJSON(c.Preprocessed), core.InferOptions{Stage: core.StagePredict})
	assert.Empty(t, golden.Diff(got, tensorMap(c.Predicted), "predicted"))
	_, err = m.Infer(context.Background(), core.Request{JSON: tensorsJSON(c.Predicted)}, core.InferOptions{Stage: core.StagePostprocess})
	requireCode(t, err, status.InvalidArgument, "has no inference_postprocessor.pt")
}

// TestMissingMetadata: without the JSON files table requests say what is
// missing while raw stage calls work.
func TestMissingConfig(t *testing.T) {
	dir := copyExport(t, "tabular", "inference_preprocessor.pt", "inference_predictor-cpu.pt", "inference_postprocessor.pt")
	m, err := core.Load(dir, core.LoadOptions{})
	require.NoError(t, err)
	defer m.Close()
	g, _ := golden.Load("tabular")
	c := g.Cases[0]
	_, err = m.Infer(context.Background(), core.Request{JSON: c.Request}, core.DefaultInferOptions())
	requireCode(t, err, status.InvalidArgument, "has no model_hyperparameters.json, so table requests cannot be mapped")
	got := infer(t, m, tensorsJSON(c.Predicted), core.InferOptions{Stage: core.StagePostprocess, Form: 0})
	assert.Empty(t, golden.Diff(got, wantFeatures(t, c), "postprocessed"))
}

func TestInputErrors(t *testing.T) {
	m := load(t, "tabular")
	ctx := context.Background()
	cases := []struct {
		name, req string
		code      status.Code
		msg       string
	}{
		{"malformed", `{"Age": [1,`, status.Input, "malformed JSON"},
		{"trailing", `{"Age": [1]} x`, status.Input, "unexpected content after the top-level value"},
		{"scalar", `42`, status.Input, "expected a JSON object (columns or split form) or an array of records, got integer"},
		{"not arrays", `{"Age": 1}`, status.Input, `column "Age": expected an array of values, got integer`},
		{"ragged", `{"Age": [1, 2], "city": ["a"]}`, status.Input, `column "city" has 1 values but column "Age" has 2`},
		{"missing feature", `{"city": ["a"], "member": [true], "cell": [1]}`, status.Input, `missing input feature "age" (column "Age", type number)`},
		{"wrong type", `{"Age": [{"x": 1}], "city": ["a"], "member": [true], "cell": [1]}`, status.Input, `input feature "age" (number), row 0: expected a number, got object`},
		{"array for category", `{"Age": [1], "city": [["a"]], "member": [true], "cell": [1]}`, status.Input, `input feature "city" (category), row 0: expected a string, number or boolean, got array (ludwig-infer refuses lists and objects in category columns, where pandas would pass their printed form)`},
		{"object for binary", `[{"Age": 1, "city": "a", "member": {"v": true}, "cell": 1}]`, status.Input, `input feature "member" (binary), row 0: expected a string, number or boolean, got object (ludwig-infer refuses lists and objects in binary columns, where pandas would pass their printed form)`},
		{"h3 boolean", `{"Age": [1], "city": ["a"], "member": [true], "cell": [true]}`, status.Input, `input feature "cell" (h3), row 0: expected an integer H3 cell id, got boolean`},
		{"h3 above int64", `{"Age": [1], "city": ["a"], "member": [true], "cell": [12345678901234567890]}`, status.Input, `input feature "cell" (h3), row 0: expected an integer H3 cell id, got integer outside int64 12345678901234567890`},
		{"no rows", `{"Age": [], "city": [], "member": [], "cell": []}`, status.Input, "the request has no rows"},
		{"record not object", `[1]`, status.Input, "record 0: expected an object, got integer"},
		{"split ragged", `{"columns": ["Age"], "data": [[1, 2]]}`, status.Input, "split form: data[0] has 2 values for 1 columns"},
		{"deep", string(make([]byte, 0)) + deepJSON(100), status.Input, "nested deeper than 64 levels"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := m.Infer(ctx, core.Request{JSON: []byte(c.req)}, core.DefaultInferOptions())
			requireCode(t, err, c.code, c.msg)
		})
	}
	// A tensor and a JSON column for one feature.
	age := tensor.FromFloat64([]float64{1}, 1)
	_, err := m.Infer(ctx, core.Request{JSON: []byte(`{"Age": [1], "city": ["a"], "member": [true], "cell": [1]}`), Tensors: []core.NamedTensor{{Name: "age", Tensor: age}}}, core.DefaultInferOptions())
	requireCode(t, err, status.Input, `input feature "age" is given both as a tensor and in the JSON`)
	// A tensor of the wrong rank and rows that disagree.
	bad := tensor.FromFloat64([]float64{1, 2}, 1, 2)
	_, err = m.Infer(ctx, core.Request{JSON: []byte(`{"city": ["a"], "member": [true], "cell": [1]}`), Tensors: []core.NamedTensor{{Name: "age", Tensor: bad}}}, core.DefaultInferOptions())
	requireCode(t, err, status.Input, `input feature "age" (number): expected a tensor of rank 1, got shape [1 2]`)
	two := tensor.FromFloat64([]float64{1, 2}, 2)
	_, err = m.Infer(ctx, core.Request{JSON: []byte(`{"city": ["a"], "member": [true], "cell": [1]}`), Tensors: []core.NamedTensor{{Name: "age", Tensor: two}}}, core.DefaultInferOptions())
	requireCode(t, err, status.Input, `has 1 rows but "age" has 2`)
	// Staged requests.
	_, err = m.Infer(ctx, core.Request{JSON: []byte(`{"age": {"dtype": "float17", "shape": [1], "data": [1]}}`)}, core.InferOptions{Stage: core.StagePredict})
	requireCode(t, err, status.Input, `tensor "age": unknown dtype "float17"`)
	_, err = m.Infer(ctx, core.Request{JSON: []byte(`{"age": {"dtype": "float32", "shape": [2], "data": [1]}}`)}, core.InferOptions{Stage: core.StagePredict})
	requireCode(t, err, status.Input, `tensor "age": shape [2] needs 2 values, data has 1`)
	_, err = m.Infer(ctx, core.Request{}, core.InferOptions{Stage: core.StagePredict})
	requireCode(t, err, status.Input, "the request has no tensors")
	_, err = m.Infer(ctx, core.Request{JSON: []byte(`{"age": {"dtype": "float32", "shape": [1], "data": [1]}}`)}, core.InferOptions{Stage: core.StagePredict})
	requireCode(t, err, status.Runtime, "predictor failed")
	_, err = m.Infer(ctx, core.Request{JSON: []byte(`{}`)}, core.InferOptions{Stage: core.Stage(9)})
	requireCode(t, err, status.InvalidArgument, "unknown stage 9")
	_, err = m.Infer(ctx, core.Request{JSON: []byte(`{}`)}, core.InferOptions{Form: 5})
	requireCode(t, err, status.InvalidArgument, "unknown output form 5")
}

func deepJSON(n int) string {
	s := ""
	for i := 0; i < n; i++ {
		s += "["
	}
	for i := 0; i < n; i++ {
		s += "]"
	}
	return s
}

func TestVectorAndDateErrors(t *testing.T) {
	ctx := context.Background()
	v := load(t, "set_bag_vector")
	g, err := golden.Load("set_bag_vector")
	require.NoError(t, err)
	vecCol := ""
	for _, in := range v.Info().Inputs {
		if in.Type == "vector" {
			vecCol = in.Column
		}
	}
	require.NotEmpty(t, vecCol)
	req := replaceColumn(t, g.Cases[0].Request, vecCol, `["1.0 nan 2.0 3.0"]`)
	_, err = v.Infer(ctx, core.Request{JSON: req}, core.DefaultInferOptions())
	requireCode(t, err, status.Input, "row 0: NaN in vector string")
	req = replaceColumn(t, g.Cases[0].Request, vecCol, `[[1.0, null, 2.0, 3.0]]`)
	_, err = v.Infer(ctx, core.Request{JSON: req}, core.DefaultInferOptions())
	requireCode(t, err, status.Input, "row 0: item 1 is missing (NaN is not allowed in vectors)")

	d := load(t, "date_input")
	gd, err := golden.Load("date_input")
	require.NoError(t, err)
	dateCol := ""
	for _, in := range d.Info().Inputs {
		if in.Type == "date" {
			dateCol = in.Column
		}
	}
	req = replaceColumn(t, gd.Cases[0].Request, dateCol, `["2023-13-45"]`)
	_, err = d.Infer(ctx, core.Request{JSON: req}, core.DefaultInferOptions())
	requireCode(t, err, status.Input, `row 0: time data "2023-13-45" does not match format`)
	req = replaceColumn(t, gd.Cases[0].Request, dateCol, `[null]`)
	_, err = d.Infer(ctx, core.Request{JSON: req}, core.DefaultInferOptions())
	requireCode(t, err, status.Input, "row 0: missing value (dates are not filled")
	nan := tensor.FromFloat64([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 9)
	_, err = d.Infer(ctx, core.Request{JSON: removeColumn(t, gd.Cases[0].Request, dateCol), Tensors: []core.NamedTensor{{Name: dateCol, Tensor: nan}}}, core.DefaultInferOptions())
	requireCode(t, err, status.Input, "expected an integer tensor, got float64")
}

func TestClosedAndDeadline(t *testing.T) {
	m, err := core.Load(golden.ModelDir("tabular"), core.LoadOptions{NoWarmup: true})
	require.NoError(t, err)
	g, _ := golden.Load("tabular")
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	_, err = m.Infer(ctx, core.Request{JSON: g.Cases[0].Request}, core.DefaultInferOptions())
	requireCode(t, err, status.Cancelled, "deadline exceeded before preprocessing")
	m.Close()
	m.Close()
	_, err = m.Infer(context.Background(), core.Request{JSON: g.Cases[0].Request}, core.DefaultInferOptions())
	requireCode(t, err, status.Closed, "the model is closed")
}

func TestSetThreadsAfterLoad(t *testing.T) {
	load(t, "tabular")
	requireCode(t, core.SetThreads(2), status.InvalidArgument, "before the first model is loaded")
	requireCode(t, core.SetThreads(0), status.InvalidArgument, "must be >= 1")
}

func TestLoadOptionsJSON(t *testing.T) {
	o, err := core.ParseLoadOptions([]byte(`{"device": "cuda:1", "warmup": false, "extensions": ["a.so"]}`))
	require.NoError(t, err)
	assert.Equal(t, core.LoadOptions{Device: "cuda:1", NoWarmup: true, Warmup: o.Warmup, Extensions: []string{"a.so"}}, o)
	_, err = core.ParseLoadOptions([]byte(`{"devcie": "cpu"}`))
	requireCode(t, err, status.InvalidArgument, "devcie")
	o, err = core.ParseLoadOptions(nil)
	require.NoError(t, err)
	assert.Equal(t, core.LoadOptions{}, o)
}

// TestCUDAUnavailable: a CUDA device that libtorch cannot see is refused at
// load with a message that says so (on a machine with a GPU and a CUDA
// libtorch the test has nothing to check).
func TestCUDAUnavailable(t *testing.T) {
	if torch.CUDADeviceCount() > 0 {
		t.Skip("libtorch sees a CUDA device here")
	}
	for _, dev := range []string{"cuda", "cuda:0", "cuda:3"} {
		_, err := core.Load(golden.ModelDir("tabular"), core.LoadOptions{Device: dev})
		requireCode(t, err, status.InvalidArgument, fmt.Sprintf(`device %q: libtorch %s sees no CUDA device (a CPU-only libtorch, or no GPU visible to this process)`, dev, torch.Version()))
	}
	// The same for the other artifacts (a scripted InferenceModule).
	_, err := core.Load(golden.ModelDir("tabular_module"), core.LoadOptions{Device: "cuda"})
	requireCode(t, err, status.InvalidArgument, "sees no CUDA device")
}
