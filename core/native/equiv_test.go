package native

// Exactness: every native module against the scripted module it replaces,
// run by libtorch on the same values. Integers, strings, token ids and
// floats must be equal bit for bit (NaNs equal as NaNs), except where
// libtorch's vectorised transcendental functions round differently (log1p,
// expm1, log): there within 1 ulp, and a sequence output's probability, a
// sum of logs, within its length in ulps. Errors must agree: when one side
// fails, so must the other.

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/featurize"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
	"github.com/ludwig-infer/ludwig-infer/core/torch"
	"github.com/ludwig-infer/ludwig-infer/internal/golden"
)

// stages is one export's scripted stages and native plan.
type stages struct {
	name      string
	pre, post *torch.Module
	plan      *Plan
	subs      map[string]*torch.Module // input feature -> its scripted module
	order     []string                 // input features in module order
}

var (
	stagesMu    sync.Mutex
	stagesCache = map[string]*stages{}
)

// loadStages loads testdata/models/<model>'s stages once per test binary;
// nil when the model has no preprocessor or cannot load here (a missing
// extension library).
func loadStages(t testing.TB, model string) *stages {
	t.Helper()
	if !torch.Available {
		t.Skip(torch.ErrNoTorch)
	}
	stagesMu.Lock()
	defer stagesMu.Unlock()
	if s, ok := stagesCache[model]; ok {
		return s
	}
	stagesCache[model] = nil
	dir := golden.ModelDir(model)
	prePath := filepath.Join(dir, "inference_preprocessor.pt")
	if _, err := os.Stat(prePath); err != nil {
		return nil
	}
	pre, err := torch.Load(prePath, "cpu")
	if err != nil {
		t.Logf("%s: %v (skipped)", model, firstLine(err.Error()))
		return nil
	}
	post, err := torch.Load(filepath.Join(dir, "inference_postprocessor.pt"), "cpu")
	if err != nil {
		t.Logf("%s: %v (skipped)", model, firstLine(err.Error()))
		return nil
	}
	plan, err := Build(Torch(pre), Torch(post))
	if err != nil {
		t.Fatalf("%s: Build: %v", model, err)
	}
	s := &stages{name: model, pre: pre, post: post, plan: plan, subs: map[string]*torch.Module{}}
	for _, in := range plan.Inputs {
		sub, err := pre.Submodule(in.Path)
		if err != nil {
			t.Fatalf("%s: %v", model, err)
		}
		s.subs[in.Name] = sub
		s.order = append(s.order, in.Name)
	}
	stagesCache[model] = s
	return s
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func (s *stages) input(name string) Input {
	for _, in := range s.plan.Inputs {
		if in.Name == name {
			return in
		}
	}
	return Input{}
}

// scripted runs feature name's scripted module on x.
func (s *stages) scripted(name string, x featurize.Input) (tensor.Tensor, error) {
	d, err := s.pre.NewInput()
	if err != nil {
		return tensor.Tensor{}, err
	}
	defer d.Free()
	switch {
	case x.Tensor != nil:
		err = d.PutTensor(name, *x.Tensor, false)
	case x.Tensors != nil:
		err = d.PutTensorList(name, x.Tensors, x.Tuples)
	default:
		err = d.PutStrings(name, x.Strings)
	}
	if err != nil {
		return tensor.Tensor{}, err
	}
	arg, err := d.DictValue(0)
	if err != nil {
		return tensor.Tensor{}, err
	}
	defer arg.Free()
	out, err := s.subs[name].Call("forward", arg)
	if err != nil {
		return tensor.Tensor{}, err
	}
	defer out.Free()
	g, err := out.ToGo()
	if err != nil {
		return tensor.Tensor{}, err
	}
	t, ok := g.(tensor.Tensor)
	if !ok {
		return tensor.Tensor{}, fmt.Errorf("the module returned %T", g)
	}
	return t, nil
}

// preUlps is how far (in ulps) a native input feature's floats may be from
// libtorch's.
func preUlps(p Preprocessor) int64 {
	if n, ok := p.(*numberPre); ok && n.norm.kind == "log1p" {
		return 1
	}
	return 0
}

// postUlps is the same for an output feature's key.
func postUlps(p Postprocessor, key string) int64 {
	switch x := p.(type) {
	case *numberPost:
		if x.t.kind == "log1p" {
			return 1
		}
	case *sequencePost:
		if key == x.probKey {
			return int64(max(x.maxLen, 1))
		}
	}
	return 0
}

// outcome is what one side did with an input.
type outcome int

const (
	agreed outcome = iota
	fellBack
	bothFailed
)

// checkPre runs input feature name both ways on x and reports a mismatch.
func (s *stages) checkPre(name string, x featurize.Input) (outcome, error) {
	in := s.input(name)
	if in.Pre == nil {
		return fellBack, nil
	}
	got, nerr := in.Pre.Preprocess(x)
	if errors.Is(nerr, ErrFallback) {
		return fellBack, nil
	}
	want, terr := s.scripted(name, x)
	switch {
	case nerr != nil && terr != nil:
		return bothFailed, nil
	case nerr != nil:
		return agreed, fmt.Errorf("native failed (%v), TorchScript gave %s", nerr, describe(want))
	case terr != nil:
		return agreed, fmt.Errorf("TorchScript failed (%s), native gave %s", firstLine(terr.Error()), describe(got))
	}
	return agreed, sameTensor(got, want, preUlps(in.Pre))
}

func describe(t tensor.Tensor) string {
	s := fmt.Sprintf("%s%v", t.DType, t.Shape)
	if n := t.NumElements(); n > 0 && n <= 16 {
		vals := make([]string, n)
		for i := range vals {
			vals[i] = fmt.Sprint(t.Float64At(i))
		}
		s += " [" + strings.Join(vals, " ") + "]"
	}
	return s
}

// sameTensor compares dtype, shape and elements: floats bit for bit (NaN
// equals NaN) or within ulps, other dtypes byte for byte.
func sameTensor(got, want tensor.Tensor, ulps int64) error {
	if got.DType != want.DType || !slices.Equal(got.Shape, want.Shape) {
		return fmt.Errorf("got %s%v, want %s%v", got.DType, got.Shape, want.DType, want.Shape)
	}
	n := int(want.NumElements())
	switch want.DType {
	case tensor.Float32:
		for i := 0; i < n; i++ {
			g, w := float32At(got, i), float32At(want, i)
			if d := ulpDiff32(g, w); d > ulps {
				return fmt.Errorf("element %d: got %v (%#x), want %v (%#x): %d ulps", i, g, math.Float32bits(g), w, math.Float32bits(w), d)
			}
		}
	case tensor.Float64:
		for i := 0; i < n; i++ {
			g, w := float64At(got, i), float64At(want, i)
			if d := ulpDiff64(g, w); d > ulps {
				return fmt.Errorf("element %d: got %v, want %v: %d ulps", i, g, w, d)
			}
		}
	default:
		if string(got.Data) != string(want.Data) {
			for i := 0; i < n; i++ {
				if got.Int64At(i) != want.Int64At(i) {
					return fmt.Errorf("element %d: got %d, want %d", i, got.Int64At(i), want.Int64At(i))
				}
			}
			return fmt.Errorf("bytes differ")
		}
	}
	return nil
}

func ulpDiff32(a, b float32) int64 {
	if a != a || b != b {
		if a != a && b != b {
			return 0
		}
		return math.MaxInt64
	}
	if a == b {
		if math.Signbit(float64(a)) != math.Signbit(float64(b)) {
			return math.MaxInt64 // +0 and -0
		}
		return 0
	}
	if math.IsInf(float64(a), 0) || math.IsInf(float64(b), 0) {
		return math.MaxInt64
	}
	ord := func(x float32) int64 {
		u := int64(math.Float32bits(x))
		if u&(1<<31) != 0 {
			return -(u &^ (1 << 31))
		}
		return u
	}
	d := ord(a) - ord(b)
	if d < 0 {
		d = -d
	}
	return d
}

func ulpDiff64(a, b float64) int64 {
	if a != a || b != b {
		if a != a && b != b {
			return 0
		}
		return math.MaxInt64
	}
	if a == b {
		if math.Signbit(a) != math.Signbit(b) {
			return math.MaxInt64
		}
		return 0
	}
	if math.IsInf(a, 0) || math.IsInf(b, 0) {
		return math.MaxInt64
	}
	ord := func(x float64) int64 {
		u := int64(math.Float64bits(x))
		if u < 0 {
			return -(u & math.MaxInt64)
		}
		return u
	}
	d := ord(a) - ord(b)
	if d < 0 {
		d = -d
	}
	return d
}

// scriptedPost runs the whole TorchScript postprocessor on predicted.
func (s *stages) scriptedPost(predicted map[string]tensor.Tensor) (*torch.Dict, error) {
	d, err := s.post.NewInput()
	if err != nil {
		return nil, err
	}
	defer d.Free()
	for k, t := range predicted {
		if err := d.PutTensor(k, t, false); err != nil {
			return nil, err
		}
	}
	out, err := s.post.Forward(d, "cpu")
	if err != nil {
		return nil, err
	}
	defer out.Free()
	g, err := out.ToGo()
	if err != nil {
		return nil, err
	}
	dict, ok := g.(*torch.Dict)
	if !ok {
		return nil, fmt.Errorf("the postprocessor returned %T", g)
	}
	return dict, nil
}

// checkPost postprocesses predicted both ways and reports a mismatch.
func (s *stages) checkPost(predicted map[string]tensor.Tensor) (outcome, error) {
	var native []string // flattened keys in order
	values := map[string]any{}
	ulps := map[string]int64{}
	var nerr error
	for _, o := range s.plan.Outputs {
		if o.Post == nil {
			return fellBack, nil
		}
		prefix := o.Name + "::"
		es, err := o.Post.Postprocess(func(k string) (tensor.Tensor, bool) {
			t, ok := predicted[prefix+k]
			return t, ok
		})
		if errors.Is(err, ErrFallback) {
			return fellBack, nil
		}
		if err != nil {
			nerr = err
			break
		}
		for _, e := range es {
			native = append(native, prefix+e.Key)
			values[prefix+e.Key] = e.Value
			ulps[prefix+e.Key] = postUlps(o.Post, e.Key)
		}
	}
	want, terr := s.scriptedPost(predicted)
	switch {
	case nerr != nil && terr != nil:
		return bothFailed, nil
	case nerr != nil:
		return agreed, fmt.Errorf("native failed (%v), TorchScript did not", nerr)
	case terr != nil:
		return agreed, fmt.Errorf("TorchScript failed (%s), native did not", firstLine(terr.Error()))
	}
	if strings.Join(native, ",") != strings.Join(want.Keys, ",") {
		return agreed, fmt.Errorf("keys: got %v, want %v", native, want.Keys)
	}
	for i, k := range want.Keys {
		if err := sameValue(values[k], want.Values[i], ulps[k]); err != nil {
			return agreed, fmt.Errorf("%s: %v", k, err)
		}
	}
	return agreed, nil
}

func sameValue(got, want any, ulps int64) error {
	switch w := want.(type) {
	case tensor.Tensor:
		g, ok := got.(tensor.Tensor)
		if !ok {
			return fmt.Errorf("got %T, want a tensor", got)
		}
		return sameTensor(g, w, ulps)
	case []tensor.Tensor:
		g, ok := got.([]tensor.Tensor)
		if !ok || len(g) != len(w) {
			return fmt.Errorf("got %T of %d, want %d tensors", got, lenOf(got), len(w))
		}
		for i := range w {
			if err := sameTensor(g[i], w[i], ulps); err != nil {
				return fmt.Errorf("item %d: %v", i, err)
			}
		}
		return nil
	case []any:
		// An empty list, or lists ToGo could not narrow.
		if len(w) == 0 && lenOf(got) == 0 {
			return nil
		}
	}
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if string(gj) != string(wj) {
		return fmt.Errorf("got %s, want %s", trim(string(gj)), trim(string(wj)))
	}
	return nil
}

func lenOf(v any) int {
	switch x := v.(type) {
	case []tensor.Tensor:
		return len(x)
	case []string:
		return len(x)
	case [][]string:
		return len(x)
	case []any:
		return len(x)
	}
	return -1
}

func trim(s string) string {
	if len(s) > 300 {
		return s[:300] + "..."
	}
	return s
}

// ---- goldens

// goldenInput turns a golden module input into a featurize.Input.
func goldenInput(v golden.Value) (featurize.Input, error) {
	switch v.Kind {
	case "strings":
		var s []string
		if err := json.Unmarshal(v.Value, &s); err != nil {
			return featurize.Input{}, err
		}
		return featurize.Input{Strings: s, Rows: len(s)}, nil
	case "tensor":
		t, err := goldenTensor(*v.Tensor)
		return featurize.Input{Tensor: &t, Rows: int(t.Shape[0])}, err
	case "tensors":
		var gs []golden.Tensor
		if err := json.Unmarshal(v.Value, &gs); err != nil {
			return featurize.Input{}, err
		}
		ts := make([]tensor.Tensor, len(gs))
		for i, g := range gs {
			t, err := goldenTensor(g)
			if err != nil {
				return featurize.Input{}, err
			}
			ts[i] = t
		}
		return featurize.Input{Tensors: ts, Rows: len(ts)}, nil
	}
	return featurize.Input{}, fmt.Errorf("golden input kind %q", v.Kind)
}

func goldenTensor(g golden.Tensor) (tensor.Tensor, error) {
	dt, err := tensor.ParseDType(g.DType)
	if err != nil {
		return tensor.Tensor{}, err
	}
	w := tensor.NewWriter(dt, len(g.Data))
	for i, x := range g.Data {
		switch v := x.(type) {
		case nil:
			w.Put(i, math.NaN(), 0, false)
		case bool:
			b := int64(0)
			if v {
				b = 1
			}
			w.Put(i, float64(b), b, true)
		case float64:
			w.Put(i, v, int64(v), v == math.Trunc(v) && math.Abs(v) < 1<<63)
		}
	}
	return tensor.Tensor{DType: dt, Shape: g.Shape, Data: w.Bytes()}, nil
}

// TestGoldens compares native and TorchScript stages on every golden case:
// the recorded module inputs through each input feature, the recorded
// predictor outputs through the postprocessor.
func TestGoldens(t *testing.T) {
	natives := 0
	for _, name := range golden.Names() {
		s := loadStages(t, name)
		if s == nil {
			continue
		}
		g, err := golden.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range g.Cases {
			for feature, v := range c.ModuleInputs {
				x, err := goldenInput(v)
				if err != nil {
					t.Fatalf("%s/%s/%s: %v", name, c.Name, feature, err)
				}
				if out, err := s.checkPre(feature, x); err != nil {
					t.Errorf("%s/%s: input %q: %v", name, c.Name, feature, err)
				} else if out == agreed {
					natives++
				}
			}
			predicted := map[string]tensor.Tensor{}
			for k, gt := range c.Predicted {
				if predicted[k], err = goldenTensor(gt); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.checkPost(predicted); err != nil {
				t.Errorf("%s/%s: postprocessing: %v", name, c.Name, err)
			}
		}
	}
	if natives == 0 {
		t.Fatal("no feature ran natively")
	}
}

// TestPlanCoversTestModels pins which features run natively: everything
// but image and audio inputs.
func TestPlanCoversTestModels(t *testing.T) {
	for _, name := range golden.Names() {
		s := loadStages(t, name)
		if s == nil {
			continue
		}
		for _, in := range s.plan.Inputs {
			media := strings.HasSuffix(in.Class, "_ImagePreprocessing") || strings.HasSuffix(in.Class, "_AudioPreprocessing")
			if (in.Pre == nil) != media {
				t.Errorf("%s: input %q (%s): native=%v (%s)", name, in.Name, in.Class, in.Pre != nil, in.Why)
			}
		}
		for _, o := range s.plan.Outputs {
			if o.Post == nil {
				t.Errorf("%s: output %q (%s) is not native: %s", name, o.Name, o.Class, o.Why)
			}
		}
	}
}
