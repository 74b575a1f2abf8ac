// Package featurize turns table columns (decoded request cells or caller
// tensor buffers) into the values Ludwig's preprocessor takes, exactly as
// Ludwig's to_inference_module_input_from_dataframe does (contract section
// 3): pandas' astype(str) spellings for string-typed features, float64
// tensors for numbers, exact int64 tensors for h3, date vectors for dates.
//
// One deliberate difference: a missing value (JSON null) in a string-typed
// column is spelled "nan", the spelling the scripted modules treat as
// missing, where pandas would write "None" for an object column.
package featurize

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core/dates"
	"github.com/ludwig-infer/ludwig-infer/core/export"
	"github.com/ludwig-infer/ludwig-infer/core/media"
	"github.com/ludwig-infer/ludwig-infer/core/native/cstr"
	"github.com/ludwig-infer/ludwig-infer/core/request"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// Input is the preprocessor's value for one feature: exactly one of
// Strings (List[str]), Tensor (Tensor) or Tensors (List[Tensor], or
// List[Tuple[Tensor, int]] when Tuples) is set.
type Input struct {
	Strings []string
	Tensor  *tensor.Tensor
	Tensors []tensor.Tensor
	Tuples  bool
	// Borrowed marks Tensor data as caller-owned C memory that libtorch may
	// read in place.
	Borrowed bool
	// Rows is the batch size this value carries.
	Rows int
}

// stringTypes take List[str] from a column (FEATURES_TO_CAST_AS_STRINGS).
var stringTypes = map[string]bool{
	"binary": true, "category": true, "bag": true, "set": true, "text": true,
	"sequence": true, "timeseries": true, "vector": true,
}

// Forms lists the value forms a feature type accepts, for model info.
func Forms(featureType string) []string {
	switch featureType {
	case "number":
		return []string{"number", "numeric string", "boolean", "null", "tensor [B]"}
	case "binary":
		return []string{"boolean", "string", "number", "null", "tensor [B]"}
	case "vector":
		return []string{"array of numbers", "space-separated string", "tensor [B,D]"}
	case "timeseries":
		return []string{"array of numbers", "space-separated string", "null"}
	case "date":
		return []string{"string (datetime_format, else ISO-8601)", "epoch number", "array of 9 integers", "tensor [B,9]"}
	case "h3":
		return []string{"integer", "number (a float64 column, as pandas makes of ids with a null or a float)", "null", "tensor int64 [B]"}
	case "image":
		return []string{"file path (PNG, JPEG, GIF, BMP, TIFF, NumPy .npy)", "data: URI", "base64", "tensor uint8 [B,C,H,W]", "list of tensors [C,H,W]"}
	case "audio":
		return []string{"WAV file path", "data: URI", "base64", "list of tensors [channels,samples] with sample_rate"}
	}
	return []string{"string", "number", "boolean", "null"}
}

func featureErr(f export.Feature, row int, format string, args ...any) error {
	where := fmt.Sprintf("input feature %q (%s)", f.Name, f.Type)
	if row >= 0 {
		where += fmt.Sprintf(", row %d", row)
	}
	return status.Errorf(status.Input, "%s: %s", where, fmt.Sprintf(format, args...))
}

// Options control how FromCellsWith reads image and audio values.
type Options struct {
	// BaseDir resolves relative file paths ("" = the working directory).
	BaseDir string
	// NoPaths refuses file paths (only data: URIs and base64 are decoded).
	NoPaths bool
}

// FromCells converts a request column for feature f (file paths as given).
func FromCells(f export.Feature, cells []request.Cell) (Input, error) {
	return FromCellsWith(f, cells, Options{})
}

// FromCellsWith converts a request column for feature f with options; the
// column's dtype is decided from these cells (request.InferDType).
func FromCellsWith(f export.Feature, cells []request.Cell, opts Options) (Input, error) {
	return FromColumn(f, request.Column{Cells: cells}, opts)
}

