package response

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ludwig-infer/ludwig-infer/core/export"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

func TestAppendString(t *testing.T) {
	for in, want := range map[string]string{
		"plain": `"plain"`, `q"b\`: `"q\"b\\"`, "a\nb\tc\x01": `"a\nb\tc\u0001"`,
		"CAFÉ": `"CAFÉ"`, "\xc3": `"\ufffd"`, "ok\xffok": `"ok\ufffdok"`, "<UNK>": `"<UNK>"`,
	} {
		got := string(AppendString(nil, in))
		assert.Equal(t, want, got, in)
		assert.True(t, json.Valid([]byte(got)), got)
	}
}

func TestNaNBecomesNull(t *testing.T) {
	v := tensor.FromFloat32([]float32{1.5, float32(math.NaN()), float32(math.Inf(1))}, 3)
	assert.Equal(t, `[1.5,null,null]`, string(AppendNested(nil, v)))
	assert.Equal(t, `{"dtype":"float32","shape":[3],"data":[1.5,null,null]}`, string(AppendTensorJSON(nil, v)))
	m := tensor.FromFloat64([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	assert.Equal(t, `[[1,2,3],[4,5,6]]`, string(AppendNested(nil, m)))
	b := tensor.Tensor{DType: tensor.Bool, Shape: []int64{2}, Data: []byte{1, 0}}
	assert.Equal(t, `[true,false]`, string(AppendNested(nil, b)))
}

func TestForms(t *testing.T) {
	probs := tensor.FromFloat32([]float32{0.25, 0.75, 0.9, 0.1}, 2, 2)
	entries := []Entry{
		{Feature: "y", Key: "predictions", Value: []string{"Yes", "No"}},
		{Feature: "y", Key: "probabilities", Value: probs},
		{Feature: "s", Key: "predictions", Value: [][]string{{"a"}, {}}},
	}
	e := Encoder{Outputs: []export.Feature{{Name: "y", Type: "binary", Labels: []string{"No", "Yes"}}}}
	js, named := e.Encode(entries, Features, false)
	assert.Empty(t, named)
	assert.Equal(t, `{"y":{"predictions":["Yes","No"],"probabilities":[[0.25,0.75],[0.9,0.1]]},"s":{"predictions":[["a"],[]]}}`, string(js))
	js, _ = e.Encode(entries, Columns, false)
	assert.Equal(t, `{"y_predictions":["Yes","No"],"y_probabilities":[[0.25,0.75],[0.9,0.1]],"s_predictions":[["a"],[]]}`, string(js))
	js, _ = e.Encode(entries, Full, false)
	// LudwigModel.predict's order: every output's own columns (binary:
	// probabilities first), then every output's added columns.
	assert.Equal(t, `{"y_probabilities":[[0.25,0.75],[0.9,0.1]],"y_predictions":["Yes","No"],"s_predictions":[["a"],[]],"y_probabilities_No":[0.25,0.9],"y_probabilities_Yes":[0.75,0.1],"y_probability":[0.75,0.9]}`, string(js))
	js, named = e.Encode(entries, Full, true)
	require.Len(t, named, 4)
	assert.Equal(t, []string{"y::probabilities", "y::probabilities_No", "y::probabilities_Yes", "y::probability"},
		[]string{named[0].Name, named[1].Name, named[2].Name, named[3].Name})
	assert.Equal(t, `{"y_predictions":["Yes","No"],"s_predictions":[["a"],[]]}`, string(js))
}

func TestSplitAndParse(t *testing.T) {
	f, k := Split("a::b::predictions")
	assert.Equal(t, []string{"a::b", "predictions"}, []string{f, k})
	f, k = Split("plain")
	assert.Equal(t, []string{"plain", ""}, []string{f, k})
	_, err := ParseForm("wide")
	assert.EqualError(t, err, `unknown output form "wide" (want features, columns or full)`)
}

func TestRecords(t *testing.T) {
	probs := tensor.FromFloat32([]float32{0.25, 0.75, 0.9, 0.1}, 2, 2)
	entries := []Entry{
		{Feature: "y", Key: "predictions", Value: []string{"Yes", "No"}},
		{Feature: "y", Key: "probabilities", Value: probs},
		{Feature: "s", Key: "predictions", Value: [][]string{{"a"}, {}}},
		{Feature: "s", Key: "probabilities", Value: []tensor.Tensor{tensor.FromFloat32([]float32{0.5}, 1), tensor.FromFloat32(nil, 0)}},
	}
	e := Encoder{Outputs: []export.Feature{{Name: "y", Type: "binary", Labels: []string{"No", "Yes"}}}}
	js, err := e.EncodeRecords(entries, Full)
	require.NoError(t, err)
	assert.Equal(t, `[{"y_probabilities":[0.25,0.75],"y_predictions":"Yes","s_predictions":["a"],"s_probabilities":[0.5],"y_probabilities_No":0.25,"y_probabilities_Yes":0.75,"y_probability":0.75},`+
		`{"y_probabilities":[0.9,0.1],"y_predictions":"No","s_predictions":[],"s_probabilities":[],"y_probabilities_No":0.9,"y_probabilities_Yes":0.1,"y_probability":0.9}]`, string(js))
	_, err = e.EncodeRecords([]Entry{{Feature: "a", Key: "x", Value: []string{"1"}}, {Feature: "a", Key: "y", Value: []string{"1", "2"}}}, Columns)
	assert.EqualError(t, err, "output a::y has 2 rows, others 1")
}

func TestProbabilityOfNaNRowIsNaN(t *testing.T) {
	probs := tensor.FromFloat32([]float32{0.25, float32(math.NaN()), 0.5}, 1, 3)
	e := Encoder{Outputs: []export.Feature{{Name: "c", Type: "category", Labels: []string{"a", "b", "c"}}}}
	_, named := e.Encode([]Entry{{Feature: "c", Key: "probabilities", Value: probs}}, Full, true)
	require.Len(t, named, 5)
	// A category's probability comes before its probabilities_<label>, as in LudwigModel.predict.
	assert.Equal(t, "c::probability", named[1].Name)
	assert.True(t, math.IsNaN(named[1].Float64At(0)))
}

func TestTextResponse(t *testing.T) {
	entries := []Entry{
		{Feature: "t", Key: "predictions", Value: [][]string{{"good", "day", "<EOS>", "<PAD>"}, {"<UNK>", "x", "", "y"}}},
		{Feature: "t", Key: "probability", Value: tensor.FromFloat32([]float32{-0.5, -1}, 2)},
		{Feature: "q", Key: "predictions", Value: [][]string{{"a", "b"}, {"c"}}},
	}
	// "t" is text: full adds t_response; "q" is a sequence: Ludwig adds nothing.
	e := Encoder{Outputs: []export.Feature{{Name: "t", Type: "text"}, {Name: "q", Type: "sequence"}}}
	js, _ := e.Encode(entries, Full, false)
	assert.Equal(t, `{"t_predictions":[["good","day","<EOS>","<PAD>"],["<UNK>","x","","y"]],"q_predictions":[["a","b"],["c"]],`+
		`"t_response":["good day <EOS> <PAD>","<UNK> x  y"],"t_probability":[-0.5,-1]}`, string(js))
	js, _ = e.Encode(entries, Columns, false)
	assert.NotContains(t, string(js), "t_response")
	js, err := e.EncodeRecords(entries, Full)
	require.NoError(t, err)
	assert.Equal(t, `[{"t_predictions":["good","day","<EOS>","<PAD>"],"q_predictions":["a","b"],"t_response":"good day <EOS> <PAD>","t_probability":-0.5},`+
		`{"t_predictions":["<UNK>","x","","y"],"q_predictions":["c"],"t_response":"<UNK> x  y","t_probability":-1}]`, string(js))
}

// TestLudwigColumnOrder: the full form's columns in LudwigModel.predict's
// order for every output type with added or moved columns (as recorded by
// the conformance suite from Ludwig 0.10.4).
func TestLudwigColumnOrder(t *testing.T) {
	p := tensor.FromFloat32([]float32{0.4, 0.6}, 1, 2)
	entries := []Entry{
		{Feature: "b", Key: "predictions", Value: []string{"Yes"}},
		{Feature: "b", Key: "probabilities", Value: p},
		{Feature: "c", Key: "predictions", Value: []string{"y"}},
		{Feature: "c", Key: "probabilities", Value: p},
		{Feature: "n", Key: "predictions", Value: tensor.FromFloat32([]float32{1}, 1)},
		{Feature: "s", Key: "predictions", Value: [][]string{{"a"}}},
		{Feature: "s", Key: "probabilities", Value: p},
		{Feature: "s", Key: "probability", Value: tensor.FromFloat32([]float32{-1}, 1)},
		{Feature: "t", Key: "predictions", Value: [][]string{{"a"}}},
		{Feature: "t", Key: "probabilities", Value: p},
		{Feature: "t", Key: "probability", Value: tensor.FromFloat32([]float32{-1}, 1)},
		{Feature: "v", Key: "predictions", Value: p},
		{Feature: "v", Key: "logits", Value: p},
	}
	e := Encoder{Outputs: []export.Feature{{Name: "b", Type: "binary", Labels: []string{"No", "Yes"}}, {Name: "c", Type: "category", Labels: []string{"x", "y"}},
		{Name: "n", Type: "number"}, {Name: "s", Type: "sequence"}, {Name: "t", Type: "text"}, {Name: "v", Type: "vector"}}}
	js, err := e.EncodeRecords(entries, Full)
	require.NoError(t, err)
	var keys []string
	d := json.NewDecoder(bytes.NewReader(js[1 : len(js)-1]))
	tok, _ := d.Token() // {
	require.Equal(t, json.Delim('{'), tok)
	for d.More() {
		k, _ := d.Token()
		keys = append(keys, k.(string))
		var v any
		require.NoError(t, d.Decode(&v))
	}
	assert.Equal(t, []string{"b_probabilities", "b_predictions", "c_predictions", "c_probabilities", "n_predictions",
		"s_predictions", "s_probabilities", "t_predictions", "t_probabilities", "v_predictions", "v_logits",
		"b_probabilities_No", "b_probabilities_Yes", "b_probability", "c_probability", "c_probabilities_x", "c_probabilities_y",
		"s_probability", "t_response", "t_probability"}, keys)
}
