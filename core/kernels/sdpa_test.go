package kernels

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

type sdpaTensor struct {
	DType string `json:"dtype"`
	Shape []int  `json:"shape"`
	Data  []any  `json:"data"`
}

func (s *sdpaTensor) tensor(t *testing.T) *Tensor {
	t.Helper()
	dt := map[string]tensor.DType{"float32": tensor.Float32, "float64": tensor.Float64, "bool": tensor.Bool}[s.DType]
	r, err := New(dt, s.Shape)
	if err != nil || len(s.Data) != r.Numel() {
		t.Fatalf("golden tensor %s %v: %v", s.DType, s.Shape, err)
	}
	for i, v := range s.Data {
		switch x := v.(type) {
		case bool:
			if x {
				r.SetInt(i, 1)
			}
		case float64:
			r.Set(i, x)
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
			Q, K, V sdpaTensor
			Mask    *sdpaTensor
			Causal  bool
			Scale   *float64
			Out     sdpaTensor
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
			mask = c.Mask.tensor(t)
		}
		scale := 0.0
		if c.Scale != nil {
			scale = *c.Scale
		}
		got, err := ScaledDotProductAttention(c.Q.tensor(t), c.K.tensor(t), c.V.tensor(t), mask, c.Causal, scale)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		want := c.Out.tensor(t)
		if got.DType != want.DType || !sameShape(got.Shape, want.Shape) {
			t.Fatalf("%s: %s %v, want %s %v", c.Name, got.DType, got.Shape, want.DType, want.Shape)
		}
		for i := 0; i < want.Numel(); i++ {
			if d := math.Abs(got.At(i) - want.At(i)); d > 1e-5+1e-5*math.Abs(want.At(i)) {
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
