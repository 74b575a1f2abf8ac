package kernels

import (
	"sync"

	"golang.org/x/sys/cpu"
)

func init() { sgemmAccel = cpu.X86.HasAVX2 && cpu.X86.HasFMA }

// sgemmPacked is sgemm for CPUs with AVX2 and FMA, blocked for the caches
// the usual way: panels of kc rows of op(b) (at most sgemmNC columns) are
// packed into strips of sgemmNR columns (untransposed b is read in place
// instead: its rows are already contiguous), blocks of at most sgemmMC
// rows of op(a) into strips of sgemmMR rows, and sgemmKernelAsm multiplies
// one strip of each into an sgemmMR x sgemmNR tile of c held in registers.
// Tiles at the edges of c are computed into a scratch tile and added from
// there.
func sgemmPacked(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	bufs := sgemmPool.Get().(*sgemmBuffers)
	defer sgemmPool.Put(bufs)
	kcMax := min(k, sgemmKC)
	pb := bufs.b.grow(kcMax * roundUp(min(n, sgemmNC), sgemmNR))
	pa := bufs.a.grow(kcMax * roundUp(min(m, sgemmMC), sgemmMR))
	for j0 := 0; j0 < n; j0 += sgemmNC {
		nc := min(sgemmNC, n-j0)
		for p0 := 0; p0 < k; p0 += sgemmKC {
			kc := min(sgemmKC, k-p0)
			// The first panel of k scales c by beta, the others add to it.
			bk := beta
			if p0 > 0 {
				bk = 1
			}
			packB(transB, b, ldb, p0, kc, j0, nc, pb)
			for i0 := 0; i0 < m; i0 += sgemmMC {
				mc := min(sgemmMC, m-i0)
				packA(transA, a, lda, i0, mc, p0, kc, pa)
				for jr := 0; jr < nc; jr += sgemmNR {
					nr := min(sgemmNR, nc-jr)
					bs, bst := pb[jr*kc:(jr+sgemmNR)*kc], sgemmNR
					if !transB && nr == sgemmNR {
						// Rows of b are the strip's rows: read in place.
						o := p0*ldb + j0 + jr
						bs, bst = b[o:(kc-1)*ldb+o+sgemmNR], ldb
					}
					for ir := 0; ir < mc; ir += sgemmMR {
						mr := min(sgemmMR, mc-ir)
						as := pa[ir*kc : (ir+sgemmMR)*kc]
						off := (i0+ir)*ldc + j0 + jr
						if mr == sgemmMR && nr == sgemmNR {
							// Bounds for the kernel's writes: the last row's tile.
							_ = c[off+(sgemmMR-1)*ldc+sgemmNR-1]
							sgemmKernelAsm(kc, &as[0], &bs[0], bst, &c[off], ldc, alpha, bk)
							continue
						}
						sgemmKernelAsm(kc, &as[0], &bs[0], bst, &bufs.tile[0], sgemmNR, alpha, 0)
						addTile(&bufs.tile, mr, nr, bk, c[off:], ldc)
					}
				}
			}
		}
	}
}

// sgemmKernelAsm is the micro-kernel (sgemm_amd64.s): c[i*ldc+j] = alpha *
// sum over p of a[p*sgemmMR+i] * b[p*ldb+j] + beta * c[i*ldc+j] (c not read
// when beta is 0) for the sgemmMR x sgemmNR tile, from a packed strip of a
// and k rows of sgemmNR values of b, ldb apart (sgemmNR when packed).
//
//go:noescape
func sgemmKernelAsm(k int, a, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)

// Blocking of sgemm: the micro-tile (sgemmMR rows x sgemmNR columns of c),
// the rows of op(a) packed per block (sgemmMC, a multiple of sgemmMR: 168 x
// 256 floats, 168 KiB, stay in L2), the depth of a panel (sgemmKC: a strip
// of op(b), 16 KiB, stays in L1) and the columns of op(b) packed per panel
// (sgemmNC: 4 MiB at most, for L3).
const (
	sgemmMR = 6
	sgemmNR = 16
	sgemmMC = 168
	sgemmKC = 256
	sgemmNC = 4080
)

