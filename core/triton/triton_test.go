package triton_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/core/response"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
	"github.com/ludwig-infer/ludwig-infer/core/torch"
	"github.com/ludwig-infer/ludwig-infer/core/triton"
	"github.com/ludwig-infer/ludwig-infer/internal/golden"
)

// exported models and the golden whose requests they run.
var exportCases = []struct {
	model, golden string
	byName        bool // the model's schema has no columns: requests by feature name
}{
	{"tabular", "tabular", false},
	{"regression", "regression", false},
	{"binary_yesno", "binary_yesno", false},
	{"binary_plain", "binary_plain", false},
	{"text_category", "text_category", false},
	{"set_bag_vector", "set_bag_vector", false},
	{"date_input", "date_input", false},
	{"timeseries_input", "timeseries_input", false},
	{"sequence_output", "sequence_output", false},
	{"text_output", "text_output", false},
	{"multi_output", "multi_output", false},
	{"tabular_module_bare", "tabular", true},
	{"tabular_carton", "tabular", true},
}

func loadModel(t *testing.T, name string) *core.Model {
	t.Helper()
	m, err := core.Load(golden.ModelDir(name), core.LoadOptions{})
	require.NoError(t, err)
	t.Cleanup(m.Close)
	return m
}

// byFeatureName rewrites a request keyed by columns to feature names.
func byFeatureName(t *testing.T, columnsModel *core.Model, req []byte) []byte {
	var cols map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(req, &cols))
	out := map[string]json.RawMessage{}
	for _, in := range columnsModel.Info().Inputs {
		out[in.Name] = cols[in.Column]
	}
	b, err := json.Marshal(out)
	require.NoError(t, err)
	return b
}

