// Package native runs the preprocessing and postprocessing stages of a
// Ludwig TorchScript export in Go, producing exactly what the scripted
// modules produce: the same tensors (dtype, shape and values) for the
// predictor, the same postprocessed values and kinds.
//
// Nothing is configured by hand and nothing is read from the export's JSON
// files: Build reads each feature's scripted module through libtorch (its
// class, the aten operations its code uses, and its attributes: vocabularies,
// fill values, normalisation statistics, thresholds), so the native code and
// the TorchScript code can never disagree about metadata. A module whose
// class, code or attributes are not recognised is left to TorchScript; so is
// an input form a native module does not handle (it returns ErrFallback),
// which keeps even rare forms exact.
//
// The semantics reproduced are TorchScript's, not Python's: strings are
// bytes (see strings.go), float(str) is C's strtod (see stod.go), tensor
// arithmetic is float32 with Python scalars rounded to float32 first.
// Floats are bit for bit equal to libtorch's except where libtorch's
// vectorised transcendental functions (log1p, expm1, log) round differently:
// there they may differ by one unit in the last place.
package native

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core/featurize"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
	"github.com/ludwig-infer/ludwig-infer/core/torch"
)

// ErrFallback is returned by a Preprocessor or Postprocessor for a value
// form it does not handle natively: the caller runs the feature's
// TorchScript module instead (which may well raise, as for a number feature
// given strings).
var ErrFallback = errors.New("this input form is left to TorchScript")

// Preprocessor is one input feature's native preprocessing.
type Preprocessor interface {
	// Preprocess returns the tensor the feature's scripted module returns
	// for in. Errors name the row; ErrFallback asks for TorchScript.
	Preprocess(in featurize.Input) (tensor.Tensor, error)
}

// Entry is one postprocessor output of a feature ("predictions", ...): a
// tensor.Tensor, []string, [][]string or []tensor.Tensor, as the scripted
// module returns it.
type Entry struct {
	Key   string
	Value any
}

// Predictions gives an output feature's predictor tensors by key
// ("predictions", "probabilities", ...).
type Predictions func(key string) (tensor.Tensor, bool)

// Postprocessor is one output feature's native postprocessing.
type Postprocessor interface {
	// Postprocess returns the feature's postprocessor outputs, in the
	// scripted module's order. ErrFallback asks for TorchScript.
	Postprocess(get Predictions) ([]Entry, error)
}

// Feature describes one feature's scripted module.
type Feature struct {
	// Name is the feature's name.
	Name string
	// Path is the module's path in its stage ("preproc_modules.city__ludwig").
	Path string
	// Class is the module's class without TorchScript's mangling
	// ("__torch__.ludwig.features.category_feature._CategoryPreprocessing").
	Class string
	// Why says why the feature is left to TorchScript ("" when native).
	Why string
}

// Input is an input feature's plan: Pre is nil when TorchScript runs it.
type Input struct {
	Feature
	Pre Preprocessor
}

// Output is an output feature's plan: Post is nil when TorchScript runs it.
type Output struct {
	Feature
	Post Postprocessor
}

// Plan says, per feature, how the preprocessing and postprocessing stages
// run. Inputs and Outputs are in the stages' module order.
type Plan struct {
	Inputs  []Input
	Outputs []Output
	// Classes are the code of every Ludwig class read while planning, in
	// reading order (a feature's module, then its submodules).
	Classes []ClassOps
}

// ClassOps is the code of one scripted module of Ludwig's, as recognition
// saw it: the conformance suite checks, on every real export, that Ludwig's
// classes use only the operations knownOps lists for them.
type ClassOps struct {
	// Feature is the feature whose module (or submodule) this is.
	Feature string `json:"feature"`
	// Class is the short class name ("_CategoryPreprocessing").
	Class string `json:"class"`
	// Known says whether recognition knows the class (knownOps has it).
	Known bool `json:"known"`
	// Ops are the aten operations its code uses, sorted.
	Ops []string `json:"ops"`
	// Unknown are the Ops that knownOps does not list for the class (all
	// of them for a class it does not know).
	Unknown []string `json:"unknown"`
}

