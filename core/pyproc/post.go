package pyproc

import (
	"fmt"
	"math"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// Column is one column of LudwigModel.predict's result: "<Feature>_<Key>".
// Value is one of []string, []bool, []float32 (one number per row),
// [][]float32 (a list per row) or [][]string.
type Column struct {
	Feature, Key string
	Value        any
}

// Name is the column's name in LudwigModel.predict's DataFrame.
func (c Column) Name() string { return c.Feature + "_" + c.Key }

type outputFeature struct {
	name, typ   string
	meta        *featureMeta
	threshold   float64
	clip        []float64
	labels      []string // idx2str; binary: [false label, true label]
	hasBool2Str bool
	// seqLength is the metadata's max_sequence_length (sequence outputs).
	seqLength int
	// corn: a category output trained with the CORN loss (ordinal
	// regression), whose predict module reads the logits as cumulative
	// probabilities.
	corn bool
	// calibrated: calibration is on (binary and category outputs); the
	// logits are divided by temperature, a learned weight the loader
	// reads (SetTemperatures), before sigmoid/softmax.
	calibrated  bool
	temperature float32
}

// newOutput reads an output feature of the config; version is the config's
// ludwig_version, for the options one release honoured (0.14's decoder
// calibration and Monte Carlo dropout).
func newOutput(rf rawFeature, raw []byte, version string) (*outputFeature, error) {
	fm, err := parseMeta("output", rf.Name, rf.Type, raw)
	if err != nil {
		return nil, err
	}
	f := &outputFeature{name: rf.Name, typ: rf.Type, meta: fm, clip: rf.Clip, threshold: 0.5}
	if rf.Threshold != nil {
		f.threshold = *rf.Threshold
	}
	if strings.HasPrefix(version, "0.14.") {
		// 0.14 builds a calibration module from the decoder's own
		// calibration option too (the feature's wins; same weight name),
		// and runs Monte Carlo dropout when asked; 0.15 and later keep
		// both options in the config and ignore them.
		if c := rf.Decoder.Calibration; c != nil && *c != "" && !rf.Calibration {
			if *c != "temperature_scaling" {
				return nil, f.err("decoder calibration %q: Ludwig 0.14 knows only temperature_scaling", *c)
			}
			rf.Calibration = true
		}
		if rf.Decoder.MCDropoutSamples > 0 {
			return nil, f.err("decoder mc_dropout_samples %d: Ludwig 0.14 predicts from random dropout samples (and adds an _uncertainty column): not supported", rf.Decoder.MCDropoutSamples)
		}
	}
	if rf.Calibration {
		if rf.Type != "binary" && rf.Type != "category" {
			return nil, f.err("calibration is on: Ludwig calibrates binary and category outputs only")
		}
		f.calibrated = true
	}
	switch rf.Type {
	case "binary":
		f.labels = []string{"False", "True"}
		if len(fm.Bool2Str) == 2 {
			f.labels, f.hasBool2Str = fm.Bool2Str, true
		}
	case "number":
		in := &inputFeature{name: rf.Name, typ: rf.Type, pre: fm.Preprocessing, meta: fm}
		if err := in.checkNumber(); err != nil {
			return nil, f.err("%v", err)
		}
		if len(rf.Clip) != 0 && len(rf.Clip) != 2 {
			return nil, f.err("clip must be [min, max]")
		}
	case "category", "set":
		if len(fm.Idx2Str) == 0 {
			return nil, f.err("%s has no idx2str", MetadataFile)
		}
		f.labels = fm.Idx2Str
		f.corn = rf.Type == "category" && rf.Loss.Type == "corn"
	case "sequence", "text":
		if len(fm.Idx2Str) == 0 || fm.MaxSequenceLength == nil {
			return nil, f.err("%s has no idx2str/max_sequence_length", MetadataFile)
		}
		if fm.Preprocessing.Tokenizer == "hf_tokenizer" {
			return nil, f.err("hf_tokenizer outputs need the pretrained tokenizer to decode: not supported")
		}
		f.labels, f.seqLength = fm.Idx2Str, *fm.MaxSequenceLength
	case "vector":
	default:
		return nil, f.err("output type %q is not supported", rf.Type)
	}
	return f, nil
}

func (f *outputFeature) err(format string, args ...any) error {
	return status.Errorf(status.Model, "output feature %q (%s): %s", f.name, f.typ, fmt.Sprintf(format, args...))
}

// CalibratedOutputs lists the output features with calibration on, in
// config order: their temperatures must be set (SetTemperatures) before
// Postprocess.
func (m *Model) CalibratedOutputs() []string {
	var out []string
	for _, f := range m.outputs {
		if f.calibrated {
			out = append(out, f.name)
		}
	}
	return out
}

// SetTemperatures sets the calibration temperature of every calibrated
// output feature, by name (Ludwig's TemperatureScaling: the logits are
// divided by it). A missing feature, or a temperature that is not a finite
// non-zero number, is status.Model. Call it once, after Parse and before
// the Model is shared.
func (m *Model) SetTemperatures(t map[string]float32) error {
	for _, f := range m.outputs {
		if !f.calibrated {
			continue
		}
		v, ok := t[f.name]
		if !ok {
			return f.err("calibration is on but the model's weights have no temperature for it")
		}
		if v == 0 || math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return f.err("calibration temperature %v is not a finite non-zero number", v)
		}
		f.temperature = v
	}
	return nil
}

