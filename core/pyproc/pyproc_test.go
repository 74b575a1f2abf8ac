package pyproc

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/ludwig-infer/ludwig-infer/core/request"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// model builds a Model from one input feature (config JSON object and
// metadata JSON object) and a number output.
func model(t *testing.T, input, inMeta string) *Model {
	t.Helper()
	m, err := tryModel(input, inMeta, `{"name": "y", "type": "number"}`, `{"preprocessing": {}}`)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func tryModel(input, inMeta, output, outMeta string) (*Model, error) {
	hp := fmt.Sprintf(`{"ludwig_version": "0.17.10", "model_type": "ecd", "input_features": [%s], "output_features": [%s]}`, input, output)
	name := strings.Split(strings.Split(input, `"name": "`)[1], `"`)[0]
	oname := strings.Split(strings.Split(output, `"name": "`)[1], `"`)[0]
	md := fmt.Sprintf(`{%q: %s, %q: %s}`, name, inMeta, oname, outMeta)
	return Parse([]byte(hp), []byte(md))
}

func pre(t *testing.T, m *Model, records string) ([]Named, error) {
	t.Helper()
	table, err := request.Decode([]byte(records))
	if err != nil {
		t.Fatal(err)
	}
	return m.Preprocess(table)
}

func values(n tensor.Tensor) []float64 {
	out := make([]float64, n.NumElements())
	for i := range out {
		out[i] = n.Float64At(i)
	}
	return out
}

func wantErr(t *testing.T, err error, code status.Code, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", code)
	}
	if status.CodeOf(err) != code {
		t.Fatalf("code %s, want %s: %v", status.CodeOf(err), code, err)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q lacks %q", err, p)
		}
	}
}

const yesNo = `{"str2bool": {"Yes": true, "No": false}, "bool2str": ["No", "Yes"], "preprocessing": {"missing_value_strategy": "fill_with_false", "computed_fill_value": "No"}}`

func TestBinaryUnseenStringIsAnError(t *testing.T) {
	m := model(t, `{"name": "b", "type": "binary"}`, yesNo)
	_, err := pre(t, m, `[{"b": "Yes"}, {"b": "maybe"}]`)
	wantErr(t, err, status.Input, `input feature "b"`, "row 1", `"maybe"`, "No, Yes")
	// Ludwig does not strip: " Yes " is unseen too.
	_, err = pre(t, m, `[{"b": " Yes "}]`)
	wantErr(t, err, status.Input, "row 0")
	got, err := pre(t, m, `[{"b": "Yes"}, {"b": null}, {"b": "No"}]`)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(values(got[0].Tensor)) != "[1 0 0]" || got[0].DType != tensor.Bool {
		t.Errorf("got %v %s", values(got[0].Tensor), got[0].DType)
	}
}

func TestBinaryCastsOverTheBatch(t *testing.T) {
	m := model(t, `{"name": "b", "type": "binary"}`, `{"preprocessing": {"missing_value_strategy": "fill_with_false", "computed_fill_value": false}}`)
	for _, c := range []struct{ rows, want string }{
		{`[{"b": 2}, {"b": 0}, {"b": -1.5}]`, "[1 0 1]"},                       // numbers: nonzero
		{`[{"b": "TRUE"}, {"b": "false"}, {"b": true}]`, "[1 0 1]"},            // pandas booleans
		{`[{"b": "yes"}, {"b": "N"}, {"b": "1.0"}, {"b": null}]`, "[1 0 1 0]"}, // str2bool spellings
	} {
		got, err := pre(t, m, c.rows)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(values(got[0].Tensor)) != c.want {
			t.Errorf("%s: got %v, want %s", c.rows, values(got[0].Tensor), c.want)
		}
	}
	_, err := pre(t, m, `[{"b": "yes"}, {"b": "perhaps"}]`)
	wantErr(t, err, status.Input, "row 1", `"perhaps"`)
}

