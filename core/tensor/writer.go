package tensor

import (
	"encoding/binary"
	"math"
)

// Writer fills a new tensor's bytes element by element.
type Writer struct {
	dtype DType
	buf   []byte
}

// NewWriter allocates room for n elements of dtype.
func NewWriter(dtype DType, n int) *Writer {
	return &Writer{dtype: dtype, buf: make([]byte, n*dtype.Size())}
}

// Put stores element i: integer dtypes take iv when exact is true (so int64
// values above 2^53 stay exact) and f truncated otherwise; float dtypes take
// f; bool stores f != 0.
func (w *Writer) Put(i int, f float64, iv int64, exact bool) {
	if !exact {
		iv = int64(f)
	}
	switch w.dtype {
	case Float32:
		binary.LittleEndian.PutUint32(w.buf[4*i:], math.Float32bits(float32(f)))
	case Float64:
		binary.LittleEndian.PutUint64(w.buf[8*i:], math.Float64bits(f))
	case Int32:
		binary.LittleEndian.PutUint32(w.buf[4*i:], uint32(int32(iv)))
	case Int64:
		binary.LittleEndian.PutUint64(w.buf[8*i:], uint64(iv))
	case Int16:
		binary.LittleEndian.PutUint16(w.buf[2*i:], uint16(int16(iv)))
	case Int8, Uint8:
		w.buf[i] = byte(iv)
	case Bool:
		if f != 0 {
			w.buf[i] = 1
		} else {
			w.buf[i] = 0
		}
	}
}

// Bytes returns the filled buffer.
func (w *Writer) Bytes() []byte { return w.buf }