// asJSON decodes a value as the features form writes it.
func asJSON(t *testing.T, v triton.Value) any {
	var b []byte
	if v.Tensor != nil {
		b = response.AppendValue(nil, *v.Tensor)
	} else {
		b = response.AppendValue(nil, v.Strings)
	}
	var out any
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

// TestExportTriton exports each model, checks the configs, then runs the
// ensemble in libtorch on every golden case and compares it with the direct
// path (Infer, features form): every output the repository carries.
func TestExportTriton(t *testing.T) {
	for _, ec := range exportCases {
		ec := ec
		t.Run(ec.model, func(t *testing.T) {
			m := loadModel(t, ec.model)
			dir := t.TempDir()
			rep, err := triton.Export(m, dir, triton.Options{Name: "m", Version: 3, MaxBatchSize: 8})
			require.NoError(t, err)
			assert.True(t, rep.Verified)
			names := []string{"m_preprocessor", "m_predictor", "m_postprocessor", "m"}
			for i, n := range names {
				assert.Equal(t, filepath.Join(dir, n), rep.Models[i])
			}
			if ec.model == "set_bag_vector" {
				// Set probabilities are a list of tensors of varying length.
				assert.Equal(t, []string{"labels::probabilities"}, rep.Skipped)
			} else {
				assert.Empty(t, rep.Skipped)
			}
			checkConfigs(t, dir)

			r, err := triton.OpenRepository(dir, "m")
			require.NoError(t, err)
			defer r.Close()
			g, err := golden.Load(ec.golden)
			require.NoError(t, err)
			var columns *core.Model
			if ec.byName {
				columns = loadModel(t, ec.golden)
			}
			for _, c := range g.Cases {
				req := []byte(c.Request)
				if ec.byName {
					req = byFeatureName(t, columns, req)
				}
				inputs, err := m.Featurize(core.Request{JSON: req})
				require.NoError(t, err)
				ens, err := triton.EnsembleInputs(m, inputs)
				require.NoError(t, err)
				got, err := r.Run(ens)
				require.NoError(t, err, c.Name)

				res, err := m.Infer(context.Background(), core.Request{JSON: req}, core.InferOptions{Stage: core.StageAll, Form: response.Features})
				require.NoError(t, err)
				var direct map[string]map[string]any
				require.NoError(t, json.Unmarshal(res.JSON, &direct))
				carried := 0
				for f, keys := range direct {
					for k, want := range keys {
						v, ok := got[f+"::"+k]
						if !ok {
							continue
						}
						carried++
						if s, isLists := want.([]any); isLists && len(s) > 0 {
							if _, rowIsList := s[0].([]any); rowIsList && v.Strings != nil {
								// Lists of strings travel joined by spaces.
								joined := make([]any, len(s))
								for i, row := range s {
									parts := []string{}
									for _, x := range row.([]any) {
										parts = append(parts, x.(string))
									}
									joined[i] = strings.Join(parts, " ")
								}
								want = joined
							}
						}
						assert.Empty(t, golden.Diff(asJSON(t, v), want, c.Name+" "+f+"::"+k))
					}
				}
				assert.Equal(t, len(got), carried, "every ensemble output is a direct output")
				// Bit for bit with the model's own stages.
				stages, err := m.StageModules()
				require.NoError(t, err)
				outs, err := m.RunStages(stages, inputs)
				stages.Close()
				require.NoError(t, err)
				assert.NoError(t, triton.Compare(got, outs.Postprocessed))
			}
		})
	}
}

// checkConfigs reads every config.pbtxt back through the schema checker and
// checks the layout Triton expects.
func checkConfigs(t *testing.T, dir string) {
	t.Helper()
	read := func(name string) *triton.Config {
		b, err := os.ReadFile(filepath.Join(dir, name, "config.pbtxt"))
		require.NoError(t, err)
		c, err := triton.ParseConfig(string(b))
		require.NoError(t, err, name)
		assert.Equal(t, name, c.Name)
		return c
	}
	pre, pred, post, ens := read("m_preprocessor"), read("m_predictor"), read("m_postprocessor"), read("m")
	for _, c := range []*triton.Config{pre, pred, post} {
		assert.Equal(t, "pytorch_libtorch", c.Platform)
		assert.FileExists(t, filepath.Join(dir, c.Name, "3", "model.pt"))
		for i, in := range c.Inputs {
			assert.Equal(t, "INPUT__"+strconv.Itoa(i), in.Name)
			assert.Contains(t, triton.DataTypes, in.DataType)
		}
		for i, out := range c.Outputs {
			assert.Equal(t, "OUTPUT__"+strconv.Itoa(i), out.Name)
			assert.Contains(t, triton.DataTypes, out.DataType)
		}
		require.Len(t, c.Instances, 1)
		assert.Equal(t, "KIND_CPU", c.Instances[0].Kind)
	}
	// Whole batches through pre- and postprocessing; the predictor batches.
	assert.Zero(t, pre.MaxBatchSize)
	assert.Zero(t, post.MaxBatchSize)
	assert.Nil(t, pre.DynamicBatching)
	assert.Equal(t, int64(8), pred.MaxBatchSize)
	require.NotNil(t, pred.DynamicBatching)
	assert.Equal(t, int64(100), pred.DynamicBatching.MaxQueueDelayMicroseconds)
	for _, in := range append(append([]triton.Tensor{}, pre.Inputs...), post.Outputs...) {
		assert.Equal(t, int64(-1), in.Dims[0], "a whole-batch model's dims start with the batch")
	}
	for _, in := range pred.Inputs {
		assert.NotEqual(t, int64(-1), in.Dims[0], "a batching model's dims leave the batch out")
	}
	assert.Equal(t, "ensemble", ens.Platform)
	assert.Zero(t, ens.MaxBatchSize)
	require.Len(t, ens.Steps, 3)
	assert.Equal(t, []string{"m_preprocessor", "m_predictor", "m_postprocessor"}, []string{ens.Steps[0].ModelName, ens.Steps[1].ModelName, ens.Steps[2].ModelName})
	assert.DirExists(t, filepath.Join(dir, "m", "3"))
}

func TestExportOptions(t *testing.T) {
	m := loadModel(t, "tabular")
	dir := t.TempDir()
	// No batching; a GPU predictor.
	_, err := triton.Export(m, dir, triton.Options{Device: "cuda"})
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(dir, "ludwig_model_predictor", "config.pbtxt"))
	require.NoError(t, err)
	c, err := triton.ParseConfig(string(b))
	require.NoError(t, err)
	assert.Zero(t, c.MaxBatchSize)
	assert.Nil(t, c.DynamicBatching)
	assert.Equal(t, "KIND_GPU", c.Instances[0].Kind)
	for _, in := range c.Inputs {
		assert.Equal(t, int64(-1), in.Dims[0])
	}
	assert.DirExists(t, filepath.Join(dir, "ludwig_model", "1"))

	for _, tc := range []struct {
		opts triton.Options
		want string
	}{
		{triton.Options{Name: "a/b"}, "model name"},
		{triton.Options{Version: -1}, "version"},
		{triton.Options{MaxBatchSize: -1}, "max batch size"},
		{triton.Options{Device: "tpu"}, "device"},
	} {
		_, err := triton.Export(m, t.TempDir(), tc.opts)
		require.Error(t, err)
		assert.Equal(t, status.InvalidArgument, status.CodeOf(err))
		assert.Contains(t, err.Error(), tc.want)
	}

	// A --model_only export has no stages to export.
	mo := loadModel(t, "model_only")
	_, err = triton.Export(mo, t.TempDir(), triton.Options{})
	require.Error(t, err)
}