func TestNumberFillOutliersAndNormalizations(t *testing.T) {
	meta := `{"mean": 10, "std": 2, "min": 0, "max": 20, "q1": 5, "q2": 10, "q3": 15, "preprocessing": {"missing_value_strategy": "fill_with_const", "computed_fill_value": 4, "outlier_strategy": "fill_with_mean", "outlier_threshold": 3.0, "computed_outlier_fill_value": 10, "normalization": %q}}`
	for _, c := range []struct {
		norm string
		want []float64
	}{
		{"zscore", []float64{-3, -2, 0, 1.5}},
		{"minmax", []float64{0.2, 0.3, 0.5, 0.65}},
		{"iq", []float64{-0.6, -0.4, 0, 0.3}},
		{"log1p", []float64{math.Log1p(4), math.Log1p(6), math.Log1p(10), math.Log1p(13)}},
		{"none", []float64{4, 6, 10, 13}},
	} {
		m := model(t, `{"name": "x", "type": "number"}`, fmt.Sprintf(meta, c.norm))
		// null and "abc" take the fill value 4; 100 is an outlier (z = 45).
		got, err := pre(t, m, `[{"x": null}, {"x": " 6 "}, {"x": 100}, {"x": 13}]`)
		if err != nil {
			t.Fatal(err)
		}
		for i, w := range c.want {
			if v := got[0].Float64At(i); !close32(v, w) {
				t.Errorf("%s[%d] = %v, want %v", c.norm, i, v, w)
			}
		}
	}
	m := model(t, `{"name": "x", "type": "number"}`, `{"preprocessing": {"normalization": "log1p", "missing_value_strategy": "fill_with_const", "computed_fill_value": 1}}`)
	_, err := pre(t, m, `[{"x": 2}, {"x": -1}]`)
	wantErr(t, err, status.Input, `input feature "x"`, "row 1", "log1p")
	m = model(t, `{"name": "x", "type": "number"}`, `{"preprocessing": {"missing_value_strategy": "drop_row"}}`)
	_, err = pre(t, m, `[{"x": 2}, {"x": null}]`)
	wantErr(t, err, status.Input, "row 1", "drop_row")
	m = model(t, `{"name": "x", "type": "number"}`, `{"preprocessing": {"missing_value_strategy": "bfill"}}`)
	got, err := pre(t, m, `[{"x": null}, {"x": 2}, {"x": null}, {"x": 5}, {"x": null}]`)
	if err != nil || fmt.Sprint(values(got[0].Tensor)) != "[2 2 5 5 5]" {
		t.Errorf("bfill: %v %v", got, err)
	}
}

const cityMeta = `{"idx2str": ["Paris", "Rome", "Oslo"], "str2idx": {"Paris": 0, "Rome": 1, "Oslo": 2}, "str2freq": {"Paris": 3, "Rome": 5, "Oslo": 5}, "vocab_size": 3, "preprocessing": {"missing_value_strategy": "fill_with_const", "computed_fill_value": "Oslo"}}`

func TestCategoryUnseenIsMostFrequentOrUnk(t *testing.T) {
	m := model(t, `{"name": "c", "type": "category"}`, cityMeta)
	got, err := pre(t, m, `[{"c": " Oslo\u00a0"}, {"c": "rome"}, {"c": null}, {"c": 5}]`)
	if err != nil {
		t.Fatal(err)
	}
	// Unicode strip; "rome" and 5 are unseen: the first most frequent (Rome).
	if fmt.Sprint(values(got[0].Tensor)) != "[2 1 2 1]" || fmt.Sprint(got[0].Shape) != "[4 1]" || got[0].DType != tensor.Int32 {
		t.Errorf("got %v %v %s", values(got[0].Tensor), got[0].Shape, got[0].DType)
	}
	m = model(t, `{"name": "c", "type": "category"}`, `{"idx2str": ["<UNK>", "a"], "str2idx": {"<UNK>": 0, "a": 1}, "str2freq": {"<UNK>": 0, "a": 9}, "preprocessing": {}}`)
	got, err = pre(t, m, `[{"c": "a"}, {"c": "b"}]`)
	if err != nil || fmt.Sprint(values(got[0].Tensor)) != "[1 0]" {
		t.Errorf("with <UNK>: %v %v", got, err)
	}
}

