package core_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/core/response"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/internal/golden"
)

// A model folder saved by Ludwig 0.17.10 with its stock torch_export graph
// (testdata/ludwig_model/concat, made by testdata/gen/ludwig017/model_folder.py):
// every form, every stage and batch against LudwigModel.predict's columns.

var ludwigFolder = filepath.Join(golden.Root(), "ludwig_model", "concat")

type ludwigGolden struct {
	LudwigVersion string                     `json:"ludwig_version"`
	TorchVersion  string                     `json:"torch_version"`
	Records       []map[string]any           `json:"records"`
	Columns       [][2]json.RawMessage       `json:"columns"`
	GraphInputs   map[string]json.RawMessage `json:"graph_inputs"`
	GraphOutputs  map[string]golden.Tensor   `json:"graph_outputs"`
}

type goldenColumn struct {
	name  string
	value []any
}

// ludwigCases are the committed model folders (testdata/ludwig_model).
var ludwigCases = []string{"concat", "text_cnn", "ft_transformer", "every_type", "calibrated"}

func loadLudwigGolden(t *testing.T) (ludwigGolden, []goldenColumn) {
	t.Helper()
	g, cols := loadCaseGolden(t, ludwigFolder)
	require.Len(t, cols, 14)
	return g, cols
}

func loadCaseGolden(t *testing.T, dir string) (ludwigGolden, []goldenColumn) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "golden.json"))
	require.NoError(t, err)
	var g ludwigGolden
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber() // h3 cells exceed 2^53: keep the records' integers exact
	require.NoError(t, d.Decode(&g))
	cols := make([]goldenColumn, len(g.Columns))
	for i, c := range g.Columns {
		require.NoError(t, json.Unmarshal(c[0], &cols[i].name))
		require.NoError(t, json.Unmarshal(c[1], &cols[i].value))
	}
	require.NotEmpty(t, cols)
	return g, cols
}

// orderedObject decodes a JSON object keeping its keys' order.
func orderedObject(t *testing.T, b []byte) ([]string, map[string]any) {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(string(b)))
	tok, err := d.Token()
	require.NoError(t, err)
	require.Equal(t, json.Delim('{'), tok)
	var keys []string
	vals := map[string]any{}
	for d.More() {
		k, err := d.Token()
		require.NoError(t, err)
		var v any
		require.NoError(t, d.Decode(&v))
		keys = append(keys, k.(string))
		vals[k.(string)] = v
	}
	return keys, vals
}

func recordsJSON(t testing.TB, rows []map[string]any) []byte {
	b, err := json.Marshal(rows)
	require.NoError(t, err)
	return b
}

func loadLudwigFolder(t *testing.T, dir string, opts core.LoadOptions) *core.Model {
	t.Helper()
	m, err := core.Load(dir, opts)
	require.NoError(t, err)
	t.Cleanup(m.Close)
	return m
}

func inferJSON(t *testing.T, m *core.Model, req []byte, opts core.InferOptions) []byte {
	t.Helper()
	res, err := m.Infer(context.Background(), core.Request{JSON: req}, opts)
	require.NoError(t, err)
	return res.JSON
}

// isPredictKey: the columns and features forms keep the predict module's
// keys only.
func isPredictKey(column string) bool {
	return strings.HasSuffix(column, "_predictions") || strings.HasSuffix(column, "_probabilities")
}