// OutputNames lists the graph outputs Postprocess reads, "<feature>::logits"
// per output feature.
func (m *Model) OutputNames() []string {
	out := make([]string, len(m.outputs))
	for i, f := range m.outputs {
		out[i] = f.name + "::logits"
	}
	return out
}

// Postprocess turns the graph's outputs (get returns "<feature>::logits")
// into LudwigModel.predict's columns, in its order: Ludwig's predict module
// (sigmoid/softmax/argmax, thresholds, clip) then each feature's
// postprocess_predictions. LudwigModel.predict's DataFrame has first every
// feature's predict-module columns (features in config order, each in its
// module's key order), then the columns each postprocess_predictions adds
// (binary: one per label and _probability; category: _probability and one
// per label; text: _response and _probability; sequence: _probability).
// rows is the batch size. A missing or misshapen output is status.Runtime.
func (m *Model) Postprocess(get func(name string) (tensor.Tensor, bool), rows int) ([]Column, error) {
	var base, derived []Column
	for _, f := range m.outputs {
		if f.calibrated && f.temperature == 0 {
			return nil, f.err("calibration is on and no temperature was set (SetTemperatures)")
		}
		name := f.name + "::logits"
		t, ok := get(name)
		if !ok {
			return nil, status.Errorf(status.Runtime, "output feature %q: the model returned no %q", f.name, name)
		}
		b, d, err := f.postprocess(t, rows)
		if err != nil {
			return nil, err
		}
		base, derived = append(base, b...), append(derived, d...)
	}
	return append(base, derived...), nil
}

// logits checks t holds rows*width floats (its leading dimension rows) and
// returns them as float32.
func (f *outputFeature) logits(t tensor.Tensor, rows int) ([]float32, int, error) {
	if err := t.Validate(); err != nil {
		return nil, 0, status.Errorf(status.Runtime, "output feature %q: logits: %v", f.name, err)
	}
	if t.DType != tensor.Float32 && t.DType != tensor.Float64 {
		return nil, 0, status.Errorf(status.Runtime, "output feature %q: logits are %s, want float32", f.name, t.DType)
	}
	n := int(t.NumElements())
	if len(t.Shape) == 0 || t.Shape[0] != int64(rows) || (rows > 0 && n%rows != 0) {
		return nil, 0, status.Errorf(status.Runtime, "output feature %q: logits have shape %v for %d rows", f.name, t.Shape, rows)
	}
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(t.Float64At(i))
	}
	w := 0
	if rows > 0 {
		w = n / rows
	}
	return x, w, nil
}

// postprocess returns the feature's predict-module columns and the columns
// its postprocess_predictions adds.
func (f *outputFeature) postprocess(t tensor.Tensor, rows int) (base, derived []Column, err error) {
	x, w, err := f.logits(t, rows)
	if err != nil {
		return nil, nil, err
	}
	shapeErr := func(format string, args ...any) ([]Column, []Column, error) {
		return nil, nil, status.Errorf(status.Runtime, "output feature %q: logits have shape %v%s", f.name, t.Shape, fmt.Sprintf(format, args...))
	}
	switch f.typ {
	case "binary":
		if w != 1 {
			return shapeErr(", want [%d]", rows)
		}
		base, derived = f.binary(x)
		return base, derived, nil
	case "number":
		if w != 1 {
			return shapeErr(", want [%d]", rows)
		}
		return f.number(x), nil, nil
	case "category":
		if w != len(f.labels) {
			return shapeErr(": %d classes, the vocabulary has %d", w, len(f.labels))
		}
		base, derived, err = f.category(x, w)
		return base, derived, err
	case "set":
		if w != len(f.labels) {
			return shapeErr(": %d classes, the vocabulary has %d", w, len(f.labels))
		}
		return f.set(x, w), nil, nil
	case "sequence", "text":
		if len(t.Shape) != 3 {
			return shapeErr(", want [batch, length, vocabulary]")
		}
		base, derived = f.sequence(x, rows, int(t.Shape[1]), int(t.Shape[2]))
		return base, derived, nil
	}
	// vector: the logits are the predictions.
	vals := make([][]float32, rows)
	for i := range vals {
		vals[i] = x[i*w : (i+1)*w]
	}
	return []Column{{f.name, "predictions", vals}}, nil, nil
}

