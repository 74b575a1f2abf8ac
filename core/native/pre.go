package native

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/ludwig-infer/ludwig-infer/core/featurize"
	"github.com/ludwig-infer/ludwig-infer/core/native/cstr"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// preBuilders read each known preprocessing class (Ludwig's
// ludwig/features/*_feature.py, v0.8-v0.12).
var preBuilders = map[string]func(*reader) Preprocessor{
	"_BinaryPreprocessing":     buildBinaryPre,
	"_NumberPreprocessing":     buildNumberPre,
	"_CategoryPreprocessing":   buildCategoryPre,
	"_SetPreprocessing":        buildSetPre,
	"_SequencePreprocessing":   buildSequencePre,
	"_VectorPreprocessing":     buildVectorPre,
	"_TimeseriesPreprocessing": buildTimeseriesPre,
	"_DatePreprocessing":       buildDatePre,
	"_H3Preprocessing":         buildH3Pre,
}

func rowErr(row int, format string, args ...any) error {
	return fmt.Errorf("row %d: %s", row, fmt.Sprintf(format, args...))
}

// isStrings reports whether in is a List[str].
func isStrings(in featurize.Input) bool { return in.Tensor == nil && in.Tensors == nil }

// stacked returns in's tensor, or torch.stack of its tensor list when they
// all share dtype and shape (else ok is false).
func stacked(in featurize.Input) (t tensor.Tensor, ok bool) {
	if in.Tensor != nil {
		return *in.Tensor, true
	}
	if in.Tensors == nil || in.Tuples || len(in.Tensors) == 0 {
		return t, false
	}
	first := in.Tensors[0]
	size := len(first.Data)
	data := make([]byte, 0, size*len(in.Tensors))
	for _, x := range in.Tensors {
		if x.DType != first.DType || !slices.Equal(x.Shape, first.Shape) || len(x.Data) != size {
			return t, false
		}
		data = append(data, x.Data...)
	}
	shape := append([]int64{int64(len(in.Tensors))}, first.Shape...)
	return tensor.Tensor{DType: first.DType, Shape: shape, Data: data}, true
}

// toFloat32 is Tensor.to(torch.float32).
func toFloat32(t tensor.Tensor) tensor.Tensor {
	n := int(t.NumElements())
	out := make([]float32, n)
	switch t.DType {
	case tensor.Float32:
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
		}
	case tensor.Float64:
		for i := range out {
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(t.Data[8*i:])))
		}
	default:
		for i := range out {
			out[i] = float32(t.Int64At(i))
		}
	}
	return tensor.FromFloat32(out, t.Shape...)
}

// ---- binary

type binaryPre struct {
	str2bool map[string]bool
	lower    bool
}

func buildBinaryPre(r *reader) Preprocessor {
	r.checkOps("aten::strip", "aten::tensor")
	p := &binaryPre{str2bool: r.strBool("str2bool"), lower: r.boolean("should_lower")}
	return p
}

func (p *binaryPre) Preprocess(in featurize.Input) (tensor.Tensor, error) {
	if isStrings(in) {
		out := make([]float32, len(in.Strings))
		for i, s := range in.Strings {
			s = tsStrip(s)
			if p.lower {
				s = tsLower(s)
			}
			if p.str2bool[s] {
				out[i] = 1
			}
		}
		return tensor.FromFloat32(out, int64(len(out))), nil
	}
	t, ok := stacked(in)
	if !ok {
		return tensor.Tensor{}, ErrFallback
	}
	return toFloat32(t), nil
}

// ---- number

type numberPre struct {
	fill    float64
	outlier *outlierReplacer
	norm    transform
}

// transform is a NumberTransformer's transform_inference (or, in
// postprocessing, inverse_transform_inference). Its constants are Python
// floats, which libtorch rounds to float32 for float32 tensors.
type transform struct {
	kind     string  // "zscore", "minmax", "iq" (affine), "log1p", "identity"
	a, b     float64 // affine: (x - a) / b forward, x * b + a inverse
	a32, b32 float32
}

func affine(kind string, a, b float64) transform {
	return transform{kind: kind, a: a, b: b, a32: float32(a), b32: float32(b)}
}

func (t transform) forward(x float32) float32 {
	switch t.kind {
	case "log1p":
		return log1p32(x)
	case "identity":
		return x
	}
	return (x - t.a32) / t.b32
}

func (t transform) inverse(x float32) float32 {
	switch t.kind {
	case "log1p":
		return expm1f32(x)
	case "identity":
		return x
	}
	return float32(x*t.b32) + t.a32
}

