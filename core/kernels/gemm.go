package kernels

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// Matrix products of Linear: c[m x n] (+)= x[m x k] * w[n x k]^T, row-major.
//
// Threads: a product runs on the caller's goroutine (sgemm's doc comment);
// libtorch's intra-op threads are set to 1 the same way, and a server runs
// concurrent calls instead.
//
// Kernel (bench: go test ./core/kernels -bench Gemm): from gemmPackedRows
// rows up, sgemm's packed AVX2/FMA kernel where the CPU has it (it wins at
// every shape measured there, 1.0-6x); below that rows are too few to repay
// packing w, and for rows of at most gemmSmallK inputs gemmSmallF32, which
// computes four outputs per pass over an input row, beats gonum's call per
// dot product (1000 x 1 x 8: the number encoders); gonum otherwise.

const (
	gemmRows = 64
	gemmCols = 3 * 64
	// gemmSmallK is the largest k gemmSmallF32 takes.
	gemmSmallK = 24
	// gemmPackedRows is the fewest rows that take sgemm's packed kernel.
	gemmPackedRows = 16
)

// gemmF32 computes c = x * w^T + beta * c (beta 0 or 1).
func gemmF32(m, n, k int, x, w, c []float32, beta float32) {
	if gemmTrivial(m, n, k, c, beta) {
		return
	}
	switch {
	case sgemmAccel && m >= gemmPackedRows:
		sgemm(false, true, m, n, k, 1, x, k, w, k, beta, c, n)
	case k <= gemmSmallK:
		gemmSmallF32(m, n, k, x, w, c, beta)
	default:
		sgemmGonum(false, true, m, n, k, 1, x, k, w, k, beta, c, n)
	}
}

// gemmF64 is gemmF32 in float64 (always gonum's kernel, serially).
func gemmF64(m, n, k int, x, w, c []float64, beta float64) {
	if gemmTrivial(m, n, k, c, beta) {
		return
	}
	gemmBlocks(m, n, func(i, j, mi, nj int) {
		blas64.Gemm(blas.NoTrans, blas.Trans, 1,
			blas64.General{Rows: mi, Cols: k, Stride: k, Data: x[i*k:]},
			blas64.General{Rows: nj, Cols: k, Stride: k, Data: w[j*k:]}, beta,
			blas64.General{Rows: mi, Cols: nj, Stride: n, Data: c[i*n+j:]})
	})
}

// gemmTrivial computes the products without outputs or inputs (c = beta *
// c) and reports whether it did.
func gemmTrivial[F float32 | float64](m, n, k int, c []F, beta F) bool {
	if m == 0 || n == 0 {
		return true
	}
	if k == 0 && beta == 0 {
		clear(c[:m*n])
	}
	return k == 0
}

// gemmBlocks calls f on the blocks (first row i, first column j, mi rows,
// nj columns) of at most gemmRows x gemmCols of an m x n product, which
// gonum computes serially (it splits products of 4 or more 64 x 64 blocks
// across goroutines).
func gemmBlocks(m, n int, f func(i, j, mi, nj int)) {
	for i := 0; i < m; i += gemmRows {
		for j := 0; j < n; j += gemmCols {
			f(i, j, min(gemmRows, m-i), min(gemmCols, n-j))
		}
	}
}

// gemmSmallF32 is gemmF32 for short rows: each output is one float32
// accumulator summed in input order, four outputs per pass over x's row.
func gemmSmallF32(m, n, k int, x, w, c []float32, beta float32) {
	for i := 0; i < m; i++ {
		xr := x[i*k : (i+1)*k]
		cr := c[i*n : (i+1)*n]
		j := 0
		for ; j+4 <= n; j += 4 {
			w0 := w[j*k : (j+1)*k][:len(xr)]
			w1 := w[(j+1)*k : (j+2)*k][:len(xr)]
			w2 := w[(j+2)*k : (j+3)*k][:len(xr)]
			w3 := w[(j+3)*k : (j+4)*k][:len(xr)]
			var s0, s1, s2, s3 float32
			for p, v := range xr {
				s0 += v * w0[p]
				s1 += v * w1[p]
				s2 += v * w2[p]
				s3 += v * w3[p]
			}
			o := cr[j : j+4]
			if beta != 0 {
				s0, s1, s2, s3 = o[0]+s0, o[1]+s1, o[2]+s2, o[3]+s3
			}
			o[0], o[1], o[2], o[3] = s0, s1, s2, s3
		}
		for ; j < n; j++ {
			wj := w[j*k : (j+1)*k][:len(xr)]
			var s float32
			for p, v := range xr {
				s += v * wj[p]
			}
			if beta != 0 {
				s += cr[j]
			}
			cr[j] = s
		}
	}
}