func TestSequenceTokenizers(t *testing.T) {
	for _, c := range []struct{ tok, in, want string }{
		{"space", "  Ab  cd ", "[Ab cd]"},
		{"space_punct", "Été, l'eau_1 !", "[Été , l ' eau_1 !]"},
		{"characters", "Ça!", "[Ç a !]"},
		{"comma", " a , b,,c ", "[a b  c]"},
		{"underscore", "x _ y", "[x y]"},
		{"stripped", " q ", "[q]"},
		{"untokenized", " q ", "[ q ]"},
	} {
		tk, err := newTokenizer(c.tok)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(tk.tokens(c.in)); got != c.want {
			t.Errorf("%s(%q) = %s, want %s", c.tok, c.in, got, c.want)
		}
	}
	_, err := newTokenizer("bert")
	if err == nil || !strings.Contains(err.Error(), "space_punct") {
		t.Errorf("bert: %v", err)
	}
}

const textMeta = `{"idx2str": ["<EOS>", "<SOS>", "<PAD>", "<UNK>", "été", "a"], "str2idx": {"<EOS>": 0, "<SOS>": 1, "<PAD>": 2, "<UNK>": 3, "été": 4, "a": 5}, "max_sequence_length": 4, "padding_symbol": "<PAD>", "unknown_symbol": "<UNK>", "preprocessing": {"tokenizer": "space", "lowercase": true, "padding": %q, "missing_value_strategy": "fill_with_const", "computed_fill_value": "<UNK>"}}`

func TestTextLowercasesUnicodeTruncatesAndPads(t *testing.T) {
	m := model(t, `{"name": "t", "type": "text"}`, fmt.Sprintf(textMeta, "right"))
	got, err := pre(t, m, `[{"t": "ÉTÉ"}, {"t": "a b a a"}, {"t": ""}]`)
	if err != nil {
		t.Fatal(err)
	}
	if s := fmt.Sprint(values(got[0].Tensor)); s != "[1 4 0 2 1 5 3 5 1 0 2 2]" {
		t.Errorf("right: %s", s)
	}
	m = model(t, `{"name": "t", "type": "text"}`, fmt.Sprintf(textMeta, "left"))
	got, err = pre(t, m, `[{"t": "a"}]`)
	if err != nil || fmt.Sprint(values(got[0].Tensor)) != "[2 1 5 0]" {
		t.Errorf("left: %v %v", got, err)
	}
}

func TestVectorDateH3Timeseries(t *testing.T) {
	m := model(t, `{"name": "v", "type": "vector"}`, `{"vector_size": 2, "preprocessing": {}}`)
	got, err := pre(t, m, `[{"v": "1 2.5"}, {"v": [3, -4]}]`)
	if err != nil || fmt.Sprint(values(got[0].Tensor)) != "[1 2.5 3 -4]" {
		t.Errorf("vector: %v %v", got, err)
	}
	_, err = pre(t, m, `[{"v": "1 2 3"}]`)
	wantErr(t, err, status.Input, `input feature "v"`, "row 0", "3 elements", "takes 2")
	_, err = pre(t, m, `[{"v": "1 x"}]`)
	wantErr(t, err, status.Input, `"x"`)

	m = model(t, `{"name": "d", "type": "date"}`, `{"preprocessing": {"datetime_format": "%d/%m/%Y", "fill_value": "", "missing_value_strategy": "fill_with_const", "computed_fill_value": ""}}`)
	m.inputs[0].now = func() time.Time { return time.Date(2020, 5, 17, 1, 2, 3, 0, time.UTC) }
	got, err = pre(t, m, `[{"d": "31/12/2023"}, {"d": "2024-02-29T10:00:00"}, {"d": null}]`)
	want := "[2023 12 31 6 365 0 0 0 0 2024 2 29 3 60 10 0 0 36000 2020 5 17 6 138 1 2 3 3723]"
	if err != nil || fmt.Sprint(values(got[0].Tensor)) != want {
		t.Errorf("date: %v %v", values(got[0].Tensor), err)
	}

	m = model(t, `{"name": "h", "type": "h3"}`, `{"preprocessing": {}}`)
	got, err = pre(t, m, `[{"h": 617700169958293503}, {"h": "617700169958293503"}]`)
	if err != nil {
		t.Fatal(err)
	}
	row := "[1 0 9 20 0 6 0 4 0 5 0 0 3 7 7 7 7 7 7]" // the same cell is in the tabular golden
	if v := values(got[0].Tensor); fmt.Sprint(v[:19]) != row || fmt.Sprint(v[19:]) != row {
		t.Errorf("h3: %v", v)
	}
	_, err = pre(t, m, `[{"h": "cell"}]`)
	wantErr(t, err, status.Input, `input feature "h"`, "row 0")

	m = model(t, `{"name": "s", "type": "timeseries"}`, `{"max_timeseries_length": 3, "preprocessing": {"tokenizer": "space", "padding_value": -1, "padding": "left"}}`)
	got, err = pre(t, m, `[{"s": "1 nan"}, {"s": "1 2 3 4"}]`)
	if err != nil || fmt.Sprint(values(got[0].Tensor)) != "[-1 1 -1 1 2 3]" {
		t.Errorf("timeseries: %v %v", got, err)
	}
	_, err = pre(t, m, `[{"s": "1 two"}]`)
	wantErr(t, err, status.Input, `"two"`)
}

