package artifact

import (
	"regexp"
	"sort"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core/export"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/core/torch"
)

// The feature schema of an InferenceModule or a Carton without the export's
// JSON files, read from the module itself (core's artifacts.go decides
// which to use).

// SameFeatures reports whether a and b name the same input and output
// features, in any order.
func SameFeatures(a, b *export.Schema) bool {
	names := func(fs []export.Feature) string {
		out := make([]string, len(fs))
		for i, f := range fs {
			out[i] = f.Name
		}
		sort.Strings(out)
		return strings.Join(out, "\x00")
	}
	return names(a.Inputs) == names(b.Inputs) && names(a.Outputs) == names(b.Outputs)
}

// FeatureNames lists s's features for messages.
func FeatureNames(s *export.Schema) string {
	var in, out []string
	for _, f := range s.Inputs {
		in = append(in, f.Name)
	}
	for _, f := range s.Outputs {
		out = append(out, f.Name)
	}
	return "inputs " + strings.Join(in, ", ") + "; outputs " + strings.Join(out, ", ")
}

// CartonSpecWarnings compares carton.toml's inputs and outputs with the
// schema.
func CartonSpecWarnings(c CartonConfig, s *export.Schema) []string {
	var w []string
	check := func(kind string, specs []TensorSpec, fs []export.Feature) {
		if len(specs) == 0 {
			return
		}
		want := map[string]bool{}
		for _, f := range fs {
			want[f.Name] = true
		}
		got := map[string]bool{}
		for _, sp := range specs {
			got[sp.Name] = true
			if !want[sp.Name] {
				w = append(w, "carton.toml lists "+kind+" "+sp.Name+", which the module does not have")
			}
		}
		for _, f := range fs {
			if !got[f.Name] {
				w = append(w, "carton.toml does not list the module's "+kind+" "+f.Name)
			}
		}
	}
	check("input", c.Inputs, s.Inputs)
	check("output", c.Outputs, s.Outputs)
	return w
}

// Module-derived schema.

// featureModuleRE finds the feature type in a Ludwig module's qualified
// class name: __torch__.ludwig.features.<type>_feature.[___torch_mangle_N.]_Class.
var featureModuleRE = regexp.MustCompile(`ludwig\.features\.([a-z0-9]+)_feature\.`)

// classTypes maps Ludwig's per-feature module classes to feature types, for
// class names whose module path does not tell.
var classTypes = map[string]string{
	"_NumberPreprocessing": "number", "_NumberPostprocessing": "number",
	"_CategoryPreprocessing": "category", "_CategoryPostprocessing": "category",
	"_BinaryPreprocessing": "binary", "_BinaryPostprocessing": "binary",
	"_SetPreprocessing": "set", "_SetPostprocessing": "set",
	"_SequencePreprocessing": "sequence", "_SequencePostprocessing": "sequence",
	"_TextPreprocessing": "text", "_TextPostprocessing": "text",
	"_VectorPreprocessing": "vector", "_VectorPostprocessing": "vector",
	"_TimeseriesPreprocessing": "timeseries", "_TimeseriesPostprocessing": "timeseries",
	"_DatePreprocessing": "date", "_H3Preprocessing": "h3",
	"_ImagePreprocessing": "image", "_AudioPreprocessing": "audio",
	"_CategoryDistributionPostprocessing": "category_distribution",
}

// featureType tells a feature's type from its module's class.
func featureType(mod *torch.Module, qualified string) string {
	t := ""
	if sm := featureModuleRE.FindStringSubmatch(qualified); sm != nil {
		t = sm[1]
	} else {
		t = classTypes[qualified[strings.LastIndexByte(qualified, '.')+1:]]
	}
	if t == "set" {
		// A bag input is _SetPreprocessing with is_bag = True.
		if v, err := mod.Attr("is_bag"); err == nil && v == true {
			t = "bag"
		}
	}
	return t
}

