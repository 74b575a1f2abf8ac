package core_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/core/artifact"
	"github.com/ludwig-infer/ludwig-infer/core/response"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
	"github.com/ludwig-infer/ludwig-infer/internal/golden"
)

func sha256hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func tensorF64(x []float64) tensor.Tensor { return tensor.FromFloat64(x, int64(len(x))) }

// artifactCase is a generated artefact (testdata/gen/testgen/artifacts.py)
// and the export whose goldens it must reproduce.
type artifactCase struct {
	path            string // under testdata/models
	source          string // golden name
	predictionsOnly bool   // a carton
	byName          bool   // no JSON beside it: requests use feature names
}

var artifactCases = []artifactCase{
	{"tabular_module", "tabular", false, false},
	{"tabular_module/inference_module.pt", "tabular", false, false},
	{"tabular_module_bare", "tabular", false, true},
	{"multi_output_module_bare/inference_module.pt", "multi_output", false, true},
	{"tabular_carton/tabular.carton", "tabular", true, true},
	{"tabular_carton", "tabular", true, true},
	{"multi_output_carton/multi_output.carton", "multi_output", true, true},
	{"binary_yesno_carton/binary_yesno.carton", "binary_yesno", true, true},
}

// columnsToNames rewrites a golden request keyed by config columns to feature
// names (what a module without JSON knows).
func columnsToNames(t *testing.T, stages *core.Model, req []byte) []byte {
	t.Helper()
	cols := decodeOrdered(t, req)
	out := map[string]json.RawMessage{}
	for _, in := range stages.Info().Inputs {
		if v, ok := cols[in.Column]; ok {
			out[in.Name] = v
		}
	}
	b, err := json.Marshal(out)
	require.NoError(t, err)
	return b
}

// onlyPredictions keeps the "predictions" key of each feature.
func onlyPredictions(features map[string]any) map[string]any {
	out := map[string]any{}
	for f, keys := range features {
		out[f] = map[string]any{"predictions": keys.(map[string]any)["predictions"]}
	}
	return out
}

func columnsOf(features map[string]any) map[string]any {
	out := map[string]any{}
	for f, keys := range features {
		for k, v := range keys.(map[string]any) {
			out[f+"_"+k] = v
		}
	}
	return out
}

// TestArtifactGoldens runs every generated InferenceModule and Carton on the
// goldens of the export it was made from: every output form, and the staged
// calls.
func TestArtifactGoldens(t *testing.T) {
	for _, ac := range artifactCases {
		ac := ac
		t.Run(ac.path, func(t *testing.T) {
			g, err := golden.Load(ac.source)
			require.NoError(t, err)
			stages := load(t, ac.source)
			m, err := core.Load(filepath.Join(golden.Root(), "models", ac.path), core.LoadOptions{})
			require.NoError(t, err)
			defer m.Close()
			for _, c := range g.Cases {
				req := []byte(c.Request)
				if ac.byName {
					req = columnsToNames(t, stages, req)
				}
				features := wantFeatures(t, c)
				full := columnsOf(features)
				for k, v := range c.Full {
					full[k] = v
				}
				if ac.predictionsOnly {
					features = onlyPredictions(features)
					full = columnsOf(features) // no probabilities: nothing to derive
				}
				got := infer(t, m, req, core.InferOptions{Stage: core.StageAll, Form: response.Features})
				assert.Empty(t, golden.Diff(got, features, c.Name+" features"))
				got = infer(t, m, req, core.InferOptions{Stage: core.StageAll, Form: response.Columns})
				assert.Empty(t, golden.Diff(got, columnsOf(features), c.Name+" columns"))
				got = infer(t, m, req, core.InferOptions{Stage: core.StageAll, Form: response.Full})
				assert.Empty(t, golden.Diff(got, full, c.Name+" full"))

				got = infer(t, m, req, core.InferOptions{Stage: core.StagePreprocess})
				assert.Empty(t, golden.Diff(got, tensorMap(c.Preprocessed), c.Name+" preprocessed"))
				got = infer(t, m, tensorsJSON(c.Preprocessed), core.InferOptions{Stage: core.StagePredict})
				assert.Empty(t, golden.Diff(got, tensorMap(c.Predicted), c.Name+" predicted"))
				got = infer(t, m, tensorsJSON(c.Predicted), core.InferOptions{Stage: core.StagePostprocess, Form: response.Features})
				assert.Empty(t, golden.Diff(got, features, c.Name+" postprocessed"))
			}
		})
	}
}

