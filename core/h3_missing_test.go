package core_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/internal/golden"
)

// TestH3Missing guards the conformance finding missing_h3: a missing h3 id
// goes to the module as NaN in a float64 column (pandas' dtype), which the
// module fills, instead of being refused; native and TorchScript agree.
func TestH3Missing(t *testing.T) {
	req := []byte(`{"Age": [34, 40], "city": ["Paris", "Lima"], "member": [true, false], "cell": [617703466028236799, null]}`)
	var outs []string
	for _, stages := range []string{"torchscript", "native"} {
		m, err := core.Load(golden.ModelDir("tabular"), core.LoadOptions{Stages: stages, NoWarmup: true})
		require.NoError(t, err)
		res, err := m.Infer(context.Background(), core.Request{JSON: req}, core.InferOptions{Stage: core.StagePreprocess})
		m.Close()
		require.NoError(t, err, stages)
		outs = append(outs, string(res.JSON))
	}
	assert.Equal(t, outs[0], outs[1])
	assert.Contains(t, outs[0], `"cell":{"dtype":"uint8","shape":[2,19]`)
}
