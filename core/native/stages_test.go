package native_test

// End to end through core: a model loaded with stages "torchscript" and the
// same model loaded with "auto" (native where supported) must answer every
// golden request identically, in every output form and at every stage.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/core/response"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
	"github.com/ludwig-infer/ludwig-infer/core/torch"
	"github.com/ludwig-infer/ludwig-infer/internal/golden"
)

var (
	modelsMu sync.Mutex
	models   = map[string]*core.Model{}
)

// load returns testdata/models/name loaded with stages mode (once), or nil
// when it cannot load here.
func load(t testing.TB, name, mode string) *core.Model {
	t.Helper()
	modelsMu.Lock()
	defer modelsMu.Unlock()
	key := name + "/" + mode
	if m, ok := models[key]; ok {
		return m
	}
	m, err := core.Load(golden.ModelDir(name), core.LoadOptions{Stages: mode})
	if err != nil {
		t.Logf("%s (stages %s): %v", name, mode, err)
		m = nil
	}
	models[key] = m
	return m
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, mod := range models {
		if mod != nil {
			mod.Close()
		}
	}
	os.Exit(code)
}

// inexact says whether a model's answers may differ in the last place
// (log1p/expm1 normalisation, a sequence output's log-probability).
func inexact(m *core.Model) bool {
	s := m.Schema()
	if s == nil {
		return false
	}
	for _, f := range s.Outputs {
		if f.Type == "sequence" || f.Type == "text" {
			return true
		}
	}
	return strings.Contains(m.Info().Files.Dir, "number_norms")
}

// needTorch skips a test in a build without libtorch.
func needTorch(t testing.TB) {
	if !torch.Available {
		t.Skip(torch.ErrNoTorch)
	}
}

func TestStagesEndToEnd(t *testing.T) {
	needTorch(t)
	ctx := context.Background()
	compared := 0
	for _, name := range golden.Names() {
		ts, nat := load(t, name, core.StagesTorchScript), load(t, name, core.StagesAuto)
		if ts == nil || nat == nil {
			continue
		}
		if len(nat.Info().Stages.NativeInputs) == 0 && len(nat.Info().Stages.NativeOutputs) == 0 {
			t.Errorf("%s: nothing runs natively: %v", name, nat.Info().Stages.TorchScript)
		}
		g, err := golden.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		loose := inexact(nat)
		for _, c := range g.Cases {
			for _, form := range []response.Form{response.Features, response.Columns, response.Full} {
				opts := core.InferOptions{Stage: core.StageAll, Form: form}
				want, werr := ts.Infer(ctx, core.Request{JSON: c.Request}, opts)
				got, gerr := nat.Infer(ctx, core.Request{JSON: c.Request}, opts)
				if (werr != nil) != (gerr != nil) {
					t.Errorf("%s/%s: torchscript error %v, native error %v", name, c.Name, werr, gerr)
					continue
				}
				if werr != nil {
					continue
				}
				if d := jsonDiff(got.JSON, want.JSON, loose); d != "" {
					t.Errorf("%s/%s (%s): %s", name, c.Name, form, d)
				}
				compared++
			}
			// The preprocess and postprocess stages, as tensors.
			opts := core.InferOptions{Stage: core.StagePreprocess, TensorOutputs: true}
			want, werr := ts.Infer(ctx, core.Request{JSON: c.Request}, opts)
			got, gerr := nat.Infer(ctx, core.Request{JSON: c.Request}, opts)
			if werr != nil || gerr != nil {
				t.Errorf("%s/%s: preprocess: %v / %v", name, c.Name, werr, gerr)
				continue
			}
			if d := namedDiff(got.Tensors, want.Tensors, loose); d != "" {
				t.Errorf("%s/%s: preprocessed: %s", name, c.Name, d)
			}
			pred, err := ts.Infer(ctx, core.Request{Tensors: named(want.Tensors)}, core.InferOptions{Stage: core.StagePredict, TensorOutputs: true})
			if err != nil {
				t.Fatalf("%s/%s: predict: %v", name, c.Name, err)
			}
			opts = core.InferOptions{Stage: core.StagePostprocess, Form: response.Features, TensorOutputs: true}
			want, werr = ts.Infer(ctx, core.Request{Tensors: named(pred.Tensors)}, opts)
			got, gerr = nat.Infer(ctx, core.Request{Tensors: named(pred.Tensors)}, opts)
			if werr != nil || gerr != nil {
				t.Errorf("%s/%s: postprocess: %v / %v", name, c.Name, werr, gerr)
				continue
			}
			if d := jsonDiff(got.JSON, want.JSON, loose); d != "" {
				t.Errorf("%s/%s: postprocessed: %s", name, c.Name, d)
			}
			if d := namedDiff(got.Tensors, want.Tensors, loose); d != "" {
				t.Errorf("%s/%s: postprocessed tensors: %s", name, c.Name, d)
			}
		}
	}
	if compared == 0 {
		t.Fatal("nothing compared")
	}
}

