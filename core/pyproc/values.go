package pyproc

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core/featurize"
	"github.com/ludwig-infer/ludwig-infer/core/request"
	"github.com/ludwig-infer/ludwig-infer/core/status"
)

// A value is one cell as Ludwig's build_dataset sees it after
// `astype(object)` and the missing-value fill: a Python object of the
// column's pandas dtype (an integer of a float64 column is a float).
type value struct {
	cell    request.Cell
	missing bool
}

// str spells v as Python's str() does (pandas' astype(str) of an object
// column): integers "5", floats as repr ("5.0", "1e+16", "nan"), booleans
// "True"/"False", strings as they are.
func (v value) str() (string, error) {
	c := v.cell
	switch c.Kind {
	case request.String:
		return c.Str, nil
	case request.Bool:
		if c.Bool {
			return "True", nil
		}
		return "False", nil
	case request.Int, request.BigInt:
		return c.Str, nil
	case request.Float:
		return featurize.PyFloat(c.Num), nil
	case request.Null:
		// Only when a strategy leaves the value missing (no fill value).
		return "None", nil
	}
	return "", fmt.Errorf("a %s is not a value of this feature", c.Kind)
}

// float returns v as pandas.to_numeric(errors="coerce") does: numbers and
// booleans as floats, numeric strings parsed (surrounding whitespace
// allowed, no underscores), anything else NaN.
func (v value) float() float64 {
	if v.cell.Kind == request.String && strings.Contains(v.cell.Str, "_") {
		return math.NaN()
	}
	return v.pyFloat()
}

// pyFloat returns v as Python's float() does for numbers, booleans and
// strings (underscores between digits allowed), NaN for anything else.
func (v value) pyFloat() float64 {
	c := v.cell
	switch c.Kind {
	case request.Int, request.Float, request.BigInt:
		return c.Num
	case request.Bool:
		if c.Bool {
			return 1
		}
		return 0
	case request.String:
		return parsePyFloat(c.Str)
	}
	return math.NaN()
}

// parsePyFloat parses s as Python's float() does (whitespace stripped,
// "inf"/"nan" in any case, underscores between digits), NaN when it does not
// parse.
func parsePyFloat(s string) float64 {
	t := strings.TrimSpace(s)
	if strings.Contains(t, "_") {
		if strings.HasPrefix(t, "_") || strings.HasSuffix(t, "_") || strings.Contains(t, "__") {
			return math.NaN()
		}
		t = strings.ReplaceAll(t, "_", "")
	}
	switch strings.ToLower(strings.TrimLeft(t, "+-")) {
	case "inf", "infinity":
		if strings.HasPrefix(t, "-") {
			return math.Inf(-1)
		}
		return math.Inf(1)
	case "nan":
		return math.NaN()
	}
	if strings.ContainsAny(t, "xXpP") {
		return math.NaN()
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f
		}
		return math.NaN()
	}
	return f
}

// isNaNSpelling reports whether s is a spelling of NaN that Python's
// float() accepts ("nan", " -NaN ").
func isNaNSpelling(s string) bool {
	return strings.EqualFold(strings.TrimLeft(strings.TrimSpace(s), "+-"), "nan")
}

// fillCell turns a JSON fill value (computed_fill_value) into a cell of its
// own Python type; ok is false when there is none.
func fillCell(v any) (request.Cell, bool) {
	switch x := v.(type) {
	case nil:
		return request.Cell{}, false
	case string:
		return request.Cell{Kind: request.String, Str: x}, true
	case bool:
		return request.Cell{Kind: request.Bool, Bool: x}, true
	case json.Number:
		s := x.String()
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return request.Cell{Kind: request.Int, Int: i, Num: float64(i), Str: s}, true
		}
		f, err := x.Float64()
		if err != nil {
			return request.Cell{}, false
		}
		return request.Cell{Kind: request.Float, Num: f, Str: s}, true
	case float64:
		return request.Cell{Kind: request.Float, Num: x, Str: featurize.PyFloat(x)}, true
	}
	return request.Cell{}, false
}

