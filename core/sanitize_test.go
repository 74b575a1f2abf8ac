package core_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/core/status"
)

// TestSanitizedColumnKeys: Ludwig writes a column such as "Age (years)" into
// the exported config as "Age _years_"; requests may use either spelling, as
// LudwigModel.predict accepts the user's own column names.
func TestSanitizedColumnKeys(t *testing.T) {
	dir := hostileExport(t)
	editJSON(t, dir, "model_hyperparameters.json", func(m map[string]any) {
		m["input_features"].([]any)[0].(map[string]any)["column"] = "Age _years_"
	})
	m, err := core.Load(dir, core.LoadOptions{})
	require.NoError(t, err)
	defer m.Close()
	want := infer(t, m, []byte(`{"age": [34], "city": ["Paris"], "member": [true], "cell": [617703466028236799]}`), core.DefaultInferOptions())
	assert.Equal(t, []any{"plus"}, want["plan_predictions"]) // the golden's batch1_ints
	for _, key := range []string{"Age _years_", "Age (years)", "Age [years]", "Age {years}", `Age "years"`, "Age 'years'", "Age .years:"} {
		req, err := json.Marshal(map[string]any{key: []int{34}, "city": []string{"Paris"}, "member": []bool{true}, "cell": []int64{617703466028236799}})
		require.NoError(t, err)
		assert.Equal(t, want, infer(t, m, req, core.DefaultInferOptions()), key)
	}
	_, err = m.Infer(context.Background(), core.Request{JSON: []byte(`{"Age (years)": [34], "Age [years]": [35], "city": ["Paris"], "member": [true], "cell": [617703466028236799]}`)}, core.DefaultInferOptions())
	requireCode(t, err, status.Input, `columns "Age (years)" and "Age [years]" both stand for "Age _years_" (Ludwig replaces ( ) { } . : " ' [ ] in column names with _)`)
	rest := []byte(`{"city": ["Paris"], "member": [true], "cell": [617703466028236799]}`)
	res, err := m.Infer(context.Background(), core.Request{JSON: rest, Tensors: []core.NamedTensor{{Name: "Age (years)", Tensor: tensorF64([]float64{34})}}}, core.DefaultInferOptions())
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(res.JSON, &got))
	assert.Equal(t, want, got)
	_, err = m.Infer(context.Background(), core.Request{JSON: rest, Tensors: []core.NamedTensor{
		{Name: "Age (years)", Tensor: tensorF64([]float64{34})}, {Name: "Age [years]", Tensor: tensorF64([]float64{34})}}}, core.DefaultInferOptions())
	requireCode(t, err, status.Input, `tensors "Age (years)" and "Age [years]" both stand for column "Age _years_"`)
	_, err = m.Infer(context.Background(), core.Request{JSON: []byte(`{"Age (years)": [34], "city": ["Paris"], "member": [true], "cell": [617703466028236799]}`),
		Tensors: []core.NamedTensor{{Name: "Age {years}", Tensor: tensorF64([]float64{34})}}}, core.DefaultInferOptions())
	requireCode(t, err, status.Input, `column "Age _years_" is given both as tensor "Age {years}" and as JSON key "Age (years)"`)
	_, err = m.Infer(context.Background(), core.Request{JSON: []byte(`{"Age-years": [34], "city": ["Paris"], "member": [true], "cell": [617703466028236799]}`)}, core.DefaultInferOptions())
	requireCode(t, err, status.Input, `missing input feature "age" (column "Age _years_", type number)`)
}
