package kernels

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

func randF32(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

// gemmRef is x * w^T + beta * c in float64.
func gemmRef(m, n, k int, x, w, c []float32, beta float32) []float64 {
	out := make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			s := float64(beta) * float64(c[i*n+j])
			for p := 0; p < k; p++ {
				s += float64(x[i*k+p]) * float64(w[j*k+p])
			}
			out[i*n+j] = s
		}
	}
	return out
}

// TestGemm: both kernels (small k and gonum's, in blocks) agree with a
// float64 product within float32 rounding of the sum of |terms|, with and
// without a bias already in c, on shapes around the block sizes.
func TestGemm(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for _, s := range [][3]int{{1, 1, 1}, {3, 5, 0}, {1000, 8, 1}, {7, 9, 19}, {5, 3, 24}, {130, 200, 25}, {65, 193, 64}, {1, 1, 300}} {
		m, n, k := s[0], s[1], s[2]
		x, w := randF32(r, m*k), randF32(r, n*k)
		for _, beta := range []float32{0, 1} {
			c := randF32(r, m*n)
			want := gemmRef(m, n, k, x, w, c, beta)
			c64 := make([]float64, len(c))
			for i, v := range c {
				c64[i] = float64(v)
			}
			x64, w64 := make([]float64, len(x)), make([]float64, len(w))
			for i, v := range x {
				x64[i] = float64(v)
			}
			for i, v := range w {
				w64[i] = float64(v)
			}
			gemmF32(m, n, k, x, w, c, beta)
			gemmF64(m, n, k, x64, w64, c64, float64(beta))
			for i := 0; i < m; i++ {
				for j := 0; j < n; j++ {
					bound := float64(beta) * math.Abs(want[i*n+j])
					for p := 0; p < k; p++ {
						bound += math.Abs(float64(x[i*k+p]) * float64(w[j*k+p]))
					}
					tol := float64(k+2) * 6e-8 * bound
					if d := math.Abs(float64(c[i*n+j]) - want[i*n+j]); d > tol {
						t.Fatalf("%v beta %v: c[%d,%d] = %v, want %v (tolerance %g)", s, beta, i, j, c[i*n+j], want[i*n+j], tol)
					}
					if d := math.Abs(c64[i*n+j] - want[i*n+j]); d > 1e-12*(bound+1) {
						t.Fatalf("%v beta %v float64: c[%d,%d] = %v, want %v", s, beta, i, j, c64[i*n+j], want[i*n+j])
					}
				}
			}
		}
	}
}

// BenchmarkGemm times the kernels on the tabular predictors' shapes (rows x
// inputs x outputs): small is gemmSmallF32, gonum the serial blocks, sgemm
// the packed kernel (gemmF32 picks among them).
func BenchmarkGemm(b *testing.B) {
	r := rand.New(rand.NewSource(1))
	for _, s := range [][3]int{{1, 32, 8}, {1000, 1, 8}, {1000, 19, 8}, {1000, 32, 8}, {1000, 8, 4}, {1000, 32, 64}, {1, 256, 128}, {4, 256, 128}, {8, 256, 128}, {16, 256, 128}, {1000, 256, 128}} {
		m, k, n := s[0], s[1], s[2]
		x, w, c := randF32(r, m*k), randF32(r, n*k), make([]float32, m*n)
		b.Run(fmt.Sprintf("%dx%dx%d/small", m, k, n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				gemmSmallF32(m, n, k, x, w, c, 0)
			}
		})
		benchGonumSgemm(b, fmt.Sprintf("%dx%dx%d", m, k, n), true, m, n, k, x, w, c)
	}
}

// BenchmarkGemmConv times the convolutions' products (output channels x
// kernel rows x positions, a @ b untransposed) of the text_parallel_cnn
// fixture at batch 1000 (16,000 positions in one product, and the 819 of
// one ColBlockElements block at 32 x 5 kernel rows)
// and attention-sized ones: gonum serially against sgemm's packed kernel.
func BenchmarkGemmConv(b *testing.B) {
	r := rand.New(rand.NewSource(1))
	for _, s := range [][3]int{{32, 64, 16000}, {32, 160, 819}, {32, 96, 512}, {16, 8, 16}, {64, 64, 64}} {
		m, k, n := s[0], s[1], s[2]
		x, w, c := randF32(r, m*k), randF32(r, k*n), make([]float32, m*n)
		benchGonumSgemm(b, fmt.Sprintf("%dx%dx%d", m, k, n), false, m, n, k, x, w, c)
	}
}

// benchGonumSgemm times c = x * op(w) (w n x k with transB, else k x n)
// through gonum's serial blocks (name/gonum) and sgemm (name/sgemm: the
// packed kernel where the CPU has it).
func benchGonumSgemm(b *testing.B, name string, transB bool, m, n, k int, x, w, c []float32) {
	ldb := n
	if transB {
		ldb = k
	}
	for _, accel := range []bool{false, true} {
		label := "/gonum"
		if accel {
			label = "/sgemm"
		}
		b.Run(name+label, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if accel {
					sgemm(false, transB, m, n, k, 1, x, k, w, ldb, 0, c, n)
				} else {
					sgemmGonum(false, transB, m, n, k, 1, x, k, w, ldb, 0, c, n)
				}
			}
		})
	}
}
