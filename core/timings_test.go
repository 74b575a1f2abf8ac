package core_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/core/response"
)

func TestTimings(t *testing.T) {
	m := load(t, "tabular")
	req := core.Request{JSON: []byte(`{"Age": [34], "city": ["Paris"], "member": [true], "cell": [617703466028236799]}`)}
	var all core.Timings
	_, err := m.Infer(context.Background(), req, core.InferOptions{Form: response.Columns, Timings: &all})
	require.NoError(t, err)
	assert.Positive(t, all.Preprocess)
	assert.Positive(t, all.Predict)
	assert.Positive(t, all.Postprocess)

	var pre core.Timings
	_, err = m.Infer(context.Background(), req, core.InferOptions{Stage: core.StagePreprocess, Timings: &pre})
	require.NoError(t, err)
	assert.Positive(t, pre.Preprocess)
	assert.Zero(t, pre.Predict)
	assert.Zero(t, pre.Postprocess)
}
