package pt2

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/engine"
	"github.com/ludwig-infer/ludwig-infer/core/kernels"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
	"github.com/ludwig-infer/ludwig-infer/internal/golden"
)

// The fixtures are testdata/pt2 (testdata/gen/pt2/gen.py, torch's own
// outputs as goldens).
const fixtures = "../../testdata/pt2"

type goldenFile struct {
	Torch  string         `json:"torch"`
	Model  string         `json:"model"`
	Layout string         `json:"layout"`
	Batch  map[string]int `json:"batch"`
	Cases  []struct {
		Batch   int                      `json:"batch"`
		Inputs  map[string]golden.Tensor `json:"inputs"`
		Outputs map[string]golden.Tensor `json:"outputs"`
	} `json:"cases"`
}

var goldenDTypes = map[string]tensor.DType{
	"float32": tensor.Float32, "float64": tensor.Float64, "int64": tensor.Int64,
	"int32": tensor.Int32, "bool": tensor.Bool,
}

// fromGolden makes a kernels tensor of a golden one.
func fromGolden(t *testing.T, g golden.Tensor) *kernels.Tensor {
	t.Helper()
	dt, ok := goldenDTypes[g.DType]
	shape := make([]int, len(g.Shape))
	for i, d := range g.Shape {
		shape[i] = int(d)
	}
	k, err := kernels.New(dt, shape)
	if !ok || err != nil || len(g.Data) != k.Numel() {
		t.Fatalf("golden tensor %s %v with %d values: %v", g.DType, g.Shape, len(g.Data), err)
	}
	for i, v := range g.Data {
		switch x := v.(type) {
		case bool:
			if x {
				k.SetInt(i, 1)
			}
		case float64:
			if kernels.IsFloat(dt) {
				k.Set(i, x)
			} else {
				k.SetInt(i, int64(x))
			}
		default:
			t.Fatalf("golden value %v", v)
		}
	}
	return k
}