func TestModelErrors(t *testing.T) {
	_, err := tryModel(`{"name": "img", "type": "image"}`, `{"preprocessing": {}}`, `{"name": "y", "type": "number"}`, `{"preprocessing": {}}`)
	wantErr(t, err, status.Model, `input feature "img" (image)`, "not supported")
	_, err = tryModel(`{"name": "au", "type": "audio"}`, `{"preprocessing": {}}`, `{"name": "y", "type": "number"}`, `{"preprocessing": {}}`)
	wantErr(t, err, status.Model, `input feature "au" (audio)`)
	_, err = tryModel(`{"name": "x", "type": "number"}`, `{"preprocessing": {"normalization": "zscore"}}`, `{"name": "y", "type": "number"}`, `{"preprocessing": {}}`)
	wantErr(t, err, status.Model, "zscore statistics")
	_, err = tryModel(`{"name": "x", "type": "number"}`, `{"preprocessing": {}}`, `{"name": "y", "type": "number", "calibration": true}`, `{"preprocessing": {}}`)
	wantErr(t, err, status.Model, `output feature "y" (number): calibration is on: Ludwig calibrates binary and category outputs only`)
	_, err = tryModel(`{"name": "t", "type": "text"}`, `{"str2idx": {"<PAD>": 0}, "max_sequence_length": 3, "preprocessing": {"tokenizer": "hf_tokenizer"}}`, `{"name": "y", "type": "number"}`, `{"preprocessing": {}}`)
	wantErr(t, err, status.Model, "hf_tokenizer")
	_, err = Parse([]byte(`{"input_features": [{"name": "x", "type": "number"}], "output_features": [{"name": "y", "type": "number"}]}`), []byte(`{"y": {}}`))
	wantErr(t, err, status.Model, `input feature "x"`, "no entry")
	_, err = Parse([]byte(`{`), []byte(`{}`))
	wantErr(t, err, status.Model, HyperparametersFile)
	_, err = Load(t.TempDir())
	wantErr(t, err, status.NotFound, HyperparametersFile)

	m := model(t, `{"name": "x", "type": "number", "column": "X col"}`, `{"preprocessing": {}}`)
	_, err = pre(t, m, `[{"x2": 1}]`)
	wantErr(t, err, status.InvalidArgument, `"X col"`)
}