func (t transform) inverse64(x float64) float64 {
	switch t.kind {
	case "log1p":
		return math.Expm1(x)
	case "identity":
		return x
	}
	return float64(x*t.b) + t.a
}

// affineTransformers are the NumberTransformer classes that are an affine
// map: their kind and the attributes they shift and scale by.
var affineTransformers = map[string]struct{ kind, shift, scale string }{
	"ZScoreTransformer":        {"zscore", "mu", "sigma"},
	"MinMaxTransformer":        {"minmax", "min_value", "range"},
	"InterQuartileTransformer": {"iq", "q2", "interquartile_range"},
}

// readTransform reads a NumberTransformer submodule; inverse selects the
// method the class's code must contain.
func readTransform(r *reader, inverse bool) transform {
	switch r.class {
	case "ZScoreTransformer", "MinMaxTransformer", "InterQuartileTransformer":
		if inverse {
			r.checkOps("aten::mul", "aten::add")
		} else {
			r.checkOps("aten::sub", "aten::div")
		}
		a := affineTransformers[r.class]
		return affine(a.kind, r.num(a.shift), r.num(a.scale))
	case "Log1pTransformer":
		if inverse {
			r.checkOps("aten::expm1")
		} else {
			r.checkOps("aten::log1p")
		}
		return transform{kind: "log1p"}
	case "IdentityTransformer":
		r.checkOps()
		return transform{kind: "identity"}
	}
	r.fail("unknown number transformer %s", r.class)
	return transform{}
}

// outlierReplacer is _OutlierReplacer: values whose z-score exceeds the
// threshold become the outlier fill value.
type outlierReplacer struct {
	mu, sigma, threshold, fill float32
}

func buildNumberPre(r *reader) Preprocessor {
	r.checkOps("aten::nan_to_num", "aten::to")
	p := &numberPre{fill: r.num("computed_fill_value")}
	nt := r.child("numeric_transformer", false)
	if nt != nil {
		p.norm = readTransform(nt, false)
		r.done(nt)
	}
	if or := r.child("outlier_replacer", true); or != nil {
		or.checkOps("aten::abs", "aten::gt", "aten::masked_fill", "aten::nan_to_num")
		o := &outlierReplacer{threshold: float32(or.num("outlier_threshold")), fill: float32(or.num("computed_outlier_fill_value"))}
		if z := or.child("zscore_transformer", false); z != nil {
			t := readTransform(z, false)
			if z.err == nil && t.kind != "zscore" {
				z.fail("outlier detection by %s, expected ZScoreTransformer", z.class)
			}
			o.mu, o.sigma = t.a32, t.b32
			or.done(z)
		}
		r.done(or)
		p.outlier = o
	}
	return p
}

func (p *numberPre) Preprocess(in featurize.Input) (tensor.Tensor, error) {
	if in.Tensor == nil {
		return tensor.Tensor{}, ErrFallback // TorchScript raises "Unsupported input"
	}
	t := *in.Tensor
	n := int(t.NumElements())
	out := make([]float32, n)
	// torch.nan_to_num(v, nan=fill) in v's dtype, then .to(float32).
	switch t.DType {
	case tensor.Float64:
		for i := range out {
			x := math.Float64frombits(binary.LittleEndian.Uint64(t.Data[8*i:]))
			switch {
			case math.IsNaN(x):
				x = p.fill
			case math.IsInf(x, 1):
				x = math.MaxFloat64
			case math.IsInf(x, -1):
				x = -math.MaxFloat64
			}
			out[i] = float32(x)
		}
	case tensor.Float32:
		fill := float32(p.fill)
		for i := range out {
			out[i] = nanToNum32(math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:])), fill)
		}
	default:
		for i := range out {
			out[i] = float32(t.Int64At(i))
		}
	}
	if o := p.outlier; o != nil {
		for i, x := range out {
			z := (x - o.mu) / o.sigma
			if float32(math.Abs(float64(z))) > o.threshold {
				x = float32(math.NaN())
			}
			out[i] = nanToNum32(x, o.fill)
		}
	}
	if p.norm.kind != "identity" {
		for i, x := range out {
			out[i] = p.norm.forward(x)
		}
	}
	return tensor.FromFloat32(out, t.Shape...), nil
}

// nanToNum32 is torch.nan_to_num on a float32 with posinf/neginf left at
// their defaults (the largest finite float32s).
func nanToNum32(x, nan float32) float32 {
	switch {
	case x != x:
		return nan
	case x > math.MaxFloat32:
		return math.MaxFloat32
	case x < -math.MaxFloat32:
		return -math.MaxFloat32
	}
	return x
}

