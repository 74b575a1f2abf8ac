package script

import (
	"fmt"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/kernels"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// BenchmarkTextCNNPredictor: the predictor of testdata/models/
// text_parallel_cnn (embedding, four same-padded conv1d, fully connected)
// on 16-token rows; what bench/run.sh --model text_parallel_cnn times
// through li_infer, without the stages:
//
//	go test ./core/script -run '^$' -bench TextCNN -cpuprofile cpu.out
func BenchmarkTextCNNPredictor(b *testing.B) {
	m := loadPredictor(b, "../../testdata/models/text_parallel_cnn/inference_predictor-cpu.pt")
	for _, batch := range []int{1, 32, 1000} {
		x, _ := kernels.New(tensor.Int64, []int{batch, 16})
		for i := range x.I64 {
			x.I64[i] = int64(i*7) % 20
		}
		in := NewDict()
		in.Set("review", x)
		b.Run(fmt.Sprintf("batch%d", batch), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := m.Call("forward", in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
