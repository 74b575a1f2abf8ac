// Package bench holds the benchmark's Go pieces: the contenders (gobench),
// the input generator (gen) and, here, Go benchmarks of li_infer's Go path
// (core.Model.Infer) for profiling with pprof:
//
//	eval "$(./build.sh env)"
//	go run ./bench/gen -out build/bench/data
//	go test ./bench -run '^$' -bench 'Infer/torchscript/json/1000' -cpuprofile build/bench/cpu.out
//	go tool pprof -top build/bench/bench.test build/bench/cpu.out
//
// bench/run.sh does this and writes the top functions into RESULTS.md. The
// benchmarks skip when the inputs have not been generated.
package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..")
}

func dataDir() string {
	if d := os.Getenv("LI_BENCH_DATA"); d != "" {
		return d
	}
	return filepath.Join(repoRoot(), "build", "bench", "data")
}

func BenchmarkInfer(b *testing.B) {
	data := dataDir()
	if _, err := os.Stat(filepath.Join(data, "req_1.json")); err != nil {
		b.Skipf("no benchmark inputs in %s: run go run ./bench/gen first", data)
	}
	for _, stages := range []string{core.StagesAuto, core.StagesTorchScript} {
		b.Run(stages, func(b *testing.B) { benchmarkInfer(b, data, stages) })
	}
}

// benchmarkInfer runs the JSON and tensor-buffer paths on a model loaded with
// the given stages option ("auto": the stages core/native reproduces run in
// Go; "torchscript": the exported TorchScript stages, as the floor runs them).
func benchmarkInfer(b *testing.B, data, stages string) {
	m, err := core.Load(filepath.Join(repoRoot(), "testdata", "models", "tabular"), core.LoadOptions{Stages: stages})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	for _, rows := range []int{1, 32, 1000} {
		req, err := os.ReadFile(filepath.Join(data, fmt.Sprintf("req_%d.json", rows)))
		if err != nil {
			b.Fatal(err)
		}
		treq, _ := os.ReadFile(filepath.Join(data, fmt.Sprintf("req_tensor_%d.json", rows)))
		num, _ := os.ReadFile(filepath.Join(data, fmt.Sprintf("num_%d.f64", rows)))
		numT := tensor.Tensor{DType: tensor.Float64, Shape: []int64{int64(len(num) / 8)}, Data: num}
		b.Run(fmt.Sprintf("json/%d", rows), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := m.Infer(context.Background(), core.Request{JSON: req}, core.DefaultInferOptions()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
		b.Run(fmt.Sprintf("tensor/%d", rows), func(b *testing.B) {
			b.ReportAllocs()
			opts := core.DefaultInferOptions()
			opts.TensorOutputs = true
			r := core.Request{JSON: treq, Tensors: []core.NamedTensor{{Name: "Age", Tensor: numT}}}
			for i := 0; i < b.N; i++ {
				if _, err := m.Infer(context.Background(), r, opts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
