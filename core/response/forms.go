package response

import (
	"fmt"
	"math"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core/export"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// Form is an output form; its values equal li_form in the C header.
type Form int

// The output forms (see include/ludwig_infer.h).
const (
	Features Form = 0
	Columns  Form = 1
	Full     Form = 2
)

// ParseForm maps "features", "columns" or "full" to a Form.
func ParseForm(s string) (Form, error) {
	switch s {
	case "features":
		return Features, nil
	case "columns", "":
		return Columns, nil
	case "full":
		return Full, nil
	}
	return 0, fmt.Errorf("unknown output form %q (want features, columns or full)", s)
}

// String returns the form's name.
func (f Form) String() string {
	switch f {
	case Features:
		return "features"
	case Columns:
		return "columns"
	case Full:
		return "full"
	}
	return fmt.Sprintf("form(%d)", int(f))
}

// Named is a tensor returned outside the JSON.
type Named struct {
	Name string
	tensor.Tensor
}

// Entry is one postprocessor output, unflattened: "<Feature>::<Key>".
type Entry struct {
	Feature, Key string
	// Value is a tensor.Tensor, []string, [][]string, []tensor.Tensor or
	// another value copied out of TorchScript.
	Value any
	// Added marks a column that only the full form has: one of those
	// LudwigModel.predict's postprocess_predictions adds, given by the
	// postprocessor itself (a Ludwig model folder's, core/stage.LudwigPost)
	// rather than derived by the encoder. The columns and features forms
	// leave it out.
	Added bool
}

// withoutAdded returns entries without those marked Added (a copy only
// when there are some).
func withoutAdded(entries []Entry) []Entry {
	for i, en := range entries {
		if !en.Added {
			continue
		}
		out := append([]Entry(nil), entries[:i]...)
		for _, en := range entries[i+1:] {
			if !en.Added {
				out = append(out, en)
			}
		}
		return out
	}
	return entries
}

// Split unflattens a "<feature>::<key>" name on its last "::"; a name
// without one is a feature-level value with key "".
func Split(name string) (feature, key string) {
	if i := strings.LastIndex(name, "::"); i >= 0 {
		return name[:i], name[i+2:]
	}
	return name, ""
}

// Encoder writes the responses of one model; it holds the output schema
// (nil when the export has no config, then `full` adds nothing).
type Encoder struct {
	Outputs []export.Feature
}

func (e *Encoder) output(name string) *export.Feature {
	for i := range e.Outputs {
		if e.Outputs[i].Name == name {
			return &e.Outputs[i]
		}
	}
	return nil
}

// Encode writes entries in form. With tensorOutputs, tensor values go to the
// returned list (named "<feature>::<key>") instead of the JSON.
func (e *Encoder) Encode(entries []Entry, form Form, tensorOutputs bool) ([]byte, []Named) {
	if form == Full {
		entries = e.withDerived(entries)
	} else {
		entries = withoutAdded(entries)
	}
	var named []Named
	b := make([]byte, 0, 256)
	b = append(b, '{')
	first := true
	for i := 0; i < len(entries); {
		// entries of one feature are contiguous in module order.
		j := i
		for j < len(entries) && entries[j].Feature == entries[i].Feature {
			j++
		}
		if form == Features {
			if !first {
				b = append(b, ',')
			}
			first = false
			b = AppendString(b, entries[i].Feature)
			b = append(b, ":{"...)
		}
		innerFirst := true
		for _, en := range entries[i:j] {
			if t, ok := en.Value.(tensor.Tensor); ok && tensorOutputs {
				named = append(named, Named{Name: en.Feature + "::" + en.Key, Tensor: t})
				continue
			}
			if form == Features {
				if !innerFirst {
					b = append(b, ',')
				}
				innerFirst = false
				b = AppendString(b, en.Key)
			} else {
				if !first {
					b = append(b, ',')
				}
				first = false
				b = AppendString(b, ColumnName(en.Feature, en.Key))
			}
			b = append(b, ':')
			b = AppendValue(b, en.Value)
		}
		if form == Features {
			b = append(b, '}')
		}
		i = j
	}
	b = append(b, '}')
	return b, named
}

// ColumnName is InferenceModule.predict's column for a key: "<f>_<key>".
func ColumnName(feature, key string) string {
	if key == "" {
		return feature
	}
	return feature + "_" + key
}

// AppendValue appends any value copied out of TorchScript.
func AppendValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case tensor.Tensor:
		return AppendNested(b, x)
	case []string:
		return AppendStrings(b, x)
	case [][]string:
		b = append(b, '[')
		for i, s := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendStrings(b, s)
		}
		return append(b, ']')
	case []tensor.Tensor:
		b = append(b, '[')
		for i, t := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendNested(b, t)
		}
		return append(b, ']')
	case []any:
		b = append(b, '[')
		for i, it := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendValue(b, it)
		}
		return append(b, ']')
	case string:
		return AppendString(b, x)
	case bool:
		if x {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	case int64:
		return AppendFloat(b, float64(x), 64)
	case float64:
		return AppendFloat(b, x, 64)
	}
	return append(b, "null"...)
}

