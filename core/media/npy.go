package media

import (
	"encoding/binary"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// NumPy's .npy format (numpy.lib.format): the magic "\x93NUMPY", a major
// and minor version byte, the header's length (uint16 little-endian in
// version 1, uint32 in versions 2 and 3), then a Python dict literal
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 32, 32), } padded
// with spaces and a newline, then the raw elements.

var (
	npyDescrRE   = regexp.MustCompile(`'descr'\s*:\s*'([^']*)'`)
	npyFortranRE = regexp.MustCompile(`'fortran_order'\s*:\s*(True|False)`)
	npyShapeRE   = regexp.MustCompile(`'shape'\s*:\s*\(([^)]*)\)`)
)

// npyDTypes maps a descr's kind and size ("f4") to a tensor dtype.
var npyDTypes = map[string]tensor.DType{
	"f4": tensor.Float32, "f8": tensor.Float64, "i4": tensor.Int32, "i8": tensor.Int64,
	"u1": tensor.Uint8, "b1": tensor.Bool, "i1": tensor.Int8, "i2": tensor.Int16,
}

// DecodeNpy decodes a NumPy .npy file to a tensor of its own dtype and shape,
// as Ludwig's read_image_as_numpy does (np.load, then torch.from_numpy):
// images stored as arrays (usually uint8 [C,H,W]) reach the preprocessor
// unchanged. Big-endian arrays are converted to the machine's order;
// Fortran-order arrays are transposed to row-major, as np.load's result is
// when torch.from_numpy copies it. Supported dtypes: float32, float64, int8,
// int16, int32, int64, uint8, bool; object arrays (pickles) are refused.
func DecodeNpy(b []byte) (tensor.Tensor, error) {
	if len(b) < 10 || string(b[:6]) != "\x93NUMPY" {
		return tensor.Tensor{}, fmt.Errorf("not a NumPy .npy file")
	}
	major := b[6]
	var hlen, start int
	switch major {
	case 1:
		hlen, start = int(binary.LittleEndian.Uint16(b[8:10])), 10
	case 2, 3:
		if len(b) < 12 {
			return tensor.Tensor{}, fmt.Errorf("truncated .npy header")
		}
		hlen, start = int(binary.LittleEndian.Uint32(b[8:12])), 12
	default:
		return tensor.Tensor{}, fmt.Errorf(".npy format version %d.%d is not supported (1.0-3.0 are)", major, b[7])
	}
	if hlen > len(b)-start {
		return tensor.Tensor{}, fmt.Errorf("truncated .npy header (%d bytes announced, %d present)", hlen, len(b)-start)
	}
	header := string(b[start : start+hlen])
	data := b[start+hlen:]

	m := npyDescrRE.FindStringSubmatch(header)
	if m == nil {
		return tensor.Tensor{}, fmt.Errorf(".npy header has no 'descr' string (structured or object arrays are not supported): %q", clipText(header))
	}
	descr := m[1]
	if len(descr) < 3 || !strings.ContainsRune("<>|=", rune(descr[0])) {
		return tensor.Tensor{}, fmt.Errorf(".npy dtype %q is not supported (float32, float64, int8, int16, int32, int64, uint8, bool are)", descr)
	}
	dt, ok := npyDTypes[descr[1:]]
	if !ok {
		return tensor.Tensor{}, fmt.Errorf(".npy dtype %q is not supported (float32, float64, int8, int16, int32, int64, uint8, bool are)", descr)
	}
	bigEndian := descr[0] == '>'

	m = npyFortranRE.FindStringSubmatch(header)
	if m == nil {
		return tensor.Tensor{}, fmt.Errorf(".npy header has no 'fortran_order': %q", clipText(header))
	}
	fortran := m[1] == "True"

	m = npyShapeRE.FindStringSubmatch(header)
	if m == nil {
		return tensor.Tensor{}, fmt.Errorf(".npy header has no 'shape': %q", clipText(header))
	}
	var shape []int64
	n := int64(1)
	for _, part := range strings.Split(m[1], ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		d, err := strconv.ParseInt(strings.TrimSuffix(part, "L"), 10, 64)
		if err != nil || d < 0 {
			return tensor.Tensor{}, fmt.Errorf(".npy shape (%s) is not a tuple of sizes", m[1])
		}
		if d > 0 && n > MaxPixels*4/d {
			return tensor.Tensor{}, fmt.Errorf(".npy shape (%s) is too large (at most %d elements)", m[1], MaxPixels*4)
		}
		n *= d
		shape = append(shape, d)
	}
	size := dt.Size()
	if int64(len(data)) != n*int64(size) {
		return tensor.Tensor{}, fmt.Errorf(".npy data is %d bytes, shape (%s) of %s needs %d (truncated or corrupt?)", len(data), m[1], dt, n*int64(size))
	}
	out := make([]byte, len(data))
	copy(out, data)
	if bigEndian && size > 1 {
		for i := 0; i < len(out); i += size {
			for a, z := i, i+size-1; a < z; a, z = a+1, z-1 {
				out[a], out[z] = out[z], out[a]
			}
		}
	}
	if dt == tensor.Bool {
		for i, v := range out {
			if v > 1 {
				out[i] = 1
			}
		}
	}
	if fortran && len(shape) > 1 {
		out = fortranToC(out, shape, size)
	}
	return tensor.Tensor{DType: dt, Shape: shape, Data: out}, nil
}

// fortranToC reorders column-major elements into row-major order.
func fortranToC(src []byte, shape []int64, size int) []byte {
	dst := make([]byte, len(src))
	nd := len(shape)
	idx := make([]int64, nd)
	// Column-major strides, in elements.
	fstride := make([]int64, nd)
	s := int64(1)
	for k := 0; k < nd; k++ {
		fstride[k] = s
		s *= shape[k]
	}
	total := s
	for c := int64(0); c < total; c++ {
		f := int64(0)
		for k := 0; k < nd; k++ {
			f += idx[k] * fstride[k]
		}
		copy(dst[c*int64(size):(c+1)*int64(size)], src[f*int64(size):(f+1)*int64(size)])
		// Advance the row-major multi-index (the last axis fastest).
		for k := nd - 1; k >= 0; k-- {
			idx[k]++
			if idx[k] < shape[k] {
				break
			}
			idx[k] = 0
		}
	}
	return dst
}

func clipText(s string) string {
	if len(s) > 120 {
		return s[:120] + "..."
	}
	return s
}