func named(ts []response.Named) []core.NamedTensor {
	out := make([]core.NamedTensor, len(ts))
	for i, x := range ts {
		out[i] = core.NamedTensor{Name: x.Name, Tensor: x.Tensor}
	}
	return out
}

// jsonDiff compares two responses: byte for byte, or with loose numbers
// equal to 1e-6 relative.
func jsonDiff(got, want []byte, loose bool) string {
	if bytes.Equal(got, want) {
		return ""
	}
	if !loose {
		return fmt.Sprintf("got %s\nwant %s", cut(got), cut(want))
	}
	var g, w any
	if json.Unmarshal(got, &g) != nil || json.Unmarshal(want, &w) != nil {
		return fmt.Sprintf("invalid JSON: got %s want %s", cut(got), cut(want))
	}
	return valueDiff(g, w, "")
}

func valueDiff(g, w any, path string) string {
	switch wv := w.(type) {
	case float64:
		gv, ok := g.(float64)
		if !ok || math.Abs(gv-wv) > 1e-6*math.Abs(wv) {
			return fmt.Sprintf("%s: got %v, want %v", path, g, w)
		}
	case []any:
		gv, ok := g.([]any)
		if !ok || len(gv) != len(wv) {
			return fmt.Sprintf("%s: got %v, want %v", path, g, w)
		}
		for i := range wv {
			if d := valueDiff(gv[i], wv[i], fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
	case map[string]any:
		gv, ok := g.(map[string]any)
		if !ok || len(gv) != len(wv) {
			return fmt.Sprintf("%s: got %v, want %v", path, g, w)
		}
		for k := range wv {
			if d := valueDiff(gv[k], wv[k], path+"."+k); d != "" {
				return d
			}
		}
	default:
		if fmt.Sprint(g) != fmt.Sprint(w) {
			return fmt.Sprintf("%s: got %v, want %v", path, g, w)
		}
	}
	return ""
}

func cut(b []byte) string {
	if len(b) > 400 {
		return string(b[:400]) + "..."
	}
	return string(b)
}

// namedDiff compares tensors by name: bit for bit, or (loose) floats within
// 1e-6 relative.
func namedDiff(got, want []response.Named, loose bool) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d tensors, want %d", len(got), len(want))
	}
	byName := map[string]tensor.Tensor{}
	for _, x := range got {
		byName[x.Name] = x.Tensor
	}
	for _, w := range want {
		g, ok := byName[w.Name]
		if !ok {
			return "missing " + w.Name
		}
		if g.DType != w.DType || fmt.Sprint(g.Shape) != fmt.Sprint(w.Shape) {
			return fmt.Sprintf("%s: got %s%v, want %s%v", w.Name, g.DType, g.Shape, w.DType, w.Shape)
		}
		if bytes.Equal(g.Data, w.Data) {
			continue
		}
		if !loose || (w.DType != tensor.Float32 && w.DType != tensor.Float64) {
			return w.Name + ": data differ"
		}
		for i := 0; i < int(w.NumElements()); i++ {
			a, b := g.Float64At(i), w.Float64At(i)
			if !(a == b || (a != a && b != b) || math.Abs(a-b) <= 1e-6*math.Abs(b)) {
				return fmt.Sprintf("%s[%d]: got %v, want %v", w.Name, i, a, b)
			}
		}
	}
	return ""
}

func TestStagesOption(t *testing.T) {
	needTorch(t)
	o, err := core.ParseLoadOptions([]byte(`{"stages": "native"}`))
	if err != nil || o.Stages != "native" {
		t.Fatalf("ParseLoadOptions: %+v, %v", o, err)
	}
	if _, err := core.Load(golden.ModelDir("tabular"), core.LoadOptions{Stages: "fast", NoWarmup: true}); status.CodeOf(err) != status.InvalidArgument {
		t.Errorf("stages \"fast\": got %v, want InvalidArgument", err)
	}

	m := load(t, "tabular", core.StagesNative)
	if m == nil {
		t.Fatal("tabular does not load with stages native")
	}
	st := m.Info().Stages
	if st.Mode != "native" || strings.Join(st.NativeInputs, ",") != "age,city,member,cell" ||
		strings.Join(st.NativeOutputs, ",") != "plan" || len(st.TorchScript) != 0 {
		t.Errorf("tabular stages info: %+v", st)
	}
	if !strings.Contains(string(m.InfoJSON()), `"stages":{"mode":"native"`) {
		t.Errorf("model info JSON lacks stages: %s", m.InfoJSON())
	}
	if m := load(t, "tabular", core.StagesTorchScript); m == nil || len(m.Info().Stages.NativeInputs) != 0 {
		t.Errorf("stages torchscript runs features natively")
	}
	if m := load(t, "tabular", ""); m == nil || m.Info().Stages.Mode != "auto" {
		t.Errorf("the default stages mode is not auto")
	}

	// An image input cannot run natively: "native" fails naming it, "auto"
	// runs it in TorchScript and the rest natively.
	_, err = core.Load(golden.ModelDir("image_input"), core.LoadOptions{Stages: core.StagesNative, NoWarmup: true})
	if status.CodeOf(err) != status.Model || !strings.Contains(fmt.Sprint(err), `"photo"`) {
		t.Errorf("image_input with stages native: got %v, want a Model error naming \"photo\"", err)
	}
	if m := load(t, "image_input", core.StagesAuto); m != nil {
		st := m.Info().Stages
		if len(st.TorchScript) != 1 || !strings.Contains(st.TorchScript[0], `"photo"`) || len(st.NativeOutputs) != 1 {
			t.Errorf("image_input stages info: %+v", st)
		}
	}
}

