//go:build !amd64

package kernels

// sgemmPacked is only reached when sgemmAccel is set, which happens on amd64
// alone; elsewhere it is gonum's product.
func sgemmPacked(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemmGonum(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