// FromColumn converts a request column for feature f with options. The
// column's pandas dtype (col.Type(): its DType when the producer decided it
// over more rows, else inferred from its cells) decides every value's
// spelling, as pandas' astype(str) after its dtype inference does.
func FromColumn(f export.Feature, col request.Column, opts Options) (Input, error) {
	cells := col.Cells
	n := len(cells)
	switch {
	case f.Type == "number":
		return numberColumn(f, cells, col.Type())
	case f.Type == "h3":
		return h3Column(f, cells, col.Type())
	case f.Type == "date":
		return dateColumn(f, cells)
	case f.Type == "vector" && n > 0 && firstNonNull(cells) == request.Array:
		return vectorColumn(f, cells)
	case f.Type == "vector":
		s, err := spellColumn(f, cells, col.Type())
		if err != nil {
			return Input{}, err
		}
		for i, v := range s {
			if err := checkVectorString(v); err != nil {
				return Input{}, featureErr(f, i, "%v", err)
			}
		}
		return Input{Strings: s, Rows: n}, nil
	case f.Type == "timeseries":
		return timeseriesColumn(f, col)
	case stringTypes[f.Type]:
		s, err := spellColumn(f, cells, col.Type())
		return Input{Strings: s, Rows: n}, err
	case f.Type == "image" || f.Type == "audio":
		return mediaColumn(f, cells, opts)
	}
	return Input{}, featureErr(f, -1, "feature type %q is not supported", f.Type)
}

func firstNonNull(cells []request.Cell) request.Kind {
	for _, c := range cells {
		if !c.IsMissing() {
			return c.Kind
		}
	}
	return request.Null
}

// spellColumn spells a column of dtype dt as pandas' astype(str) does:
// numbers in a float64 column as Python floats ("5.0", "2.5", "1e+16");
// integers in any other column as integers ("5", "12345678901234567890");
// floats as Python floats, booleans "True"/"False", strings as they are.
// Missing values are "nan". An array or object is refused: pandas would pass
// its printed form ("['red']"), which no feature of these types means.
func spellColumn(f export.Feature, cells []request.Cell, dt request.DType) ([]string, error) {
	for i, c := range cells {
		if c.Kind == request.Array || c.Kind == request.Object {
			return nil, featureErr(f, i, "expected a string, number or boolean, got %s (ludwig-infer refuses lists and objects in %s columns, where pandas would pass their printed form)", c.Kind, f.Type)
		}
	}
	out := make([]string, len(cells))
	for i, c := range cells {
		if dt == request.DTypeFloat64 && c.IsNumber() {
			out[i] = PyFloat(c.Num)
		} else {
			out[i] = spellCell(c)
		}
	}
	return out, nil
}

// spellCell is Python's str() of one value of an object (or int64, uint64,
// bool) column; a missing value is "nan".
func spellCell(c request.Cell) string {
	switch c.Kind {
	case request.Null:
		return "nan"
	case request.Bool:
		if c.Bool {
			return "True"
		}
		return "False"
	case request.Int:
		return strconv.FormatInt(c.Int, 10)
	case request.Float:
		return PyFloat(c.Num)
	}
	return c.Str // a string, or a BigInt's exact decimal literal
}