func TestLudwigModelInfo(t *testing.T) {
	g, _ := loadLudwigGolden(t)
	m := loadLudwigFolder(t, ludwigFolder, core.LoadOptions{})
	info := m.Info()
	assert.Equal(t, core.ArtifactLudwigModel, info.Artifact.Kind)
	assert.Equal(t, g.LudwigVersion, info.Artifact.LudwigVersion)
	assert.Equal(t, "0.17.10", info.Artifact.LudwigVersion)
	assert.Equal(t, strings.SplitN(g.TorchVersion, "+", 2)[0], strings.SplitN(info.Artifact.TorchVersion, "+", 2)[0])
	assert.Equal(t, map[string]int{"fixed": 2}, info.Artifact.Batch)
	assert.Equal(t, "PT2 archive", info.Artifact.GraphKind)
	assert.Equal(t, filepath.Join(ludwigFolder, "model.pt2"), info.Artifact.Graph)
	assert.Equal(t, "go", info.Engine.Predictor)
	assert.Equal(t, []string{"all", "preprocess", "predict", "postprocess"}, info.Artifact.Stages)
	var ins []string
	for _, in := range info.Inputs {
		ins = append(ins, in.Name+":"+in.Type+":"+in.DType)
	}
	assert.Equal(t, []string{"yes_no:binary:bool", "num_z:number:float32", "num_mm:number:float32", "city:category:int32", "tags:set:bool", "words:bag:float32"}, ins)
	require.Len(t, info.Outputs, 4)
	assert.Equal(t, []string{"probabilities", "predictions"}, info.Outputs[0].Keys)
	assert.Equal(t, []string{"mid", "high", "low"}, info.Outputs[2].Labels)
	var js map[string]any
	require.NoError(t, json.Unmarshal(m.InfoJSON(), &js))
	assert.Equal(t, map[string]any{"fixed": 2.0}, js["artifact"].(map[string]any)["batch"])
}

// TestLudwigModelForms: the full form is LudwigModel.predict's columns,
// names and order; columns keeps its _predictions and _probabilities; the
// features form groups those per feature. The 5 rows run as 3 chunks of the
// graph's fixed batch of 2, the last one padded.
//
// LI_LUDWIG_MODEL=DIR[:DIR...] checks other folders written by
// testdata/gen/ludwig017/model_folder.py by hand (LI_LUDWIG_MODEL_OUT).
func TestLudwigModelForms(t *testing.T) {
	dirs := map[string]string{}
	for _, name := range ludwigCases {
		dirs[name] = filepath.Join(golden.Root(), "ludwig_model", name)
	}
	if extra := os.Getenv("LI_LUDWIG_MODEL"); extra != "" {
		for _, d := range filepath.SplitList(extra) {
			dirs[filepath.Base(d)] = d
		}
	}
	for name, dir := range dirs {
		t.Run(name, func(t *testing.T) {
			g, want := loadCaseGolden(t, dir)
			checkForms(t, loadLudwigFolder(t, dir, core.LoadOptions{}), g, want)
		})
	}
}

func checkForms(t *testing.T, m *core.Model, g ludwigGolden, want []goldenColumn) {
	// The graph alone: its sample inputs give torch's outputs.
	in, err := json.Marshal(g.GraphInputs)
	require.NoError(t, err)
	_, outs := orderedObject(t, inferJSON(t, m, in, core.InferOptions{Stage: core.StagePredict}))
	require.NotEmpty(t, g.GraphOutputs)
	for k, w := range g.GraphOutputs {
		assert.Empty(t, tensorDiff(outs[k], w, k))
	}

	req := recordsJSON(t, g.Records)
	keys, got := orderedObject(t, inferJSON(t, m, req, core.InferOptions{Form: response.Full}))
	var names []string
	for _, c := range want {
		names = append(names, c.name)
		assert.Empty(t, golden.Diff(got[c.name], c.value, c.name))
	}
	assert.Equal(t, names, keys)

	keys, got = orderedObject(t, inferJSON(t, m, req, core.InferOptions{Form: response.Columns}))
	names = nil
	var features []string
	for _, c := range want {
		if isPredictKey(c.name) {
			names = append(names, c.name)
			assert.Empty(t, golden.Diff(got[c.name], c.value, c.name))
			if f := c.name[:strings.LastIndex(c.name, "_")]; len(features) == 0 || features[len(features)-1] != f {
				features = append(features, f)
			}
		}
	}
	assert.Equal(t, names, keys)

	keys, got = orderedObject(t, inferJSON(t, m, req, core.InferOptions{Form: response.Features}))
	assert.Equal(t, features, keys)
	n := 0
	for _, c := range want {
		if !isPredictKey(c.name) {
			continue
		}
		i := strings.LastIndex(c.name, "_")
		feature, key := c.name[:i], c.name[i+1:]
		assert.Empty(t, golden.Diff(got[feature].(map[string]any)[key], c.value, c.name))
		n++
	}
	assert.Equal(t, len(names), n)

	// Records: one object per row, in the full form's column order.
	res, err := m.Infer(context.Background(), core.Request{JSON: req}, core.InferOptions{Form: response.Full, Records: true})
	require.NoError(t, err)
	var rows []map[string]any
	require.NoError(t, json.Unmarshal(res.JSON, &rows))
	require.Len(t, rows, len(g.Records))
	for r := range rows {
		for _, c := range want {
			assert.Empty(t, golden.Diff(rows[r][c.name], c.value[r], c.name))
		}
	}
}

