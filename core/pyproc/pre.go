package pyproc

import (
	"encoding/binary"
	"math"
	"strings"
	"time"
	"unicode"

	"github.com/ludwig-infer/ludwig-infer/core/dates"
	"github.com/ludwig-infer/ludwig-infer/core/request"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// InputSpec describes one tensor Preprocess makes: the graph input of an
// input feature.
type InputSpec struct {
	// Name is the feature's name (the graph input's name).
	Name string
	// Column is the table column read (the config's column).
	Column string
	// Type is the Ludwig feature type.
	Type string
	// DType is the tensor's element type.
	DType tensor.DType
	// Shape is the tensor's shape with -1 for the batch.
	Shape []int64
}

// Named is one named tensor.
type Named struct {
	Name string
	tensor.Tensor
}

type inputFeature struct {
	name, column, typ string
	pre               preprocessing
	meta              *featureMeta
	spec              InputSpec
	tok               tokenizer
	// sequence features: the vocabulary's special symbols and the length.
	unknown, padding string
	length           int
	// Now gives the current time, for a date that does not parse with an
	// empty fill_value (Ludwig uses datetime.now()).
	now func() time.Time
}

func newInput(rf rawFeature, raw []byte) (*inputFeature, error) {
	fm, err := parseMeta("input", rf.Name, rf.Type, raw)
	if err != nil {
		return nil, err
	}
	col := rf.Column
	if col == "" {
		col = rf.Name
	}
	f := &inputFeature{name: rf.Name, column: col, typ: rf.Type, pre: fm.Preprocessing, meta: fm, now: time.Now}
	spec := InputSpec{Name: rf.Name, Column: col, Type: rf.Type}
	switch rf.Type {
	case "binary":
		spec.DType, spec.Shape = tensor.Bool, []int64{-1}
	case "number":
		spec.DType, spec.Shape = tensor.Float32, []int64{-1}
		if err := f.checkNumber(); err != nil {
			return nil, err
		}
	case "category":
		spec.DType, spec.Shape = tensor.Int32, []int64{-1, 1}
		if fm.Str2Idx.Values == nil || len(fm.Idx2Str) == 0 {
			return nil, f.err("%s has no str2idx/idx2str", MetadataFile)
		}
	case "set", "bag":
		spec.DType, spec.Shape = tensor.Bool, []int64{-1, int64(len(fm.Str2Idx.Keys))}
		if rf.Type == "bag" {
			spec.DType = tensor.Float32
		}
		if _, ok := fm.Str2Idx.Values["<UNK>"]; !ok {
			return nil, f.err("%s: the vocabulary has no <UNK>", MetadataFile)
		}
		if f.tok, err = newTokenizer(orDefault(f.pre.Tokenizer, "space")); err != nil {
			return nil, f.err("%v", err)
		}
	case "text", "sequence":
		if err := f.initSequence(); err != nil {
			return nil, err
		}
		spec.DType, spec.Shape = tensor.Int32, []int64{-1, int64(f.length)}
	case "timeseries":
		if fm.MaxTimeseriesLen == nil {
			return nil, f.err("%s has no max_timeseries_length", MetadataFile)
		}
		if f.pre.WindowSize > 0 || f.pre.Horizon > 0 {
			return nil, f.err("window_size/horizon (column-major time-delay embedding) is not supported")
		}
		if f.tok, err = newTokenizer(orDefault(f.pre.Tokenizer, "space")); err != nil {
			return nil, f.err("%v", err)
		}
		f.length = *fm.MaxTimeseriesLen
		spec.DType, spec.Shape = tensor.Float32, []int64{-1, int64(f.length)}
	case "vector":
		if fm.VectorSize == nil {
			return nil, f.err("%s has no vector_size", MetadataFile)
		}
		spec.DType, spec.Shape = tensor.Float32, []int64{-1, int64(*fm.VectorSize)}
	case "date":
		spec.DType, spec.Shape = tensor.Int32, []int64{-1, 9}
	case "h3":
		spec.DType, spec.Shape = tensor.Uint8, []int64{-1, 19}
	case "image", "audio":
		return nil, f.err("%s inputs are not supported for models of current Ludwig (0.13+): only tabular, text, sequence, set, bag, vector, date, h3 and timeseries features are preprocessed", rf.Type)
	default:
		return nil, f.err("feature type %q is not supported", rf.Type)
	}
	if err := f.checkIndices(); err != nil {
		return nil, err
	}
	f.spec = spec
	return f, nil
}

// checkIndices refuses a vocabulary whose indices fall outside it (they
// index the multi-hot and count vectors and the embedding tables).
func (f *inputFeature) checkIndices() error {
	v := int64(len(f.meta.Str2Idx.Keys))
	for _, k := range f.meta.Str2Idx.Keys {
		if i := f.meta.Str2Idx.Values[k]; i < 0 || i >= v {
			return f.err("%s: str2idx[%q] = %d is outside the vocabulary of %d", MetadataFile, k, i, v)
		}
	}
	return nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func (f *inputFeature) initSequence() error {
	m := f.meta
	if m.Str2Idx.Values == nil || m.MaxSequenceLength == nil {
		return f.err("%s has no str2idx/max_sequence_length", MetadataFile)
	}
	tokName := f.pre.Tokenizer
	if tokName == "hf_tokenizer" || tokName == "sentencepiece" || tokName == "clip" || tokName == "gpt2bpe" || tokName == "bert" {
		return f.err("tokenizer %q needs a pretrained vocabulary download and is not supported", tokName)
	}
	if f.pre.CacheEncoderEmbeddings {
		return f.err("cache_encoder_embeddings is not supported")
	}
	var err error
	if f.tok, err = newTokenizer(orDefault(tokName, "space")); err != nil {
		return f.err("%v", err)
	}
	// Text takes its symbols from the metadata, sequence from preprocessing.
	f.unknown, f.padding = f.pre.UnknownSymbol, f.pre.PaddingSymbol
	if f.typ == "text" {
		f.unknown, f.padding = m.UnknownSymbol, m.PaddingSymbol
	}
	for _, s := range []string{f.unknown, f.padding, "<SOS>", "<EOS>"} {
		if _, ok := m.Str2Idx.Values[s]; !ok {
			return f.err("%s: the vocabulary has no %q", MetadataFile, s)
		}
	}
	f.length = *m.MaxSequenceLength
	return nil
}

func (f *inputFeature) checkNumber() error {
	m := f.meta
	norm := ""
	if f.pre.Normalization != nil {
		norm = *f.pre.Normalization
	}
	need := map[string][]*float64{"zscore": {m.Mean, m.Std}, "minmax": {m.Min, m.Max}, "iq": {m.Q1, m.Q2, m.Q3}}
	switch norm {
	case "", "none", "log1p", "zscore", "minmax", "iq":
	default:
		return f.err("normalization %q is not supported", norm)
	}
	for _, p := range need[norm] {
		if p == nil {
			return f.err("%s lacks the %s statistics", MetadataFile, norm)
		}
	}
	if f.pre.OutlierStrategy != nil && (m.Mean == nil || m.Std == nil || f.pre.OutlierThreshold == nil) {
		return f.err("%s lacks mean/std/outlier_threshold for outlier_strategy", MetadataFile)
	}
	return nil
}

// InputSpecs lists the tensors Preprocess returns, in the config's order.
func (m *Model) InputSpecs() []InputSpec {
	out := make([]InputSpec, len(m.inputs))
	for i, f := range m.inputs {
		out[i] = f.spec
		out[i].Shape = append([]int64(nil), f.spec.Shape...)
	}
	return out
}

// Preprocess builds the model's input tensors from a table, one per input
// feature in the config's order, each read from the feature's column (or,
// when the table has no such column, from the column named like the
// feature, or from the column whose sanitised name is the column, as
// LudwigModel.predict renames ( ) { } . : " ' [ ] to _). A missing column is
// status.InvalidArgument; a value Ludwig cannot use is status.Input naming
// the feature and the row.
func (m *Model) Preprocess(t *request.Table) ([]Named, error) {
	out := make([]Named, 0, len(m.inputs))
	for _, f := range m.inputs {
		col := t.Get(f.column)
		if col == nil {
			col = t.Get(f.name)
		}
		if col == nil {
			var err error
			if col, err = t.GetSanitized(f.column); err != nil {
				return nil, err
			}
		}
		if col == nil {
			return nil, status.Errorf(status.InvalidArgument, "input feature %q (%s): the request has no column %q", f.name, f.typ, f.column)
		}
		if len(col.Cells) != t.Rows {
			return nil, status.Errorf(status.InvalidArgument, "input feature %q: column %q has %d values for %d rows", f.name, f.column, len(col.Cells), t.Rows)
		}
		ten, err := f.preprocess(col)
		if err != nil {
			return nil, err
		}
		out = append(out, Named{Name: f.name, Tensor: ten})
	}
	return out, nil
}

// preprocessors are the per-type steps after the missing-value fill.
var preprocessors = map[string]func(*inputFeature, []value) (tensor.Tensor, error){
	"binary": (*inputFeature).binary, "number": (*inputFeature).number,
	"category": (*inputFeature).category, "set": (*inputFeature).setBag, "bag": (*inputFeature).setBag,
	"text": (*inputFeature).sequence, "sequence": (*inputFeature).sequence,
	"timeseries": (*inputFeature).timeseries, "vector": (*inputFeature).vector,
	"date": (*inputFeature).date, "h3": (*inputFeature).h3,
}

func (f *inputFeature) preprocess(col *request.Column) (tensor.Tensor, error) {
	vals, err := objectValues(f, col)
	if err != nil {
		return tensor.Tensor{}, err
	}
	step, ok := preprocessors[f.typ]
	if !ok {
		return tensor.Tensor{}, f.err("feature type %q is not supported", f.typ)
	}
	return step(f, vals)
}

// boolTrue and boolFalse are the spellings strings_utils.str2bool knows
// (compared lowercased).
var (
	boolTrue  = map[string]bool{"yes": true, "y": true, "true": true, "t": true, "1": true, "1.0": true}
	boolFalse = map[string]bool{"no": true, "n": true, "false": true, "f": true, "0": true, "0.0": true, "-1": true, "-1.0": true}
)

// binary casts the column as BinaryFeatureMixin.cast_column does, deciding
// over the batch's distinct values: all numeric -> nonzero is true; all
// "true"/"false" in any case -> those; otherwise strings, mapped through the
// metadata's str2bool (an unseen string is an error, Ludwig's KeyError) or,
// for a model trained on booleans, through str2bool's conventional
// spellings (anything else is an error, Ludwig's ValueError).
func (f *inputFeature) binary(vals []value) (tensor.Tensor, error) {
	out := make([]byte, len(vals))
	allNumbers, allBools := true, true
	for _, v := range vals {
		if math.IsNaN(v.pyFloat()) && !(v.cell.Kind == request.Float || v.cell.Kind == request.String && isNaNSpelling(v.cell.Str)) {
			allNumbers = false
		}
		s, err := v.str()
		if err != nil {
			allBools = false
			continue
		}
		if l := strings.ToLower(s); l != "true" && l != "false" {
			allBools = false
		}
	}
	for i, v := range vals {
		switch {
		case allNumbers:
			if v.pyFloat() != 0 {
				out[i] = 1
			}
		case allBools:
			s, _ := v.str()
			if strings.ToLower(s) == "true" {
				out[i] = 1
			}
		default:
			s, err := v.str()
			if err != nil {
				return tensor.Tensor{}, f.rowErr(i, "%v", err)
			}
			if f.meta.Str2Bool != nil {
				b, ok := f.meta.Str2Bool[s]
				if !ok {
					return tensor.Tensor{}, f.rowErr(i, "%q is not one of the values seen in training (%s)", s, strings.Join(keys(f.meta.Str2Bool), ", "))
				}
				out[i] = b2u(b)
				continue
			}
			l := strings.ToLower(s)
			switch {
			case boolTrue[l]:
				out[i] = 1
			case boolFalse[l]:
			default:
				return tensor.Tensor{}, f.rowErr(i, "cannot map %q to a boolean (want true/false, yes/no, y/n, t/f, 1/0)", s)
			}
		}
	}
	return tensor.Tensor{DType: tensor.Bool, Shape: []int64{int64(len(vals))}, Data: out}, nil
}

func b2u(b bool) byte {
	if b {
		return 1
	}
	return 0
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sortStrings(out)
	return out
}

// number: to_numeric(errors="coerce") as float32, missing values (and
// values that did not parse) filled, outliers (|z| above the threshold with
// the training mean and std) replaced, then the normalization, all in
// float32 as numpy computes it.
func (f *inputFeature) number(vals []value) (tensor.Tensor, error) {
	x := make([]float32, len(vals))
	fill, hasFill := fillCell(f.pre.ComputedFillValue)
	for i, v := range vals {
		x[i] = float32(v.float())
		if math.IsNaN(float64(x[i])) && hasFill && isFillStrategy(f.pre.MissingValueStrategy) {
			x[i] = float32(value{cell: fill}.float())
		}
	}
	m := f.meta
	if f.pre.OutlierStrategy != nil {
		mean, std, th := float32(*m.Mean), float32(*m.Std), *f.pre.OutlierThreshold
		ofill, ok := fillCell(f.pre.ComputedOutlierFillValue)
		for i := range x {
			z := (x[i] - mean) / std
			if math.Abs(float64(z)) > th && ok {
				x[i] = float32(value{cell: ofill}.float())
			}
		}
	}
	for i := range x {
		if math.IsNaN(float64(x[i])) {
			return tensor.Tensor{}, f.rowErr(i, "missing or non-numeric value and no fill value (missing_value_strategy %q)", f.pre.MissingValueStrategy)
		}
	}
	norm := ""
	if f.pre.Normalization != nil {
		norm = *f.pre.Normalization
	}
	switch norm {
	case "zscore":
		mu, sigma := float32(*m.Mean), float32(*m.Std)
		if sigma == 0 {
			sigma = 1
		}
		for i := range x {
			x[i] = (x[i] - mu) / sigma
		}
	case "minmax":
		lo, rng := float32(*m.Min), float32(*m.Max-*m.Min)
		for i := range x {
			x[i] = (x[i] - lo) / rng
		}
	case "iq":
		q2, iqr := float32(*m.Q2), float32(*m.Q3-*m.Q1)
		for i := range x {
			x[i] = (x[i] - q2) / iqr
		}
	case "log1p":
		for i := range x {
			if x[i] <= 0 {
				return tensor.Tensor{}, f.rowErr(i, "log1p normalization needs positive values, got %v", x[i])
			}
		}
		for i := range x {
			x[i] = float32(math.Log1p(float64(x[i])))
		}
	}
	return float32Tensor(x, int64(len(x))), nil
}

func isFillStrategy(s string) bool {
	switch s {
	case fillWithConst, fillWithMode, fillWithMean, fillWithFalse, fillWithTrue:
		return true
	}
	return false
}

// category: str2idx of the stripped string; else <UNK> when the vocabulary
// has it; else the most frequent category (the first maximum of str2freq).
func (f *inputFeature) category(vals []value) (tensor.Tensor, error) {
	s, err := f.strs(vals)
	if err != nil {
		return tensor.Tensor{}, err
	}
	m := f.meta
	fallback, hasUnk := m.Str2Idx.Values["<UNK>"]
	if !hasUnk {
		best := int64(-1)
		for _, k := range m.Str2Freq.Keys {
			if n := m.Str2Freq.Values[k]; n > best {
				best, fallback = n, m.Str2Idx.Values[k]
			}
		}
	}
	out := make([]int32, len(s))
	for i, v := range s {
		idx, ok := m.Str2Idx.Values[pyStrip(v)]
		if !ok {
			idx = fallback
		}
		out[i] = int32(idx)
	}
	return int32Tensor(out, int64(len(out)), 1), nil
}

// setBag: the tokens of each string (not lowercased) as a multi-hot (set)
// or count (bag) vector over str2idx, unseen tokens counting as <UNK>.
func (f *inputFeature) setBag(vals []value) (tensor.Tensor, error) {
	s, err := f.strs(vals)
	if err != nil {
		return tensor.Tensor{}, err
	}
	v := len(f.meta.Str2Idx.Keys)
	unk := f.meta.Str2Idx.Values["<UNK>"]
	counts := make([]float32, len(s)*v)
	for i, str := range s {
		for _, tok := range f.tok.tokens(str) {
			idx, ok := f.meta.Str2Idx.Values[tok]
			if !ok {
				idx = unk
			}
			counts[i*v+int(idx)]++
		}
	}
	if f.typ == "bag" {
		return float32Tensor(counts, int64(len(s)), int64(v)), nil
	}
	out := make([]byte, len(counts))
	for i, c := range counts {
		out[i] = b2u(c > 0)
	}
	return tensor.Tensor{DType: tensor.Bool, Shape: []int64{int64(len(s)), int64(v)}, Data: out}, nil
}

// sequence: lowercase (Unicode) when configured, tokenize, unseen tokens to
// the unknown symbol, <SOS> before and <EOS> after, then cut to the length
// (the <EOS> is lost first) and pad on the configured side.
func (f *inputFeature) sequence(vals []value) (tensor.Tensor, error) {
	s, err := f.strs(vals)
	if err != nil {
		return tensor.Tensor{}, err
	}
	vocab := f.meta.Str2Idx.Values
	n, L := len(s), f.length
	out := make([]int32, n*L)
	unk, pad := vocab[f.unknown], vocab[f.padding]
	for i, str := range s {
		if f.pre.Lowercase {
			str = pyLower(str)
		}
		toks := f.tok.tokens(str)
		ids := make([]int32, 0, len(toks)+2)
		ids = append(ids, int32(vocab["<SOS>"]))
		for _, t := range toks {
			idx, ok := vocab[t]
			if !ok {
				idx = unk
			}
			ids = append(ids, int32(idx))
		}
		ids = append(ids, int32(vocab["<EOS>"]))
		row := out[i*L : (i+1)*L]
		fillPadded(row, ids, int32(pad), f.pre.Padding == "left")
	}
	return int32Tensor(out, int64(n), int64(L)), nil
}

// fillPadded writes ids cut to len(row) into row, padded with pad on the
// right (or on the left).
func fillPadded[T any](row, ids []T, pad T, left bool) {
	k := min(len(ids), len(row))
	for j := range row {
		row[j] = pad
	}
	if left {
		copy(row[len(row)-k:], ids[:k])
	} else {
		copy(row, ids[:k])
	}
}

// timeseries: tokens parsed as Python floats (NaN -> padding_value), cut
// and padded with padding_value to max_timeseries_length.
func (f *inputFeature) timeseries(vals []value) (tensor.Tensor, error) {
	s, err := f.strs(vals)
	if err != nil {
		return tensor.Tensor{}, err
	}
	padv := float32(0)
	if f.pre.PaddingValue != nil {
		padv = float32(*f.pre.PaddingValue)
	}
	n, L := len(s), f.length
	out := make([]float32, n*L)
	for i, str := range s {
		toks := f.tok.tokens(str)
		xs := make([]float32, len(toks))
		for j, t := range toks {
			v := parsePyFloat(t)
			if math.IsNaN(v) && !isNaNSpelling(t) {
				return tensor.Tensor{}, f.rowErr(i, "%q is not a number", t)
			}
			if math.IsNaN(v) {
				xs[j] = padv
			} else {
				xs[j] = float32(v)
			}
		}
		fillPadded(out[i*L:(i+1)*L], xs, padv, f.pre.Padding == "left")
	}
	return float32Tensor(out, int64(n), int64(L)), nil
}

// vector: whitespace-separated numbers (or, beyond Ludwig, an array of
// numbers), exactly vector_size of them.
func (f *inputFeature) vector(vals []value) (tensor.Tensor, error) {
	d := *f.meta.VectorSize
	out := make([]float32, 0, len(vals)*d)
	for i, v := range vals {
		var xs []float64
		switch v.cell.Kind {
		case request.Array:
			for _, it := range v.cell.Items {
				if !it.IsNumber() {
					return tensor.Tensor{}, f.rowErr(i, "vector element is a %s, want a number", it.Kind)
				}
				xs = append(xs, it.Num)
			}
		case request.String:
			for _, t := range strings.Fields(v.cell.Str) {
				x := parsePyFloat(t)
				if math.IsNaN(x) && !isNaNSpelling(t) {
					return tensor.Tensor{}, f.rowErr(i, "could not convert %q to a float", t)
				}
				xs = append(xs, x)
			}
		default:
			return tensor.Tensor{}, f.rowErr(i, "a vector is a string of whitespace-separated numbers or an array, got a %s", v.cell.Kind)
		}
		if len(xs) != d {
			return tensor.Tensor{}, f.rowErr(i, "vector has %d elements, the model takes %d", len(xs), d)
		}
		for _, x := range xs {
			out = append(out, float32(x))
		}
	}
	return float32Tensor(out, int64(len(vals)), int64(d)), nil
}

// date: strptime with datetime_format, else dateutil-style parsing (ISO-8601
// and epoch numbers here); a value that does not parse takes the feature's
// fill_value, or the current time when that is empty, as Ludwig does.
func (f *inputFeature) date(vals []value) (tensor.Tensor, error) {
	out := make([]int32, 0, len(vals)*9)
	format := ""
	if f.pre.DatetimeFormat != nil {
		format = *f.pre.DatetimeFormat
	}
	for i, v := range vals {
		vec, err := f.parseDate(v, format)
		if err != nil {
			fs, _ := f.pre.FillValue.(string)
			if fs == "" {
				vec, err = dates.FromTime(f.now()), nil
			} else {
				vec, err = dates.ParseAuto(fs)
			}
			if err != nil {
				return tensor.Tensor{}, f.rowErr(i, "the value does not parse, nor does the fill_value %q: %v", fs, err)
			}
		}
		for _, x := range vec {
			out = append(out, int32(x))
		}
	}
	return int32Tensor(out, int64(len(vals)), 9), nil
}

func (f *inputFeature) parseDate(v value, format string) (dates.Vector, error) {
	switch v.cell.Kind {
	case request.String:
		if format != "" {
			if vec, err := dates.Parse(v.cell.Str, format); err == nil {
				return vec, nil
			}
		}
		return dates.ParseAuto(v.cell.Str)
	case request.Int, request.Float, request.BigInt:
		return dates.FromEpoch(v.cell.Num)
	}
	return dates.Vector{}, status.Errorf(status.Input, "not a date")
}

// h3: the cell id (integers; floats truncated; numeric strings) split into
// mode, edge, resolution, base cell and 15 cells padded with 7.
func (f *inputFeature) h3(vals []value) (tensor.Tensor, error) {
	out := make([]byte, 0, len(vals)*19)
	for i, v := range vals {
		var id int64
		switch v.cell.Kind {
		case request.Int:
			id = v.cell.Int
		case request.Float:
			if math.IsNaN(v.cell.Num) || math.IsInf(v.cell.Num, 0) || math.Abs(v.cell.Num) >= 9.3e18 {
				return tensor.Tensor{}, f.rowErr(i, "%v is not an h3 cell id", v.cell.Num)
			}
			id = int64(v.cell.Num)
		case request.String:
			n, ok := parsePyInt(v.cell.Str)
			if !ok {
				return tensor.Tensor{}, f.rowErr(i, "%q is not an integer h3 cell id", v.cell.Str)
			}
			id = n
		default:
			return tensor.Tensor{}, f.rowErr(i, "an h3 cell id is an integer, got a %s", v.cell.Kind)
		}
		out = append(out, h3Components(uint64(id))...)
	}
	return tensor.Tensor{DType: tensor.Uint8, Shape: []int64{int64(len(vals)), 19}, Data: out}, nil
}

// h3Components is Ludwig's h3_to_list: mode, edge, resolution, base cell,
// then the resolution's 3-bit cells, padded with 7 to 15.
func h3Components(id uint64) []byte {
	res := int((id >> 52) & 0xf)
	out := []byte{byte((id >> 59) & 0xf), byte((id >> 56) & 0x7), byte(res), byte((id >> 45) & 0x7f)}
	for r := 1; r <= 15; r++ {
		if r <= res {
			out = append(out, byte((id>>(3*(15-r)))&0x7))
		} else {
			out = append(out, 7)
		}
	}
	return out
}

// pyStrip is Python's str.strip(): Unicode whitespace at both ends.
func pyStrip(s string) string { return strings.TrimFunc(s, pyIsSpace) }

// pyIsSpace is Python's str.isspace for one character.
func pyIsSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// pyLower is Python's str.lower(): Unicode lowercasing with its two special
// cases, U+0130 (İ) -> "i̇" (i and a combining dot) and a capital sigma
// that ends a word -> final sigma (ς); Go's unicode.ToLower has neither.
func pyLower(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	runes := []rune(s)
	for i, r := range runes {
		switch {
		case r == 0x130:
			b.WriteString("i\u0307")
		case r == 0x3a3 && finalSigma(runes, i):
			b.WriteRune(0x3c2)
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// finalSigma is Unicode's Final_Sigma condition for runes[i]: a cased
// letter before it and none after it (case-ignorable marks skipped).
func finalSigma(runes []rune, i int) bool {
	cased := func(r rune) bool { return unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r) }
	ignorable := func(r rune) bool {
		return unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) || r == '\'' || r == 0x2019
	}
	before := false
	for j := i - 1; j >= 0; j-- {
		if !ignorable(runes[j]) {
			before = cased(runes[j])
			break
		}
	}
	if !before {
		return false
	}
	for j := i + 1; j < len(runes); j++ {
		if !ignorable(runes[j]) {
			return !cased(runes[j])
		}
	}
	return true
}

func float32Tensor(v []float32, shape ...int64) tensor.Tensor {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return tensor.Tensor{DType: tensor.Float32, Shape: shape, Data: b}
}

func int32Tensor(v []int32, shape ...int64) tensor.Tensor {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(x))
	}
	return tensor.Tensor{DType: tensor.Int32, Shape: shape, Data: b}
}