func TestArtifactInfo(t *testing.T) {
	stages := load(t, "tabular")
	assert.Equal(t, "torchscript_export", stages.Info().Artifact.Kind)
	assert.Equal(t, "json", stages.Info().Artifact.Schema)

	for _, tc := range []struct {
		path, kind, schema, outputs string
		unknown                     bool
	}{
		{"tabular_module", "inference_module", "json", "all", false},
		{"tabular_module_bare", "inference_module", "module", "all", true},
		{"tabular_carton/tabular.carton", "carton", "module", "predictions", true},
	} {
		m, err := core.Load(golden.ModelDir(tc.path), core.LoadOptions{})
		require.NoError(t, err, tc.path)
		info := m.Info()
		m.Close()
		a := info.Artifact
		assert.Equal(t, tc.kind, a.Kind, tc.path)
		assert.Equal(t, tc.schema, a.Schema, tc.path)
		assert.Equal(t, tc.outputs, a.Outputs, tc.path)
		assert.Equal(t, []string{"all", "preprocess", "predict", "postprocess"}, a.Stages)
		if tc.unknown {
			assert.Equal(t, []string{"column", "datetime_format", "vector_size"}, a.Unknown)
			assert.Contains(t, strings.Join(info.Warnings, "\n"), "the feature schema comes from the module")
		} else {
			assert.Empty(t, a.Unknown)
		}
		// The module-derived schema agrees with the JSON one on names,
		// types and output labels.
		require.Len(t, info.Inputs, len(stages.Info().Inputs))
		for i, in := range info.Inputs {
			want := stages.Info().Inputs[i]
			assert.Equal(t, want.Name, in.Name)
			assert.Equal(t, want.Type, in.Type)
			if tc.schema == "json" {
				assert.Equal(t, want.Column, in.Column)
			} else {
				assert.Equal(t, in.Name, in.Column)
			}
		}
		require.Len(t, info.Outputs, 1)
		assert.Equal(t, stages.Info().Outputs[0].Labels, info.Outputs[0].Labels)
		assert.Equal(t, "category", info.Outputs[0].Type)
		if tc.kind == "carton" {
			assert.Equal(t, []string{"predictions"}, info.Outputs[0].Keys)
			require.NotNil(t, a.Carton)
			assert.Equal(t, "torchscript", a.Carton.RunnerName)
			assert.Len(t, a.Carton.Inputs, 4)
			assert.Len(t, a.ManifestSHA256, 64)
			assert.Contains(t, strings.Join(info.Warnings, "\n"), "predictions only")
		} else {
			assert.Equal(t, []string{"predictions", "probabilities"}, info.Outputs[0].Keys)
			assert.Contains(t, info.Schemas["module"], "forward(")
			assert.Contains(t, info.Schemas["preprocessor"], "preprocessor_forward(")
		}
	}

	// Binary labels come from bool2str.
	m, err := core.Load(golden.ModelDir("binary_yesno_carton"), core.LoadOptions{})
	require.NoError(t, err)
	defer m.Close()
	assert.Equal(t, []string{"No", "Yes"}, m.Info().Outputs[0].Labels)
	assert.Equal(t, "binary", m.Info().Outputs[0].Type)
}

func link(t *testing.T, src, dir string) {
	t.Helper()
	require.NoError(t, os.Symlink(src, filepath.Join(dir, filepath.Base(src))))
}

// TestArtifactDetection: which file a directory load picks.
func TestArtifactDetection(t *testing.T) {
	module := filepath.Join(golden.ModelDir("tabular_module_bare"), "inference_module.pt")

	// Three-stage files win over an InferenceModule beside them.
	both := t.TempDir()
	entries, err := os.ReadDir(golden.ModelDir("tabular"))
	require.NoError(t, err)
	for _, e := range entries {
		link(t, filepath.Join(golden.ModelDir("tabular"), e.Name()), both)
	}
	link(t, module, both)
	m, err := core.Load(both, core.LoadOptions{NoWarmup: true})
	require.NoError(t, err)
	assert.Equal(t, "torchscript_export", m.Info().Artifact.Kind)
	m.Close()

	// A directory with one .pt and no stage files: that module.
	one := t.TempDir()
	link(t, module, one)
	m, err = core.Load(one, core.LoadOptions{NoWarmup: true})
	require.NoError(t, err)
	assert.Equal(t, "inference_module", m.Info().Artifact.Kind)
	m.Close()

	// Two candidate modules: ambiguous.
	two := t.TempDir()
	link(t, module, two)
	require.NoError(t, os.Symlink(module, filepath.Join(two, "other.pt")))
	_, err = core.Load(two, core.LoadOptions{NoWarmup: true})
	requireCode(t, err, status.Model, "several TorchScript files", "inference_module.pt, other.pt")

	// A stage file on its own is not an InferenceModule.
	_, err = core.Load(filepath.Join(golden.ModelDir("tabular"), "inference_preprocessor.pt"), core.LoadOptions{NoWarmup: true})
	requireCode(t, err, status.Model)

	// Missing files.
	_, err = core.Load(filepath.Join(t.TempDir(), "gone.carton"), core.LoadOptions{})
	requireCode(t, err, status.NotFound, "model file", "no such file")
}

