package native_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/internal/golden"
)

// BenchmarkInfer runs whole requests (JSON in, columns JSON out) through
// core.Model.Infer with the three TorchScript stages and with native
// preprocessing and postprocessing (stages "native"; the predictor always
// runs in libtorch), at batch sizes 1, 32 and 1000, on the tabular, text
// and 200-class models:
//
//	eval "$(./build.sh env)"
//	go test ./core/native -run '^$' -bench BenchmarkInfer -benchtime 2s
func BenchmarkInfer(b *testing.B) {
	needTorch(b)
	for _, model := range []string{"tabular", "text_category", "many_class"} {
		for _, batch := range []int{1, 32, 1000} {
			req := benchRequest(b, model, batch)
			for _, mode := range []string{core.StagesTorchScript, core.StagesNative} {
				m := load(b, model, mode)
				if m == nil {
					b.Fatalf("%s does not load with stages %s", model, mode)
				}
				b.Run(fmt.Sprintf("%s/batch=%d/%s", model, batch, mode), func(b *testing.B) {
					ctx := context.Background()
					opts := core.DefaultInferOptions()
					if _, err := m.Infer(ctx, core.Request{JSON: req}, opts); err != nil {
						b.Fatal(err)
					}
					b.ReportAllocs()
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						if _, err := m.Infer(ctx, core.Request{JSON: req}, opts); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "rows/s")
				})
			}
		}
	}
}

// benchRequest builds a column-dict request of batch rows by cycling the
// rows of a model's golden requests.
func benchRequest(b testing.TB, model string, batch int) []byte {
	g, err := golden.Load(model)
	if err != nil {
		b.Fatal(err)
	}
	pool := map[string][]json.RawMessage{}
	var columns []string
	for _, c := range g.Cases {
		var cols map[string][]json.RawMessage
		d := json.NewDecoder(bytes.NewReader(c.Request))
		d.UseNumber()
		if err := d.Decode(&cols); err != nil {
			b.Fatal(err)
		}
		for k, v := range cols {
			if _, ok := pool[k]; !ok {
				columns = append(columns, k)
			}
			pool[k] = append(pool[k], v...)
		}
	}
	out := map[string][]json.RawMessage{}
	for _, k := range columns {
		col := make([]json.RawMessage, batch)
		for i := range col {
			col[i] = pool[k][i%len(pool[k])]
		}
		out[k] = col
	}
	req, err := json.Marshal(out)
	if err != nil {
		b.Fatal(err)
	}
	return req
}

// TestSpeed measures the same requests as BenchmarkInfer with the two
// stages modes interleaved call by call, so that a busy machine slows both
// alike, and prints each mode's minimum and median per call and their
// ratios. It runs only with LI_SPEED=1 (LI_SPEED_ROUNDS sets the rounds):
//
//	eval "$(./build.sh env)"
//	LI_SPEED=1 go test ./core/native -run TestSpeed -v
func TestSpeed(t *testing.T) {
	if os.Getenv("LI_SPEED") == "" {
		t.Skip("set LI_SPEED=1 to measure")
	}
	needTorch(t)
	rounds := 200
	if n, err := strconv.Atoi(os.Getenv("LI_SPEED_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	ctx := context.Background()
	opts := core.DefaultInferOptions()
	fmt.Printf("%-14s %6s %14s %14s %14s %14s %8s %8s\n", "model", "batch", "ts min", "native min", "ts median", "native median", "min", "median")
	for _, model := range []string{"tabular", "text_category", "many_class"} {
		ts, nat := load(t, model, core.StagesTorchScript), load(t, model, core.StagesNative)
		for _, batch := range []int{1, 32, 1000} {
			req := benchRequest(t, model, batch)
			n := rounds
			if batch == 1000 {
				n = max(rounds/10, 10)
			}
			var dts, dnat []time.Duration
			for i := 0; i < n; i++ {
				for _, side := range []int{i % 2, 1 - i%2} { // alternate who goes first
					m, d := ts, &dts
					if side == 1 {
						m, d = nat, &dnat
					}
					start := time.Now()
					if _, err := m.Infer(ctx, core.Request{JSON: req}, opts); err != nil {
						t.Fatal(err)
					}
					*d = append(*d, time.Since(start))
				}
			}
			minT, medT := stats(dts)
			minN, medN := stats(dnat)
			fmt.Printf("%-14s %6d %14v %14v %14v %14v %8.2f %8.2f\n", model, batch, minT, minN, medT, medN,
				float64(minN)/float64(minT), float64(medN)/float64(medT))
		}
	}
}

func stats(d []time.Duration) (minimum, median time.Duration) {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[0], s[len(s)/2]
}
