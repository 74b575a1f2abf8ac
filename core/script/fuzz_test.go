package script

import (
	"strings"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/kernels"
	"github.com/ludwig-infer/ludwig-infer/core/ptfile"
	"github.com/ludwig-infer/ludwig-infer/internal/golden"
)

// FuzzParse: no source makes the parser panic or recurse without bound.
func FuzzParse(f *testing.F) {
	a, err := ptfile.Open(predictorPath("tabular"), ptfile.DefaultLimits)
	if err != nil {
		f.Fatal(err)
	}
	for _, src := range a.Sources {
		f.Add(src)
	}
	f.Add("def f(x: int) -> int:\n  return [(((x)))][0] if x else {1: 2}[1]\n")
	f.Fuzz(func(t *testing.T, src string) {
		p, err := Parse(src)
		if err == nil {
			for _, c := range p.Classes {
				MethodOps(c.Methods)
			}
		}
	})
}

// FuzzInterpreter replaces the tabular predictor's top-level code (the
// _InferencePredictor wrapper) with the fuzzer's and runs it on a golden
// input under tight limits: it must fail cleanly or return, never panic,
// hang or allocate without bound.
func FuzzInterpreter(f *testing.F) {
	a, err := ptfile.Open(predictorPath("tabular"), ptfile.DefaultLimits)
	if err != nil {
		f.Fatal(err)
	}
	const key = "__torch__.ludwig.models.inference"
	f.Add(a.Sources[key])
	f.Add(strings.Replace(a.Sources[key], "return predictions_flattened", "while True:\n      pass\n    return predictions_flattened", 1))
	f.Add(strings.Replace(a.Sources[key], "model_outputs = (model).forward(preproc_inputs, )", "model_outputs = (self).forward(preproc_inputs, )", 1))
	g, err := golden.Load("tabular")
	if err != nil {
		f.Fatal(err)
	}
	in := NewDict()
	for k, v := range g.Cases[0].Preprocessed {
		x, err := fromGolden(v)
		if err != nil {
			f.Fatal(err)
		}
		in.Set(k, x)
	}
	orig := a.Sources[key]
	saved := kernels.MaxElements
	kernels.MaxElements = 1 << 20
	defer func() { kernels.MaxElements = saved }()
	f.Fuzz(func(t *testing.T, src string) {
		a.Sources[key] = src
		defer func() { a.Sources[key] = orig }()
		m, err := Load(a, Limits{MaxDepth: 20, MaxSteps: 20000})
		if err != nil {
			return
		}
		m.Call("forward", in)
	})
}