// withDerived adds the columns LudwigModel.predict adds (contract section
// 5): for binary and category outputs "probabilities_<label>" for every label
// and "probability" (the highest probability), from the postprocessor's
// probabilities [B, C]; for text outputs "response", each row's predicted
// tokens joined by single spaces (TextOutputFeature.postprocess_predictions,
// tokens not stripped). Columns come in LudwigModel.predict's order (checked
// by the conformance suite): every output's own columns first, then every
// output's added ones (ludwigOrder).
func (e *Encoder) withDerived(entries []Entry) []Entry {
	out := make([]Entry, 0, len(entries)+8)
	var later []Entry
	for i := 0; i < len(entries); {
		j := i
		for j < len(entries) && entries[j].Feature == entries[i].Feature {
			j++
		}
		own := entries[i:j]
		f := e.output(own[0].Feature)
		if f == nil {
			out = append(out, own...)
			i = j
			continue
		}
		var added []Entry
		for _, en := range own {
			switch {
			case (f.Type == "binary" || f.Type == "category") && en.Key == "probabilities":
				if t, ok := en.Value.(tensor.Tensor); ok && len(t.Shape) == 2 {
					added = derived(en.Feature, t, f.Labels)
				}
			case f.Type == "text" && en.Key == "predictions":
				if tokens, ok := en.Value.([][]string); ok {
					added = []Entry{{Feature: en.Feature, Key: "response", Value: responses(tokens)}}
				}
			}
		}
		first, rest := ludwigOrder(f.Type, own, added)
		out = append(out, first...)
		later = append(later, rest...)
		i = j
	}
	return append(out, later...)
}

// ludwigOrder splits an output's columns as LudwigModel.predict orders them:
// first its own columns (binary: probabilities, predictions; the others:
// predictions, probabilities; then any other key in module order), later
// the added ones (binary: probabilities_<label>..., probability; category:
// probability, probabilities_<label>...; sequence: probability; text:
// response, probability).
func ludwigOrder(typ string, own, added []Entry) (first, later []Entry) {
	take := func(from []Entry, key string) []Entry {
		for _, en := range from {
			if en.Key == key {
				return []Entry{en}
			}
		}
		return nil
	}
	lead := []string{"predictions", "probabilities"}
	if typ == "binary" {
		lead = []string{"probabilities", "predictions"}
	}
	moved := map[string]bool{}
	switch typ {
	case "binary":
		later = added
	case "category":
		if n := len(added); n > 0 { // derived ends with "probability"
			later = append(append(later, added[n-1]), added[:n-1]...)
		}
	case "sequence":
		later, moved["probability"] = take(own, "probability"), true
	case "text":
		later, moved["probability"] = append(added, take(own, "probability")...), true
	default:
		later = added
	}
	for _, k := range lead {
		first = append(first, take(own, k)...)
	}
	for _, en := range own {
		if en.Key != lead[0] && en.Key != lead[1] && !moved[en.Key] {
			first = append(first, en)
		}
	}
	return first, later
}

func derived(feature string, p tensor.Tensor, labels []string) []Entry {
	rows, cols := int(p.Shape[0]), int(p.Shape[1])
	var out []Entry
	for c := 0; c < cols; c++ {
		label := fmt.Sprint(c)
		if c < len(labels) {
			label = labels[c]
		}
		col := make([]float32, rows)
		for r := 0; r < rows; r++ {
			col[r] = float32(p.Float64At(r*cols + c))
		}
		out = append(out, Entry{Feature: feature, Key: "probabilities_" + label, Value: tensor.FromFloat32(col, int64(rows))})
	}
	best := make([]float32, rows)
	for r := 0; r < rows; r++ {
		// The maximum, NaN when any probability is NaN (as numpy's max).
		m := math.Inf(-1)
		for c := 0; c < cols; c++ {
			x := p.Float64At(r*cols + c)
			if math.IsNaN(x) {
				m = x
				break
			}
			if x > m {
				m = x
			}
		}
		best[r] = float32(m)
	}
	return append(out, Entry{Feature: feature, Key: "probability", Value: tensor.FromFloat32(best, int64(rows))})
}

// responses joins each row's tokens with single spaces: Ludwig's
// "<f>_response" column of a text output.
func responses(tokens [][]string) []string {
	out := make([]string, len(tokens))
	for r, row := range tokens {
		out[r] = strings.Join(row, " ")
	}
	return out
}
