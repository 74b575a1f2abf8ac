package script

import (
	"math/rand"
	"sort"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/kernels"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
	"github.com/ludwig-infer/ludwig-infer/core/torch"
	"github.com/ludwig-infer/ludwig-infer/internal/golden"
)

// TestEquivalenceLibtorch runs every fixture's predictor in Go and in
// libtorch on the same inputs - each golden case's preprocessed tensors,
// and batches of 64 rows built from them with float inputs perturbed -
// and requires integers and bools identical, floats within 1e-5 absolute
// + 1e-5 relative.
func TestEquivalenceLibtorch(t *testing.T) {
	if !torch.Available {
		t.Skip(torch.ErrNoTorch)
	}
	rng := rand.New(rand.NewSource(1))
	runs := 0
	forEachPredictor(t, func(model, path string, f *golden.File) {
		gm := loadPredictor(t, path)
		tm, err := torch.Load(path, "cpu")
		if err != nil {
			t.Fatalf("%s: %v", model, err)
		}
		for _, c := range f.Cases {
			base := map[string]*kernels.Tensor{}
			for k, g := range c.Preprocessed {
				x, err := fromGolden(g)
				if err != nil {
					t.Fatal(err)
				}
				base[k] = x
			}
			for _, in := range []map[string]*kernels.Tensor{base, batchOf(base, 64, rng)} {
				if msg := compareEngines(gm, tm, in); msg != "" {
					t.Errorf("%s/%s: %s", model, c.Name, msg)
				}
				runs++
			}
		}
		tm.Close()
	})
	t.Logf("%d runs compared", runs)
}

// batchOf repeats each input's rows up to n rows, perturbing floats.
func batchOf(in map[string]*kernels.Tensor, n int, rng *rand.Rand) map[string]*kernels.Tensor {
	out := map[string]*kernels.Tensor{}
	for k, x := range in {
		rows := x.Shape[0]
		shape := append([]int{n}, x.Shape[1:]...)
		y, _ := kernels.New(x.DType, shape)
		per := x.Numel() / max(rows, 1)
		for r := 0; r < n; r++ {
			src := r % rows
			for j := 0; j < per; j++ {
				if kernels.IsFloat(x.DType) {
					y.Set(r*per+j, x.At(src*per+j)*(1+0.5*rng.NormFloat64())+0.1*rng.NormFloat64())
				} else {
					y.SetInt(r*per+j, x.IntAt(src*per+j))
				}
			}
		}
		out[k] = y
	}
	return out
}

func compareEngines(gm *Module, tm *torch.Module, in map[string]*kernels.Tensor) string {
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	tin, err := tm.NewInput()
	if err != nil {
		return err.Error()
	}
	defer tin.Free()
	gin := NewDict()
	for _, k := range keys {
		if err := tin.PutTensor(k, in[k].ToTensor(), false); err != nil {
			return err.Error()
		}
		gin.Set(k, in[k])
	}
	tout, err := tm.Forward(tin, "cpu")
	if err != nil {
		return "libtorch: " + err.Error()
	}
	defer tout.Free()
	g, err := tout.ToGo()
	if err != nil {
		return err.Error()
	}
	want := g.(*torch.Dict)
	out, err := gm.Call("forward", gin)
	if err != nil {
		return "go: " + err.Error()
	}
	got := out.(*Dict)
	if len(got.Keys) != len(want.Keys) {
		return "different output keys"
	}
	for i, k := range want.Keys {
		if got.Keys[i] != k {
			return "output key " + k + " out of order"
		}
		wt, err := kernels.FromTensor(want.Values[i].(tensor.Tensor))
		if err != nil {
			return err.Error()
		}
		if msg := compareTensor(got.Values[i].(*kernels.Tensor), wt); msg != "" {
			return k + ": " + msg
		}
	}
	return ""
}