// TestLudwigModelBatches: each row alone (a chunk padded from 1 to 2) and
// batches of 2 and 4 give the golden rows.
func TestLudwigModelBatches(t *testing.T) {
	for _, name := range ludwigCases {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(golden.Root(), "ludwig_model", name)
			g, want := loadCaseGolden(t, dir)
			m := loadLudwigFolder(t, dir, core.LoadOptions{})
			for _, span := range [][2]int{{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}, {0, 2}, {1, 5}} {
				_, got := orderedObject(t, inferJSON(t, m, recordsJSON(t, g.Records[span[0]:span[1]]), core.InferOptions{Form: response.Full}))
				for _, c := range want {
					assert.Empty(t, golden.Diff(got[c.name], c.value[span[0]:span[1]], c.name), "rows %v", span)
				}
			}
		})
	}
}

// TestLudwigModelStages: the predict stage takes the graph's inputs by
// input feature and returns every graph output (torch's, from the
// reloaded program); preprocess → predict → postprocess equals the all
// stage.
func TestLudwigModelStages(t *testing.T) {
	g, want := loadLudwigGolden(t)
	m := loadLudwigFolder(t, ludwigFolder, core.LoadOptions{})

	in, err := json.Marshal(g.GraphInputs)
	require.NoError(t, err)
	keys, got := orderedObject(t, inferJSON(t, m, in, core.InferOptions{Stage: core.StagePredict}))
	assert.Equal(t, []string{"out_bin::last_hidden", "out_bin::logits", "out_num::last_hidden", "out_num::logits", "out_cat::last_hidden", "out_cat::logits", "out_cat::projection_input", "out_set::last_hidden", "out_set::logits", "used_tokens"}, keys)
	for k, w := range g.GraphOutputs {
		assert.Empty(t, tensorDiff(got[k], w, k))
	}

	req := recordsJSON(t, g.Records)
	pre := inferJSON(t, m, req, core.InferOptions{Stage: core.StagePreprocess})
	keys, _ = orderedObject(t, pre)
	assert.Equal(t, []string{"yes_no", "num_z", "num_mm", "city", "tags", "words"}, keys)
	pred := inferJSON(t, m, pre, core.InferOptions{Stage: core.StagePredict})
	keys, _ = orderedObject(t, pred)
	assert.NotContains(t, keys, "used_tokens") // 5 rows ran in 3 chunks: no per-row meaning
	keys, got = orderedObject(t, inferJSON(t, m, pred, core.InferOptions{Stage: core.StagePostprocess, Form: response.Full}))
	require.Len(t, keys, len(want))
	for i, c := range want {
		assert.Equal(t, c.name, keys[i])
		assert.Empty(t, golden.Diff(got[c.name], c.value, c.name))
	}
}

// tensorDiff compares a tensor of a stage's JSON answer with a golden one.
func tensorDiff(got any, want golden.Tensor, name string) string {
	g, ok := got.(map[string]any)
	if !ok {
		return name + ": not a tensor"
	}
	shape := make([]any, len(want.Shape))
	for i, d := range want.Shape {
		shape[i] = float64(d)
	}
	if d := golden.Diff(g["shape"], shape, name+".shape"); d != "" {
		return d
	}
	data := make([]any, len(want.Data))
	for i, v := range want.Data {
		data[i] = v
	}
	return golden.Diff(g["data"], data, name+".data")
}

