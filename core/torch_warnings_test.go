package core_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ludwig-infer/ludwig-infer/core"
)

// TestTorchWarningsLoggedOncePerModel: libtorch's warnings reach the log
// callback at LogWarn, once per model and message, instead of stderr (issue
// 20). The model is a --model_only export whose predictor is
// core/torch/testdata/warn.pt (its forward calls warnings.warn).
func TestTorchWarningsLoggedOncePerModel(t *testing.T) {
	pt, err := os.ReadFile(filepath.Join("torch", "testdata", "warn.pt"))
	require.NoError(t, err)
	var mu sync.Mutex
	var logs []string
	core.SetLogFunc(func(level core.LogLevel, msg string) {
		if strings.Contains(msg, "libtorch") {
			mu.Lock()
			logs = append(logs, []string{"debug", "info", "warn", "error"}[level]+" "+msg)
			mu.Unlock()
		}
	}, core.LogDebug)
	defer core.SetLogFunc(nil, 0)
	req := core.Request{JSON: []byte(`{"x": {"dtype": "float32", "shape": [1], "data": [1]}}`)}
	opts := core.InferOptions{Stage: core.StagePredict}
	var dirs []string
	for i := 0; i < 2; i++ {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "inference_predictor-cpu.pt"), pt, 0o644))
		dirs = append(dirs, dir)
		m, err := core.Load(dir, core.LoadOptions{})
		require.NoError(t, err)
		for k := 0; k < 3; k++ {
			res, err := m.Infer(context.Background(), req, opts)
			require.NoError(t, err)
			assert.Contains(t, string(res.JSON), `"y"`)
		}
		m.Close()
	}
	require.Len(t, logs, 2, "%q", logs)
	for i, l := range logs {
		assert.True(t, strings.HasPrefix(l, "warn "+dirs[i]+": libtorch: ludwig-infer test warning: forward was called"), l)
	}
}
