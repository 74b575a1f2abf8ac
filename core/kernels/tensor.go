// Package kernels is the Go engine's tensor library: dense row-major CPU
// tensors of float32, float64, int64, int32, int16, int8, uint8 and bool,
// and the operators Ludwig's tabular predictors use, with libtorch's type
// promotion, broadcasting and result dtypes.
//
// Floating-point results match libtorch within 1e-5 absolute + 1e-5
// relative (transcendental functions are computed in float64 and rounded;
// matrix products accumulate in float32 in another order than BLAS);
// integer and boolean results are exact.
package kernels

import (
	"encoding/binary"
	"fmt"
	"math"
	"unsafe"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// MaxElements bounds the elements of one tensor an operator may allocate
// (1 Gi elements): a hostile model cannot ask for unbounded memory.
var MaxElements = int64(1) << 30

// Tensor is a dense row-major tensor. Exactly one data slice is set, by
// DType: F32, F64, I64, I32, I16, I8, or U8 (uint8 and bool, 0/1).
type Tensor struct {
	DType tensor.DType
	Shape []int
	F32   []float32
	F64   []float64
	I64   []int64
	I32   []int32
	I16   []int16
	I8    []int8
	U8    []uint8
	// dims holds Shape for tensors of up to 4 dimensions made by New: one
	// allocation less per tensor.
	dims [4]int
	// Alias is set on the results of Select and Slice, which copy: where
	// their elements came from, so that an in-place write (CopyInto) also
	// reaches the tensor they were taken from, as a write into a view does
	// in libtorch.
	Alias *Alias
}

// Alias maps a tensor's elements to those of Base (a tensor that is no
// alias itself): element (i_0, ..., i_k) is Base's flat element
// Offset + sum(i_j*Strides[j]).
type Alias struct {
	Base    *Tensor
	Offset  int
	Strides []int
}

// Numel returns the number of elements.
func (t *Tensor) Numel() int { return numel(t.Shape) }

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// Dim returns the number of dimensions.
func (t *Tensor) Dim() int { return len(t.Shape) }

// New allocates a zero tensor.
func New(dt tensor.DType, shape []int) (*Tensor, error) {
	n := int64(1)
	for _, d := range shape {
		if d < 0 {
			return nil, fmt.Errorf("negative dimension in shape %v", shape)
		}
		if d > 0 && n > MaxElements/int64(d) {
			return nil, fmt.Errorf("a tensor of shape %v is larger than %d elements", shape, MaxElements)
		}
		n *= int64(d)
	}
	t := &Tensor{DType: dt}
	if len(shape) <= len(t.dims) {
		t.Shape = t.dims[:len(shape):len(shape)]
		copy(t.Shape, shape)
	} else {
		t.Shape = append([]int(nil), shape...)
	}
	switch dt {
	case tensor.Float32:
		t.F32 = make([]float32, n)
	case tensor.Float64:
		t.F64 = make([]float64, n)
	case tensor.Int64:
		t.I64 = make([]int64, n)
	case tensor.Int32:
		t.I32 = make([]int32, n)
	case tensor.Int16:
		t.I16 = make([]int16, n)
	case tensor.Int8:
		t.I8 = make([]int8, n)
	case tensor.Uint8, tensor.Bool:
		t.U8 = make([]uint8, n)
	default:
		return nil, fmt.Errorf("unsupported dtype %s", dt)
	}
	return t, nil
}

// Scalar makes a 0-dim tensor.
func Scalar(dt tensor.DType, v float64) *Tensor {
	t, _ := New(dt, nil)
	t.Set(0, v)
	return t
}

// At returns element i as a float64.
func (t *Tensor) At(i int) float64 {
	switch t.DType {
	case tensor.Float32:
		return float64(t.F32[i])
	case tensor.Float64:
		return t.F64[i]
	case tensor.Int64:
		return float64(t.I64[i])
	case tensor.Int32:
		return float64(t.I32[i])
	case tensor.Int16:
		return float64(t.I16[i])
	case tensor.Int8:
		return float64(t.I8[i])
	}
	return float64(t.U8[i])
}

// IntAt returns element i as an int64 (floats truncated toward zero).
func (t *Tensor) IntAt(i int) int64 {
	switch t.DType {
	case tensor.Int64:
		return t.I64[i]
	case tensor.Int32:
		return int64(t.I32[i])
	case tensor.Int16:
		return int64(t.I16[i])
	case tensor.Int8:
		return int64(t.I8[i])
	case tensor.Uint8, tensor.Bool:
		return int64(t.U8[i])
	}
	return floatToInt(t.At(i))
}

func floatToInt(f float64) int64 {
	if f != f || f >= 9.223372036854775807e18 || f < -9.223372036854775808e18 {
		return math.MinInt64 // what x86 conversion gives libtorch
	}
	return int64(f)
}

// Set stores v (converted to the dtype as a C cast does) at i.
func (t *Tensor) Set(i int, v float64) {
	switch t.DType {
	case tensor.Float32:
		t.F32[i] = float32(v)
	case tensor.Float64:
		t.F64[i] = v
	case tensor.Int64:
		t.I64[i] = floatToInt(v)
	case tensor.Int32:
		t.I32[i] = int32(floatToInt(v))
	case tensor.Int16:
		t.I16[i] = int16(floatToInt(v))
	case tensor.Int8:
		t.I8[i] = int8(floatToInt(v))
	case tensor.Uint8:
		t.U8[i] = uint8(floatToInt(v))
	case tensor.Bool:
		if v != 0 {
			t.U8[i] = 1
		} else {
			t.U8[i] = 0
		}
	}
}

// SetInt stores an integer v at i (exact for integer dtypes).
func (t *Tensor) SetInt(i int, v int64) {
	switch t.DType {
	case tensor.Int64:
		t.I64[i] = v
	case tensor.Int32:
		t.I32[i] = int32(v)
	case tensor.Int16:
		t.I16[i] = int16(v)
	case tensor.Int8:
		t.I8[i] = int8(v)
	case tensor.Uint8:
		t.U8[i] = uint8(v)
	case tensor.Bool:
		if v != 0 {
			t.U8[i] = 1
		} else {
			t.U8[i] = 0
		}
	default:
		t.Set(i, float64(v))
	}
}

// IsFloat reports whether the dtype is floating point.
func IsFloat(dt tensor.DType) bool { return dt == tensor.Float32 || dt == tensor.Float64 }

// FromTensor copies a core tensor (little-endian bytes) into a Tensor.
func FromTensor(src tensor.Tensor) (*Tensor, error) {
	if err := src.Validate(); err != nil {
		return nil, err
	}
	shape := make([]int, len(src.Shape))
	for i, d := range src.Shape {
		shape[i] = int(d)
	}
	t, err := New(src.DType, shape)
	if err != nil {
		return nil, err
	}
	b := src.Data
	switch t.DType {
	case tensor.Float32:
		for i := range t.F32 {
			t.F32[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
	case tensor.Float64:
		for i := range t.F64 {
			t.F64[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
		}
	case tensor.Int64:
		for i := range t.I64 {
			t.I64[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
		}
	case tensor.Int32:
		for i := range t.I32 {
			t.I32[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
		}
	case tensor.Int16:
		for i := range t.I16 {
			t.I16[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
		}
	case tensor.Int8:
		for i := range t.I8 {
			t.I8[i] = int8(b[i])
		}
	case tensor.Uint8, tensor.Bool:
		copy(t.U8, b)
	}
	return t, nil
}

// ToTensor returns the tensor as a core tensor sharing its memory.
func (t *Tensor) ToTensor() tensor.Tensor {
	shape := make([]int64, len(t.Shape))
	for i, d := range t.Shape {
		shape[i] = int64(d)
	}
	var p unsafe.Pointer
	n := t.Numel() * t.DType.Size()
	switch t.DType {
	case tensor.Float32:
		p = unsafe.Pointer(unsafe.SliceData(t.F32))
	case tensor.Float64:
		p = unsafe.Pointer(unsafe.SliceData(t.F64))
	case tensor.Int64:
		p = unsafe.Pointer(unsafe.SliceData(t.I64))
	case tensor.Int32:
		p = unsafe.Pointer(unsafe.SliceData(t.I32))
	case tensor.Int16:
		p = unsafe.Pointer(unsafe.SliceData(t.I16))
	case tensor.Int8:
		p = unsafe.Pointer(unsafe.SliceData(t.I8))
	default:
		p = unsafe.Pointer(unsafe.SliceData(t.U8))
	}
	data := []byte{}
	if n > 0 {
		data = unsafe.Slice((*byte)(p), n)
	}
	return tensor.Tensor{DType: t.DType, Shape: shape, Data: data}
}

// To converts to dtype (a copy; the same tensor when the dtype matches and
// copy is false).
func To(t *Tensor, dt tensor.DType, copyAlways bool) (*Tensor, error) {
	if t.DType == dt && !copyAlways {
		return t, nil
	}
	out, err := New(dt, t.Shape)
	if err != nil {
		return nil, err
	}
	n := t.Numel()
	switch {
	case dt == tensor.Float32 && t.DType == tensor.Float32:
		copy(out.F32, t.F32)
	case convertTo(out, t):
	case !IsFloat(t.DType) && !IsFloat(dt):
		for i := 0; i < n; i++ {
			out.SetInt(i, t.IntAt(i))
		}
	default:
		for i := 0; i < n; i++ {
			out.Set(i, t.At(i))
		}
	}
	return out, nil
}

// Clone copies t.
func Clone(t *Tensor) *Tensor {
	c, _ := To(t, t.DType, true)
	return c
}

// view returns a tensor with t's data and another shape (no copy).
func view(t *Tensor, shape []int) *Tensor {
	c := *t
	c.Shape = shape
	c.Alias = nil // a reshaped alias shares the alias's data, not its strides
	return &c
}

// ScalarType codes (c10::ScalarType) as TorchScript's code writes dtypes.
var scalarTypes = map[int64]tensor.DType{
	0: tensor.Uint8, 1: tensor.Int8, 2: tensor.Int16, 3: tensor.Int32, 4: tensor.Int64,
	6: tensor.Float32, 7: tensor.Float64, 11: tensor.Bool,
}

var scalarNames = map[int64]string{5: "float16", 8: "complex32", 9: "complex64", 10: "complex128", 15: "bfloat16"}

// DTypeOf maps a c10::ScalarType code to a dtype.
func DTypeOf(code int64) (tensor.DType, error) {
	if dt, ok := scalarTypes[code]; ok {
		return dt, nil
	}
	if n, ok := scalarNames[code]; ok {
		return 0, fmt.Errorf("dtype %s is not supported by the Go engine", n)
	}
	return 0, fmt.Errorf("unknown dtype code %d", code)
}

// ScalarTypeOf maps a dtype to its c10::ScalarType code.
func ScalarTypeOf(dt tensor.DType) int64 {
	for c, d := range scalarTypes {
		if d == dt {
			return c
		}
	}
	return -1
}
