// Package tensor defines the dense, row-major tensors that cross every layer of
// ludwig-infer: request buffers, stage inputs and outputs, and response
// tensors. A Tensor is a typed view over bytes; it never owns C memory.
package tensor

import (
	"encoding/binary"
	"fmt"
	"math"
	"unsafe"
)

// DType is an element type. Its values equal li_dtype's in
// include/ludwig_infer.h and LT_* in the torch shim.
type DType int32

// The element types.
const (
	Float32 DType = 1
	Float64 DType = 2
	Int32   DType = 3
	Int64   DType = 4
	Uint8   DType = 5
	Bool    DType = 6
	Int8    DType = 7
	Int16   DType = 8
)

var dtypeNames = map[DType]string{
	Float32: "float32", Float64: "float64", Int32: "int32", Int64: "int64",
	Uint8: "uint8", Bool: "bool", Int8: "int8", Int16: "int16",
}

// String returns the dtype's name as used in JSON ("float32", ...), or
// "dtype(N)" for an unknown code.
func (d DType) String() string {
	if s, ok := dtypeNames[d]; ok {
		return s
	}
	return fmt.Sprintf("dtype(%d)", int32(d))
}

// Size returns the byte size of one element, or 0 for an unknown dtype.
func (d DType) Size() int {
	switch d {
	case Float32, Int32:
		return 4
	case Float64, Int64:
		return 8
	case Uint8, Bool, Int8:
		return 1
	case Int16:
		return 2
	}
	return 0
}

// ParseDType maps a JSON dtype name to a DType.
func ParseDType(s string) (DType, error) {
	for d, n := range dtypeNames {
		if n == s {
			return d, nil
		}
	}
	return 0, fmt.Errorf("unknown dtype %q (want one of float32, float64, int32, int64, uint8, bool, int8, int16)", s)
}

// Tensor is a dense row-major array. Data holds NumElements()*DType.Size()
// bytes in the machine's (little-endian) byte order.
type Tensor struct {
	DType DType
	Shape []int64
	Data  []byte
	// SampleRate is set for audio clips (a waveform and its rate), else 0.
	SampleRate int64
}

// NumElements returns the product of the shape (1 for a scalar).
func (t Tensor) NumElements() int64 {
	n := int64(1)
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Validate checks the dtype, that no dimension is negative and that Data
// holds exactly the shape's bytes.
func (t Tensor) Validate() error {
	if t.DType.Size() == 0 {
		return fmt.Errorf("unknown dtype code %d", int32(t.DType))
	}
	n := int64(1)
	for _, d := range t.Shape {
		if d < 0 {
			return fmt.Errorf("negative dimension in shape %v", t.Shape)
		}
		if d > 0 && n > math.MaxInt64/d {
			return fmt.Errorf("shape %v overflows", t.Shape)
		}
		n *= d
	}
	// The byte count must not overflow either: shape [2, 2^61+1] of float32
	// is 2^62+2 elements but "8 bytes" in wrapped arithmetic (found by
	// FuzzFromTensors; through li_infer it poisoned the library, and a
	// borrowed buffer would have let libtorch read far past it).
	if n > math.MaxInt64/int64(t.DType.Size()) {
		return fmt.Errorf("shape %v overflows", t.Shape)
	}
	if want := n * int64(t.DType.Size()); int64(len(t.Data)) != want {
		return fmt.Errorf("shape %v of %s needs %d bytes, buffer has %d", t.Shape, t.DType, want, len(t.Data))
	}
	return nil
}

// Float64At returns element i converted to float64 (bools as 0/1).
func (t Tensor) Float64At(i int) float64 {
	switch t.DType {
	case Float32:
		return float64(math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:])))
	case Float64:
		return math.Float64frombits(binary.LittleEndian.Uint64(t.Data[8*i:]))
	case Int32:
		return float64(int32(binary.LittleEndian.Uint32(t.Data[4*i:])))
	case Int64:
		return float64(int64(binary.LittleEndian.Uint64(t.Data[8*i:])))
	case Int16:
		return float64(int16(binary.LittleEndian.Uint16(t.Data[2*i:])))
	case Int8:
		return float64(int8(t.Data[i]))
	case Uint8, Bool:
		return float64(t.Data[i])
	}
	return math.NaN()
}

// Int64At returns element i as an int64 (exact for integer dtypes).
func (t Tensor) Int64At(i int) int64 {
	switch t.DType {
	case Int64:
		return int64(binary.LittleEndian.Uint64(t.Data[8*i:]))
	case Int32:
		return int64(int32(binary.LittleEndian.Uint32(t.Data[4*i:])))
	case Int16:
		return int64(int16(binary.LittleEndian.Uint16(t.Data[2*i:])))
	case Int8:
		return int64(int8(t.Data[i]))
	case Uint8, Bool:
		return int64(t.Data[i])
	}
	return int64(t.Float64At(i))
}

// IsInteger reports whether the dtype holds integers (bool excluded).
func (d DType) IsInteger() bool {
	return d == Int32 || d == Int64 || d == Uint8 || d == Int8 || d == Int16
}

// FromFloat32 builds a tensor over a copy-free view of v.
func FromFloat32(v []float32, shape ...int64) Tensor {
	return Tensor{DType: Float32, Shape: shape, Data: bytesOf(unsafe.Pointer(unsafe.SliceData(v)), len(v)*4)}
}

// FromFloat64 builds a tensor over a copy-free view of v.
func FromFloat64(v []float64, shape ...int64) Tensor {
	return Tensor{DType: Float64, Shape: shape, Data: bytesOf(unsafe.Pointer(unsafe.SliceData(v)), len(v)*8)}
}

// FromInt64 builds a tensor over a copy-free view of v.
func FromInt64(v []int64, shape ...int64) Tensor {
	return Tensor{DType: Int64, Shape: shape, Data: bytesOf(unsafe.Pointer(unsafe.SliceData(v)), len(v)*8)}
}

func bytesOf(p unsafe.Pointer, n int) []byte {
	if n == 0 {
		return []byte{}
	}
	return unsafe.Slice((*byte)(p), n)
}
