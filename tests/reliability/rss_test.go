// Package reliability holds ludwig-infer's long-running reliability checks
// that are Go tests: memory staying flat over many inferences. The C-side
// checks (valgrind, stress, hostile files through the C ABI) are run by
// tests/reliability/run.sh, with the C programs in tests/reliability/c.
package reliability

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

func root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// rssBytes is the process's resident set size, after a GC that returns
// freed Go memory to the OS.
func rssBytes(t *testing.T) int64 {
	runtime.GC()
	debug.FreeOSMemory()
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skipf("no /proc/self/statm: %v", err)
	}
	f := strings.Fields(string(b))
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// TestRSSFlat runs inferences of every kind (JSON at batch 1 and 32, tensor
// buffers with tensor outputs, staged calls, failing requests) on one model
// and checks that the resident set stays flat: after a warm-up, growth over
// the run stays under a few MiB, and the second half grows no more than the
// first. 3,000 inferences by default; LI_RELIABILITY_LONG=1 (or
// tests/reliability/run.sh --long) runs 100,000.
func TestRSSFlat(t *testing.T) {
	n := 3000
	if os.Getenv("LI_RELIABILITY_LONG") != "" {
		n = 100000
	}
	m, err := core.Load(filepath.Join(root(), "testdata", "models", "tabular"), core.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	row := `34, "Paris", true, 617703466028236799`
	var b32 strings.Builder
	b32.WriteString(`{"columns": ["Age", "city", "member", "cell"], "data": [`)
	for i := 0; i < 32; i++ {
		if i > 0 {
			b32.WriteString(", ")
		}
		fmt.Fprintf(&b32, "[%d, %q, %v, 617703466028236799]", 20+i, []string{"Paris", "Tokyo", "Lima"}[i%3], i%2 == 0)
	}
	b32.WriteString("]}")
	ages := tensor.FromFloat64([]float64{34, 51.5}, 2)
	calls := []func() error{
		func() error {
			_, err := m.Infer(context.Background(), core.Request{JSON: []byte(`[{"Age": 34, "city": "Paris", "member": true, "cell": 617703466028236799}]`)}, core.DefaultInferOptions())
			return err
		},
		func() error {
			_, err := m.Infer(context.Background(), core.Request{JSON: []byte(b32.String())}, core.InferOptions{Form: 2})
			return err
		},
		func() error {
			_, err := m.Infer(context.Background(), core.Request{
				JSON:    []byte(`{"city": ["Paris", "Rome"], "member": [true, false], "cell": [617703466028236799, 617703466028236799]}`),
				Tensors: []core.NamedTensor{{Name: "Age", Tensor: ages}},
			}, core.InferOptions{Form: 1, TensorOutputs: true})
			return err
		},
		func() error {
			_, err := m.Infer(context.Background(), core.Request{JSON: []byte(`{"Age": [` + row + `]}`)}, core.InferOptions{Stage: core.StagePreprocess})
			if err == nil {
				return fmt.Errorf("a bad request succeeded")
			}
			return nil
		},
		func() error {
			_, err := m.Infer(context.Background(), core.Request{JSON: []byte(`{"Age": [34], "city": ["Paris"], "member": [true], "cell": [617703466028236799]}`)}, core.InferOptions{Stage: core.StagePreprocess, TensorOutputs: true})
			return err
		},
	}
	run := func(k int) {
		for i := 0; i < k; i++ {
			if err := calls[i%len(calls)](); err != nil {
				t.Fatal(err)
			}
		}
	}
	run(max(n/10, 1000)) // warm-up: allocator pools, executor caches
	r0 := rssBytes(t)
	run(n / 2)
	r1 := rssBytes(t)
	run(n - n/2)
	r2 := rssBytes(t)
	const mib = 1 << 20
	t.Logf("%d inferences: RSS %.1f -> %.1f -> %.1f MiB", n, float64(r0)/mib, float64(r1)/mib, float64(r2)/mib)
	if r2-r0 > 8*mib {
		t.Errorf("RSS grew %.1f MiB over %d inferences", float64(r2-r0)/mib, n)
	}
	if second, first := r2-r1, r1-r0; second > 2*mib && second > 2*first {
		t.Errorf("RSS keeps growing: +%.1f MiB in the first half, +%.1f MiB in the second", float64(first)/mib, float64(second)/mib)
	}
}
