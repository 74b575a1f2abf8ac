package export

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ludwig-infer/ludwig-infer/core/status"
)

func dirWith(t *testing.T, names ...string) string {
	d := t.TempDir()
	for _, n := range names {
		require.NoError(t, os.WriteFile(filepath.Join(d, n), nil, 0o644))
	}
	return d
}

func TestFindPredictor(t *testing.T) {
	cases := []struct {
		files  []string
		device string
		want   string
		err    string
	}{
		{[]string{"inference_predictor-cpu.pt"}, "cpu", "inference_predictor-cpu.pt", ""},
		{[]string{"inference_predictor_cpu.pt"}, "cpu", "inference_predictor_cpu.pt", ""},
		{[]string{"inference_predictor-cuda:0.pt"}, "cpu", "inference_predictor-cuda:0.pt", ""},
		{[]string{"inference_predictor-cpu.pt", "inference_predictor-cuda:0.pt"}, "cuda", "inference_predictor-cuda:0.pt", ""},
		{[]string{"inference_predictor-cpu.pt", "inference_predictor-cuda.pt"}, "cuda:0", "inference_predictor-cuda.pt", ""},
		{[]string{"inference_predictor-cpu.pt", "inference_predictor-cuda.pt"}, "cpu", "inference_predictor-cpu.pt", ""},
		{[]string{"inference_predictor-mps.pt", "inference_predictor-cuda.pt"}, "cpu", "", `has predictors inference_predictor-cuda.pt, inference_predictor-mps.pt but none for device "cpu"`},
		{[]string{"inference_predictor.pt", "other.pt"}, "cpu", "", "has no inference_predictor-<device>.pt"},
	}
	for _, c := range cases {
		d := dirWith(t, c.files...)
		f, err := Find(d, c.device)
		if c.err != "" {
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.err)
			assert.Equal(t, status.NotFound, status.CodeOf(err))
			continue
		}
		require.NoError(t, err, c.files)
		assert.Equal(t, filepath.Join(d, c.want), f.Predictor)
		assert.Empty(t, f.Preprocessor)
	}
}

func TestReadSchema(t *testing.T) {
	d := dirWith(t, "inference_predictor-cpu.pt")
	cfg := `{"input_features": [{"name": "when", "type": "date", "preprocessing": {"datetime_format": "%Y"}},
	  {"name": "n", "column": "N", "type": "number"}],
	  "output_features": [{"name": "y", "type": "binary"}, {"name": "c", "type": "category"}]}`
	meta := `{"y": {"bool2str": ["no", "yes"]}, "c": {"idx2str": ["<UNK>", "a"]}, "checksum": "x"}`
	require.NoError(t, os.WriteFile(filepath.Join(d, HyperparametersFile), []byte(cfg), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(d, MetadataFile), []byte(meta), 0o644))
	f, err := Find(d, "cpu")
	require.NoError(t, err)
	s, err := ReadSchema(f)
	require.NoError(t, err)
	assert.Equal(t, []Feature{{Name: "when", Column: "when", Type: "date", DatetimeFormat: "%Y"}, {Name: "n", Column: "N", Type: "number"}}, s.Inputs)
	assert.Equal(t, []string{"no", "yes"}, s.Outputs[0].Labels)
	assert.Equal(t, []string{"<UNK>", "a"}, s.Outputs[1].Labels)
	require.NoError(t, os.WriteFile(filepath.Join(d, MetadataFile), nil, 0o644))
	_, err = ReadSchema(f)
	assert.Equal(t, status.Model, status.CodeOf(err))
}