// rewriteGraph writes the fixture's model.pt2 to dst with old replaced by
// new in its program (models/model.json).
func rewriteGraph(t *testing.T, dst, old, new string) {
	t.Helper()
	r, err := zip.OpenReader(filepath.Join(ludwigFolder, "model.pt2"))
	require.NoError(t, err)
	defer r.Close()
	f, err := os.Create(dst)
	require.NoError(t, err)
	defer f.Close()
	w := zip.NewWriter(f)
	replaced := false
	for _, e := range r.File {
		rc, err := e.Open()
		require.NoError(t, err)
		data, err := io.ReadAll(rc)
		require.NoError(t, err)
		rc.Close()
		if strings.HasSuffix(e.Name, "models/model.json") {
			replaced = strings.Contains(string(data), old)
			data = []byte(strings.ReplaceAll(string(data), old, new))
		}
		out, err := w.CreateHeader(&zip.FileHeader{Name: e.Name, Method: zip.Store})
		require.NoError(t, err)
		_, err = out.Write(data)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	require.True(t, replaced, "%s not in the program", old)
}

// copyFolder copies the fixture's files named into a new folder.
func copyFolder(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(ludwigFolder, n))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, n), b, 0o644))
	}
	return dir
}

// TestLudwigModelGraphOption: the graph load option, and a model.pt2 path
// as the model, load the same model.
func TestLudwigModelGraphOption(t *testing.T) {
	g, want := loadLudwigGolden(t)
	dir := copyFolder(t, "model_hyperparameters.json", "training_set_metadata.json")
	graph := filepath.Join(ludwigFolder, "model.pt2")
	opts, err := core.ParseLoadOptions([]byte(`{"graph": "` + graph + `"}`))
	require.NoError(t, err)
	for _, m := range []*core.Model{loadLudwigFolder(t, dir, opts), loadLudwigFolder(t, graph, core.LoadOptions{})} {
		_, got := orderedObject(t, inferJSON(t, m, recordsJSON(t, g.Records), core.InferOptions{Form: response.Full}))
		for _, c := range want {
			assert.Empty(t, golden.Diff(got[c.name], c.value, c.name))
		}
	}
}

// TestLudwigModelBuffer: a tar of the model folder loads from memory
// (li_load_buffer); the graph is read at load, so the unpacked files can go.
func TestLudwigModelBuffer(t *testing.T) {
	g, want := loadLudwigGolden(t)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, n := range []string{"model_hyperparameters.json", "training_set_metadata.json", "model.pt2"} {
		data, err := os.ReadFile(filepath.Join(ludwigFolder, n))
		require.NoError(t, err)
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: "concat/" + n, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}))
		_, err = tw.Write(data)
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	m, err := core.LoadBuffer(buf.Bytes(), core.LoadOptions{})
	require.NoError(t, err)
	defer m.Close()
	art := m.Info().Artifact
	assert.Equal(t, core.ArtifactLudwigModel, art.Kind)
	assert.Equal(t, core.BufferLabel+"/concat", art.Path)
	assert.Equal(t, core.BufferLabel+"/concat/model.pt2", art.Graph)
	assert.Equal(t, map[string]int{"fixed": 2}, art.Batch)
	_, got := orderedObject(t, inferJSON(t, m, recordsJSON(t, g.Records), core.InferOptions{Form: response.Full}))
	for _, c := range want {
		assert.Empty(t, golden.Diff(got[c.name], c.value, c.name))
	}
}

// TestLudwigModelTorchScriptGraph: a model.pt2 that is TorchScript
// (Ludwig's fallback when torch.export fails) runs as a TorchScript
// predictor in Go (testdata/pt2/torchscript.pt2, torch's outputs in its
// golden file).
func TestLudwigModelTorchScriptGraph(t *testing.T) {
	dir := copyFolder(t, "model_hyperparameters.json", "training_set_metadata.json")
	b, err := os.ReadFile(filepath.Join(golden.Root(), "pt2", "torchscript.pt2"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "model.pt2"), b, 0o644))
	m := loadLudwigFolder(t, dir, core.LoadOptions{})
	assert.Equal(t, "TorchScript", m.Info().Artifact.GraphKind)
	assert.Nil(t, m.Info().Artifact.Batch)

	gb, err := os.ReadFile(filepath.Join(golden.Root(), "pt2", "torchscript.golden.json"))
	require.NoError(t, err)
	var gf struct {
		Cases []struct {
			Inputs  map[string]json.RawMessage `json:"inputs"`
			Outputs map[string]golden.Tensor   `json:"outputs"`
		} `json:"cases"`
	}
	require.NoError(t, json.Unmarshal(gb, &gf))
	require.NotEmpty(t, gf.Cases)
	for _, c := range gf.Cases {
		in, err := json.Marshal(c.Inputs)
		require.NoError(t, err)
		_, got := orderedObject(t, inferJSON(t, m, in, core.InferOptions{Stage: core.StagePredict}))
		require.Len(t, got, len(c.Outputs))
		for k, w := range c.Outputs {
			assert.Empty(t, tensorDiff(got[k], w, k))
		}
	}
}

