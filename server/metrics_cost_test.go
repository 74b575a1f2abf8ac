package server

import (
	"testing"
	"time"

	"github.com/ludwig-infer/ludwig-infer/core"
)

// The hot-path cost of recording one request (a latency observation, its
// counters and four stage histograms) with the Prometheus Go client:
// go test -run x -bench MetricsCost -cpu 1,2,8 ./server (docs/server.md has
// the side-by-side run against the hand-written writer it replaced).

// BenchmarkMetricsCostServer is what the server records per inference
// request with the client it adopted.
func BenchmarkMetricsCostServer(b *testing.B) {
	m := newMetrics()
	t := core.Timings{Preprocess: 50 * time.Microsecond, Predict: 100 * time.Microsecond, Postprocess: 30 * time.Microsecond}
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			m.observe("/v2/models/infer", "tabular", 200, time.Duration(i%5000)*time.Microsecond, 1)
			m.observeStages("tabular", time.Duration(i%500)*time.Microsecond, t)
			i++
		}
	})
}
