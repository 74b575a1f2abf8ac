package kernels

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// sgemm is the float32 matrix product of Linear, the convolutions' im2col
// products, matmul/bmm and the recurrent layers:
//
//	c = alpha * op(a) * op(b) + beta * c
//
// with op(a) m x k, op(b) k x n and c m x n, all row-major with leading
// dimensions (row strides) lda, ldb, ldc; op(x) is x or, with trans, its
// transpose (a stored k x m, b stored n x k). beta 0 ignores c's values
// (NaN included), as BLAS does.
//
// The product runs on the caller's goroutine (one intra-op thread, as
// libtorch runs here). On amd64 CPUs with AVX2 and FMA (sgemmAccel) it is
// sgemmPacked (sgemm_amd64.go: packed panels and an assembly micro-kernel);
// elsewhere gonum's blas32.Gemm on blocks small enough that gonum runs them
// serially (pure Go off amd64, SSE on amd64).
func sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m <= 0 || n <= 0 {
		return
	}
	if k <= 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	if sgemmAccel {
		sgemmPacked(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	sgemmGonum(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// sgemmAccel selects sgemmPacked; it is set at start-up where the CPU has
// AVX2 and FMA (sgemm_amd64.go), and tests clear it to run the fallback.
var sgemmAccel bool

// sgemmGonum is sgemm through gonum, in blocks of at most gemmRows x
// gemmCols of c (gonum would split larger ones across goroutines).
func sgemmGonum(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	tA, tB := blas.NoTrans, blas.NoTrans
	if transA {
		tA = blas.Trans
	}
	if transB {
		tB = blas.Trans
	}
	gemmBlocks(m, n, func(i, j, mi, nj int) {
		// The block's rows of op(a) and columns of op(b), as stored.
		ga := blas32.General{Rows: k, Cols: mi, Stride: lda}
		if transA {
			ga.Data = a[i:]
		} else {
			ga = blas32.General{Rows: mi, Cols: k, Stride: lda, Data: a[i*lda:]}
		}
		gb := blas32.General{Rows: nj, Cols: k, Stride: ldb}
		if transB {
			gb.Data = b[j*ldb:]
		} else {
			gb = blas32.General{Rows: k, Cols: nj, Stride: ldb, Data: b[j:]}
		}
		blas32.Gemm(tA, tB, alpha, ga, gb, beta,
			blas32.General{Rows: mi, Cols: nj, Stride: ldc, Data: c[i*ldc+j:]})
	})
}

// scaleC sets c = beta * c (0 when beta is 0, whatever c held).
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		switch beta {
		case 0:
			clear(row)
		case 1:
		default:
			for j := range row {
				row[j] *= beta
			}
		}
	}
}