func TestLudwigModelErrors(t *testing.T) {
	jsonFiles := []string{"model_hyperparameters.json", "training_set_metadata.json"}
	loadErr := func(dir string, opts core.LoadOptions) error {
		m, err := core.Load(dir, opts)
		if err == nil {
			m.Close()
		}
		return err
	}

	// A saved folder without model.pt2: both ways to get one.
	dir := copyFolder(t, jsonFiles...)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "model_weights.safetensors"), []byte("x"), 0o644))
	err := loadErr(dir, core.LoadOptions{})
	assert.Equal(t, status.NotFound, status.CodeOf(err))
	assert.EqualError(t, err, dir+" is a Ludwig model folder with model_weights.safetensors but no model.pt2: ludwig-infer runs the exported graph. Write one with `ludwig export_model -m "+dir+" -o OUT -f torch_export` (then copy OUT/model.pt2 into the folder, or load with the option \"graph\": \"OUT/model.pt2\") or with `python -m ludwig_infer.export "+dir+" OUT` (then load OUT)")

	// model.pt2 without the JSON files.
	dir = copyFolder(t, "model.pt2")
	err = loadErr(dir, core.LoadOptions{})
	assert.Equal(t, status.NotFound, status.CodeOf(err))
	assert.EqualError(t, err, `model folder "`+dir+`" has no model_hyperparameters.json`)

	// A model.pt2 that is no zip.
	dir = copyFolder(t, jsonFiles...)
	bad := filepath.Join(dir, "model.pt2")
	require.NoError(t, os.WriteFile(bad, []byte("not a graph"), 0o644))
	err = loadErr(dir, core.LoadOptions{})
	assert.Equal(t, status.Model, status.CodeOf(err))
	assert.EqualError(t, err, "graph "+bad+": model.pt2 is not a zip archive: zip: not a valid zip file")

	// A graph with an operator the Go engine lacks (the fixture's ne.Scalar
	// renamed in its model.json).
	dir = copyFolder(t, jsonFiles...)
	rewriteGraph(t, filepath.Join(dir, "model.pt2"), "torch.ops.aten.ne.Scalar", "torch.ops.aten.no_such_op.Scalar")
	err = loadErr(dir, core.LoadOptions{})
	assert.Equal(t, status.Model, status.CodeOf(err))
	assert.EqualError(t, err, "graph "+filepath.Join(dir, "model.pt2")+": model.pt2: node 19 (torch.ops.aten.no_such_op.Scalar): operator torch.ops.aten.no_such_op.Scalar is not supported by the Go engine")
	conv := filepath.Join(golden.Root(), "pt2", "conv_fixed.pt2")

	// A graph whose inputs are not the config's features.
	other := filepath.Join(golden.Root(), "pt2", "concat_fixed.pt2")
	err = loadErr(copyFolder(t, jsonFiles...), core.LoadOptions{Graph: other})
	assert.Equal(t, status.Model, status.CodeOf(err))
	assert.EqualError(t, err, `the graph takes input "num1", which is no input feature of model_hyperparameters.json`)

	// A graph option without a folder, or naming no file.
	err = loadErr(filepath.Join(t.TempDir(), "none"), core.LoadOptions{Graph: conv})
	assert.Equal(t, status.NotFound, status.CodeOf(err))
	err = loadErr(copyFolder(t, jsonFiles...), core.LoadOptions{Graph: filepath.Join(t.TempDir(), "model.pt2")})
	assert.Equal(t, status.NotFound, status.CodeOf(err))
	assert.Contains(t, err.Error(), "model.pt2\": not a file")

	// Options that do not apply.
	for opts, msg := range map[*core.LoadOptions]string{
		{Engine: "libtorch"}:           `engine "libtorch": the graph of a Ludwig model folder (model.pt2) always runs in Go; use engine "auto" or "go"`,
		{Stages: "torchscript"}:        `stages "torchscript": a Ludwig model folder has no TorchScript stages; its preprocessing and postprocessing run in Go (LudwigModel.predict's): use stages "auto" or "native"`,
		{Device: "cuda"}:               `device "cuda": the graph of a Ludwig model folder runs in Go, on the CPU only`,
		{Extensions: []string{"x.so"}}: `extensions are libtorch custom-op libraries; a Ludwig model folder runs in Go without libtorch`,
		{Stages: "fast"}:               `unknown stages "fast" (want auto, torchscript or native)`,
	} {
		err := loadErr(ludwigFolder, *opts)
		assert.Equal(t, status.InvalidArgument, status.CodeOf(err), msg)
		assert.EqualError(t, err, msg)
	}

	// Request errors.
	m := loadLudwigFolder(t, ludwigFolder, core.LoadOptions{})
	_, err = m.Infer(context.Background(), core.Request{JSON: []byte(`{"yes_no": ["maybe"], "num_z": [1], "num_mm": [1], "city": ["Rome"], "tags": ["a"], "words": ["red"]}`)}, core.DefaultInferOptions())
	assert.Equal(t, status.Input, status.CodeOf(err))
	assert.Contains(t, err.Error(), `"yes_no"`)
	_, err = m.Infer(context.Background(), core.Request{JSON: []byte(`{"yes_no": ["Yes"]}`)}, core.DefaultInferOptions())
	assert.Equal(t, status.InvalidArgument, status.CodeOf(err))
	assert.EqualError(t, err, `input feature "num_z" (number): the request has no column "num_z"`)
	_, err = m.Infer(context.Background(), core.Request{}, core.DefaultInferOptions())
	assert.EqualError(t, err, "the request has no rows")
	_, err = m.Infer(context.Background(), core.Request{JSON: []byte(`{"num_z": {"dtype": "float32", "shape": [1], "data": [1]}}`)}, core.InferOptions{Stage: core.StagePredict})
	assert.Equal(t, status.Input, status.CodeOf(err))
	assert.EqualError(t, err, `missing input tensor "yes_no" (bool, shape [-1])`)
	_, err = m.Infer(context.Background(), core.Request{JSON: []byte(`{"out_bin::logits": {"dtype": "float32", "shape": [1], "data": [1]}}`)}, core.InferOptions{Stage: core.StagePostprocess})
	assert.Equal(t, status.Input, status.CodeOf(err))
	assert.EqualError(t, err, `missing tensor "out_num::logits" (postprocessing reads out_bin::logits, out_num::logits, out_cat::logits, out_set::logits)`)
}

