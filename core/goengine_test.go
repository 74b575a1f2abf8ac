package core_test

import (
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
	"github.com/ludwig-infer/ludwig-infer/core/torch"
	"github.com/ludwig-infer/ludwig-infer/internal/golden"
)

// noTorchUnsupported are the fixtures a build without libtorch cannot load
// (a feature with no native implementation), and the feature named.
var noTorchUnsupported = map[string]string{
	"image_input": `input feature "photo"`,
	"audio_input": `input feature "voice"`,
}

// TestGoEngineGoldens loads every golden model with engine "go" and checks
// every stage and form against the goldens (computed by libtorch): strings
// and integers identical, floats within 1e-5 absolute + 1e-5 relative. In a
// build without libtorch the pre/postprocessing run natively; the models
// whose features cannot must fail to load naming the feature.
func TestGoEngineGoldens(t *testing.T) {
	ran := 0
	for _, g := range goldens(t) {
		m, err := core.Load(golden.ModelDir(g.Model), core.LoadOptions{Engine: "go"})
		if want, ok := noTorchUnsupported[g.Model]; ok && !torch.Available {
			require.Error(t, err, g.Model)
			assert.Equal(t, status.Model, status.CodeOf(err))
			assert.Contains(t, err.Error(), want)
			continue
		}
		require.NoError(t, err, g.Model)
		var info map[string]any
		require.NoError(t, json.Unmarshal(m.InfoJSON(), &info))
		assert.Equal(t, map[string]any{"predictor": "go", "unsupported": nil}, info["engine"], g.Model)
		for _, c := range g.Cases {
			features := wantFeatures(t, c)
			got := infer(t, m, c.Request, core.InferOptions{Stage: core.StageAll, Form: response.Features})
			assert.Empty(t, golden.Diff(got, features, g.Model+"/"+c.Name+" features"))
			full := map[string]any{}
			for f, keys := range features {
				for k, v := range keys.(map[string]any) {
					full[f+"_"+k] = v
				}
			}
			for k, v := range c.Full {
				full[k] = v
			}
			got = infer(t, m, c.Request, core.InferOptions{Stage: core.StageAll, Form: response.Full})
			assert.Empty(t, golden.Diff(got, full, g.Model+"/"+c.Name+" full"))
			got = infer(t, m, c.Request, core.InferOptions{Stage: core.StagePreprocess})
			assert.Empty(t, golden.Diff(got, tensorMap(c.Preprocessed), "preprocessed"))
			got = infer(t, m, tensorsJSON(c.Preprocessed), core.InferOptions{Stage: core.StagePredict})
			assert.Empty(t, golden.Diff(got, tensorMap(c.Predicted), g.Model+"/"+c.Name+" predicted"))
			got = infer(t, m, tensorsJSON(c.Predicted), core.InferOptions{Stage: core.StagePostprocess, Form: response.Features})
			assert.Empty(t, golden.Diff(got, features, "postprocessed"))
			ran++
		}
		m.Close()
	}
	assert.Greater(t, ran, 40)
}

