package stage

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ludwig-infer/ludwig-infer/core/export"
	"github.com/ludwig-infer/ludwig-infer/core/featurize"
	"github.com/ludwig-infer/ludwig-infer/core/native"
	"github.com/ludwig-infer/ludwig-infer/core/request"
	"github.com/ludwig-infer/ludwig-infer/core/response"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
	"github.com/ludwig-infer/ludwig-infer/core/torch"
)

// fixedPre is a native preprocessor that answers t, or err.
type fixedPre struct {
	t   tensor.Tensor
	err error
}

func (f fixedPre) Preprocess(featurize.Input) (tensor.Tensor, error) { return f.t, f.err }

// recordingPre is a stage preprocessor that records its calls.
type recordingPre struct{ calls int }

func (r *recordingPre) Preprocess(inputs []featurize.Input) (*Batch, error) {
	r.calls++
	return Tensors([]string{"fallback"}, []tensor.Tensor{tensor.FromInt64([]int64{int64(len(inputs))}, 1)}, "preprocessor"), nil
}

// scaledPost is a native postprocessor returning its "logits" times two as
// "predictions", or err.
type scaledPost struct{ err error }

func (s scaledPost) Postprocess(get native.Predictions) ([]native.Entry, error) {
	if s.err != nil {
		return nil, s.err
	}
	t, ok := get("logits")
	if !ok {
		return nil, errors.New("no logits")
	}
	out := make([]float64, t.NumElements())
	for i := range out {
		out[i] = 2 * t.Float64At(i)
	}
	return []native.Entry{{Key: "predictions", Value: tensor.FromFloat64(out, t.Shape...)}}, nil
}

// recordingPost is a stage postprocessor that records its calls.
type recordingPost struct{ calls int }

func (r *recordingPost) Postprocess(*Batch) ([]response.Entry, error) {
	r.calls++
	return []response.Entry{{Feature: "y", Key: "from", Value: "fallback"}}, nil
}

var features = []export.Feature{{Name: "a", Type: "number"}, {Name: "b", Type: "category"}}

func TestNativePre(t *testing.T) {
	one := tensor.FromFloat64([]float64{1}, 1)
	two := tensor.FromInt64([]int64{2}, 1)
	inputs := []featurize.Input{{Rows: 1}, {Rows: 1}}

	p := &NativePre{Features: features, Pre: []native.Preprocessor{fixedPre{t: one}, fixedPre{t: two}}}
	b, err := p.Preprocess(inputs)
	require.NoError(t, err)
	names, ts, err := b.Tensors("preprocessor")
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, names)
	assert.Equal(t, []tensor.Tensor{one, two}, ts)

	// A declined value sends the whole call to the fallback...
	fb := &recordingPre{}
	p = &NativePre{Features: features, Pre: []native.Preprocessor{fixedPre{t: one}, fixedPre{err: native.ErrFallback}}, Fallback: fb}
	b, err = p.Preprocess(inputs)
	require.NoError(t, err)
	names, ts, err = b.Tensors("preprocessor")
	require.NoError(t, err)
	assert.Equal(t, 1, fb.calls)
	assert.Equal(t, []string{"fallback"}, names)
	assert.Equal(t, int64(2), ts[0].Int64At(0))

	// ...an error without one.
	p.Fallback = nil
	_, err = p.Preprocess(inputs)
	require.Error(t, err)
	assert.Equal(t, status.Input, status.CodeOf(err))
	assert.Contains(t, err.Error(), "a value of this request needs the TorchScript preprocessor, and this build has no libtorch")

	// Other errors name the feature and its type.
	p = &NativePre{Features: features, Pre: []native.Preprocessor{fixedPre{t: one}, fixedPre{err: errors.New("row 0: bad")}}, Fallback: fb}
	_, err = p.Preprocess(inputs)
	require.Error(t, err)
	assert.Equal(t, status.Input, status.CodeOf(err))
	assert.Contains(t, err.Error(), `input feature "b" (category): row 0: bad`)
	assert.Equal(t, 1, fb.calls)
}

func TestNativePost(t *testing.T) {
	in := Tensors([]string{"y::logits"}, []tensor.Tensor{tensor.FromFloat64([]float64{0.25, -1}, 2)}, "predictor")
	out := []native.Output{{Feature: native.Feature{Name: "y"}, Post: scaledPost{}}}

	p := &NativePost{Outputs: out}
	entries, err := p.Postprocess(in)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, "y", entries[0].Feature)
	assert.Equal(t, "predictions", entries[0].Key)
	got := entries[0].Value.(tensor.Tensor)
	assert.Equal(t, 0.5, got.Float64At(0))
	assert.Equal(t, -2.0, got.Float64At(1))

	// A feature that declines sends the whole stage to the fallback.
	fb := &recordingPost{}
	p = &NativePost{Outputs: append(out, native.Output{Feature: native.Feature{Name: "z"}, Post: scaledPost{err: native.ErrFallback}}), Fallback: fb}
	entries, err = p.Postprocess(in)
	require.NoError(t, err)
	assert.Equal(t, 1, fb.calls)
	assert.Equal(t, []response.Entry{{Feature: "y", Key: "from", Value: "fallback"}}, entries)

	p.Fallback = nil
	_, err = p.Postprocess(in)
	require.Error(t, err)
	assert.Equal(t, status.Model, status.CodeOf(err))
	assert.Contains(t, err.Error(), "the postprocessor cannot run natively on these values, and this build has no libtorch")

	// A native failure is the call's error, not a fallback.
	p = &NativePost{Outputs: []native.Output{{Feature: native.Feature{Name: "y"}, Post: scaledPost{err: errors.New("boom")}}}, Fallback: fb}
	_, err = p.Postprocess(in)
	require.Error(t, err)
	assert.Equal(t, status.Runtime, status.CodeOf(err))
	assert.Contains(t, err.Error(), `postprocessor failed: output feature "y": boom`)
	assert.Equal(t, 1, fb.calls)
}