// BenchmarkLudwigModel1000 and BenchmarkLudwigModel1: a whole call (JSON
// records in, the full form out) on the fixture, its 5 golden rows
// repeated; LudwigModel.predict on the same rows:
// testdata/gen/ludwig017/bench_model_folder.py.
func BenchmarkLudwigModel1000(b *testing.B) { benchLudwigModel(b, ludwigFolder, 1000) }

func BenchmarkLudwigModel1(b *testing.B) { benchLudwigModel(b, ludwigFolder, 1) }

// BenchmarkLudwigFolders1000: the same whole call at 1000 rows on the
// attention and convolution fixtures (float32 GEMMs, im2col, reductions),
// whichever engine the build has (the Go engine runs model.pt2 either way):
//
//	go test ./core -run '^$' -bench LudwigFolders -cpuprofile cpu.out
func BenchmarkLudwigFolders1000(b *testing.B) {
	for _, name := range []string{"ft_transformer", "text_cnn"} {
		b.Run(name, func(b *testing.B) {
			benchLudwigModel(b, filepath.Join(golden.Root(), "ludwig_model", name), 1000)
		})
	}
}

func benchLudwigModel(b *testing.B, folder string, n int) {
	raw, err := os.ReadFile(filepath.Join(folder, "golden.json"))
	require.NoError(b, err)
	var g ludwigGolden
	require.NoError(b, json.Unmarshal(raw, &g))
	rows := make([]map[string]any, n)
	for i := range rows {
		rows[i] = g.Records[i%len(g.Records)]
	}
	req, err := json.Marshal(rows)
	require.NoError(b, err)
	m, err := core.Load(folder, core.LoadOptions{})
	require.NoError(b, err)
	defer m.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.Infer(context.Background(), core.Request{JSON: req}, core.InferOptions{Form: response.Full}); err != nil {
			b.Fatal(err)
		}
	}
}