// Build reads the preprocessor and postprocessor modules (either may be nil)
// and plans every feature. It fails only when a stage does not have Ludwig's
// shape (no preproc_modules / postproc_modules).
func Build(pre, post Module) (*Plan, error) {
	p := &Plan{}
	if pre != nil {
		fs, err := features(pre, "preproc_modules")
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			in := Input{Feature: f.Feature}
			in.Pre, in.Why = buildPre(f, &p.Classes)
			f.close()
			p.Inputs = append(p.Inputs, in)
		}
	}
	if post != nil {
		fs, err := features(post, "postproc_modules")
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			out := Output{Feature: f.Feature}
			out.Post, out.Why = buildPost(f, &p.Classes)
			f.close()
			p.Outputs = append(p.Outputs, out)
		}
	}
	return p, nil
}

// NativeInputs and NativeOutputs list the features that run natively.
func (p *Plan) NativeInputs() []string {
	var out []string
	for _, in := range p.Inputs {
		if in.Pre != nil {
			out = append(out, in.Name)
		}
	}
	return out
}

// NativeOutputs lists the output features postprocessed natively.
func (p *Plan) NativeOutputs() []string {
	var out []string
	for _, o := range p.Outputs {
		if o.Post != nil {
			out = append(out, o.Name)
		}
	}
	return out
}

// InputsByName maps each planned input feature's name to its plan.
func (p *Plan) InputsByName() map[string]Input {
	m := make(map[string]Input, len(p.Inputs))
	for _, in := range p.Inputs {
		m[in.Name] = in
	}
	return m
}

// Unsupported describes every feature left to TorchScript, one
// "stage feature: reason" string each.
func (p *Plan) Unsupported() []string {
	var out []string
	for _, in := range p.Inputs {
		if in.Pre == nil {
			out = append(out, fmt.Sprintf("input feature %q (%s): %s", in.Name, shortClass(in.Class), in.Why))
		}
	}
	for _, o := range p.Outputs {
		if o.Post == nil {
			out = append(out, fmt.Sprintf("output feature %q (%s): %s", o.Name, shortClass(o.Class), o.Why))
		}
	}
	return out
}

// featureModule is a feature's module while it is read.
type featureModule struct {
	Feature
	m Module
}

func (f featureModule) close() { f.m.Close() }

// features lists the feature modules of a stage's ModuleDict.
func features(stage Module, dict string) ([]featureModule, error) {
	d, err := stage.Sub(dict)
	if err != nil {
		return nil, fmt.Errorf("the stage has no %s: %v", dict, err)
	}
	defer d.Close()
	children, err := d.Children()
	if err != nil {
		return nil, err
	}
	out := make([]featureModule, 0, len(children))
	for _, c := range children {
		m, err := d.Sub(c.Name)
		if err != nil {
			for _, f := range out {
				f.close()
			}
			return nil, err
		}
		out = append(out, featureModule{
			Feature: Feature{Name: NameFromKey(c.Name), Path: dict + "." + c.Name, Class: Demangle(c.Type)},
			m:       m,
		})
	}
	return out, nil
}

// Ludwig's ModuleDict keys (ludwig/features/feature_utils.py).
const (
	keySuffix = "__ludwig"
	keyPeriod = "__ludwig_punct_period__"
)

// KeyFromName is get_module_dict_key_from_name: a feature's ModuleDict key.
func KeyFromName(name string) string {
	return strings.ReplaceAll(name, ".", keyPeriod) + keySuffix
}

// NameFromKey is get_name_from_module_dict_key: the feature name of a key.
func NameFromKey(key string) string {
	name := strings.ReplaceAll(key, keyPeriod, ".")
	if len(name) < len(keySuffix) {
		return ""
	}
	return name[:len(name)-len(keySuffix)]
}