func TestFlatten(t *testing.T) {
	p := tensor.FromInt64([]int64{1}, 1)
	q := tensor.FromFloat64([]float64{0.5}, 1)
	// The postprocessor's flat dict, features interleaved: grouped by
	// feature in first-seen order, keys in order.
	flat := &torch.Dict{Keys: []string{"a::predictions", "b::predictions", "a::probabilities"}, Values: []any{p, []string{"x"}, q}}
	assert.Equal(t, []response.Entry{
		{Feature: "a", Key: "predictions", Value: p},
		{Feature: "a", Key: "probabilities", Value: q},
		{Feature: "b", Key: "predictions", Value: []string{"x"}},
	}, groupByFeature(flatten(flat, false)))

	// An InferenceModule's nested dict.
	nested := &torch.Dict{Keys: []string{"a"}, Values: []any{&torch.Dict{Keys: []string{"predictions", "probabilities"}, Values: []any{p, q}}}}
	assert.Equal(t, []response.Entry{
		{Feature: "a", Key: "predictions", Value: p},
		{Feature: "a", Key: "probabilities", Value: q},
	}, flatten(nested, false))

	// A Carton module's {feature: predictions}, and predictions only.
	carton := &torch.Dict{Keys: []string{"a", "b::probabilities"}, Values: []any{p, q}}
	assert.Equal(t, []response.Entry{{Feature: "a", Key: "predictions", Value: p}}, flatten(carton, true))
}

func TestBatch(t *testing.T) {
	a := tensor.FromInt64([]int64{1}, 1)
	b := Request([]string{"x", "y"}, []tensor.Tensor{a, a}, 1)
	names, ts, err := b.Tensors("stage")
	require.NoError(t, err)
	assert.Equal(t, []string{"x", "y"}, names)
	assert.Equal(t, []tensor.Tensor{a, a}, ts)
	m, err := b.byKey()
	require.NoError(t, err)
	assert.Equal(t, map[string]tensor.Tensor{"x": a, "y": a}, m)
	b.Free() // a Go batch: nothing to free

	_, err = (&Unflatten{}).Postprocess(b)
	require.Error(t, err)
	assert.Equal(t, status.Internal, status.CodeOf(err))
}

func TestLoadGoPredictorErrors(t *testing.T) {
	_, err := LoadGoPredictor("../../testdata/models/tabular/inference_predictor-cpu.pt", "cuda:0")
	require.Error(t, err)
	assert.Equal(t, status.InvalidArgument, status.CodeOf(err))
	assert.Contains(t, err.Error(), `device "cuda:0": the Go engine runs on the CPU only`)

	_, err = LoadGoPredictor("../../testdata/models/tabular/model_hyperparameters.json", "cpu")
	require.Error(t, err)
	assert.Equal(t, status.Model, status.CodeOf(err))
	assert.Contains(t, err.Error(), "not a TorchScript archive")
}

// TestBatchAcrossEngines hands the TorchScript preprocessor's output, held
// by libtorch, to both predictors: the Go one reads it into Go, the
// libtorch one takes it as it is. Their outputs agree within the engine's
// tolerance, and the libtorch batch read into Go names the same tensors.
func TestBatchAcrossEngines(t *testing.T) {
	if !torch.Available {
		t.Skip("needs libtorch")
	}
	files, err := export.Find("../../testdata/models/tabular", "cpu")
	require.NoError(t, err)
	schema, err := export.ReadSchema(files)
	require.NoError(t, err)
	preMod, err := LoadModule(files.Preprocessor, "cpu")
	require.NoError(t, err)
	defer preMod.Close()
	predMod, err := LoadModule(files.Predictor, "cpu")
	require.NoError(t, err)
	defer predMod.Close()
	goPred, err := LoadGoPredictor(files.Predictor, "cpu")
	require.NoError(t, err)

	table, err := request.Decode([]byte(`{"Age": [34, 61.5], "city": ["Paris", "Lima"], "member": [true, false], "cell": [617703466028236799, 617703466028236799]}`))
	require.NoError(t, err)
	inputs := make([]featurize.Input, len(schema.Inputs))
	for i, f := range schema.Inputs {
		col := table.Get(f.Column)
		require.NotNil(t, col, f.Column)
		inputs[i], err = featurize.FromColumn(f, *col, featurize.Options{})
		require.NoError(t, err)
	}
	pre, err := (&ScriptPre{Mod: preMod, Features: schema.Inputs}).Preprocess(inputs)
	require.NoError(t, err)
	defer pre.Free()
	viaTorch, err := (&Script{Mod: predMod, Device: "cpu", Name: "predictor"}).Predict(pre)
	require.NoError(t, err)
	defer viaTorch.Free()
	viaGo, err := goPred.Predict(pre)
	require.NoError(t, err)

	tn, tt, err := viaTorch.Tensors("predictor")
	require.NoError(t, err)
	gn, gt, err := viaGo.Tensors("predictor")
	require.NoError(t, err)
	require.NotEmpty(t, tn)
	require.Equal(t, tn, gn)
	for i := range tn {
		require.Equal(t, tt[i].Shape, gt[i].Shape, tn[i])
		require.Equal(t, tt[i].DType, gt[i].DType, tn[i])
		for j := 0; j < int(tt[i].NumElements()); j++ {
			want, got := tt[i].Float64At(j), gt[i].Float64At(j)
			assert.LessOrEqual(t, math.Abs(want-got), 1e-5+1e-5*math.Abs(want), "%s[%d]", tn[i], j)
		}
	}
}