// isMissing is pandas' isna for a cell: None or a float NaN.
func isMissing(c request.Cell) bool {
	return c.Kind == request.Null || (c.Kind == request.Float && math.IsNaN(c.Num))
}

// Missing-value strategies (Ludwig's MissingValueStrategy).
const (
	fillWithConst = "fill_with_const"
	fillWithMode  = "fill_with_mode"
	fillWithMean  = "fill_with_mean"
	fillWithFalse = "fill_with_false"
	fillWithTrue  = "fill_with_true"
	bfill         = "bfill"
	ffill         = "ffill"
	dropRow       = "drop_row"
)

// objectValues is build_dataset's view of a request column: its cells as
// Python objects of the column's dtype, with missing values filled per
// strategy (as _handle_missing_values does, before any cast). A missing
// value under drop_row is an error: Ludwig drops the row, which would leave
// a prediction table shorter than the request.
func objectValues(f *inputFeature, col *request.Column) ([]value, error) {
	dt := col.Type()
	vals := make([]value, len(col.Cells))
	for i, c := range col.Cells {
		if dt == request.DTypeFloat64 && (c.Kind == request.Int || c.Kind == request.BigInt) {
			c = request.Cell{Kind: request.Float, Num: c.Num}
		}
		vals[i] = value{cell: c, missing: isMissing(c)}
	}
	return fillMissing(f, vals, f.pre.MissingValueStrategy, f.pre.ComputedFillValue)
}

// fillMissing fills the missing values of vals per strategy.
func fillMissing(f *inputFeature, vals []value, strategy string, computed any) ([]value, error) {
	switch strategy {
	case fillWithConst, fillWithMode, fillWithMean, fillWithFalse, fillWithTrue:
		fc, ok := fillCell(computed)
		if !ok {
			return vals, nil
		}
		for i := range vals {
			if vals[i].missing {
				vals[i] = value{cell: fc}
			}
		}
	case bfill, ffill:
		// The primary direction first, then the other for the ends.
		first, second := bfill, ffill
		if strategy == ffill {
			first, second = ffill, bfill
		}
		propagate(vals, first)
		propagate(vals, second)
	case dropRow:
		for i := range vals {
			if vals[i].missing {
				return nil, f.rowErr(i, "missing value, and the feature's missing_value_strategy is drop_row (Ludwig drops such rows; send a value)")
			}
		}
	case "":
	default:
		return nil, f.err("missing_value_strategy %q is not supported", strategy)
	}
	return vals, nil
}

// propagate fills missing values from the next (bfill) or previous (ffill)
// present value of the batch.
func propagate(vals []value, dir string) {
	if dir == ffill {
		for i := 1; i < len(vals); i++ {
			if vals[i].missing && !vals[i-1].missing {
				vals[i] = vals[i-1]
			}
		}
		return
	}
	for i := len(vals) - 2; i >= 0; i-- {
		if vals[i].missing && !vals[i+1].missing {
			vals[i] = vals[i+1]
		}
	}
}

// strs spells every value (astype(str)).
func (f *inputFeature) strs(vals []value) ([]string, error) {
	out := make([]string, len(vals))
	for i, v := range vals {
		s, err := v.str()
		if err != nil {
			return nil, f.rowErr(i, "%v", err)
		}
		out[i] = s
	}
	return out, nil
}

// err is a status.Model error about the feature (its config or metadata).
func (f *inputFeature) err(format string, args ...any) error {
	return status.Errorf(status.Model, "input feature %q (%s): %s", f.name, f.typ, fmt.Sprintf(format, args...))
}

// rowErr is a status.Input error naming the feature and the row.
func (f *inputFeature) rowErr(row int, format string, args ...any) error {
	return status.Errorf(status.Input, "input feature %q (%s), row %d: %s", f.name, f.typ, row, fmt.Sprintf(format, args...))
}