var mangleRE = regexp.MustCompile(`\.___torch_mangle_[0-9]+`)

// Demangle removes TorchScript's "___torch_mangle_N" components from a
// qualified class name (a class scripted twice with different attribute
// types gets them).
func Demangle(qualified string) string { return mangleRE.ReplaceAllString(qualified, "") }

func shortClass(q string) string {
	if i := strings.LastIndexByte(q, '.'); i >= 0 {
		return q[i+1:]
	}
	return q
}

// ludwigClass returns the class name of a demangled qualified name in one of
// Ludwig's modules ("__torch__.ludwig.<module>.<Class>"), or "".
func ludwigClass(q string) string {
	if !strings.HasPrefix(q, "__torch__.ludwig.") {
		return ""
	}
	return shortClass(q)
}

// reader reads one module's attributes, remembering the first problem.
type reader struct {
	m       Module
	class   string // short class name
	err     error
	kids    []torch.Child
	feature string
	seen    *[]ClassOps // where checkOps records the code it read
}

func newReader(m Module, qualified, feature string, seen *[]ClassOps) *reader {
	return &reader{m: m, class: ludwigClass(qualified), feature: feature, seen: seen}
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, args...)
	}
}

// checkOps verifies that the class's code uses only the aten operations
// known for that class in Ludwig's versions, and all of required: code that
// does something else (another Ludwig version, a user's change) is left to
// TorchScript.
func (r *reader) checkOps(required ...string) {
	ops, err := r.m.ClassOps()
	if err != nil {
		r.fail("reading the code of %s: %v", r.class, err)
		return
	}
	allowed, ok := knownOps[r.class]
	have := map[string]bool{}
	rec := ClassOps{Feature: r.feature, Class: r.class, Known: ok, Ops: []string{}, Unknown: []string{}}
	for _, op := range ops {
		if !strings.HasPrefix(op, "aten::") || have[op] {
			continue
		}
		have[op] = true
		rec.Ops = append(rec.Ops, op)
		if !allowed[op] {
			rec.Unknown = append(rec.Unknown, op)
		}
	}
	sort.Strings(rec.Ops)
	sort.Strings(rec.Unknown)
	if r.seen != nil {
		*r.seen = append(*r.seen, rec)
	}
	if !ok {
		r.fail("no known code for class %s", r.class)
		return
	}
	if len(rec.Unknown) > 0 {
		r.fail("the code of %s uses %s, which Ludwig's does not", r.class, strings.Join(rec.Unknown, ", "))
		return
	}
	for _, op := range required {
		if !have[op] {
			r.fail("the code of %s does not use %s, which Ludwig's does", r.class, op)
			return
		}
	}
}

func (r *reader) attr(name string) any {
	if r.err != nil {
		return nil
	}
	v, err := r.m.Attr(name)
	if err != nil {
		r.fail("attribute %s: %v", name, err)
		return nil
	}
	return v
}

func (r *reader) str(name string) string { return attrAs[string](r, name, "a string") }

// attrAs reads an attribute of Go type T (what names it in errors).
func attrAs[T any](r *reader, name, what string) T {
	v := r.attr(name)
	x, ok := v.(T)
	if !ok && r.err == nil {
		r.fail("attribute %s is %T, expected %s", name, v, what)
	}
	return x
}

// num reads a float (or int) attribute.
func (r *reader) num(name string) float64 {
	switch x := r.attr(name).(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	case nil:
		r.fail("attribute %s is None, expected a number", name)
	default:
		r.fail("attribute %s is %T, expected a number", name, x)
	}
	return 0
}

func (r *reader) integer(name string) int64 { return attrAs[int64](r, name, "an int") }

func (r *reader) boolean(name string) bool { return attrAs[bool](r, name, "a bool") }

func (r *reader) strInt(name string) map[string]int64 {
	return strMap[int64](r, name, "an int", "Dict[str, int]")
}

