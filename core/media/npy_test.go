package media

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// npy builds a .npy file as numpy.save writes it (header padded to a
// multiple of 64 bytes, ending in a newline).
func npy(major byte, header string, data []byte) []byte {
	pre := 10
	if major > 1 {
		pre = 12
	}
	for (pre+len(header)+1)%64 != 0 {
		header += " "
	}
	header += "\n"
	b := append([]byte("\x93NUMPY"), major, 0)
	if major > 1 {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(header)))
	} else {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(header)))
	}
	return append(append(b, header...), data...)
}

func dict(descr string, fortran bool, shape string) string {
	f := "False"
	if fortran {
		f = "True"
	}
	return fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr, f, shape)
}

func TestDecodeNpy(t *testing.T) {
	// uint8 [2,3], version 1.
	got, err := DecodeNpy(npy(1, dict("|u1", false, "(2, 3)"), []byte{0, 1, 2, 3, 4, 5}))
	require.NoError(t, err)
	assert.Equal(t, tensor.Tensor{DType: tensor.Uint8, Shape: []int64{2, 3}, Data: []byte{0, 1, 2, 3, 4, 5}}, got)

	// float32 little-endian, version 2, one dimension.
	f := tensor.FromFloat32([]float32{1.5, -2, 255}, 3)
	got, err = DecodeNpy(npy(2, dict("<f4", false, "(3,)"), f.Data))
	require.NoError(t, err)
	assert.Equal(t, f, got)

	// int16 big-endian: converted to the machine's order.
	got, err = DecodeNpy(npy(1, dict(">i2", false, "(3,)"), []byte{0x01, 0x02, 0xff, 0xfe, 0x00, 0x07}))
	require.NoError(t, err)
	assert.Equal(t, []int64{3}, got.Shape)
	assert.Equal(t, []float64{0x0102, -2, 7}, []float64{got.Float64At(0), got.Float64At(1), got.Float64At(2)})

	// Fortran order: the column-major elements of [[0 1 2] [3 4 5]] come out row-major.
	i32 := func(v ...int32) []byte {
		var b []byte
		for _, x := range v {
			b = binary.LittleEndian.AppendUint32(b, uint32(x))
		}
		return b
	}
	got, err = DecodeNpy(npy(1, dict("<i4", true, "(2, 3)"), i32(0, 3, 1, 4, 2, 5)))
	require.NoError(t, err)
	assert.Equal(t, tensor.Tensor{DType: tensor.Int32, Shape: []int64{2, 3}, Data: i32(0, 1, 2, 3, 4, 5)}, got)
	// A 3-D Fortran array [2,2,2]: element (i,j,k) is at i + 2j + 4k.
	got, err = DecodeNpy(npy(3, dict("<i4", true, "(2, 2, 2)"), i32(0, 100, 10, 110, 1, 101, 11, 111)))
	require.NoError(t, err)
	assert.Equal(t, i32(0, 1, 10, 11, 100, 101, 110, 111), got.Data)

	// bool: any non-zero byte is true; a 0-d array has no dimensions.
	got, err = DecodeNpy(npy(1, dict("|b1", false, "(2,)"), []byte{0, 7}))
	require.NoError(t, err)
	assert.Equal(t, []byte{0, 1}, got.Data)
	got, err = DecodeNpy(npy(1, dict("<i8", false, "()"), make([]byte, 8)))
	require.NoError(t, err)
	assert.Empty(t, got.Shape)
}

func TestDecodeNpyErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"float16", npy(1, dict("<f2", false, "(1,)"), []byte{0, 0}), `.npy dtype "<f2" is not supported (float32, float64, int8, int16, int32, int64, uint8, bool are)`},
		{"object array", npy(1, dict("|O", false, "(1,)"), []byte{0}), `.npy dtype "|O" is not supported (float32, float64, int8, int16, int32, int64, uint8, bool are)`},
		{"structured", npy(1, "{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (1,), }", []byte{0, 0, 0, 0}), `.npy header has no 'descr' string (structured or object arrays are not supported)`},
		{"no shape", npy(1, "{'descr': '<i4', 'fortran_order': False, }", []byte{0, 0, 0, 0}), `.npy header has no 'shape'`},
		{"no fortran_order", npy(1, "{'descr': '<i4', 'shape': (1,), }", []byte{0, 0, 0, 0}), `.npy header has no 'fortran_order'`},
		{"bad shape", npy(1, dict("<i4", false, "(a, 2)"), nil), `.npy shape (a, 2) is not a tuple of sizes`},
		{"negative shape", npy(1, dict("<i4", false, "(-1,)"), nil), `.npy shape (-1,) is not a tuple of sizes`},
		{"huge shape", npy(1, dict("<i4", false, "(100000, 100000, 100000)"), nil), `.npy shape (100000, 100000, 100000) is too large (at most 1073741824 elements)`},
		{"truncated data", npy(1, dict("<i4", false, "(2,)"), []byte{0, 0, 0, 0}), `.npy data is 4 bytes, shape (2,) of int32 needs 8 (truncated or corrupt?)`},
		{"extra data", npy(1, dict("|u1", false, "(1,)"), []byte{0, 0}), `.npy data is 2 bytes, shape (1,) of uint8 needs 1 (truncated or corrupt?)`},
		{"truncated header", npy(1, dict("|u1", false, "(1,)"), nil)[:40], `truncated .npy header (118 bytes announced, 30 present)`},
		{"version 4", append([]byte("\x93NUMPY\x04\x00"), 0, 0, 0, 0), `.npy format version 4.0 is not supported (1.0-3.0 are)`},
		{"too short", []byte("\x93NUMPY\x01"), `not a NumPy .npy file`},
	} {
		_, err := DecodeNpy(c.b)
		require.Error(t, err, c.name)
		assert.Contains(t, err.Error(), c.want, c.name)
	}
	// Through DecodeImage, the format is named.
	_, err := DecodeImage(npy(1, dict("<f2", false, "(1,)"), []byte{0, 0}))
	assert.EqualError(t, err, `cannot decode NumPy .npy image: .npy dtype "<f2" is not supported (float32, float64, int8, int16, int32, int64, uint8, bool are)`)
}
