package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ludwig-infer/ludwig-infer/internal/golden"
)

// TestPredictLudwigModelFolder: `ludwig-infer predict --model <folder>` on
// a model folder saved by Ludwig 0.17.10 with its model.pt2 writes
// LudwigModel.predict's columns, row by row, in its order (the full form);
// --graph names a model.pt2 outside the folder.
func TestPredictLudwigModelFolder(t *testing.T) {
	folder := testdata("ludwig_model", "concat")
	b, err := os.ReadFile(filepath.Join(folder, "golden.json"))
	require.NoError(t, err)
	var g struct {
		Records []map[string]any     `json:"records"`
		Columns [][2]json.RawMessage `json:"columns"`
	}
	require.NoError(t, json.Unmarshal(b, &g))
	dataset := filepath.Join(t.TempDir(), "rows.jsonl")
	var lines []string
	for _, r := range g.Records {
		l, err := json.Marshal(r)
		require.NoError(t, err)
		lines = append(lines, string(l))
	}
	require.NoError(t, os.WriteFile(dataset, []byte(strings.Join(lines, "\n")+"\n"), 0o644))

	noGraph := t.TempDir()
	for _, f := range []string{"model_hyperparameters.json", "training_set_metadata.json"} {
		data, err := os.ReadFile(filepath.Join(folder, f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(noGraph, f), data, 0o644))
	}
	for _, args := range [][]string{
		{"--model", folder},
		{"--model", noGraph, "--graph", filepath.Join(folder, "model.pt2")},
	} {
		code, out, errs := runCmd(t, append([]string{"predict", "--dataset", dataset, "--form", "full", "--batch-size", "3"}, args...)...)
		require.Equal(t, 0, code, errs)
		rows := jsonLines(t, out)
		require.Len(t, rows, len(g.Records))
		first := strings.SplitN(strings.TrimPrefix(out, "{"), ":", 2)[0]
		assert.Equal(t, `"out_bin_probabilities"`, first)
		for _, c := range g.Columns {
			var name string
			var vals []any
			require.NoError(t, json.Unmarshal(c[0], &name))
			require.NoError(t, json.Unmarshal(c[1], &vals))
			for r := range rows {
				assert.Empty(t, golden.Diff(rows[r][name], vals[r], name), "row %d", r)
			}
		}
		for _, row := range rows {
			assert.Len(t, row, len(g.Columns))
		}
	}

	// Without a model.pt2: the message says how to get one.
	require.NoError(t, os.WriteFile(filepath.Join(noGraph, "model_weights.safetensors"), []byte("x"), 0o644))
	code, _, errs := runCmd(t, "predict", "--model", noGraph, "--dataset", dataset)
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "ludwig-infer predict: "+noGraph+" is a Ludwig model folder with model_weights.safetensors but no model.pt2")
	assert.Contains(t, errs, "ludwig export_model -m "+noGraph+" -o OUT -f torch_export")
	assert.Contains(t, errs, "python -m ludwig_infer.export "+noGraph+" OUT")
}

// TestServeGraphNeedsOneModel: --graph names one model.pt2, so serve
// refuses it with several --model.
func TestServeGraphNeedsOneModel(t *testing.T) {
	folder := testdata("ludwig_model", "concat")
	code, _, errs := runCmd(t, "serve", "--model", "a="+folder, "--model", "b="+folder, "--graph", filepath.Join(folder, "model.pt2"))
	assert.Equal(t, 2, code)
	assert.Equal(t, "ludwig-infer serve: --graph needs exactly one --model (or put each model.pt2 inside its folder)\n", errs)
}