// log1p32 is torch.log1p on a float32. libtorch computes it with Sleef's
// vectorised log1pf (aten/src/ATen/cpu/vml.h, every element of a tensor,
// tail included), which is within 1 ulp of the correctly rounded value
// computed here, and answers +Inf above 1e38 (SLEEF's xlog1pf), as here.
func log1p32(x float32) float32 {
	if x > 1e38 {
		return float32(math.Inf(1))
	}
	return float32(math.Log1p(float64(x)))
}

// expm1f32 is torch.expm1 on a float32: Sleef's expm1f (within 1 ulp of the
// value here) with its cut-offs: +Inf above 88.72283172607421875, -1 below
// -16.635532333438687.
func expm1f32(x float32) float32 {
	switch {
	case x > 88.72283172607421875:
		return float32(math.Inf(1))
	case x < -16.635532333438687426013570:
		return -1
	}
	return float32(math.Expm1(float64(x)))
}

// ---- category

type categoryPre struct {
	str2idx map[string]int64
	unk     int64
}

func buildCategoryPre(r *reader) Preprocessor {
	r.checkOps("aten::strip", "aten::get", "aten::tensor")
	return &categoryPre{str2idx: r.strInt("str2idx"), unk: r.integer("unk")}
}

func (p *categoryPre) Preprocess(in featurize.Input) (tensor.Tensor, error) {
	if !isStrings(in) {
		return tensor.Tensor{}, ErrFallback
	}
	out := make([]int32, len(in.Strings))
	for i, s := range in.Strings {
		idx, ok := p.str2idx[tsStrip(s)]
		if !ok {
			idx = p.unk
		}
		out[i] = int32(idx)
	}
	return fromInt32(out, int64(len(out))), nil
}

// ---- tokenizers

// readTokenizer reads a tokenizer submodule.
func readTokenizer(r *reader) Tokenizer {
	switch r.class {
	case "SpaceStringToListTokenizer", "UnderscoreStringToListTokenizer", "CommaStringToListTokenizer":
		r.checkOps("aten::strip", "aten::split")
		sep := " "
		if v, err := r.m.Attr("split_string"); err == nil {
			sep, _ = v.(string)
		} else if r.class != "SpaceStringToListTokenizer" {
			r.fail("attribute split_string: %v", err)
		}
		if sep == "" && r.err == nil {
			r.fail("empty split_string")
		}
		return splitTokenizer{sep: sep}
	case "CharactersToListTokenizer":
		r.checkOps()
		return charsTokenizer{}
	case "SpacePunctuationStringToListTokenizer":
		r.checkOps("aten::isalnum", "aten::isspace")
		return spacePunctTokenizer{}
	}
	r.fail("no native implementation of tokenizer %s", r.class)
	return nil
}

// ---- set and bag

type setPre struct {
	lower bool
	tok   Tokenizer
	vocab int64
	ids   map[string]int64
	unk   string
	bag   bool
}

func buildSetPre(r *reader) Preprocessor {
	r.checkOps("aten::zeros")
	p := &setPre{
		lower: r.boolean("lowercase"), vocab: r.integer("vocab_size"), ids: r.strInt("unit_to_id"),
		unk: r.str("unknown_symbol"), bag: r.boolean("is_bag"),
	}
	if t := r.child("tokenizer", false); t != nil {
		p.tok = readTokenizer(t)
		r.done(t)
	}
	if r.err == nil && p.vocab < 0 {
		r.fail("negative vocab_size %d", p.vocab)
	}
	return p
}

func (p *setPre) Preprocess(in featurize.Input) (tensor.Tensor, error) {
	if !isStrings(in) {
		return tensor.Tensor{}, ErrFallback
	}
	v := int(p.vocab)
	out := make([]float32, len(in.Strings)*v)
	var toks []string
	for row, s := range in.Strings {
		if p.lower {
			s = tsLower(s)
		}
		toks = p.tok.Tokens(s, toks[:0])
		for _, tok := range toks {
			id, ok := p.ids[tok]
			if !ok {
				if id, ok = p.ids[p.unk]; !ok {
					return tensor.Tensor{}, rowErr(row, "KeyError: %q (the vocabulary has no %s)", p.unk, p.unk)
				}
			}
			if id < 0 {
				id += p.vocab // Python's negative index
			}
			if id < 0 || id >= p.vocab {
				return tensor.Tensor{}, rowErr(row, "index %d is out of bounds for a vocabulary of %d", id, p.vocab)
			}
			if p.bag {
				out[row*v+int(id)]++
			} else {
				out[row*v+int(id)] = 1
			}
		}
	}
	return tensor.FromFloat32(out, int64(len(in.Strings)), p.vocab), nil
}

