package pyproc

// OutputSpec describes one output feature: what Postprocess reads and the
// columns it returns.
type OutputSpec struct {
	// Name and Type are the feature's name and Ludwig type.
	Name, Type string
	// Keys are the keys of the feature's predict-module columns
	// ("<name>_<key>"), in LudwigModel.predict's order; Postprocess adds the
	// postprocess_predictions columns after every feature's (Postprocess's
	// doc comment).
	Keys []string
	// Labels are the class labels (binary: [false label, true label];
	// category, set: idx2str; sequence, text: the vocabulary); nil for
	// number and vector.
	Labels []string
}

// predictKeys are the predict-module column keys per output type.
var predictKeys = map[string][]string{
	"binary":   {"probabilities", "predictions"},
	"number":   {"predictions"},
	"category": {"predictions", "probabilities"},
	"set":      {"predictions", "probabilities"},
	"sequence": {"predictions", "probabilities"},
	"text":     {"predictions", "probabilities"},
	"vector":   {"predictions"},
}

// OutputSpecs lists the output features in the config's order.
func (m *Model) OutputSpecs() []OutputSpec {
	out := make([]OutputSpec, len(m.outputs))
	for i, f := range m.outputs {
		out[i] = OutputSpec{Name: f.name, Type: f.typ, Keys: append([]string(nil), predictKeys[f.typ]...)}
		if f.labels != nil {
			out[i].Labels = append([]string(nil), f.labels...)
		}
	}
	return out
}