func loadGolden(t *testing.T, name string) *goldenFile {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(fixtures, name+".golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g goldenFile
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	return &g
}

// inputsOf makes a golden case's inputs.
func inputsOf(t *testing.T, m map[string]golden.Tensor) map[string]*kernels.Tensor {
	t.Helper()
	in := make(map[string]*kernels.Tensor, len(m))
	for k, v := range m {
		in[k] = fromGolden(t, v)
	}
	return in
}

// compare checks got against want: dtype and shape equal, integers and
// booleans identical, floats within 1e-5 absolute + 1e-5 relative.
func compare(t *testing.T, what string, got, want *kernels.Tensor) {
	t.Helper()
	if got.DType != want.DType || !slices.Equal(got.Shape, want.Shape) {
		t.Fatalf("%s: %s %v, want %s %v", what, got.DType, got.Shape, want.DType, want.Shape)
	}
	for i := 0; i < want.Numel(); i++ {
		if kernels.IsFloat(want.DType) {
			if !golden.Close(got.At(i), want.At(i)) {
				t.Fatalf("%s[%d] = %v, want %v", what, i, got.At(i), want.At(i))
			}
		} else if got.IntAt(i) != want.IntAt(i) {
			t.Fatalf("%s[%d] = %d, want %d", what, i, got.IntAt(i), want.IntAt(i))
		}
	}
}

// runnable are the fixtures the Go engine runs (all of them; an
// unsupported operator's load error: TestReadErrors, "unknown op").
var runnable = []string{"concat_fixed", "concat_dynamic", "attention_fixed", "attention_dynamic", "conv_fixed"}

func TestGoldens(t *testing.T) {
	names := append([]string(nil), runnable...)
	for _, n := range runnable {
		if _, err := os.Stat(filepath.Join(fixtures, n+"_legacy.pt2")); err == nil {
			names = append(names, n+"_legacy")
		}
	}
	checked := 0
	for _, name := range names {
		g := loadGolden(t, name)
		p, err := Open(filepath.Join(fixtures, name+".pt2"), DefaultLimits)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		wantKind := Archive
		if g.Layout == "legacy" {
			wantKind = Legacy
		}
		if p.Kind != wantKind {
			t.Errorf("%s: kind %s, want %s", name, p.Kind, wantKind)
		}
		if fixed, ok := g.Batch["fixed"]; ok {
			if p.Batch != (Batch{fixed, fixed}) {
				t.Errorf("%s: batch %+v, want fixed %d", name, p.Batch, fixed)
			}
		} else if p.Batch != (Batch{g.Batch["min"], g.Batch["max"]}) {
			t.Errorf("%s: batch %+v, want %v", name, p.Batch, g.Batch)
		}
		for _, c := range g.Cases {
			in := inputsOf(t, c.Inputs)
			out, err := p.Run(in)
			if err != nil {
				t.Fatalf("%s batch %d: %v", name, c.Batch, err)
			}
			single := c.Batch >= p.Batch.Min && c.Batch <= p.Batch.Max
			keys := make([]string, 0, len(c.Outputs))
			for k := range c.Outputs {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				want := c.Outputs[k]
				wt := fromGolden(t, want)
				got, ok := out[k]
				if !ok {
					// Only a non-batch output of a chunked or padded run
					// is left out.
					if wt.Dim() == 0 && !single {
						continue
					}
					t.Fatalf("%s batch %d: output %s missing", name, c.Batch, k)
				}
				if wt.Dim() == 0 && !single {
					t.Fatalf("%s batch %d: non-batch output %s returned from a chunked run", name, c.Batch, k)
				}
				compare(t, name+" batch "+fmtInt(c.Batch)+" "+k, got, wt)
				checked++
			}
			if len(out) > len(c.Outputs) {
				t.Fatalf("%s: %d outputs, golden %d", name, len(out), len(c.Outputs))
			}
		}
	}
	if checked < 154 {
		t.Fatalf("only %d outputs compared", checked)
	}
	t.Logf("%d models, %d outputs compared", len(names), checked)
}

func fmtInt(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestSignature(t *testing.T) {
	p, err := Open(filepath.Join(fixtures, "concat_dynamic.pt2"), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	var ins []string
	for _, in := range p.Inputs {
		ins = append(ins, in.Name+":"+in.DType.String()+":"+fmtShape(in.Shape))
	}
	if got, want := strings.Join(ins, " "), "num1:float32:[-1] cat1:int32:[-1 1] bin1:bool:[-1] text1:int32:[-1 6]"; got != want {
		t.Errorf("inputs %q, want %q", got, want)
	}
	if got, want := strings.Join(p.Outputs, " "), "label::last_hidden label::logits label::projection_input score::logits flag::logits used_tokens"; got != want {
		t.Errorf("outputs %q, want %q", got, want)
	}
	if p.SchemaMajor != 8 || p.SchemaMinor < 20 || !strings.HasPrefix(p.TorchVersion, "2.15") {
		t.Errorf("schema %d.%d torch %q", p.SchemaMajor, p.SchemaMinor, p.TorchVersion)
	}
	if p.Batch != (Batch{1, 8}) || p.Batch.Fixed() {
		t.Errorf("batch %+v", p.Batch)
	}
	for _, op := range []string{"torch.ops.aten.dropout.default", "torch.ops.aten._assert_tensor_metadata.default", "torch.ops.aten.sum.dim_IntList", "torch.ops.aten.ne.Scalar"} {
		if i := sort.SearchStrings(p.Ops, op); i == len(p.Ops) || p.Ops[i] != op {
			t.Errorf("ops %v lack %s", p.Ops, op)
		}
	}
}

func fmtShape(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmtInt(d)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func TestKinds(t *testing.T) {
	for name, want := range map[string]Kind{"concat_fixed": Archive, "concat_fixed_legacy": Legacy, "torchscript": TorchScript} {
		k, err := Detect(filepath.Join(fixtures, name+".pt2"))
		if err != nil || k != want {
			t.Errorf("%s: %v %v, want %s", name, k, err, want)
		}
	}
	if !IsTorchScript(filepath.Join(fixtures, "torchscript.pt2")) || IsTorchScript(filepath.Join(fixtures, "concat_fixed.pt2")) {
		t.Error("IsTorchScript")
	}
	_, err := Open(filepath.Join(fixtures, "torchscript.pt2"), DefaultLimits)
	if !errors.Is(err, ErrTorchScript) {
		t.Errorf("TorchScript: %v", err)
	}
	if _, err := Detect(filepath.Join(fixtures, "missing.pt2")); err == nil {
		t.Error("missing file")
	}
}

// TestTorchScriptRunsAsPredictor: the TorchScript kind, which Read
// refuses, runs through core/engine as a TorchScript predictor; its
// outputs are torch's (testdata/pt2/torchscript.golden.json).
func TestTorchScriptRunsAsPredictor(t *testing.T) {
	path := filepath.Join(fixtures, "torchscript.pt2")
	if !IsTorchScript(path) {
		t.Fatal("not detected as TorchScript")
	}
	pred, err := engine.LoadPredictor(path)
	if err != nil {
		t.Fatal(err)
	}
	g := loadGolden(t, "torchscript")
	n := 0
	for _, c := range g.Cases {
		var names []string
		var ins []tensor.Tensor
		for k, v := range c.Inputs {
			names = append(names, k)
			ins = append(ins, fromGolden(t, v).ToTensor())
		}
		keys, outs, err := pred.Predict(names, ins)
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != len(c.Outputs) {
			t.Fatalf("outputs %v, golden %d", keys, len(c.Outputs))
		}
		for i, k := range keys {
			got, err := kernels.FromTensor(outs[i])
			if err != nil {
				t.Fatal(err)
			}
			compare(t, "torchscript "+k, got, fromGolden(t, c.Outputs[k]))
			n++
		}
	}
	if n != 12 {
		t.Fatalf("%d outputs compared, want 12", n)
	}
}

// TestExportDir checks a real export by hand: LI_PT2_EXPORT names a folder
// with a model.pt2 (e.g. from Ludwig 0.17.10's `ludwig export_model -f
// torch_export`, which cannot be committed) and the golden.json that
// testdata/gen/pt2/export_golden.py wrote for it. Skipped without it.
func TestExportDir(t *testing.T) {
	dir := os.Getenv("LI_PT2_EXPORT")
	if dir == "" {
		t.Skip("LI_PT2_EXPORT is not set")
	}
	p, err := Open(filepath.Join(dir, "model.pt2"), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g goldenFile
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	n := runGoldens(t, p, &g)
	// The example batch repeated to 5 rows: 3 chunks of a fixed batch of
	// 2, the last padded; each row's outputs equal the example's.
	c := g.Cases[0]
	in := map[string]*kernels.Tensor{}
	for k, v := range c.Inputs {
		x := fromGolden(t, v)
		idx, _ := kernels.New(tensor.Int64, []int{5})
		for i := range idx.I64 {
			idx.I64[i] = int64(i % c.Batch)
		}
		if in[k], err = kernels.IndexSelect(x, 0, idx); err != nil {
			t.Fatal(err)
		}
	}
	out, err := p.Run(in)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range c.Outputs {
		want := fromGolden(t, v)
		got, ok := out[k]
		if want.Dim() == 0 {
			continue // not per row
		}
		if !ok {
			t.Fatalf("output %s missing", k)
		}
		for r := 0; r < 5; r++ {
			s, e := int64(r), int64(r+1)
			gr, _ := kernels.Slice(got, 0, &s, &e, 1)
			ws, we := int64(r%c.Batch), int64(r%c.Batch+1)
			wr, _ := kernels.Slice(want, 0, &ws, &we, 1)
			compare(t, fmt.Sprintf("%s row %d", k, r), kernels.Clone(gr), kernels.Clone(wr))
			n++
		}
	}
	t.Logf("%s: torch %s, schema %d.%d, batch %+v, %d ops, %d outputs compared", dir, p.TorchVersion, p.SchemaMajor, p.SchemaMinor, p.Batch, len(p.Ops), n)
}