// TestNativeErrors: values TorchScript rejects are rejected natively too,
// as input errors naming the feature and row.
func TestNativeErrors(t *testing.T) {
	needTorch(t)
	ctx := context.Background()
	for _, c := range []struct{ model, req string }{
		{"timeseries_input", `{"readings": ["1 2", "3 1e5x"], "pressure": ["1", "2"]}`},
		{"timeseries_input", `{"readings": ["1e400"], "pressure": ["1"]}`},
		{"set_bag_vector", `{"tags": ["a"], "words": ["b"], "emb": ["1 2 3 nan"]}`},
	} {
		ts, nat := load(t, c.model, core.StagesTorchScript), load(t, c.model, core.StagesNative)
		if ts == nil || nat == nil {
			t.Fatalf("%s does not load", c.model)
		}
		_, werr := ts.Infer(ctx, core.Request{JSON: []byte(c.req)}, core.DefaultInferOptions())
		_, gerr := nat.Infer(ctx, core.Request{JSON: []byte(c.req)}, core.DefaultInferOptions())
		if werr == nil || gerr == nil {
			t.Errorf("%s %s: torchscript %v, native %v: both must fail", c.model, c.req, werr, gerr)
		}
	}
}

// TestFallbackPerCall: an input form a native module leaves to TorchScript
// (a vector given as tensors of two dtypes) runs that feature's scripted
// module for the call, with the same answer as the TorchScript stages.
func TestFallbackPerCall(t *testing.T) {
	needTorch(t)
	ctx := context.Background()
	ts, nat := load(t, "set_bag_vector", core.StagesTorchScript), load(t, "set_bag_vector", core.StagesNative)
	if ts == nil || nat == nil {
		t.Fatal("set_bag_vector does not load")
	}
	req := core.Request{
		JSON: []byte(`{"tags": ["news", "tech"], "words": ["alpha", "beta beta"]}`),
		Tensors: []core.NamedTensor{
			{Name: "emb", Tensor: tensor.FromFloat32([]float32{0.5, -1, 2, 0.25}, 4)},
			{Name: "emb", Tensor: tensor.FromFloat64([]float64{1, 2, 3, 4}, 4)},
		},
	}
	for _, stage := range []core.Stage{core.StageAll, core.StagePreprocess} {
		opts := core.InferOptions{Stage: stage, Form: response.Features}
		want, werr := ts.Infer(ctx, req, opts)
		got, gerr := nat.Infer(ctx, req, opts)
		if (werr != nil) != (gerr != nil) {
			t.Fatalf("%s: torchscript %v, native %v", stage, werr, gerr)
		}
		if werr == nil && !bytes.Equal(got.JSON, want.JSON) {
			t.Errorf("%s: got %s, want %s", stage, cut(got.JSON), cut(want.JSON))
		}
	}
}

// TestFixtureCodeIsKnown: the generator's scripted modules use only the
// aten operations that real Ludwig exports use (knownOps, checked on real
// exports by the conformance suite), and every feature whose type has a
// native implementation is recognised. Image and audio inputs stay in
// TorchScript by design.
func TestFixtureCodeIsKnown(t *testing.T) {
	needTorch(t)
	for _, name := range golden.Names() {
		m := load(t, name, core.StagesAuto)
		if m == nil {
			t.Errorf("%s: does not load", name)
			continue
		}
		st := m.Info().Stages
		if len(st.Code) == 0 {
			t.Errorf("%s: no class code recorded", name)
		}
		for _, c := range st.Code {
			if len(c.Unknown) > 0 {
				t.Errorf("%s: feature %s: class %s uses %v, which real Ludwig exports do not", name, c.Feature, c.Class, c.Unknown)
			}
		}
		for _, why := range st.TorchScript {
			if !strings.Contains(why, "_ImagePreprocessing") && !strings.Contains(why, "_AudioPreprocessing") {
				t.Errorf("%s: not recognised: %s", name, why)
			}
		}
	}
}