// PyFloat spells f as Python's repr(float) (and numpy's str of a float64):
// shortest round-trip digits, fixed notation with a ".0" for integral values
// when 1e-4 <= |f| < 1e16, else exponent notation ("1e+16", "1.5e-05").
func PyFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	a := math.Abs(f)
	if a < 1e-4 || a >= 1e16 {
		return strconv.FormatFloat(f, 'e', -1, 64)
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// numberColumn builds the tensor Ludwig's torch.from_numpy(s.to_numpy())
// does for a column of dtype dt: int64 for an int64 column, float64
// otherwise (NaN for missing values). A bool column is 1.0/0.0 (Ludwig
// passes a bool tensor, which its module turns into the same floats).
// Where pandas would make an object column, which Ludwig cannot convert,
// numbers, booleans and numeric strings are still taken.
func numberColumn(f export.Feature, cells []request.Cell, dt request.DType) (Input, error) {
	if dt == request.DTypeInt64 {
		v := make([]int64, len(cells))
		allInt := true
		for i, c := range cells {
			v[i] = c.Int
			allInt = allInt && c.Kind == request.Int
		}
		if allInt {
			t := tensor.FromInt64(v, int64(len(v)))
			return Input{Tensor: &t, Rows: len(v)}, nil
		}
	}
	v := make([]float64, len(cells))
	for i, c := range cells {
		switch c.Kind {
		case request.Int, request.Float, request.BigInt:
			v[i] = c.Num
		case request.Null:
			v[i] = math.NaN()
		case request.Bool:
			v[i] = b2f(c.Bool)
		case request.String:
			x, err := strconv.ParseFloat(strings.TrimSpace(c.Str), 64)
			if err != nil {
				return Input{}, featureErr(f, i, "expected a number, got string %q", c.Str)
			}
			v[i] = x
		default:
			return Input{}, featureErr(f, i, "expected a number, got %s", c.Kind)
		}
	}
	t := tensor.FromFloat64(v, int64(len(v)))
	return Input{Tensor: &t, Rows: len(v)}, nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// h3Column builds an exact int64 tensor; for a float64 column (a missing
// value, or an id written as a float such as 6.177211960003133e17) it
// builds, as pandas does, a float64 tensor with NaN for missing values,
// which the scripted module fills with its computed_fill_value and turns
// into int64 (ids then round through float64, as in Ludwig).
func h3Column(f export.Feature, cells []request.Cell, dt request.DType) (Input, error) {
	floats := dt == request.DTypeFloat64
	for _, c := range cells {
		floats = floats || c.Kind == request.Null || c.Kind == request.Float
	}
	iv := make([]int64, len(cells))
	var fv []float64
	if floats {
		fv = make([]float64, len(cells))
	}
	for i, c := range cells {
		switch c.Kind {
		case request.Int:
			iv[i] = c.Int
		case request.String:
			x, err := strconv.ParseInt(strings.TrimSpace(c.Str), 10, 64)
			if err != nil {
				return Input{}, featureErr(f, i, "expected an integer H3 cell id, got string %q", c.Str)
			}
			iv[i] = x
		case request.Float:
			if floats {
				fv[i] = c.Num
				continue
			}
		case request.Null:
			fv[i] = math.NaN()
			continue
		default:
			return Input{}, featureErr(f, i, "expected an integer H3 cell id, got %s", describe(c))
		}
		if floats {
			fv[i] = float64(iv[i])
		}
	}
	if floats {
		t := tensor.FromFloat64(fv, int64(len(fv)))
		return Input{Tensor: &t, Rows: len(fv)}, nil
	}
	t := tensor.FromInt64(iv, int64(len(iv)))
	return Input{Tensor: &t, Rows: len(iv)}, nil
}

// describe names a cell's kind for an error, with a number's literal.
func describe(c request.Cell) string {
	if c.IsNumber() {
		return c.Kind.String() + " " + c.Str
	}
	return c.Kind.String()
}

func dateColumn(f export.Feature, cells []request.Cell) (Input, error) {
	ts := make([]tensor.Tensor, len(cells))
	for i, c := range cells {
		var vec dates.Vector
		var err error
		if c.IsMissing() {
			return Input{}, featureErr(f, i, "missing value (dates are not filled by the exported module; give a value)")
		}
		switch c.Kind {
		case request.String:
			if f.DatetimeFormat != "" {
				vec, err = dates.Parse(c.Str, f.DatetimeFormat)
			} else {
				vec, err = dates.ParseAuto(c.Str)
			}
		case request.Int, request.Float, request.BigInt:
			vec, err = dates.FromEpoch(c.Num)
		case request.Array:
			if len(c.Items) != 9 {
				return Input{}, featureErr(f, i, "a date vector needs 9 integers, got %d", len(c.Items))
			}
			for k, it := range c.Items {
				if it.Kind != request.Int {
					return Input{}, featureErr(f, i, "date vector item %d is %s, expected an integer", k, it.Kind)
				}
				vec[k] = it.Int
			}
		default:
			return Input{}, featureErr(f, i, "expected a date string, got %s", c.Kind)
		}
		if err != nil {
			return Input{}, featureErr(f, i, "%v", err)
		}
		v := vec
		ts[i] = tensor.FromInt64(v[:], 9)
	}
	return Input{Tensors: ts, Rows: len(cells)}, nil
}

func vectorColumn(f export.Feature, cells []request.Cell) (Input, error) {
	d := -1
	var v []float32
	for i, c := range cells {
		if c.Kind != request.Array {
			return Input{}, featureErr(f, i, "expected an array of numbers like the other rows, got %s", c.Kind)
		}
		if d < 0 {
			d = len(c.Items)
			v = make([]float32, 0, d*len(cells))
		} else if len(c.Items) != d {
			return Input{}, featureErr(f, i, "vector has %d values, row 0 has %d", len(c.Items), d)
		}
		for k, it := range c.Items {
			if it.IsMissing() {
				return Input{}, featureErr(f, i, "item %d is missing (NaN is not allowed in vectors)", k)
			}
			switch it.Kind {
			case request.Int, request.Float, request.BigInt:
				v = append(v, float32(it.Num))
			default:
				return Input{}, featureErr(f, i, "item %d is %s, expected a number", k, it.Kind)
			}
		}
	}
	t := tensor.FromFloat32(v, int64(len(cells)), int64(d))
	return Input{Tensor: &t, Rows: len(cells)}, nil
}

// checkVectorString validates a vector string before any module runs, as
// Ludwig's vector preprocessing reads it: split() (TorchScript's, on its
// whitespace bytes, \x1c-\x1e included), then float() of each part (C's
// strtod: hexadecimal "0x10", "inf" and "nan" are numbers), NaN refused.
func checkVectorString(s string) error {
	for _, tok := range cstr.SplitNone(s) {
		x, err := cstr.ParseFloat(tok)
		if err != nil {
			return fmt.Errorf("%q is not a number in vector string %q", tok, s)
		}
		if math.IsNaN(x) {
			if s == "nan" {
				return fmt.Errorf("missing value (NaN is not allowed in vectors)")
			}
			return fmt.Errorf("NaN in vector string %q (NaN is not allowed in vectors)", s)
		}
	}
	return nil
}

// timeseriesColumn spells each row as a space-separated string: arrays as
// their numbers' Python spellings (null items "nan"), other values as
// spellColumn does, with the dtype of the column's non-array values (when
// the producer has not decided it).
func timeseriesColumn(f export.Feature, col request.Column) (Input, error) {
	cells := col.Cells
	out := make([]string, len(cells))
	plain := make([]request.Cell, 0, len(cells))
	for _, c := range cells {
		if c.Kind != request.Array {
			plain = append(plain, c)
		}
	}
	dt := col.DType
	if dt == request.DTypeAuto {
		dt = request.InferDType(plain)
	}
	spelled, err := spellColumn(f, plain, dt)
	if err != nil {
		return Input{}, err
	}
	k := 0
	for i, c := range cells {
		if c.Kind != request.Array {
			out[i] = spelled[k]
			k++
			continue
		}
		parts := make([]string, len(c.Items))
		for j, it := range c.Items {
			switch it.Kind {
			case request.Int, request.Float, request.BigInt:
				parts[j] = PyFloat(it.Num)
			case request.Null:
				parts[j] = "nan"
			default:
				return Input{}, featureErr(f, i, "item %d is %s, expected a number", j, it.Kind)
			}
		}
		out[i] = strings.Join(parts, " ")
	}
	return Input{Strings: out, Rows: len(cells)}, nil
}

// FromTensors converts caller tensor buffers for feature f: one tensor is a
// whole column, several form a list (images of different sizes, audio
// clips). borrowed marks C memory that libtorch may read in place.
func FromTensors(f export.Feature, ts []tensor.Tensor, borrowed bool) (Input, error) {
	for i, t := range ts {
		if err := t.Validate(); err != nil {
			return Input{}, featureErr(f, -1, "tensor %d: %v", i, err)
		}
	}
	if f.Type == "audio" {
		for i, t := range ts {
			if len(t.Shape) < 1 || len(t.Shape) > 2 || t.DType != tensor.Float32 || t.SampleRate <= 0 {
				return Input{}, featureErr(f, i, "audio clips are float32 [channels, samples] tensors with a positive sample rate, got %s %v rate %d", t.DType, t.Shape, t.SampleRate)
			}
		}
		return Input{Tensors: ts, Tuples: true, Rows: len(ts)}, nil
	}
	if len(ts) > 1 {
		if f.Type != "image" && f.Type != "date" && f.Type != "vector" && f.Type != "h3" {
			return Input{}, featureErr(f, -1, "got %d tensors; only image, date, vector, h3 and audio features take a list of tensors", len(ts))
		}
		return Input{Tensors: ts, Rows: len(ts)}, nil
	}
	t := ts[0]
	if f.Type == "image" && len(t.Shape) == 3 {
		// One [C,H,W] image: a batch of one, as a list.
		return Input{Tensors: ts, Rows: 1}, nil
	}
	rank := map[string]int{"number": 1, "binary": 1, "h3": 1, "vector": 2, "date": 2, "image": 4, "timeseries": 2}
	want, ok := rank[f.Type]
	if !ok {
		return Input{}, featureErr(f, -1, "%s features take strings, not tensors", f.Type)
	}
	if len(t.Shape) != want {
		return Input{}, featureErr(f, -1, "expected a tensor of rank %d, got shape %v", want, t.Shape)
	}
	if f.Type == "date" && t.Shape[1] != 9 {
		return Input{}, featureErr(f, -1, "date tensors are [B, 9], got shape %v", t.Shape)
	}
	if (f.Type == "h3" || f.Type == "date") && !t.DType.IsInteger() {
		return Input{}, featureErr(f, -1, "expected an integer tensor, got %s", t.DType)
	}
	if f.Type == "vector" || f.Type == "date" {
		if err := checkFinite(t); err != nil {
			return Input{}, featureErr(f, -1, "%v", err)
		}
	}
	tt := t
	return Input{Tensor: &tt, Borrowed: borrowed, Rows: int(t.Shape[0])}, nil
}

func checkFinite(t tensor.Tensor) error {
	if t.DType != tensor.Float32 && t.DType != tensor.Float64 {
		return nil
	}
	n := int(t.NumElements())
	for i := 0; i < n; i++ {
		if x := t.Float64At(i); math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("element %d is %v (NaN and infinities are not allowed)", i, x)
		}
	}
	return nil
}

// mediaColumn decodes image or audio values: each a file path, data: URI
// or base64 string. Images become uint8 [C,H,W] tensors (a list, since
// sizes may differ), audio clips float32 [channels, samples] tensors with
// their sample rate (List[Tuple[Tensor, int]]).
func mediaColumn(f export.Feature, cells []request.Cell, opts Options) (Input, error) {
	mo := media.Options{BaseDir: opts.BaseDir, NoPaths: opts.NoPaths}
	ts := make([]tensor.Tensor, len(cells))
	for i, c := range cells {
		switch {
		case c.Kind == request.String:
		case c.IsMissing():
			return Input{}, featureErr(f, i, "missing value (the exported module does not fill missing %ss; give a file path, data: URI or base64)", f.Type)
		default:
			return Input{}, featureErr(f, i, "expected a file path, data: URI or base64 string, got %s", c.Kind)
		}
		var err error
		if f.Type == "image" {
			ts[i], err = media.LoadImage(c.Str, mo)
		} else {
			ts[i], err = media.LoadAudio(c.Str, mo)
		}
		if err != nil {
			return Input{}, featureErr(f, i, "%v", err)
		}
	}
	return Input{Tensors: ts, Tuples: f.Type == "audio", Rows: len(cells)}, nil
}
