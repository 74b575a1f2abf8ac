package pt2

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/kernels"
)

// BenchmarkRun times Program.Run on the fixtures (zero inputs; text rows
// all padding) at batch 1 and 1000: the fixed-batch graphs run 1000 rows
// as 500 chunks of 2, the dynamic ones as 125 chunks of 8.
//
//	go test ./core/pt2 -run XXX -bench Run
func BenchmarkRun(b *testing.B) {
	for _, name := range []string{"concat_fixed", "concat_dynamic", "attention_fixed", "attention_dynamic"} {
		p, err := Open(filepath.Join(fixtures, name+".pt2"), DefaultLimits)
		if err != nil {
			b.Fatal(err)
		}
		for _, rows := range []int{1, 1000} {
			in := map[string]*kernels.Tensor{}
			for _, i := range p.Inputs {
				shape := append([]int{rows}, i.Shape[1:]...)
				t, err := kernels.New(i.DType, shape)
				if err != nil {
					b.Fatal(err)
				}
				in[i.Name] = t
			}
			b.Run(fmt.Sprintf("%s/batch%d", name, rows), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if _, err := p.Run(in); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
