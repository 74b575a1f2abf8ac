#include "textflag.h"

// STEP multiplies row p of the b strip (DI; rows R10 bytes apart) by the
// sgemmMR values of a at byte offset off of SI into the accumulators and
// moves DI to the next row: two loads (Y0, Y1), six broadcasts (Y2/Y3
// alternating), twelve fused multiply-adds.
#define STEP(off) \
	VMOVUPS (DI), Y0; \
	VMOVUPS 32(DI), Y1; \
	VBROADCASTSS (off+0)(SI), Y2; \
	VFMADD231PS Y0, Y2, Y4; \
	VFMADD231PS Y1, Y2, Y5; \
	VBROADCASTSS (off+4)(SI), Y3; \
	VFMADD231PS Y0, Y3, Y6; \
	VFMADD231PS Y1, Y3, Y7; \
	VBROADCASTSS (off+8)(SI), Y2; \
	VFMADD231PS Y0, Y2, Y8; \
	VFMADD231PS Y1, Y2, Y9; \
	VBROADCASTSS (off+12)(SI), Y3; \
	VFMADD231PS Y0, Y3, Y10; \
	VFMADD231PS Y1, Y3, Y11; \
	VBROADCASTSS (off+16)(SI), Y2; \
	VFMADD231PS Y0, Y2, Y12; \
	VFMADD231PS Y1, Y2, Y13; \
	VBROADCASTSS (off+20)(SI), Y3; \
	VFMADD231PS Y0, Y3, Y14; \
	VFMADD231PS Y1, Y3, Y15; \
	ADDQ R10, DI

// ROW sets the tile row in ya, yb (columns 0-7, 8-15) to ya, yb + beta (Y1)
// * the row of c at R9, and moves R9 to the next row (R8 bytes on).
#define ROW(ya, yb) \
	VFMADD231PS (R9), Y1, ya; \
	VFMADD231PS 32(R9), Y1, yb; \
	ADDQ R8, R9

// STORE writes ya, yb to the row of c at DX and moves DX to the next row.
#define STORE(ya, yb) \
	VMOVUPS ya, (DX); \
	VMOVUPS yb, 32(DX); \
	ADDQ R8, DX

// func sgemmKernelAsm(k int, a, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)
//
// The 6 x 16 tile of c is held in Y4-Y15 (row r: Y(4+2r) columns 0-7,
// Y(5+2r) columns 8-15); the loop over k is unrolled four times.
TEXT ·sgemmKernelAsm(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ ldb+24(FP), R10
	SHLQ $2, R10
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R8
	SHLQ $2, R8
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	VXORPS Y14, Y14, Y14
	VXORPS Y15, Y15, Y15
	CMPQ CX, $4
	JLT tail
loop4:
	STEP(0)
	STEP(24)
	STEP(48)
	STEP(72)
	ADDQ $96, SI
	SUBQ $4, CX
	CMPQ CX, $4
	JGE loop4
tail:
	TESTQ CX, CX
	JEQ done
	STEP(0)
	ADDQ $24, SI
	DECQ CX
	JMP tail
done:
	VBROADCASTSS alpha+48(FP), Y0
	VMULPS Y0, Y4, Y4
	VMULPS Y0, Y5, Y5
	VMULPS Y0, Y6, Y6
	VMULPS Y0, Y7, Y7
	VMULPS Y0, Y8, Y8
	VMULPS Y0, Y9, Y9
	VMULPS Y0, Y10, Y10
	VMULPS Y0, Y11, Y11
	VMULPS Y0, Y12, Y12
	VMULPS Y0, Y13, Y13
	VMULPS Y0, Y14, Y14
	VMULPS Y0, Y15, Y15
	// beta 0 (either sign): c is not read.
	MOVL beta+52(FP), AX
	TESTL $0x7fffffff, AX
	JEQ store
	VBROADCASTSS beta+52(FP), Y1
	MOVQ DX, R9
	ROW(Y4, Y5)
	ROW(Y6, Y7)
	ROW(Y8, Y9)
	ROW(Y10, Y11)
	ROW(Y12, Y13)
	ROW(Y14, Y15)
store:
	STORE(Y4, Y5)
	STORE(Y6, Y7)
	STORE(Y8, Y9)
	STORE(Y10, Y11)
	STORE(Y12, Y13)
	STORE(Y14, Y15)
	VZEROUPPER
	RET
