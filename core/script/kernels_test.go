package script

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/kernels"
	"github.com/ludwig-infer/ludwig-infer/internal/golden"
)

type kernelCase struct {
	Inputs  map[string]golden.Tensor `json:"inputs"`
	Outputs map[string]golden.Tensor `json:"outputs"`
}

// kernelGoldens are the golden files of testdata/kernels, each written by
// one generator of testdata/gen (golden.json by kernels.py, <family>.json
// by kernels_<family>.py), with the number of modules each must hold.
var kernelGoldens = map[string]int{"golden.json": 3, "conv.json": 4, "rnn.json": 5, "attn.json": 2}

// TestKernelModules runs testdata/kernels' traced modules (every operator
// of the Go engine over every dtype, written by testdata/gen/kernels*.py)
// and compares each output with torch's: dtype and shape equal, integers
// and bools identical, floats within 1e-5 absolute + 1e-5 relative.
func TestKernelModules(t *testing.T) {
	files, err := filepath.Glob("../../testdata/kernels/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(kernelGoldens) {
		t.Fatalf("golden files %v, want %d", files, len(kernelGoldens))
	}
	outputs := 0
	for _, file := range files {
		outputs += runKernelGolden(t, file, kernelGoldens[filepath.Base(file)])
	}
	t.Logf("%d outputs compared", outputs)
}

// runKernelGolden runs the modules of one golden file and returns the
// number of outputs compared.
func runKernelGolden(t *testing.T, file string, modules int) int {
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var all map[string][]kernelCase
	if err := json.Unmarshal(raw, &all); err != nil {
		t.Fatal(err)
	}
	if len(all) != modules {
		t.Fatalf("%d modules in %s, want %d", len(all), file, modules)
	}
	outputs := 0
	for name, cases := range all {
		m := loadPredictor(t, "../../testdata/kernels/"+name+".pt")
		for ci, c := range cases {
			in := NewDict()
			keys := make([]string, 0, len(c.Inputs))
			for k := range c.Inputs {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				x, err := fromGolden(c.Inputs[k])
				if err != nil {
					t.Fatal(err)
				}
				in.Set(k, x)
			}
			out, err := m.Call("forward", in)
			if err != nil {
				t.Errorf("%s case %d: %v", name, ci, err)
				continue
			}
			d := out.(*Dict)
			if len(d.Keys) != len(c.Outputs) {
				t.Errorf("%s case %d: %d outputs, want %d", name, ci, len(d.Keys), len(c.Outputs))
			}
			for k, w := range c.Outputs {
				g, ok := d.Get(k)
				if !ok {
					t.Errorf("%s case %d: no output %s", name, ci, k)
					continue
				}
				wt, err := fromGolden(w)
				if err != nil {
					t.Fatal(err)
				}
				gt, ok := g.(*kernels.Tensor)
				if !ok {
					t.Errorf("%s case %d: %s is %s", name, ci, k, typeOf(g))
					continue
				}
				if msg := compareTensor(gt, wt); msg != "" {
					t.Errorf("%s case %d: %s: %s", name, ci, k, msg)
				}
				outputs++
			}
		}
	}
	return outputs
}