func sigmoid32(x float32) float32 { return float32(1 / (1 + math.Exp(-float64(x)))) }

// binary: P(true) = sigmoid(logit), prediction P >= threshold, then the
// labels (bool2str), the [P(false), P(true)] list, one column per label and
// the probability of the larger side.
func (f *outputFeature) binary(x []float32) (base, derived []Column) {
	n := len(x)
	probs := make([][]float32, n)
	pFalse, pTrue, prob := make([]float32, n), make([]float32, n), make([]float32, n)
	preds := make([]bool, n)
	labels := make([]string, n)
	for i, l := range x {
		p := sigmoid32(f.scale(l))
		preds[i] = float64(p) >= f.threshold
		labels[i] = f.labels[b2u(preds[i])]
		probs[i] = []float32{1 - p, p}
		pFalse[i], pTrue[i] = 1-p, p
		if p > 0.5 {
			prob[i] = p
		} else {
			prob[i] = 1 - p
		}
	}
	var predCol any = preds
	if f.hasBool2Str {
		predCol = labels
	}
	return []Column{{f.name, "probabilities", probs}, {f.name, "predictions", predCol}},
		[]Column{
			{f.name, "probabilities_" + f.labels[0], pFalse},
			{f.name, "probabilities_" + f.labels[1], pTrue},
			{f.name, "probability", prob},
		}
}

// number: clip, then the normalization's inverse in float32.
func (f *outputFeature) number(x []float32) []Column {
	m, pre := f.meta, f.meta.Preprocessing
	norm := ""
	if pre.Normalization != nil {
		norm = *pre.Normalization
	}
	out := make([]float32, len(x))
	for i, v := range x {
		if len(f.clip) == 2 {
			v = float32(math.Min(math.Max(float64(v), f.clip[0]), f.clip[1]))
		}
		switch norm {
		case "zscore":
			sigma := float32(*m.Std)
			if sigma == 0 {
				sigma = 1
			}
			v = v*sigma + float32(*m.Mean)
		case "minmax":
			v = v*float32(*m.Max-*m.Min) + float32(*m.Min)
		case "iq":
			v = v*float32(*m.Q3-*m.Q1) + float32(*m.Q2)
		case "log1p":
			v = float32(math.Expm1(float64(v)))
		}
		out[i] = v
	}
	return []Column{{f.name, "predictions", out}}
}

// softmax32 is torch.softmax over one row in float32.
func softmax32(x []float32) []float32 {
	mx := math.Inf(-1)
	for _, v := range x {
		mx = math.Max(mx, float64(v))
	}
	out := make([]float32, len(x))
	sum := 0.0
	for i, v := range x {
		e := math.Exp(float64(v) - mx)
		out[i] = float32(e)
		sum += e
	}
	for i := range out {
		out[i] = float32(float64(out[i]) / sum)
	}
	return out
}

func argmax(x []float32) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}

// scale divides a logit by the calibration temperature (float32, as
// torch.div), or returns it as it is when calibration is off.
func (f *outputFeature) scale(v float32) float32 {
	if f.calibrated {
		return v / f.temperature
	}
	return v
}

// scaleRow is scale over a row, in a new slice when calibrated.
func (f *outputFeature) scaleRow(x []float32) []float32 {
	if !f.calibrated {
		return x
	}
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = v / f.temperature
	}
	return out
}

// cumulative is the CORN loss's reading of a row of logits: the running
// product (float32, left to right) of their sigmoids, and the number of
// those products above 0.5, which is the predicted level. Calibrated, the
// products are of the row's softmax instead (Ludwig applies its
// calibration module, which softmaxes, in place of the sigmoid).
func (f *outputFeature) cumulative(x []float32) ([]float32, int) {
	p := x
	if f.calibrated {
		p = softmax32(x)
	}
	out := make([]float32, len(x))
	level := 0
	acc := float32(1)
	for i, v := range p {
		if f.calibrated {
			acc *= v
		} else {
			acc *= sigmoid32(v)
		}
		out[i] = acc
		if acc > 0.5 {
			level++
		}
	}
	return out, level
}

