package script

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/kernels"
	"github.com/ludwig-infer/ludwig-infer/core/ptfile"
	"github.com/ludwig-infer/ludwig-infer/internal/golden"
)

// limitedPredictor is the tabular predictor whose wrapper first recurses
// into itself when its input has the key "recurse" and loops forever when it
// has "loop", under Limits{MaxDepth: 20, MaxSteps: 20000}; and the golden
// case's input.
func limitedPredictor(t *testing.T) (*Module, *Dict, golden.Case) {
	a, err := ptfile.Open(predictorPath("tabular"), ptfile.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	const key = "__torch__.ludwig.models.inference"
	const at = "    model = self.model\n"
	if !strings.Contains(a.Sources[key], at) {
		t.Fatalf("the fixture's wrapper has no %q", at)
	}
	a.Sources[key] = strings.Replace(a.Sources[key], at, `    if torch.__contains__(preproc_inputs, "recurse"):
      return (self).forward(preproc_inputs, )
    else:
      pass
    if torch.__contains__(preproc_inputs, "loop"):
      while True:
        pass
    else:
      pass
`+at, 1)
	m, err := Load(a, Limits{MaxDepth: 20, MaxSteps: 20000})
	if err != nil {
		t.Fatal(err)
	}
	g, err := golden.Load("tabular")
	if err != nil {
		t.Fatal(err)
	}
	c := g.Cases[0]
	in := NewDict()
	for k, v := range c.Preprocessed {
		x, err := fromGolden(v)
		if err != nil {
			t.Fatal(err)
		}
		in.Set(k, x)
	}
	return m, in, c
}

// checkPredicted compares a forward's output with the golden's predicted
// tensors.
func checkPredicted(out Value, c golden.Case) string {
	d, ok := out.(*Dict)
	if !ok || len(d.Keys) != len(c.Predicted) {
		return "output " + typeOf(out)
	}
	for k, w := range c.Predicted {
		g, _ := d.Get(k)
		gt, ok := g.(*kernels.Tensor)
		if !ok {
			return k + " is " + typeOf(g)
		}
		wt, _ := fromGolden(w)
		if msg := compareTensor(gt, wt); msg != "" {
			return k + ": " + msg
		}
	}
	return ""
}

// TestLimits: recursion and steps stay bounded (the calls reuse their
// frames and argument memory), and a call after one that failed at a limit
// computes the golden result again.
func TestLimits(t *testing.T) {
	m, in, c := limitedPredictor(t)
	for round := 0; round < 2; round++ {
		out, err := m.Call("forward", in)
		if err != nil {
			t.Fatal(err)
		}
		if msg := checkPredicted(out, c); msg != "" {
			t.Fatalf("round %d: %s", round, msg)
		}
		for flag, want := range map[string]string{
			"recurse": "calls nested deeper than 20 (Limits.MaxDepth)",
			"loop":    "the call ran more than 20000 steps (Limits.MaxSteps)",
		} {
			bad := NewDict()
			for i, k := range in.Keys {
				bad.Set(k, in.Values[i])
			}
			bad.Set(flag, in.Values[0])
			_, err := m.Call("forward", bad)
			var re *RuntimeError
			if !errors.As(err, &re) || re.Msg != want {
				t.Errorf("%s: got %v, want %q", flag, err, want)
			}
		}
	}
}

// TestConcurrentCalls: calls on one module from several goroutines (each
// with its own frames and argument memory) all give the golden result.
func TestConcurrentCalls(t *testing.T) {
	m, in, c := limitedPredictor(t)
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				out, err := m.Call("forward", in)
				if err != nil {
					errs <- err.Error()
					return
				}
				if msg := checkPredicted(out, c); msg != "" {
					errs <- msg
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