func TestPostprocessOutputs(t *testing.T) {
	m, err := tryModel(`{"name": "x", "type": "number"}`, `{"preprocessing": {}}`,
		`{"name": "y", "type": "binary", "threshold": 0.7}`, `{"preprocessing": {}}`)
	if err != nil {
		t.Fatal(err)
	}
	logit := float32(math.Log(0.6 / 0.4)) // p = 0.6 < threshold
	get := func(name string) (tensor.Tensor, bool) {
		return float32Tensor([]float32{logit, 3}, 2), name == "y::logits"
	}
	cols, err := m.Postprocess(get, 2)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range cols {
		names = append(names, c.Name())
	}
	if fmt.Sprint(names) != "[y_probabilities y_predictions y_probabilities_False y_probabilities_True y_probability]" {
		t.Errorf("names %v", names)
	}
	if fmt.Sprint(cols[1].Value) != "[false true]" || !close32(float64(cols[4].Value.([]float32)[0]), 0.6) {
		t.Errorf("values %v %v", cols[1].Value, cols[4].Value)
	}
	_, err = m.Postprocess(func(string) (tensor.Tensor, bool) { return tensor.Tensor{}, false }, 2)
	wantErr(t, err, status.Runtime, `"y::logits"`)
	_, err = m.Postprocess(func(string) (tensor.Tensor, bool) { return float32Tensor([]float32{1, 2, 3, 4}, 2, 2), true }, 2)
	wantErr(t, err, status.Runtime, "shape [2 2]")
	_, err = m.Postprocess(func(string) (tensor.Tensor, bool) { return float32Tensor([]float32{1, 2}, 2), true }, 3)
	wantErr(t, err, status.Runtime, "3 rows")
}

func TestVocabularyIndexOutOfRange(t *testing.T) {
	_, err := tryModel(`{"name": "s", "type": "set"}`, `{"str2idx": {"<UNK>": 0, "a": 5}, "preprocessing": {}}`, `{"name": "y", "type": "number"}`, `{"preprocessing": {}}`)
	wantErr(t, err, status.Model, `input feature "s"`, `str2idx["a"] = 5`)
}

func TestColumnLookup(t *testing.T) {
	m := model(t, `{"name": "x.y", "column": "x_y", "type": "number"}`, `{"preprocessing": {}}`)
	for _, rows := range []string{`[{"x_y": 1}]`, `[{"x.y": 1}]`, `[{"x(y": 1}]`} {
		got, err := pre(t, m, rows)
		if err != nil || got[0].Name != "x.y" || got[0].Float64At(0) != 1 {
			t.Errorf("%s: %v %v", rows, got, err)
		}
	}
	_, err := pre(t, m, `[{"x(y": 1, "x)y": 2}]`)
	wantErr(t, err, status.Input, `"x(y"`, `"x)y"`)
}