// category: softmax, argmax's label, the probabilities, the largest
// probability, then one column per label of idx2str. With the CORN loss the
// probabilities are cumulative (cumulative) and the label is idx2str at
// the predicted level; a level past the vocabulary (every product above
// 0.5) has no label, where LudwigModel.predict raises IndexError: an error
// naming the row.
func (f *outputFeature) category(x []float32, w int) (base, derived []Column, err error) {
	n := len(x) / max(w, 1)
	preds := make([]string, n)
	probs := make([][]float32, n)
	prob := make([]float32, n)
	for i := range n {
		var p []float32
		var k int
		row := f.scaleRow(x[i*w : (i+1)*w])
		if f.corn {
			p, k = f.cumulative(row)
			if k >= len(f.labels) {
				return nil, nil, status.Errorf(status.Runtime, "output feature %q (category, corn loss): row %d: all %d cumulative probabilities are above 0.5, so the predicted level %d has no label in idx2str (LudwigModel.predict raises IndexError)", f.name, i, w, k)
			}
			preds[i], probs[i], prob[i] = f.labels[k], p, maxf32(p)
			continue
		}
		p = softmax32(row)
		k = argmax(p)
		preds[i], probs[i], prob[i] = f.labels[k], p, p[k]
	}
	derived = []Column{{f.name, "probability", prob}}
	for j, label := range f.labels {
		pj := make([]float32, n)
		for i := range n {
			pj[i] = probs[i][j]
		}
		derived = append(derived, Column{f.name, "probabilities_" + label, pj})
	}
	return []Column{{f.name, "predictions", preds}, {f.name, "probabilities", probs}}, derived, nil
}

func maxf32(x []float32) float32 {
	m := x[0]
	for _, v := range x[1:] {
		m = max(m, v)
	}
	return m
}

// set: sigmoid per label; the labels at or above the threshold and their
// probabilities.
func (f *outputFeature) set(x []float32, w int) []Column {
	n := len(x) / max(w, 1)
	preds := make([][]string, n)
	probs := make([][]float32, n)
	for i := range n {
		preds[i], probs[i] = []string{}, []float32{}
		for j := range w {
			p := sigmoid32(x[i*w+j])
			if float64(p) >= f.threshold {
				preds[i] = append(preds[i], f.labels[j])
				probs[i] = append(probs[i], p)
			}
		}
	}
	return []Column{{f.name, "predictions", preds}, {f.name, "probabilities", probs}}
}

// sequence: per step softmax and argmax; the tokens of the first
// max_sequence_length steps, each step's largest probability, the sum of
// their logs (clipped to [1e-10, 1]) and, for text, the tokens joined by
// spaces.
func (f *outputFeature) sequence(x []float32, rows, steps, vocab int) (base, derived []Column) {
	preds := make([][]string, rows)
	probs := make([][]float32, rows)
	prob := make([]float32, rows)
	resp := make([]string, rows)
	for i := range rows {
		toks := make([]string, 0, steps)
		maxp := make([]float32, steps)
		for s := range steps {
			p := softmax32(x[(i*steps+s)*vocab : (i*steps+s+1)*vocab])
			k := argmax(p)
			maxp[s] = p[k]
			tok := "<UNK>"
			if k < len(f.labels) {
				tok = f.labels[k]
			}
			toks = append(toks, tok)
		}
		if f.typ == "sequence" && len(toks) > f.seqLength {
			toks = toks[:f.seqLength]
		}
		var logSum float32
		for s := 0; s < min(steps, f.seqLength); s++ {
			logSum += float32(math.Log(math.Min(math.Max(float64(maxp[s]), 1e-10), 1)))
		}
		preds[i], probs[i], prob[i] = toks, maxp, logSum
		resp[i] = joinSpace(toks)
	}
	if f.typ == "text" {
		derived = append(derived, Column{f.name, "response", resp})
	}
	derived = append(derived, Column{f.name, "probability", prob})
	return []Column{{f.name, "predictions", preds}, {f.name, "probabilities", probs}}, derived
}

func joinSpace(s []string) string {
	n := 0
	for _, t := range s {
		n += len(t) + 1
	}
	b := make([]byte, 0, n)
	for i, t := range s {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, t...)
	}
	return string(b)
}