// ---- text and sequence

type sequencePre struct {
	lower                  bool
	tok                    Tokenizer
	maxLen                 int
	ids                    map[string]int64
	unk                    string
	padID, startID, stopID int64
	fill                   string
}

func buildSequencePre(r *reader) Preprocessor {
	r.checkOps("aten::full", "aten::stack")
	p := &sequencePre{
		lower: r.boolean("lowercase"), maxLen: int(r.integer("max_sequence_length")),
		ids: r.strInt("unit_to_id"), unk: r.str("unknown_symbol"), fill: r.str("computed_fill_value"),
	}
	tt := r.str("tokenizer_type")
	if r.err == nil && tt == "hf_tokenizer" {
		r.fail("Hugging Face tokenizers run in TorchScript")
	}
	if t := r.child("tokenizer", false); t != nil {
		p.tok = readTokenizer(t)
		r.done(t)
	}
	id := func(attr string) int64 {
		sym := r.str(attr)
		x, ok := p.ids[sym]
		if !ok && r.err == nil {
			r.fail("the vocabulary has no %s (%s): TorchScript raises KeyError", sym, attr)
		}
		return x
	}
	p.padID, p.startID, p.stopID = id("padding_symbol"), id("start_symbol"), id("stop_symbol")
	if r.err == nil && p.maxLen < 1 {
		r.fail("max_sequence_length %d: TorchScript raises", p.maxLen)
	}
	return p
}

func (p *sequencePre) Preprocess(in featurize.Input) (tensor.Tensor, error) {
	if !isStrings(in) {
		return tensor.Tensor{}, ErrFallback
	}
	L := p.maxLen
	out := make([]int64, len(in.Strings)*L)
	var toks []string
	for row, s := range in.Strings {
		if s == "nan" {
			s = p.fill
		}
		if p.lower {
			s = tsLower(s)
		}
		vec := out[row*L : (row+1)*L]
		for i := range vec {
			vec[i] = p.padID
		}
		toks = p.tok.Tokens(s, toks[:0])
		vec[0] = p.startID
		n := L - 1
		if len(toks)+1 < L {
			n = len(toks)
			vec[n+1] = p.stopID
		}
		for i := 0; i < n; i++ {
			id, ok := p.ids[toks[i]]
			if !ok {
				if id, ok = p.ids[p.unk]; !ok {
					return tensor.Tensor{}, rowErr(row, "KeyError: %q (the vocabulary has no %s)", p.unk, p.unk)
				}
			}
			vec[i+1] = id
		}
	}
	return tensor.FromInt64(out, int64(len(in.Strings)), int64(L)), nil
}

// ---- vector

type vectorPre struct{}

func buildVectorPre(r *reader) Preprocessor {
	r.checkOps("aten::split", "aten::Float", "aten::isnan")
	return vectorPre{}
}

var errVectorNaN = fmt.Errorf("ValueError: Scripted NaN handling not implemented for Vector feature")

func (vectorPre) Preprocess(in featurize.Input) (tensor.Tensor, error) {
	if !isStrings(in) {
		t, ok := stacked(in)
		if !ok {
			return tensor.Tensor{}, ErrFallback
		}
		if t.DType == tensor.Float32 || t.DType == tensor.Float64 {
			for i, n := 0, int(t.NumElements()); i < n; i++ {
				if math.IsNaN(t.Float64At(i)) {
					return tensor.Tensor{}, errVectorNaN
				}
			}
		}
		return t, nil
	}
	if len(in.Strings) == 0 {
		return tensor.Tensor{}, ErrFallback
	}
	d := -1
	var out []float32
	for row, s := range in.Strings {
		parts := cstr.SplitNone(s)
		if d < 0 {
			d = len(parts)
			out = make([]float32, 0, d*len(in.Strings))
		}
		for _, part := range parts {
			x, err := cstr.ParseFloat(part)
			if err != nil {
				return tensor.Tensor{}, rowErr(row, "could not convert string to float: %q", part)
			}
			out = append(out, float32(x))
		}
		if len(parts) != d {
			return tensor.Tensor{}, rowErr(row, "stack expects each tensor to be equal size, but got [%d] at entry 0 and [%d] at entry %d", d, len(parts), row)
		}
	}
	for _, x := range out {
		if x != x {
			return tensor.Tensor{}, errVectorNaN
		}
	}
	return tensor.FromFloat32(out, int64(len(in.Strings)), int64(d)), nil
}