// TestPyLower pins Python 3.12's str.lower() on its special cases.
func TestPyLower(t *testing.T) {
	for in, want := range map[string]string{
		"ÉTÉ":      "\u00e9t\u00e9",
		"İSTANBUL": "i\u0307stanbul",
		"ΟΔΟΣ":     "\u03bf\u03b4\u03bf\u03c2",
		"ΟΔΟΣ Α":   "\u03bf\u03b4\u03bf\u03c2 \u03b1",
		"Σ":        "\u03c3",
		"ΑΣΑ":      "\u03b1\u03c3\u03b1",
		"ǅ":        "\u01c6",
	} {
		if got := pyLower(in); got != want {
			t.Errorf("pyLower(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCategoryCornLoss: a category output trained with the CORN loss reads
// its logits as cumulative probabilities, cumprod(sigmoid), and predicts the
// number of them above 0.5 (Ludwig's _CategoryPredict with
// use_cumulative_probs); a level past the vocabulary is an error naming the row.
func TestCategoryCornLoss(t *testing.T) {
	m, err := tryModel(`{"name": "x", "type": "number"}`, `{"preprocessing": {}}`,
		`{"name": "y", "type": "category", "loss": {"type": "corn"}}`, cityMeta)
	if err != nil {
		t.Fatal(err)
	}
	lg := func(p float64) float32 { return float32(math.Log(p / (1 - p))) }
	// row 0: sigmoids 0.9, 0.5, 0.8 -> products 0.9, 0.45, 0.36: level 1 (Rome)
	// row 1: sigmoids 0.3, ... -> level 0 (Paris) although later sigmoids are large
	rows := []float32{lg(0.9), 0, lg(0.8), lg(0.3), lg(0.99), lg(0.99)}
	cols, err := m.Postprocess(func(string) (tensor.Tensor, bool) { return float32Tensor(rows, 2, 3), true }, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(cols[0].Name(), " ", cols[0].Value); got != "y_predictions [Rome Paris]" {
		t.Errorf("predictions: %s", got)
	}
	want := [][]float64{{0.9, 0.45, 0.36}, {0.3, 0.297, 0.29403}}
	probs := cols[1].Value.([][]float32)
	for i := range want {
		for j := range want[i] {
			if !close32(float64(probs[i][j]), want[i][j]) {
				t.Errorf("probabilities[%d][%d] = %v, want %v", i, j, probs[i][j], want[i][j])
			}
		}
	}
	// _probability is the largest (the first) cumulative probability.
	if p := cols[2].Value.([]float32); cols[2].Name() != "y_probability" || !close32(float64(p[0]), 0.9) || !close32(float64(p[1]), 0.3) {
		t.Errorf("%s %v", cols[2].Name(), cols[2].Value)
	}
	// every product above 0.5: level 3 of a 3-label vocabulary
	_, err = m.Postprocess(func(string) (tensor.Tensor, bool) {
		return float32Tensor([]float32{0, 0, 0, lg(0.99), lg(0.99), lg(0.99)}, 2, 3), true
	}, 2)
	wantErr(t, err, status.Runtime, `output feature "y" (category, corn loss): row 1: all 3 cumulative probabilities are above 0.5, so the predicted level 3 has no label`)
}

// TestCalibration: calibrated outputs divide their logits by the
// temperature before sigmoid (binary) or softmax (category), and refuse to
// run without one.
func TestCalibration(t *testing.T) {
	bin, err := tryModel(`{"name": "x", "type": "number"}`, `{"preprocessing": {}}`,
		`{"name": "y", "type": "binary", "calibration": true}`, `{"preprocessing": {}}`)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(bin.CalibratedOutputs()); got != "[y]" {
		t.Errorf("calibrated outputs %s", got)
	}
	logits := func(string) (tensor.Tensor, bool) { return float32Tensor([]float32{2, -0.5}, 2), true }
	_, err = bin.Postprocess(logits, 2)
	wantErr(t, err, status.Model, `output feature "y" (binary): calibration is on and no temperature was set`)
	wantErr(t, bin.SetTemperatures(map[string]float32{"z": 2}), status.Model, `output feature "y" (binary): calibration is on but the model's weights have no temperature for it`)
	wantErr(t, bin.SetTemperatures(map[string]float32{"y": 0}), status.Model, "temperature 0 is not a finite non-zero number")
	wantErr(t, bin.SetTemperatures(map[string]float32{"y": float32(math.Inf(1))}), status.Model, "temperature +Inf")
	if err := bin.SetTemperatures(map[string]float32{"y": 4}); err != nil {
		t.Fatal(err)
	}
	cols, err := bin.Postprocess(logits, 2)
	if err != nil {
		t.Fatal(err)
	}
	// sigmoid(2/4) and sigmoid(-0.5/4); uncalibrated they would be 0.8808 and 0.3775
	pTrue := cols[3].Value.([]float32)
	if cols[3].Name() != "y_probabilities_True" || !close32(float64(pTrue[0]), 0.6224593312) || !close32(float64(pTrue[1]), 0.4687906266) {
		t.Errorf("%s %v", cols[3].Name(), pTrue)
	}

	cat, err := tryModel(`{"name": "x", "type": "number"}`, `{"preprocessing": {}}`,
		`{"name": "y", "type": "category", "calibration": true}`, cityMeta)
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.SetTemperatures(map[string]float32{"y": 0.5}); err != nil {
		t.Fatal(err)
	}
	cols, err = cat.Postprocess(func(string) (tensor.Tensor, bool) { return float32Tensor([]float32{1, 0, 0}, 1, 3), true }, 1)
	if err != nil {
		t.Fatal(err)
	}
	e2 := math.Exp(2)
	probs := cols[1].Value.([][]float32)[0]
	for i, want := range []float64{e2 / (e2 + 2), 1 / (e2 + 2), 1 / (e2 + 2)} {
		if !close32(float64(probs[i]), want) {
			t.Errorf("category probabilities %v, want softmax([2 0 0])", probs)
		}
	}

	// CORN and calibration: the calibration module's softmax replaces the sigmoid.
	corn, err := tryModel(`{"name": "x", "type": "number"}`, `{"preprocessing": {}}`,
		`{"name": "y", "type": "category", "calibration": true, "loss": {"type": "corn"}}`, cityMeta)
	if err != nil {
		t.Fatal(err)
	}
	if err := corn.SetTemperatures(map[string]float32{"y": 0.5}); err != nil {
		t.Fatal(err)
	}
	cols, err = corn.Postprocess(func(string) (tensor.Tensor, bool) { return float32Tensor([]float32{1, 0, 0}, 1, 3), true }, 1)
	if err != nil {
		t.Fatal(err)
	}
	p0 := e2 / (e2 + 2)
	probs = cols[1].Value.([][]float32)[0]
	for i, want := range []float64{p0, p0 / (e2 + 2), p0 / (e2 + 2) / (e2 + 2)} {
		if !close32(float64(probs[i]), want) {
			t.Errorf("corn calibrated probabilities %v", probs)
		}
	}
	if got := fmt.Sprint(cols[0].Value); got != "[Rome]" { // one product above 0.5: level 1
		t.Errorf("corn calibrated prediction %s", got)
	}
}

// TestDecoderCalibrationOf014: Ludwig 0.14 calibrates an output whose
// decoder asks for it (decoder.calibration) even with the feature's
// calibration off, and refuses Monte Carlo dropout; later releases ignore
// both options.
func TestDecoderCalibrationOf014(t *testing.T) {
	parse := func(version, output string) (*Model, error) {
		hp := fmt.Sprintf(`{"ludwig_version": %q, "model_type": "ecd", "input_features": [{"name": "x", "type": "number"}], "output_features": [%s]}`, version, output)
		return Parse([]byte(hp), []byte(`{"x": {"preprocessing": {}}, "y": `+cityMeta+`}`))
	}
	const withDecoder = `{"name": "y", "type": "category", "decoder": {"type": "mlp_classifier", "calibration": "temperature_scaling", "mc_dropout_samples": 0}}`
	for version, want := range map[string]string{"0.14.1": "[y]", "0.14.0": "[y]", "0.15.1": "[]", "0.17.10": "[]", "0.13.0": "[]"} {
		m, err := parse(version, withDecoder)
		if err != nil {
			t.Fatal(version, err)
		}
		if got := fmt.Sprint(m.CalibratedOutputs()); got != want {
			t.Errorf("%s: calibrated %s, want %s", version, got, want)
		}
	}
	_, err := parse("0.14.1", `{"name": "y", "type": "category", "decoder": {"type": "mlp_classifier", "calibration": "matrix_scaling"}}`)
	wantErr(t, err, status.Model, `output feature "y" (category): decoder calibration "matrix_scaling": Ludwig 0.14 knows only temperature_scaling`)
	_, err = parse("0.14.1", `{"name": "y", "type": "category", "decoder": {"type": "mlp_classifier", "mc_dropout_samples": 8}}`)
	wantErr(t, err, status.Model, `decoder mc_dropout_samples 8: Ludwig 0.14 predicts from random dropout samples`)
	if _, err := parse("0.16.2", `{"name": "y", "type": "category", "decoder": {"type": "mlp_classifier", "mc_dropout_samples": 8}}`); err != nil {
		t.Errorf("0.16.2 ignores mc_dropout_samples: %v", err)
	}
	if _, err := parse("0.14.1", `{"name": "y", "type": "category", "decoder": {"type": "classifier", "calibration": null}}`); err != nil {
		t.Errorf("null decoder calibration: %v", err)
	}
}