// TestEngineOption: the option's values, its errors, and model info.
func TestEngineOption(t *testing.T) {
	dir := golden.ModelDir("tabular")
	_, err := core.Load(dir, core.LoadOptions{Engine: "onnx"})
	assert.Equal(t, status.InvalidArgument, status.CodeOf(err))
	assert.EqualError(t, err, `unknown engine "onnx" (want auto, libtorch or go)`)

	o, err := core.ParseLoadOptions([]byte(`{"engine": "go"}`))
	require.NoError(t, err)
	assert.Equal(t, "go", o.Engine)

	_, err = core.Load(dir, core.LoadOptions{Engine: "go", Device: "cuda"})
	assert.Equal(t, status.InvalidArgument, status.CodeOf(err))

	_, err = core.Load(golden.ModelDir("tabular_module"), core.LoadOptions{Engine: "go"})
	assert.Equal(t, status.InvalidArgument, status.CodeOf(err))
	assert.Contains(t, err.Error(), "export directories")

	m, err := core.Load(dir, core.LoadOptions{})
	require.NoError(t, err)
	defer m.Close()
	want := "libtorch"
	if !torch.Available {
		want = "go"
	}
	assert.Equal(t, want, m.Info().Engine.Predictor)

	_, err = core.Load(dir, core.LoadOptions{Engine: "libtorch"})
	if torch.Available {
		assert.NoError(t, err)
	} else {
		assert.Equal(t, status.InvalidArgument, status.CodeOf(err))
		assert.True(t, strings.HasPrefix(err.Error(), `engine "libtorch": this build of ludwig-infer has no libtorch`), err.Error())
		_, err = core.Load(dir, core.LoadOptions{Stages: "torchscript"})
		assert.Equal(t, status.InvalidArgument, status.CodeOf(err))
	}
	// A predictor with an operator the Go engine lacks fails the load
	// naming it (the kernels fixture's copy with an unknown op is built
	// by the script tests; here the model_only export runs its predict
	// stage).
	mo, err := core.Load(golden.ModelDir("model_only"), core.LoadOptions{Engine: "go"})
	require.NoError(t, err)
	defer mo.Close()
	g, err := golden.Load("tabular")
	require.NoError(t, err)
	res, err := mo.Infer(context.Background(), core.Request{JSON: tensorsJSON(g.Cases[0].Preprocessed)}, core.InferOptions{Stage: core.StagePredict})
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(res.JSON, &got))
	assert.Empty(t, golden.Diff(got, tensorMap(g.Cases[0].Predicted), "model_only"))
}

// exportWithPredictorCode copies testdata/models/tabular into a temporary
// directory with edit applied to the predictor's ECD code.
func exportWithPredictorCode(t *testing.T, edit func(string) string) string {
	src := golden.ModelDir("tabular")
	dir := t.TempDir()
	entries, err := os.ReadDir(src)
	require.NoError(t, err)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		require.NoError(t, err)
		if strings.HasPrefix(e.Name(), "inference_predictor") {
			zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
			require.NoError(t, err)
			var buf bytes.Buffer
			zw := zip.NewWriter(&buf)
			for _, f := range zr.File {
				rc, err := f.Open()
				require.NoError(t, err)
				data, err := io.ReadAll(rc)
				require.NoError(t, err)
				rc.Close()
				if strings.HasSuffix(f.Name, "/code/__torch__/ludwig/models/ecd.py") {
					data = []byte(edit(string(data)))
				}
				w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Store})
				require.NoError(t, err)
				_, err = w.Write(data)
				require.NoError(t, err)
			}
			require.NoError(t, zw.Close())
			b = buf.Bytes()
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644))
	}
	return dir
}

// TestUnsupportedOperator: a predictor calling an operator the Go engine
// lacks (aten::sinh here) fails engine "go" naming it; libtorch runs it and
// model info reports the operator.
func TestUnsupportedOperator(t *testing.T) {
	dir := exportWithPredictorCode(t, func(s string) string { return strings.Replace(s, "torch.tanh(", "torch.sinh(", 1) })
	_, err := core.Load(dir, core.LoadOptions{Engine: "go", NoWarmup: true})
	assert.Equal(t, status.Model, status.CodeOf(err))
	assert.Contains(t, err.Error(), "the Go engine does not support aten::sinh (in __torch__.ludwig.models.ecd.ConcatCombiner.forward)")
	if !torch.Available {
		return
	}
	m, err := core.Load(dir, core.LoadOptions{NoWarmup: true})
	require.NoError(t, err)
	defer m.Close()
	var info map[string]any
	require.NoError(t, json.Unmarshal(m.InfoJSON(), &info))
	assert.Equal(t, map[string]any{"predictor": "libtorch", "unsupported": "aten::sinh"}, info["engine"])
	ok, err := core.Load(golden.ModelDir("tabular"), core.LoadOptions{NoWarmup: true})
	require.NoError(t, err)
	defer ok.Close()
	assert.Nil(t, ok.Info().Engine.Unsupported)
}
