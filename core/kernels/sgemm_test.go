package kernels

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// sgemmRef is alpha * op(a) * op(b) + beta * c in float64, with the bound
// |alpha| * sum |terms| + |beta * c| of each output for the tolerance.
func sgemmRef(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) (want, bound []float64) {
	want, bound = make([]float64, m*n), make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s, abs float64
			for p := 0; p < k; p++ {
				ai, bi := i*lda+p, p*ldb+j
				if transA {
					ai = p*lda + i
				}
				if transB {
					bi = j*ldb + p
				}
				x, y := a[ai], b[bi]
				s += float64(x) * float64(y)
				abs += math.Abs(float64(x) * float64(y))
			}
			s *= float64(alpha)
			abs *= math.Abs(float64(alpha))
			if beta != 0 {
				s += float64(beta) * float64(c[i*ldc+j])
				abs += math.Abs(float64(beta) * float64(c[i*ldc+j]))
			}
			want[i*n+j], bound[i*n+j] = s, abs
		}
	}
	return want, bound
}

// TestSgemm: both micro-kernels (assembly where the CPU has it, and the Go
// one) against float64 products over shapes around the tile and block sizes
// (6 x 16 tiles, 168-row blocks, 256-deep panels), both transposes, leading
// dimensions wider than the rows, alpha and beta; the error must stay below
// 1e-6 of the sum of |terms| (float32 rounding of sums of a few hundred
// terms in blocked order), elements outside the m x n corner of c untouched,
// and beta 0 must ignore NaN in c.
func TestSgemm(t *testing.T) {
	accel := sgemmAccel
	defer func() { sgemmAccel = accel }()
	kernels := []bool{false}
	if accel {
		kernels = append(kernels, true)
	}
	r := rand.New(rand.NewSource(7))
	shapes := [][3]int{{1, 1, 1}, {1, 16, 1}, {6, 16, 1}, {5, 15, 3}, {7, 17, 9}, {13, 33, 257},
		{169, 20, 40}, {12, 4081, 2}, {37, 50, 300}, {200, 130, 513}, {1, 300, 64}, {300, 1, 64}, {64, 64, 64}}
	for i := 0; i < 20; i++ {
		shapes = append(shapes, [3]int{1 + r.Intn(200), 1 + r.Intn(200), 1 + r.Intn(300)})
	}
	for _, accelOn := range kernels {
		sgemmAccel = accelOn
		for si, s := range shapes {
			m, n, k := s[0], s[1], s[2]
			transA, transB := si%2 == 1, si%4 >= 2
			pad := si % 3 // leading dimensions wider than the rows
			ra, ca := m, k
			if transA {
				ra, ca = k, m
			}
			rb, cb := k, n
			if transB {
				rb, cb = n, k
			}
			lda, ldb, ldc := ca+pad, cb+2*pad, n+pad
			a, b := randF32(r, ra*lda), randF32(r, rb*ldb)
			for _, ab := range [][2]float32{{1, 0}, {1, 1}, {0.5, -2}, {-1.5, 0}} {
				alpha, beta := ab[0], ab[1]
				c := randF32(r, m*ldc)
				if beta == 0 {
					for i := range c {
						c[i] = float32(math.NaN())
					}
				}
				want, bound := sgemmRef(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
				orig := append([]float32(nil), c...)
				sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
				name := fmt.Sprintf("asm %v, %dx%dx%d transA %v transB %v lda %d ldb %d ldc %d alpha %v beta %v",
					accelOn, m, n, k, transA, transB, lda, ldb, ldc, alpha, beta)
				for i := 0; i < m; i++ {
					for j := 0; j < ldc; j++ {
						got := c[i*ldc+j]
						if j >= n {
							if !math.IsNaN(float64(orig[i*ldc+j])) && got != orig[i*ldc+j] {
								t.Fatalf("%s: c[%d,%d] outside the product changed", name, i, j)
							}
							continue
						}
						tol := 1e-6*bound[i*n+j] + 1e-30
						if d := math.Abs(float64(got) - want[i*n+j]); !(d <= tol) {
							t.Fatalf("%s: c[%d,%d] = %v, want %v (tolerance %g)", name, i, j, got, want[i*n+j], tol)
						}
					}
				}
			}
		}
	}
}

// TestSgemmDegenerate: empty products leave c alone (m or n 0) or set it
// to beta * c (k 0, or alpha 0), NaN-free when beta is 0.
func TestSgemmDegenerate(t *testing.T) {
	for _, kernel := range []bool{false, sgemmAccel} {
		accel := sgemmAccel
		sgemmAccel = kernel
		c := []float32{1, 2, 3, 4}
		sgemm(false, false, 0, 2, 3, 1, nil, 3, nil, 2, 0, c, 2)
		sgemm(false, false, 2, 0, 3, 1, nil, 3, nil, 0, 0, c, 2)
		if c[0] != 1 || c[3] != 4 {
			t.Fatalf("empty product changed c: %v", c)
		}
		sgemm(false, false, 2, 2, 0, 1, nil, 0, nil, 2, 2, c, 2)
		if c[0] != 2 || c[3] != 8 {
			t.Fatalf("k 0, beta 2: %v", c)
		}
		sgemm(false, false, 2, 2, 1, 0, []float32{1, 1}, 1, []float32{1, 1}, 2, 1, c, 2)
		if c[0] != 2 || c[3] != 8 {
			t.Fatalf("alpha 0, beta 1: %v", c)
		}
		nan := float32(math.NaN())
		c = []float32{nan, nan, nan, nan}
		sgemm(false, false, 2, 2, 0, 1, nil, 0, nil, 2, 0, c, 2)
		if c[0] != 0 || c[3] != 0 {
			t.Fatalf("k 0, beta 0: %v", c)
		}
		sgemmAccel = accel
	}
}