// sgemmBuffers are the packing buffers and edge tile of one sgemm call,
// pooled so that the many small products of attention allocate nothing.
type sgemmBuffers struct {
	a, b growBuf
	tile [sgemmMR * sgemmNR]float32
}

// growBuf is a float32 buffer that only grows.
type growBuf struct{ v []float32 }

func (g *growBuf) grow(n int) []float32 {
	if cap(g.v) < n {
		g.v = make([]float32, n)
	}
	return g.v[:n]
}

var sgemmPool = sync.Pool{New: func() any { return new(sgemmBuffers) }}

func roundUp(x, to int) int { return (x + to - 1) / to * to }

// addTile sets the mr x nr corner of c to tile + beta * c.
func addTile(tile *[sgemmMR * sgemmNR]float32, mr, nr int, beta float32, c []float32, ldc int) {
	for i := 0; i < mr; i++ {
		row := c[i*ldc : i*ldc+nr]
		t := tile[i*sgemmNR : i*sgemmNR+nr]
		if beta == 0 {
			copy(row, t)
			continue
		}
		for j, v := range t {
			row[j] = v + beta*row[j]
		}
	}
}

// packA copies rows i0 .. i0+mc-1, columns p0 .. p0+kc-1 of op(a) into dst
// as strips of sgemmMR rows: strip s holds, for each p, the sgemmMR values
// of column p (zero past the last row).
func packA(trans bool, a []float32, lda, i0, mc, p0, kc int, dst []float32) {
	for ir := 0; ir < mc; ir += sgemmMR {
		strip := dst[ir*kc : (ir+sgemmMR)*kc]
		mr := min(sgemmMR, mc-ir)
		if mr < sgemmMR {
			clear(strip)
		}
		for r := 0; r < mr; r++ {
			i := i0 + ir + r
			if trans {
				for p := 0; p < kc; p++ {
					strip[p*sgemmMR+r] = a[(p0+p)*lda+i]
				}
				continue
			}
			row := a[i*lda+p0 : i*lda+p0+kc]
			for p, v := range row {
				strip[p*sgemmMR+r] = v
			}
		}
	}
}

// packB copies rows p0 .. p0+kc-1, columns j0 .. j0+nc-1 of op(b) into dst
// as strips of sgemmNR columns: strip s holds, for each p, the sgemmNR
// values of row p (zero past the last column). Untransposed, the full
// strips are left out: sgemm reads them from b.
func packB(trans bool, b []float32, ldb, p0, kc, j0, nc int, dst []float32) {
	for jr := 0; jr < nc; jr += sgemmNR {
		strip := dst[jr*kc : (jr+sgemmNR)*kc]
		nr := min(sgemmNR, nc-jr)
		if nr < sgemmNR {
			clear(strip)
		}
		if trans {
			// op(b)[p][j] = b[j][p]: the strip's row p gathers element p of
			// nr stored rows (read as nr streams, written contiguously).
			var rows [sgemmNR][]float32
			for q := range nr {
				o := (j0+jr+q)*ldb + p0
				rows[q] = b[o : o+kc]
			}
			if nr == sgemmNR {
				for p := range kc {
					d := strip[p*sgemmNR : p*sgemmNR+sgemmNR : p*sgemmNR+sgemmNR]
					for q := range d {
						d[q] = rows[q][p]
					}
				}
				continue
			}
			for p := range kc {
				d := strip[p*sgemmNR : p*sgemmNR+nr]
				for q := range d {
					d[q] = rows[q][p]
				}
			}
			continue
		}
		if nr == sgemmNR {
			continue
		}
		for p := 0; p < kc; p++ {
			copy(strip[p*sgemmNR:p*sgemmNR+nr], b[(p0+p)*ldb+j0+jr:][:nr])
		}
	}
}
