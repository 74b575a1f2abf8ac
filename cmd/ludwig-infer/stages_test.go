package main

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ludwig-infer/ludwig-infer/internal/golden"
)

// TestStagesFlag: --stages native and torchscript score the shipped dataset
// identically, and native refuses a model it cannot run natively.
func TestStagesFlag(t *testing.T) {
	data := filepath.Join(golden.Root(), "data", "tabular.csv")
	outs := map[string]string{}
	for _, mode := range []string{"native", "torchscript"} {
		var stdout, stderr bytes.Buffer
		code := run([]string{"predict", "--model", golden.ModelDir("tabular"), "--dataset", data, "--stages", mode, "--form", "full"}, &stdout, &stderr)
		require.Equal(t, 0, code, stderr.String())
		outs[mode] = stdout.String()
	}
	assert.NotEmpty(t, outs["native"])
	assert.Equal(t, outs["torchscript"], outs["native"])
	var stdout, stderr bytes.Buffer
	code := run([]string{"info", "--model", golden.ModelDir("image_input"), "--stages", "native"}, &stdout, &stderr)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr.String(), `input feature "photo" (_ImagePreprocessing): no native implementation`)
}
