package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/core/response"
	"github.com/ludwig-infer/ludwig-infer/core/triton"
	"github.com/ludwig-infer/ludwig-infer/internal/golden"
)

// recordsFile writes a golden case's column-dict request as JSON records,
// keyed by feature name when byName (a model without JSON knows no columns).
func recordsFile(t *testing.T, c golden.Case, stages *core.Model, byName bool) string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(c.Request)))
	dec.UseNumber()
	var cols map[string][]any
	require.NoError(t, dec.Decode(&cols))
	if byName {
		named := map[string][]any{}
		for _, in := range stages.Info().Inputs {
			named[in.Name] = cols[in.Column]
		}
		cols = named
	}
	var rows []map[string]any
	for k, vs := range cols {
		for i, v := range vs {
			for len(rows) <= i {
				rows = append(rows, map[string]any{})
			}
			rows[i][k] = v
		}
	}
	b, err := json.Marshal(rows)
	require.NoError(t, err)
	p := filepath.Join(t.TempDir(), "rows.json")
	require.NoError(t, os.WriteFile(p, b, 0o644))
	return p
}

// TestPredictArtifacts: `predict` on an InferenceModule and a Carton gives the
// three-stage export's rows (predictions only for the carton).
func TestPredictArtifacts(t *testing.T) {
	g, err := golden.Load("tabular")
	require.NoError(t, err)
	stages, err := core.Load(testdata("models", "tabular"), core.LoadOptions{NoWarmup: true})
	require.NoError(t, err)
	defer stages.Close()
	c := g.Cases[2]
	for _, tc := range []struct {
		model          string
		byName, carton bool
	}{
		{"tabular_module", false, false},
		{"tabular_module_bare/inference_module.pt", true, false},
		{"tabular_carton/tabular.carton", true, true},
	} {
		code, out, errs := runCmd(t, "predict", "--model", testdata("models", tc.model), "--dataset", recordsFile(t, c, stages, tc.byName), "--progress", "never")
		require.Equal(t, 0, code, errs)
		rows := jsonLines(t, out)
		var req map[string]any
		dec := json.NewDecoder(strings.NewReader(string(c.Request)))
		dec.UseNumber() // h3 ids exceed 2^53
		require.NoError(t, dec.Decode(&req))
		want := apiRows(t, "tabular", req, "")
		require.Len(t, rows, len(want))
		for i := range want {
			if tc.carton {
				for k := range want[i] {
					if !strings.HasSuffix(k, "_predictions") {
						delete(want[i], k)
					}
				}
			}
			assert.Empty(t, golden.Diff(rows[i], want[i], tc.model))
		}
	}
}

func TestInfoArtifacts(t *testing.T) {
	code, out, errs := runCmd(t, "info", "--model", testdata("models", "tabular_carton", "tabular.carton"))
	require.Equal(t, 0, code, errs)
	var info map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &info))
	a := info["artifact"].(map[string]any)
	assert.Equal(t, "carton", a["kind"])
	assert.Equal(t, "predictions", a["outputs"])
	assert.Equal(t, "module", a["schema"])

	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.carton")
	require.NoError(t, os.WriteFile(bad, []byte("PK\x03\x04 not really"), 0o644))
	code, _, errs = runCmd(t, "info", "--model", bad)
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "carton "+bad+": not a readable zip archive")
}

// TestExportTritonCommand runs export-triton and executes the repository it
// wrote on the goldens.
func TestExportTritonCommand(t *testing.T) {
	g, err := golden.Load("tabular")
	require.NoError(t, err)
	for _, tc := range []struct {
		model  string
		byName bool
		extra  []string
	}{
		{"tabular", false, nil},
		{"tabular_module_bare", true, []string{"--no-verify"}},
	} {
		repo := t.TempDir()
		args := append([]string{"export-triton", "--model", testdata("models", tc.model), "--output", repo,
			"--name", "demo", "--version", "2", "--max-batch-size", "16"}, tc.extra...)
		code, out, errs := runCmd(t, args...)
		require.Equal(t, 0, code, errs)
		for _, n := range []string{"demo_preprocessor", "demo_predictor", "demo_postprocessor", "demo"} {
			assert.Contains(t, out, "wrote "+filepath.Join(repo, n)+"\n")
		}
		assert.Equal(t, tc.extra == nil, strings.Contains(out, "verified:"))
		assert.FileExists(t, filepath.Join(repo, "demo_predictor", "2", "model.pt"))

		m, err := core.Load(testdata("models", tc.model), core.LoadOptions{NoWarmup: true})
		require.NoError(t, err)
		r, err := triton.OpenRepository(repo, "demo")
		require.NoError(t, err)
		for _, c := range g.Cases {
			req := []byte(c.Request)
			if tc.byName {
				var cols map[string]json.RawMessage
				require.NoError(t, json.Unmarshal(req, &cols))
				cols["age"] = cols["Age"]
				delete(cols, "Age")
				req, _ = json.Marshal(cols)
			}
			inputs, err := m.Featurize(core.Request{JSON: req})
			require.NoError(t, err)
			ens, err := triton.EnsembleInputs(m, inputs)
			require.NoError(t, err)
			got, err := r.Run(ens)
			require.NoError(t, err)
			for k, p := range c.Postprocessed {
				want, err := p.Nested()
				require.NoError(t, err)
				v := got[k]
				var b []byte
				if v.Tensor != nil {
					b = response.AppendValue(nil, *v.Tensor)
				} else {
					b = response.AppendValue(nil, v.Strings)
				}
				var gotJSON any
				require.NoError(t, json.Unmarshal(b, &gotJSON))
				assert.Empty(t, golden.Diff(gotJSON, want, c.Name+" "+k))
			}
		}
		r.Close()
		m.Close()
	}

	// --sample: a request file traces the stages.
	sample := filepath.Join(t.TempDir(), "sample.json")
	require.NoError(t, os.WriteFile(sample, g.Cases[1].Request, 0o644))
	code, _, errs := runCmd(t, "export-triton", "--model", testdata("models", "tabular"), "--output", t.TempDir(), "--sample", sample)
	require.Equal(t, 0, code, errs)

	// Usage errors exit 2, model errors 1.
	code, _, _ = runCmd(t, "export-triton", "--model", testdata("models", "tabular"))
	assert.Equal(t, 2, code)
	code, _, errs = runCmd(t, "export-triton", "--model", testdata("models", "tabular"), "--output", t.TempDir(), "--device", "tpu")
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, `--device "tpu"`)
	code, _, errs = runCmd(t, "export-triton", "--model", testdata("models", "model_only"), "--output", t.TempDir())
	assert.NotEqual(t, 0, code)
	assert.Contains(t, errs, "ludwig-infer export-triton:")
	code, _, _ = runCmd(t, "export-triton", "--model", "/nonexistent", "--output", t.TempDir())
	assert.Equal(t, 1, code)
}