// TestRunChecks: the ensemble runner refuses what Triton would.
func TestRunChecks(t *testing.T) {
	m := loadModel(t, "tabular")
	dir := t.TempDir()
	_, err := triton.Export(m, dir, triton.Options{MaxBatchSize: 2})
	require.NoError(t, err)
	r, err := triton.OpenRepository(dir, "ludwig_model")
	require.NoError(t, err)
	defer r.Close()
	inputs, err := m.SampleInputs()
	require.NoError(t, err)
	ens, err := triton.EnsembleInputs(m, inputs)
	require.NoError(t, err)
	_, err = r.Run(ens)
	require.NoError(t, err)

	// Three rows exceed the predictor's max_batch_size of 2.
	big := map[string]triton.Value{}
	for k, v := range ens {
		if v.Strings != nil {
			big[k] = triton.Value{Strings: append(append([]string{}, v.Strings...), v.Strings[0])}
			continue
		}
		t3 := *v.Tensor
		t3.Shape = append([]int64{3}, t3.Shape[1:]...)
		t3.Data = append(append([]byte{}, t3.Data...), t3.Data[:len(t3.Data)/2]...)
		big[k] = triton.Value{Tensor: &t3}
	}
	_, err = r.Run(big)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "exceeds max_batch_size 2")

	// A wrong data type.
	bad := map[string]triton.Value{}
	for k, v := range ens {
		bad[k] = v
	}
	f32 := tensor.FromFloat32([]float32{1, 2}, 2)
	bad["age"] = triton.Value{Tensor: &f32}
	_, err = r.Run(bad)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "data type TYPE_FP32, config says TYPE_FP64")

	delete(bad, "age")
	_, err = r.Run(bad)
	assert.ErrorContains(t, err, `missing ensemble input "age"`)
}

