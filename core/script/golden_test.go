package script

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/kernels"
	"github.com/ludwig-infer/ludwig-infer/core/ptfile"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
	"github.com/ludwig-infer/ludwig-infer/internal/golden"
)

// predictorPath returns the model's predictor archive, or "".
func predictorPath(model string) string {
	m, _ := filepath.Glob(filepath.Join(golden.ModelDir(model), "inference_predictor*.pt"))
	if len(m) == 0 {
		return ""
	}
	return m[0]
}

// forEachPredictor calls f for every golden model that has a predictor.
func forEachPredictor(t testing.TB, f func(model, path string, g *golden.File)) {
	for _, model := range golden.Names() {
		path := predictorPath(model)
		if path == "" {
			continue
		}
		g, err := golden.Load(model)
		if err != nil {
			t.Fatal(err)
		}
		f(model, path, g)
	}
}

func loadPredictor(t testing.TB, path string) *Module {
	t.Helper()
	a, err := ptfile.Open(path, ptfile.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Load(a, DefaultLimits)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

func goldenNumber(v any) float64 {
	switch x := v.(type) {
	case nil: // the goldens write NaN as null
		return math.NaN()
	case float64:
		return x
	case bool:
		if x {
			return 1
		}
		return 0
	case string:
		switch x {
		case "NaN", "nan":
			return math.NaN()
		case "Infinity", "inf":
			return math.Inf(1)
		case "-Infinity", "-inf":
			return math.Inf(-1)
		}
	}
	panic(fmt.Sprintf("golden value %v", v))
}

func fromGolden(g golden.Tensor) (*kernels.Tensor, error) {
	dt, err := tensor.ParseDType(g.DType)
	if err != nil {
		return nil, err
	}
	shape := make([]int, len(g.Shape))
	for i, d := range g.Shape {
		shape[i] = int(d)
	}
	t, err := kernels.New(dt, shape)
	if err != nil {
		return nil, err
	}
	for i, v := range g.Data {
		t.Set(i, goldenNumber(v))
	}
	return t, nil
}

// compareTensor checks got against want: dtype and shape equal, integers
// and bools identical, floats within 1e-5 absolute + 1e-5 relative.
func compareTensor(got *kernels.Tensor, want *kernels.Tensor) string {
	if got.DType != want.DType || fmt.Sprint(got.Shape) != fmt.Sprint(want.Shape) {
		return fmt.Sprintf("got %s%v, want %s%v", got.DType, got.Shape, want.DType, want.Shape)
	}
	for i := 0; i < got.Numel(); i++ {
		if kernels.IsFloat(got.DType) {
			if !golden.Close(got.At(i), want.At(i)) {
				return fmt.Sprintf("element %d: got %v, want %v", i, got.At(i), want.At(i))
			}
		} else if got.IntAt(i) != want.IntAt(i) {
			return fmt.Sprintf("element %d: got %d, want %d", i, got.IntAt(i), want.IntAt(i))
		}
	}
	return ""
}

// TestGoldenPredictors runs every fixture's predictor in Go on the
// goldens' preprocessed tensors and compares with the predicted tensors
// torch computed when the fixtures were generated.
func TestGoldenPredictors(t *testing.T) {
	cases := 0
	forEachPredictor(t, func(model, path string, f *golden.File) {
		m := loadPredictor(t, path)
		for _, c := range f.Cases {
			if c.Preprocessed == nil || c.Predicted == nil {
				continue
			}
			in := NewDict()
			names := make([]string, 0, len(c.Preprocessed))
			for k := range c.Preprocessed {
				names = append(names, k)
			}
			sort.Strings(names)
			for _, k := range names {
				x, err := fromGolden(c.Preprocessed[k])
				if err != nil {
					t.Fatal(err)
				}
				in.Set(k, x)
			}
			out, err := m.Call("forward", in)
			if err != nil {
				t.Errorf("%s/%s: %v", model, c.Name, err)
				continue
			}
			d, ok := out.(*Dict)
			if !ok || len(d.Keys) != len(c.Predicted) {
				t.Errorf("%s/%s: output %s with %d keys, want %d", model, c.Name, typeOf(out), len(d.Keys), len(c.Predicted))
				continue
			}
			for k, w := range c.Predicted {
				g, _ := d.Get(k)
				gt, ok := g.(*kernels.Tensor)
				if !ok {
					t.Errorf("%s/%s: %s is %s", model, c.Name, k, typeOf(g))
					continue
				}
				wt, _ := fromGolden(w)
				if msg := compareTensor(gt, wt); msg != "" {
					t.Errorf("%s/%s: %s: %s", model, c.Name, k, msg)
				}
			}
			cases++
		}
	})
	if cases < 50 {
		t.Fatalf("only %d golden cases ran", cases)
	}
	t.Logf("%d golden cases", cases)
}

func openTree(t testing.TB, path string) *Tree {
	t.Helper()
	a, err := ptfile.Open(path, ptfile.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := NewTree(a)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestUnsupportedOp: code calling an operator the engine lacks fails the
// load naming it, and Probe reports the same without reading data.
func TestUnsupportedOp(t *testing.T) {
	a, err := ptfile.Open(predictorPath("tabular"), ptfile.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	const key = "__torch__.ludwig.models.ecd"
	if !strings.Contains(a.Sources[key], "torch.tanh(") {
		t.Fatal("the fixture's ECD code has no torch.tanh")
	}
	if u := Probe(a.Sources); u != nil {
		t.Fatalf("Probe of the fixture: %v", u)
	}
	a.Sources[key] = strings.Replace(a.Sources[key], "torch.tanh(", "torch.lstm_cell(", 1)
	_, err = Load(a, DefaultLimits)
	var u *Unsupported
	if !errors.As(err, &u) || u.Op != "aten::lstm_cell" || u.Where != "__torch__.ludwig.models.ecd.ConcatCombiner.forward" {
		t.Fatalf("got %v", err)
	}
	if err.Error() != "the Go engine does not support aten::lstm_cell (in __torch__.ludwig.models.ecd.ConcatCombiner.forward)" {
		t.Errorf("message %q", err.Error())
	}
	if p := Probe(a.Sources); p == nil || p.Op != "aten::lstm_cell" {
		t.Errorf("Probe: %v", p)
	}
	a.Sources[key] = strings.Replace(a.Sources[key], "torch.lstm_cell(", "torch.tanh(", 1)
	a.Sources[key] = strings.Replace(a.Sources[key], "    return _1\n", "    with torch.no_grad():\n      pass\n    return _1\n", 1)
	if _, err := Load(a, DefaultLimits); !errors.As(err, &u) || u.Op != "statement with" {
		t.Errorf("with: %v", err)
	}
}

// TestListCopy: list(l) copies, list(s) splits a string into characters.
func TestListCopy(t *testing.T) {
	l := &List{Items: []Value{"a", int64(2)}}
	v, err := ops["list"].fn([]Value{l})
	c, ok := v.(*List)
	if err != nil || !ok || c == l || len(c.Items) != 2 || c.Items[0] != "a" {
		t.Fatalf("list(l) = %v, %v", v, err)
	}
	v, err = ops["list"].fn([]Value{"hé"})
	if c, ok := v.(*List); err != nil || !ok || len(c.Items) != 2 || c.Items[1] != "é" {
		t.Errorf("list(str) = %v, %v", v, err)
	}
	if _, err := ops["list"].fn([]Value{int64(1)}); err == nil {
		t.Error("list(int) accepted")
	}
}

// TestNumToTensor: prim::NumToTensor (what torch 2.x's tracer records where
// Ludwig's ECD turns a size into a tensor) makes 0-dim tensors of torch's
// dtypes: int64 for an int, float64 for a float, bool for a bool.
func TestNumToTensor(t *testing.T) {
	fn := ops["prim::NumToTensor"].fn
	for _, tc := range []struct {
		in    Value
		dtype string
		want  float64
	}{{int64(1) << 40, "int64", 1 << 40}, {2.5, "float64", 2.5}, {true, "bool", 1}} {
		v, err := fn([]Value{tc.in})
		x, ok := v.(*kernels.Tensor)
		if err != nil || !ok {
			t.Fatalf("NumToTensor(%v) = %v, %v", tc.in, v, err)
		}
		if x.DType.String() != tc.dtype || len(x.Shape) != 0 || x.At(0) != tc.want {
			t.Errorf("NumToTensor(%v) = %s %v %v", tc.in, x.DType, x.Shape, x.At(0))
		}
	}
	if x, _ := fn([]Value{int64(9007199254740993)}); x.(*kernels.Tensor).IntAt(0) != 9007199254740993 {
		t.Error("an int above 2^53 lost precision")
	}
	if _, err := fn([]Value{"3"}); err == nil {
		t.Error("NumToTensor of a string accepted")
	}
}

// TestInPlaceAdd: add_ writes the result into self and returns self; torch's
// refusals (a float result in an integer tensor, a broadcast that grows
// self) are errors.
func TestInPlaceAdd(t *testing.T) {
	self, _ := kernels.New(tensor.Int64, []int{2})
	self.SetInt(0, 3)
	self.SetInt(1, 1<<60)
	other, _ := kernels.New(tensor.Int64, nil)
	other.SetInt(0, 2)
	v, err := ops["add_"].fn([]Value{self, other})
	if err != nil || v != self || self.IntAt(0) != 5 || self.IntAt(1) != 1<<60+2 {
		t.Fatalf("add_ = %v, %v; self %v", v, err, self.I64)
	}
	f := kernels.Scalar(tensor.Float32, 0.5)
	if _, err := ops["add_"].fn([]Value{self, f}); err == nil || !strings.Contains(err.Error(), "can't be cast to the desired output type int64") {
		t.Errorf("float into int64: %v", err)
	}
	wide, _ := kernels.New(tensor.Int64, []int{3, 2})
	if _, err := ops["add_"].fn([]Value{self, wide}); err == nil || !strings.Contains(err.Error(), "doesn't match the broadcast shape") {
		t.Errorf("growing broadcast: %v", err)
	}
	x := kernels.Scalar(tensor.Float32, 0.25)
	if _, err := ops["mul_"].fn([]Value{x, int64(4)}); err != nil || x.At(0) != 1 {
		t.Errorf("mul_ = %v, %v", x.At(0), err)
	}
	for name, want := range map[string]float64{"sin": math.Sin(0.7), "cos": math.Cos(0.7)} {
		v, err := ops[name].fn([]Value{kernels.Scalar(tensor.Float32, 0.7)})
		got := v.(*kernels.Tensor)
		if err != nil || got.DType != tensor.Float32 || math.Abs(got.At(0)-want) > 1e-7 {
			t.Errorf("%s(0.7) = %v %v, %v", name, got.DType, got.At(0), err)
		}
	}
}

// TestArange: torch.arange's printed forms (h3's encoder calls
// arange(0, 15, 1, dtype=None, ...)), torch's default dtypes and its errors.
func TestArange(t *testing.T) {
	fn := ops["arange"].fn
	for _, tc := range []struct {
		args  []Value
		dtype string
		want  []float64
	}{
		{[]Value{int64(0), int64(4), int64(1)}, "int64", []float64{0, 1, 2, 3}},
		{[]Value{int64(3)}, "int64", []float64{0, 1, 2}},
		{[]Value{int64(0), 1.0, 0.25}, "float32", []float64{0, 0.25, 0.5, 0.75}},
		{[]Value{int64(5), int64(0), int64(-2)}, "int64", []float64{5, 3, 1}},
		{[]Value{int64(0), int64(3), int64(1), int64(6)}, "float32", []float64{0, 1, 2}}, // dtype=torch.float32
	} {
		v, err := fn(tc.args)
		if err != nil {
			t.Fatalf("arange%v: %v", tc.args, err)
		}
		x := v.(*kernels.Tensor)
		got := make([]float64, x.Numel())
		for i := range got {
			got[i] = x.At(i)
		}
		if x.DType.String() != tc.dtype || fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("arange%v = %s %v, want %s %v", tc.args, x.DType, got, tc.dtype, tc.want)
		}
	}
	if _, err := fn([]Value{int64(0), int64(3), int64(0)}); err == nil || !strings.Contains(err.Error(), "step must be nonzero") {
		t.Errorf("step 0: %v", err)
	}
	if _, err := fn([]Value{int64(0), int64(3), int64(-1)}); err == nil || !strings.Contains(err.Error(), "inconsistent with step sign") {
		t.Errorf("wrong sign: %v", err)
	}
	if v, err := ops["device"].fn([]Value{"cpu"}); err != nil || v != Device("cpu") {
		t.Errorf("device = %v, %v", v, err)
	}
}
