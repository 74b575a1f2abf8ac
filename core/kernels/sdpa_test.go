package kernels

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
	"github.com/ludwig-infer/ludwig-infer/internal/golden"
)

// fromGolden makes a float or bool tensor of a golden one.
func fromGolden(t *testing.T, g golden.Tensor) *Tensor {
	t.Helper()
	dt := map[string]tensor.DType{"float32": tensor.Float32, "float64": tensor.Float64, "bool": tensor.Bool}[g.DType]
	shape := make([]int, len(g.Shape))
	for i, d := range g.Shape {
		shape[i] = int(d)
	}
	r, err := New(dt, shape)
	if err != nil || len(g.Data) != r.Numel() {
		t.Fatalf("golden tensor %s %v: %v", g.DType, g.Shape, err)
	}
	for i, v := range g.Data {
		if b, ok := v.(bool); ok && b {
			r.SetInt(i, 1)
		} else if f, ok := v.(float64); ok {
			r.Set(i, f)
		}
	}
	return r
}

// TestScaledDotProductAttention compares with torch's
// F.scaled_dot_product_attention (testdata/gen/pt2/sdpa.py).
func TestScaledDotProductAttention(t *testing.T) {
	raw, err := os.ReadFile("../../testdata/pt2/sdpa.golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Cases []struct {
			Name    string
			Q, K, V golden.Tensor
			Mask    *golden.Tensor
			Causal  bool
			Scale   *float64
			Out     golden.Tensor
		}
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Cases) != 8 {
		t.Fatalf("%d cases", len(g.Cases))
	}
	for _, c := range g.Cases {
		var mask *Tensor
		if c.Mask != nil {
			mask = fromGolden(t, *c.Mask)
		}
		scale := 0.0
		if c.Scale != nil {
			scale = *c.Scale
		}
		got, err := ScaledDotProductAttention(fromGolden(t, c.Q), fromGolden(t, c.K), fromGolden(t, c.V), mask, c.Causal, scale)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		want := fromGolden(t, c.Out)
		if got.DType != want.DType || !sameShape(got.Shape, want.Shape) {
			t.Fatalf("%s: %s %v, want %s %v", c.Name, got.DType, got.Shape, want.DType, want.Shape)
		}
		for i := 0; i < want.Numel(); i++ {
			if !golden.Close(got.At(i), want.At(i)) {
				t.Fatalf("%s[%d] = %v, want %v", c.Name, i, got.At(i), want.At(i))
			}
		}
	}
}

func TestScaledDotProductAttentionErrors(t *testing.T) {
	f := func(shape ...int) *Tensor { r, _ := New(tensor.Float32, shape); return r }
	i64, _ := New(tensor.Int64, []int{2, 3})
	i64m, _ := New(tensor.Int64, []int{3, 3})
	for _, c := range []struct {
		q, k, v, m *Tensor
		want       string
	}{
		{f(3), f(3), f(3), nil, "same rank >= 2"},
		{i64, i64, i64, nil, "one floating dtype"},
		{f(2, 3, 4), f(3, 3, 4), f(2, 3, 4), nil, "batch dimensions differ"},
		{f(2, 3, 4), f(2, 3, 5), f(2, 3, 4), nil, "do not fit query"},
		{f(2, 3, 4), f(2, 3, 4), f(2, 3, 4), f(4, 4), "does not broadcast"},
		{f(2, 3, 4), f(2, 3, 4), f(2, 3, 4), i64m, "mask of dtype int64"},
	} {
		_, err := ScaledDotProductAttention(c.q, c.k, c.v, c.m, false, 0)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
}