// TestValidate: config mistakes Triton refuses are refused here too.
func TestValidate(t *testing.T) {
	m := loadModel(t, "tabular")
	dir := t.TempDir()
	_, err := triton.Export(m, dir, triton.Options{MaxBatchSize: 4, NoVerify: true})
	require.NoError(t, err)
	edit := func(model, old, new string) func() {
		p := filepath.Join(dir, model, "config.pbtxt")
		orig, err := os.ReadFile(p)
		require.NoError(t, err)
		require.Contains(t, string(orig), old)
		require.NoError(t, os.WriteFile(p, []byte(strings.Replace(string(orig), old, new, 1)), 0o644))
		return func() { require.NoError(t, os.WriteFile(p, orig, 0o644)) }
	}
	for _, tc := range []struct {
		model, old, new, want string
	}{
		{"ludwig_model_predictor", "TYPE_FP32", "TYPE_FLOAT32", `"TYPE_FLOAT32" is not a DataType`},
		{"ludwig_model_predictor", "max_batch_size: 4", "max_batch_size: 4\nmax_batch: 1", `has no field "max_batch"`},
		{"ludwig_model_predictor", "max_batch_size: 4", "max_batch_size: 0", "dynamic_batching needs max_batch_size > 0"},
		{"ludwig_model_predictor", `name: "INPUT__1"`, `name: "city"`, "naming convention"},
		{"ludwig_model_predictor", "dims: [ 19 ]", "dims: [ 20 ]", "inconsistent shape"},
		{"ludwig_model_predictor", "kind: KIND_CPU", "kind: CPU", `"CPU" is not a Kind`},
		{"ludwig_model", `value: "preprocessed:city" }
      input_map { key: "INPUT__2"`, `value: "preprocessed:nope" }
      input_map { key: "INPUT__2"`, `reads "preprocessed:nope" before any step`},
		{"ludwig_model", `model_name: "ludwig_model_postprocessor"`, `model_name: "other"`, "not in the repository"},
		{"ludwig_model", `platform: "ensemble"`, `platform: "ensembles"`, `want "ensemble"`},
		{"ludwig_model_preprocessor", "TYPE_STRING", "TYPE_INT64", "inconsistent data type"},
		{"ludwig_model_postprocessor", `name: "ludwig_model_postprocessor"`, `name: "post"`, "names the model"},
	} {
		restore := edit(tc.model, tc.old, tc.new)
		_, err := triton.OpenRepository(dir, "ludwig_model")
		if assert.Error(t, err, tc.want) {
			assert.Contains(t, err.Error(), tc.want)
		}
		restore()
	}
	require.NoError(t, os.Remove(filepath.Join(dir, "ludwig_model_predictor", "1", "model.pt")))
	_, err = triton.OpenRepository(dir, "ludwig_model")
	assert.ErrorContains(t, err, "no 1/model.pt")
}

// TestWrapperSchemas: the saved wrappers take positional arguments and
// return tuples, as Triton's libtorch backend wants.
func TestWrapperSchemas(t *testing.T) {
	m := loadModel(t, "tabular")
	dir := t.TempDir()
	_, err := triton.Export(m, dir, triton.Options{MaxBatchSize: 4})
	require.NoError(t, err)
	for name, want := range map[string]string{
		"preprocessor":  "forward(__torch__.ludwig_infer.triton.TritonPreprocessor self, Tensor INPUT__0, str[] INPUT__1, str[] INPUT__2, Tensor INPUT__3) -> ((Tensor, Tensor, Tensor, Tensor))",
		"predictor":     "forward(__torch__.ludwig_infer.triton.TritonPredictor self, Tensor INPUT__0, Tensor INPUT__1, Tensor INPUT__2, Tensor INPUT__3) -> ((Tensor, Tensor, Tensor))",
		"postprocessor": "forward(__torch__.ludwig_infer.triton.TritonPostprocessor self, Tensor INPUT__0, Tensor INPUT__1, Tensor INPUT__2) -> ((str[], Tensor))",
	} {
		mod, err := torch.Load(filepath.Join(dir, "ludwig_model_"+name, "1", "model.pt"), "cpu")
		require.NoError(t, err)
		s, err := mod.Schema()
		mod.Close()
		require.NoError(t, err)
		assert.Equal(t, want, s)
	}
}
