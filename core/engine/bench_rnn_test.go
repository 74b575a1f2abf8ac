package engine

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/kernels"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
	"github.com/ludwig-infer/ludwig-infer/core/torch"
	"github.com/ludwig-infer/ludwig-infer/internal/golden"
)

// sequenceRNNInputs returns the sequence_rnn golden's widest case's token
// ids (a GRU encoder's input), its rows cycled to batch rows.
func sequenceRNNInputs(b testing.TB, batch int) ([]string, []tensor.Tensor) {
	g, err := golden.Load("sequence_rnn")
	if err != nil {
		b.Fatal(err)
	}
	c := g.Cases[len(g.Cases)-1]
	gt := c.Preprocessed["review"]
	rows, width := int(gt.Shape[0]), int(gt.Shape[1])
	x, err := kernels.New(tensor.Int64, []int{batch, width})
	if err != nil {
		b.Fatal(err)
	}
	for r := 0; r < batch; r++ {
		for j := 0; j < width; j++ {
			x.SetInt(r*width+j, int64(gt.Data[(r%rows)*width+j].(float64)))
		}
	}
	return []string{"review"}, []tensor.Tensor{x.ToTensor()}
}

// BenchmarkSequenceRNN: the sequence_rnn predictor (a GRU encoder, state
// 32, over 9 tokens) at batch 1, 32 and 1000, engine=go and
// engine=libtorch side by side (libtorch with 1 intra-op thread; both
// return host tensors: the libtorch run includes converting its outputs).
func BenchmarkSequenceRNN(b *testing.B) {
	path := filepath.Join(golden.ModelDir("sequence_rnn"), "inference_predictor-cpu.pt")
	gp, err := LoadPredictor(path)
	if err != nil {
		b.Fatal(err)
	}
	var tm *torch.Module
	if torch.Available {
		if err := torch.SetThreads(1); err != nil {
			b.Fatal(err)
		}
		if tm, err = torch.Load(path, "cpu"); err != nil {
			b.Fatal(err)
		}
		defer tm.Close()
	}
	for _, batch := range []int{1, 32, 1000} {
		names, ts := sequenceRNNInputs(b, batch)
		b.Run(fmt.Sprintf("batch%d/go", batch), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, _, err := gp.Predict(names, ts); err != nil {
					b.Fatal(err)
				}
			}
		})
		if tm == nil {
			continue
		}
		b.Run(fmt.Sprintf("batch%d/libtorch", batch), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				in, err := tm.NewInput()
				if err != nil {
					b.Fatal(err)
				}
				if err := in.PutTensor(names[0], ts[0], true); err != nil {
					b.Fatal(err)
				}
				out, err := tm.Forward(in, "cpu")
				in.Free()
				if err != nil {
					b.Fatal(err)
				}
				if _, err := out.ToGo(); err != nil {
					b.Fatal(err)
				}
				out.Free()
			}
		})
	}
}
