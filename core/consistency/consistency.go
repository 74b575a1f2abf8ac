// Package consistency compares an export's JSON files (the config and the
// training-set metadata) with what its modules take and return. The modules
// are what runs, so they win; each contradiction is a model warning
// (core's Info.Warnings).
package consistency

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core/export"
	"github.com/ludwig-infer/ludwig-infer/core/response"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// Outputs compares the export's JSON files with what the postprocessor
// returned at warm-up; a warning for each contradiction:
//   - an output feature of the config that the postprocessor does not
//     return, and a feature it returns that the config does not list;
//   - a binary or category output whose metadata labels (idx2str, bool2str)
//     do not match its probabilities' width (the full form then names the
//     columns past the labels by index).
func Outputs(schema *export.Schema, entries []response.Entry) []string {
	if schema == nil {
		return nil
	}
	produced := map[string]bool{}
	var order []string
	for _, e := range entries {
		if !produced[e.Feature] {
			produced[e.Feature] = true
			order = append(order, e.Feature)
		}
	}
	listed := map[string]bool{}
	var out []string
	for _, f := range schema.Outputs {
		listed[f.Name] = true
		if !produced[f.Name] {
			out = append(out, fmt.Sprintf("output feature %q of %s is not among the postprocessor's outputs (%s): the module wins",
				f.Name, export.HyperparametersFile, strings.Join(order, ", ")))
			continue
		}
		if f.Type != "binary" && f.Type != "category" || len(f.Labels) == 0 {
			continue
		}
		for _, e := range entries {
			t, ok := e.Value.(tensor.Tensor)
			if e.Feature != f.Name || e.Key != "probabilities" || !ok || len(t.Shape) != 2 {
				continue
			}
			if cols := int(t.Shape[1]); cols != len(f.Labels) {
				out = append(out, fmt.Sprintf("output feature %q: %s has %d labels but the postprocessor's probabilities have %d columns: the module wins (the full form names columns past the labels by index)",
					f.Name, export.MetadataFile, len(f.Labels), cols))
			}
		}
	}
	var extra []string
	for f := range produced {
		if !listed[f] {
			extra = append(extra, f)
		}
	}
	sort.Strings(extra)
	for _, f := range extra {
		out = append(out, fmt.Sprintf("the postprocessor returns feature %q, which %s does not list: the module wins", f, export.HyperparametersFile))
	}
	return out
}

// accepted lists the preprocessor input types featurisation may pass for a
// feature type (featurize.Input: Strings, Tensor, Tensors, Tuples).
func accepted(featureType string) []string {
	switch featureType {
	case "number", "h3":
		return []string{"Tensor"}
	case "vector":
		return []string{"List[str]", "Tensor"}
	case "date", "image":
		return []string{"List[Tensor]", "Tensor"}
	case "audio":
		return []string{"List[Tuple[Tensor, int]]"}
	}
	return []string{"List[str]"}
}

// unionMembers splits "Union[A, B[C, D]]" into A and B[C, D]; a plain type
// is its own only member.
func unionMembers(t string) []string {
	if !strings.HasPrefix(t, "Union[") || !strings.HasSuffix(t, "]") {
		return []string{t}
	}
	inner := t[len("Union[") : len(t)-1]
	var out []string
	depth, start := 0, 0
	for i, c := range inner {
		switch c {
		case '[':
			depth++
		case ']':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(inner[start:i]))
				start = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(inner[start:]))
}

// Inputs compares the config's input features with the value type
// of the preprocessor's input dict (valueType, as libtorch spells it): a
// feature whose values the preprocessor cannot take means every call fails.
func Inputs(schema *export.Schema, valueType string) []string {
	if schema == nil || valueType == "" {
		return nil
	}
	members := map[string]bool{}
	for _, m := range unionMembers(valueType) {
		members[m] = true
	}
	var out []string
	for _, f := range schema.Inputs {
		ok := false
		for _, a := range accepted(f.Type) {
			ok = ok || members[a]
		}
		if !ok {
			out = append(out, fmt.Sprintf("the preprocessor takes Dict[str, %s], but input feature %q (%s) of %s is passed as %s: calls will fail",
				valueType, f.Name, f.Type, export.HyperparametersFile, strings.Join(accepted(f.Type), " or ")))
		}
	}
	return out
}
