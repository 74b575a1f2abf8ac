// Package gonum measured, before the Go engine chose, its own matrix
// product loops (ownGemm: four float32 accumulators per dot product)
// against gonum's pure-Go BLAS (blas32.Gemm, which core/kernels.Linear now
// calls) on the shapes of Ludwig's tabular predictors. Its own module, so
// that the choice can be re-measured without touching the engine.
// Run: cd bench/gonum && go test -bench . -benchtime 300x
package gonum

import (
	"fmt"
	"math/rand"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/ludwig-infer/ludwig-infer/core/kernels"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// shapes are (rows, in, out): batch 1, 32 and 1000 through a 32->16 layer
// (the tabular combiner's size class) and a wider 256->128 one.
var shapes = [][3]int{{1, 32, 16}, {32, 32, 16}, {1000, 32, 16}, {1, 256, 128}, {32, 256, 128}, {1000, 256, 128}}

func random(n int, rng *rand.Rand) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}

func tensorOf(v []float32, shape ...int) *kernels.Tensor {
	return &kernels.Tensor{DType: tensor.Float32, Shape: shape, F32: v}
}

func BenchmarkGemm(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	for _, s := range shapes {
		rows, in, out := s[0], s[1], s[2]
		x, w := random(rows*in, rng), random(out*in, rng)
		b.Run(fmt.Sprintf("own/%dx%dx%d", rows, in, out), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				ownGemm(x, w, make([]float32, rows*out), rows, in, out)
			}
		})
		b.Run(fmt.Sprintf("gonum/%dx%dx%d", rows, in, out), func(b *testing.B) {
			a := blas32.General{Rows: rows, Cols: in, Stride: in, Data: x}
			wm := blas32.General{Rows: out, Cols: in, Stride: in, Data: w}
			for i := 0; i < b.N; i++ {
				c := blas32.General{Rows: rows, Cols: out, Stride: out, Data: make([]float32, rows*out)}
				blas32.Gemm(blas.NoTrans, blas.Trans, 1, a, wm, 0, c)
			}
		})
	}
}

// ownGemm computes c[rows x out] = a[rows x in] * w[out x in]^T with four
// independent float32 accumulators per dot product.
func ownGemm(a, w, c []float32, rows, in, out int) {
	for i := 0; i < rows; i++ {
		ar := a[i*in : (i+1)*in]
		for j := 0; j < out; j++ {
			wr := w[j*in : (j+1)*in]
			var s0, s1, s2, s3 float32
			k := 0
			for ; k+4 <= in; k += 4 {
				s0 += ar[k] * wr[k]
				s1 += ar[k+1] * wr[k+1]
				s2 += ar[k+2] * wr[k+2]
				s3 += ar[k+3] * wr[k+3]
			}
			for ; k < in; k++ {
				s0 += ar[k] * wr[k]
			}
			c[i*out+j] = (s0 + s1) + (s2 + s3)
		}
	}
}

// TestSameResult: the loops, gonum and kernels.Linear compute the same
// product (within float32 rounding).
func TestSameResult(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	rows, in, out := 7, 33, 5
	x, w := random(rows*in, rng), random(out*in, rng)
	lin, err := kernels.Linear(tensorOf(x, rows, in), tensorOf(w, out, in), nil)
	if err != nil {
		t.Fatal(err)
	}
	own := make([]float32, rows*out)
	ownGemm(x, w, own, rows, in, out)
	c := blas32.General{Rows: rows, Cols: out, Stride: out, Data: make([]float32, rows*out)}
	blas32.Gemm(blas.NoTrans, blas.Trans, 1, blas32.General{Rows: rows, Cols: in, Stride: in, Data: x}, blas32.General{Rows: out, Cols: in, Stride: in, Data: w}, 0, c)
	for i := range c.Data {
		for _, v := range []float32{own[i], lin.F32[i]} {
			if d := float64(v - c.Data[i]); d > 1e-4 || d < -1e-4 {
				t.Fatalf("element %d: %v vs %v", i, v, c.Data[i])
			}
		}
	}
}