// featureNameFromKey reverses Ludwig's get_module_dict_key_from_name.
func featureNameFromKey(key string) string {
	return strings.ReplaceAll(strings.TrimSuffix(key, "__ludwig"), "__ludwig_punct_period__", ".")
}

// ModuleSchema reads the feature schema from an InferenceModule: inputs from
// preprocessor.preproc_modules, outputs from postprocessor.postproc_modules
// (the Ludwig v0.6-v0.7 layout keeps both directly on the module), output
// labels from idx2str / bool2str. unknown lists what it cannot tell.
func ModuleSchema(inner *torch.Module) (*export.Schema, []string, error) {
	find := func(paths ...string) (*torch.Module, error) {
		var err error
		for _, p := range paths {
			var sub *torch.Module
			if sub, err = inner.Submodule(p); err == nil {
				return sub, nil
			}
		}
		return nil, err
	}
	pre, err := find("preprocessor.preproc_modules", "preproc_modules")
	if err != nil {
		return nil, nil, status.Errorf(status.Model, "the module has no preprocessor.preproc_modules: %v", err)
	}
	defer pre.Close()
	post, err := find("postprocessor.postproc_modules", "postproc_modules")
	if err != nil {
		return nil, nil, status.Errorf(status.Model, "the module has no postprocessor.postproc_modules: %v", err)
	}
	defer post.Close()
	s := &export.Schema{}
	unknown := []string{"column", "datetime_format", "vector_size"}
	read := func(parent *torch.Module, output bool) ([]export.Feature, error) {
		children, err := parent.Children()
		if err != nil {
			return nil, err
		}
		var out []export.Feature
		for _, c := range children {
			sub, err := parent.Submodule(c.Name)
			if err != nil {
				return nil, err
			}
			name := featureNameFromKey(c.Name)
			f := export.Feature{Name: name, Column: name, Type: featureType(sub, c.Type)}
			if f.Type == "" {
				f.Type = "unknown"
			}
			if output {
				f.Labels = moduleLabels(sub, f.Type)
			} else {
				f.Labels = vocabulary(sub)
			}
			sub.Close()
			out = append(out, f)
		}
		return out, nil
	}
	if s.Inputs, err = read(pre, false); err != nil {
		return nil, nil, status.Errorf(status.Model, "reading the module's input features: %v", err)
	}
	if s.Outputs, err = read(post, true); err != nil {
		return nil, nil, status.Errorf(status.Model, "reading the module's output features: %v", err)
	}
	if len(s.Inputs) == 0 && len(s.Outputs) == 0 {
		return nil, nil, status.Errorf(status.Model, "the module's preprocessing and postprocessing hold no features")
	}
	return s, unknown, nil
}

// moduleLabels reads an output's labels from its postprocessing module:
// idx2str (category, set, sequence, text), bool2str (binary; False/True
// without it).
func moduleLabels(mod *torch.Module, typ string) []string {
	if typ == "binary" {
		if v, err := mod.Attr("bool2str"); err == nil {
			if l, ok := torch.StringsOf(v); ok && len(l) == 2 {
				return l
			}
		}
		return []string{"False", "True"}
	}
	if v, err := mod.Attr("idx2str"); err == nil {
		if l, ok := torch.StringsOf(v); ok {
			return l
		}
	}
	return nil
}

// vocabulary reads an input's vocabulary from its preprocessing module:
// str2idx (category) or unit_to_id (set, bag, sequence, text), ordered by
// index.
func vocabulary(mod *torch.Module) []string {
	for _, attr := range []string{"str2idx", "unit_to_id"} {
		v, err := mod.Attr(attr)
		if err != nil {
			continue
		}
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		out := make([]string, 0, len(m))
		for k := range m {
			out = append(out, k)
		}
		idx := func(k string) int64 { i, _ := m[k].(int64); return i }
		sort.Slice(out, func(i, j int) bool { return idx(out[i]) < idx(out[j]) })
		return out
	}
	return nil
}