func (r *reader) strBool(name string) map[string]bool {
	return strMap[bool](r, name, "a bool", "Dict[str, bool]")
}

// strMap reads a Dict[str, T] attribute (dict names it in errors, what
// names one value).
func strMap[T any](r *reader, name, what, dict string) map[string]T {
	v := r.attr(name)
	if r.err != nil {
		return nil
	}
	out := map[string]T{}
	switch d := v.(type) {
	case map[string]any:
		for k, x := range d {
			e, ok := x.(T)
			if !ok {
				r.fail("attribute %s[%q] is %T, expected %s", name, k, x, what)
				return nil
			}
			out[k] = e
		}
	case map[int64]any:
		if len(d) != 0 {
			r.fail("attribute %s has int keys, expected strings", name)
		}
	default:
		r.fail("attribute %s is %T, expected %s", name, v, dict)
	}
	return out
}

// intStr reads a Dict[int, str] attribute; None gives nil without error
// when optional.
func (r *reader) intStr(name string, optional bool) map[int64]string {
	v := r.attr(name)
	if r.err != nil {
		return nil
	}
	if v == nil && optional {
		return nil
	}
	out := map[int64]string{}
	switch d := v.(type) {
	case map[int64]any:
		for k, x := range d {
			s, ok := x.(string)
			if !ok {
				r.fail("attribute %s[%d] is %T, expected a string", name, k, x)
				return nil
			}
			out[k] = s
		}
	case map[string]any:
		if len(d) != 0 {
			r.fail("attribute %s has string keys, expected ints", name)
		}
	default:
		r.fail("attribute %s is %T, expected Dict[int, str]", name, v)
	}
	return out
}

func (r *reader) strings(name string) []string {
	v := r.attr(name)
	switch x := v.(type) {
	case []string:
		return x
	case []any:
		if len(x) == 0 {
			return []string{}
		}
	}
	if r.err == nil {
		r.fail("attribute %s is %T, expected List[str]", name, v)
	}
	return nil
}

// child opens the submodule attribute name; it returns nil (and no error)
// when the attribute is None and optional.
func (r *reader) child(name string, optional bool) *reader {
	if r.err != nil {
		return nil
	}
	if r.kids == nil {
		kids, err := r.m.Children()
		if err != nil {
			r.fail("listing the submodules: %v", err)
			return nil
		}
		r.kids = kids
	}
	for _, k := range r.kids {
		if k.Name == name {
			m, err := r.m.Sub(name)
			if err != nil {
				r.fail("submodule %s: %v", name, err)
				return nil
			}
			return newReader(m, Demangle(k.Type), r.feature, r.seen)
		}
	}
	if optional {
		if v, err := r.m.Attr(name); err == nil && v == nil {
			return nil
		}
	}
	r.fail("no submodule %s", name)
	return nil
}

// done closes a child reader and passes its error to its parent.
func (r *reader) done(c *reader) {
	if c == nil {
		return
	}
	if c.err != nil {
		r.fail("%s: %v", c.class, c.err)
	}
	c.m.Close()
}

func buildPre(f featureModule, seen *[]ClassOps) (Preprocessor, string) {
	r := newReader(f.m, f.Class, f.Name, seen)
	mk, ok := preBuilders[r.class]
	if !ok {
		return nil, "no native implementation of " + shortClass(f.Class)
	}
	p := mk(r)
	if r.err != nil {
		return nil, r.err.Error()
	}
	return p, ""
}

func buildPost(f featureModule, seen *[]ClassOps) (Postprocessor, string) {
	r := newReader(f.m, f.Class, f.Name, seen)
	mk, ok := postBuilders[r.class]
	if !ok {
		return nil, "no native implementation of " + shortClass(f.Class)
	}
	p := mk(r)
	if r.err != nil {
		return nil, r.err.Error()
	}
	return p, ""
}