// ---- timeseries

type timeseriesPre struct {
	tok     Tokenizer
	right   bool
	padding float32
	maxLen  int
	fill    string
}

func buildTimeseriesPre(r *reader) Preprocessor {
	r.checkOps("aten::Float", "aten::full")
	p := &timeseriesPre{
		right: r.str("padding") == "right", padding: float32(r.num("padding_value")),
		maxLen: int(r.integer("max_timeseries_length")), fill: r.str("computed_fill_value"),
	}
	if t := r.child("tokenizer", false); t != nil {
		p.tok = readTokenizer(t)
		r.done(t)
	}
	if r.err == nil && p.maxLen < 0 {
		r.fail("negative max_timeseries_length %d", p.maxLen)
	}
	return p
}

func (p *timeseriesPre) Preprocess(in featurize.Input) (tensor.Tensor, error) {
	if !isStrings(in) {
		return tensor.Tensor{}, ErrFallback
	}
	L := p.maxLen
	out := make([]float32, len(in.Strings)*L)
	for i := range out {
		out[i] = p.padding
	}
	var toks []string
	for row, s := range in.Strings {
		if s == "nan" {
			s = p.fill
		}
		toks = p.tok.Tokens(s, toks[:0])
		limit := min(len(toks), L)
		dst := out[row*L : row*L+limit]
		if !p.right {
			dst = out[(row+1)*L-limit : (row+1)*L]
		}
		for i := 0; i < limit; i++ {
			x, err := cstr.ParseFloat(toks[i])
			if err != nil {
				return tensor.Tensor{}, rowErr(row, "could not convert string to float: %q", toks[i])
			}
			dst[i] = float32(x)
		}
	}
	return tensor.FromFloat32(out, int64(len(in.Strings)), int64(L)), nil
}

// ---- date

type datePre struct{}

func buildDatePre(r *reader) Preprocessor {
	r.checkOps("aten::to")
	return datePre{}
}

func (datePre) Preprocess(in featurize.Input) (tensor.Tensor, error) {
	t, ok := stacked(in)
	if !ok || !t.DType.IsInteger() {
		return tensor.Tensor{}, ErrFallback
	}
	n := int(t.NumElements())
	out := make([]int32, n)
	for i := range out {
		out[i] = int32(t.Int64At(i)) // .to(torch.int) wraps like a C cast
	}
	return fromInt32(out, t.Shape...), nil
}

// ---- h3

type h3Pre struct {
	maxRes int64
	pad    uint8
}

func buildH3Pre(r *reader) Preprocessor {
	r.checkOps("aten::nan_to_num", "aten::tensor", "aten::stack")
	p := &h3Pre{maxRes: r.integer("max_h3_resolution")}
	pad := r.integer("h3_padding_value")
	if r.err == nil && (pad < 0 || pad > 255) {
		r.fail("h3_padding_value %d does not fit uint8", pad)
	}
	p.pad = uint8(pad)
	return p
}

func (p *h3Pre) Preprocess(in featurize.Input) (tensor.Tensor, error) {
	var ids tensor.Tensor
	switch {
	case in.Tensor != nil && len(in.Tensor.Shape) == 1:
		ids = *in.Tensor
	case in.Tensors != nil:
		t, ok := stacked(in)
		if !ok || len(t.Shape) != 1 {
			return tensor.Tensor{}, ErrFallback
		}
		ids = t
	default:
		return tensor.Tensor{}, ErrFallback
	}
	if !ids.DType.IsInteger() {
		return tensor.Tensor{}, ErrFallback
	}
	n := int(ids.Shape[0])
	width := -1
	var out []uint8
	for row := 0; row < n; row++ {
		x := uint64(ids.Int64At(row))
		res := int64(x >> 52 & 0xF)
		row0 := len(out)
		out = append(out, uint8(x>>59&0xF), uint8(x>>56&0x7), uint8(res), uint8(x>>45&0x7F))
		for i := int64(1); i <= res; i++ {
			out = append(out, uint8(x>>(45-3*i)&0x7))
		}
		for i := int64(0); i < p.maxRes-res; i++ {
			out = append(out, p.pad)
		}
		w := len(out) - row0
		if width < 0 {
			width = w
		} else if w != width {
			return tensor.Tensor{}, rowErr(row, "stack expects each tensor to be equal size, but got [%d] at entry 0 and [%d] at entry %d", width, w, row)
		}
	}
	return tensor.Tensor{DType: tensor.Uint8, Shape: []int64{int64(n), int64(max(width, 0))}, Data: out}, nil
}
