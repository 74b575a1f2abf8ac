package engine

import (
	"path/filepath"
	"sort"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/kernels"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
	"github.com/ludwig-infer/ludwig-infer/internal/golden"
)

// tabularInputs returns the tabular golden's first case's preprocessed
// tensors, rows repeated to batch rows.
func tabularInputs(t testing.TB, batch int) ([]string, []tensor.Tensor, golden.Case) {
	g, err := golden.Load("tabular")
	if err != nil {
		t.Fatal(err)
	}
	c := g.Cases[0]
	var names []string
	for k := range c.Preprocessed {
		names = append(names, k)
	}
	sort.Strings(names)
	ts := make([]tensor.Tensor, len(names))
	for i, n := range names {
		gt := c.Preprocessed[n]
		dt, _ := tensor.ParseDType(gt.DType)
		shape := append([]int{batch}, intsOf(gt.Shape[1:])...)
		x, err := kernels.New(dt, shape)
		if err != nil {
			t.Fatal(err)
		}
		per := x.Numel() / batch
		for r := 0; r < batch; r++ {
			for j := 0; j < per; j++ {
				x.Set(r*per+j, gt.Data[j].(float64))
			}
		}
		ts[i] = x.ToTensor()
	}
	return names, ts, c
}

func intsOf(s []int64) []int {
	out := make([]int, len(s))
	for i, v := range s {
		out[i] = int(v)
	}
	return out
}

func loadTabular(t testing.TB) *Predictor {
	p, err := LoadPredictor(filepath.Join(golden.ModelDir("tabular"), "inference_predictor-cpu.pt"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPredict: the tabular predictor's outputs, in order, equal the golden's
// (one row of batch 1, every row of batch 3).
func TestPredict(t *testing.T) {
	p := loadTabular(t)
	for _, batch := range []int{1, 3} {
		names, ts, c := tabularInputs(t, batch)
		keys, out, err := p.Predict(names, ts)
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != 3 || keys[0] != "plan::predictions" || keys[1] != "plan::probabilities" || keys[2] != "plan::logits" {
			t.Fatalf("keys %v", keys)
		}
		for i, k := range keys {
			want := c.Predicted[k]
			per := len(want.Data)
			if int(out[i].NumElements()) != per*batch {
				t.Fatalf("%s: %d elements", k, out[i].NumElements())
			}
			for j := 0; j < per*batch; j++ {
				if !golden.Close(out[i].Float64At(j), want.Data[j%per].(float64)) {
					t.Errorf("%s[%d]: %v, want %v", k, j, out[i].Float64At(j), want.Data[j%per])
				}
			}
		}
	}
	if _, _, err := p.Predict([]string{"age"}, []tensor.Tensor{{DType: tensor.Float32, Shape: []int64{2}, Data: []byte{1}}}); err == nil {
		t.Error("a malformed tensor was accepted")
	}
}

// BenchmarkPredict: the Go engine's predictor alone on the tabular model.
func BenchmarkPredict(b *testing.B) {
	p := loadTabular(b)
	for _, batch := range []int{1, 32, 1000} {
		names, ts, _ := tabularInputs(b, batch)
		b.Run(map[int]string{1: "batch1", 32: "batch32", 1000: "batch1000"}[batch], func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, _, err := p.Predict(names, ts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoad: reading and compiling the tabular predictor.
func BenchmarkLoad(b *testing.B) {
	for i := 0; i < b.N; i++ {
		loadTabular(b)
	}
}