// TestArtifactJSONMismatch: JSON files beside a module that describe other
// features are ignored with a warning.
func TestArtifactJSONMismatch(t *testing.T) {
	dir := t.TempDir()
	link(t, filepath.Join(golden.ModelDir("multi_output_module_bare"), "inference_module.pt"), dir)
	link(t, filepath.Join(golden.ModelDir("tabular"), "model_hyperparameters.json"), dir)
	link(t, filepath.Join(golden.ModelDir("tabular"), "training_set_metadata.json"), dir)
	m, err := core.Load(dir, core.LoadOptions{NoWarmup: true})
	require.NoError(t, err)
	defer m.Close()
	assert.Equal(t, "module", m.Info().Artifact.Schema)
	assert.Contains(t, strings.Join(m.Info().Warnings, "\n"), "the module wins")
}

// cartonEntry is one file of a rewritten carton.
type cartonEntry struct {
	name string
	data []byte // nil: copy the original entry raw
}

// rewriteCarton copies testdata's tabular.carton, letting edit change the
// entries (raw compressed copies keep Carton's zstd entries intact).
func rewriteCarton(t *testing.T, edit func(names []string) []cartonEntry) string {
	t.Helper()
	src := filepath.Join(golden.ModelDir("tabular_carton"), "tabular.carton")
	zr, err := zip.OpenReader(src)
	require.NoError(t, err)
	defer zr.Close()
	byName := map[string]*zip.File{}
	var names []string
	for _, f := range zr.File {
		byName[f.Name] = f
		names = append(names, f.Name)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range edit(names) {
		if e.data != nil {
			w, err := zw.Create(e.name)
			require.NoError(t, err)
			_, err = w.Write(e.data)
			require.NoError(t, err)
			continue
		}
		f := byName[e.name]
		require.NotNil(t, f, e.name)
		r, err := f.OpenRaw()
		require.NoError(t, err)
		w, err := zw.CreateRaw(&f.FileHeader)
		require.NoError(t, err)
		_, err = io.Copy(w, r)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	out := filepath.Join(t.TempDir(), "model.carton")
	require.NoError(t, os.WriteFile(out, buf.Bytes(), 0o644))
	return out
}

func readEntry(t *testing.T, name string) []byte {
	zr, err := zip.OpenReader(filepath.Join(golden.ModelDir("tabular_carton"), "tabular.carton"))
	require.NoError(t, err)
	defer zr.Close()
	zr.RegisterDecompressor(artifact.ZipMethodZstd, artifact.ZstdDecompressor)
	for _, f := range zr.File {
		if f.Name == name {
			r, err := f.Open()
			require.NoError(t, err)
			defer r.Close()
			b, err := io.ReadAll(r)
			require.NoError(t, err)
			return b
		}
	}
	t.Fatalf("no %s", name)
	return nil
}

// TestMalformedCartons: every damaged carton is a clear LI_ERR_MODEL.
func TestMalformedCartons(t *testing.T) {
	manifest := string(readEntry(t, "MANIFEST"))
	without := func(skip string) func([]string) []cartonEntry {
		return func(names []string) []cartonEntry {
			var out []cartonEntry
			for _, n := range names {
				if n != skip {
					out = append(out, cartonEntry{name: n})
				}
			}
			return out
		}
	}
	replaced := func(name string, data []byte) func([]string) []cartonEntry {
		return func(names []string) []cartonEntry {
			var out []cartonEntry
			for _, n := range names {
				if n == name {
					out = append(out, cartonEntry{name: n, data: data})
				} else {
					out = append(out, cartonEntry{name: n})
				}
			}
			return out
		}
	}
	// A manifest line with another hash.
	lines := strings.Split(strings.TrimSpace(manifest), "\n")
	bad := strings.Replace(lines[1], "=", "=0", 1)[:len(lines[1])]
	badManifest := lines[0] + "\n" + bad + "\n"
	toml := string(readEntry(t, "carton.toml"))

	for _, tc := range []struct {
		name     string
		path     string
		contains []string
	}{
		{"bad manifest hash", rewriteCarton(t, replaced("MANIFEST", []byte(badManifest))), []string{"model/model.pt does not match its MANIFEST sha256"}},
		{"modified model", rewriteCarton(t, replaced("model/model.pt", append(readEntry(t, "model/model.pt"), 0))), []string{"model/model.pt does not match its MANIFEST sha256"}},
		{"missing carton.toml", rewriteCarton(t, without("carton.toml")), []string{"MANIFEST lists carton.toml, which the archive lacks"}},
		{"missing model.pt", rewriteCarton(t, without("model/model.pt")), []string{"MANIFEST lists model/model.pt, which the archive lacks"}},
		{"missing MANIFEST", rewriteCarton(t, without("MANIFEST")), []string{"the archive has no MANIFEST"}},
		{"unlisted file", rewriteCarton(t, func(names []string) []cartonEntry {
			return append(without("")(names), cartonEntry{name: "misc/extra.txt", data: []byte("x")})
		}), []string{"misc/extra.txt is in the archive but not in MANIFEST"}},
		{"malformed manifest", rewriteCarton(t, replaced("MANIFEST", []byte("carton.toml\n"))), []string{"MANIFEST line 1 is not path=sha256"}},
		{"other runner", rewriteCarton(t, func(names []string) []cartonEntry {
			t2 := strings.Replace(toml, `runner_name = "torchscript"`, `runner_name = "xgboost"`, 1)
			m2 := strings.Replace(manifest, lines[0], "carton.toml="+sha256hex([]byte(t2)), 1)
			return []cartonEntry{{name: "carton.toml", data: []byte(t2)}, {name: "model/model.pt"}, {name: "MANIFEST", data: []byte(m2)}}
		}), []string{`runner "xgboost" is not supported`}},
	} {
		_, err := core.Load(tc.path, core.LoadOptions{})
		requireCode(t, err, status.Model, append([]string{"carton " + tc.path}, tc.contains...)...)
	}

	// A truncated archive and a corrupt one.
	src, err := os.ReadFile(filepath.Join(golden.ModelDir("tabular_carton"), "tabular.carton"))
	require.NoError(t, err)
	dir := t.TempDir()
	truncated := filepath.Join(dir, "truncated.carton")
	require.NoError(t, os.WriteFile(truncated, src[:len(src)/2], 0o644))
	_, err = core.Load(truncated, core.LoadOptions{})
	requireCode(t, err, status.Model, "not a readable zip archive")

	corrupt := append([]byte(nil), src...)
	for i := 200; i < 400; i++ { // inside the first entry's compressed data
		corrupt[i] ^= 0x5a
	}
	cpath := filepath.Join(dir, "corrupt.carton")
	require.NoError(t, os.WriteFile(cpath, corrupt, 0o644))
	_, err = core.Load(cpath, core.LoadOptions{})
	requireCode(t, err, status.Model, "carton "+cpath)

	notZip := filepath.Join(dir, "text.carton")
	require.NoError(t, os.WriteFile(notZip, []byte("hello"), 0o644))
	_, err = core.Load(notZip, core.LoadOptions{})
	requireCode(t, err, status.Model, "not a readable zip archive")
}

// TestArtifactStagesInputsByTensor: tensors into a whole-model call of a
// carton (the number column as a float64 buffer).
func TestArtifactTensorInputs(t *testing.T) {
	g, err := golden.Load("tabular")
	require.NoError(t, err)
	stages := load(t, "tabular")
	m, err := core.Load(golden.ModelDir("tabular_carton"), core.LoadOptions{})
	require.NoError(t, err)
	defer m.Close()
	c := g.Cases[1]
	want := infer(t, m, columnsToNames(t, stages, c.Request), core.DefaultInferOptions())
	reqNoAge := removeColumn(t, columnsToNames(t, stages, c.Request), "age")
	age := c.ModuleInputs["age"].Tensor
	ages := make([]float64, len(age.Data))
	for i, v := range age.Data {
		ages[i] = v.(float64)
	}
	res, err := m.Infer(context.Background(), core.Request{JSON: reqNoAge, Tensors: []core.NamedTensor{{Name: "age", Tensor: tensorF64(ages)}}}, core.DefaultInferOptions())
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(res.JSON, &got))
	assert.Empty(t, golden.Diff(got, want, "tensor input"))
}
