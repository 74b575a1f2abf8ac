// Package response shapes stage outputs into ludwig-infer's responses: the
// three output forms (features, columns, full) as JSON, tensor JSON for
// staged calls, and tensors returned without JSON. JSON never contains NaN
// or Infinity (null instead) and is always valid UTF-8 (invalid bytes in a
// string become U+FFFD).
package response

import (
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendFloat appends f in the shortest form that round-trips at the given
// bit size (32 or 64); NaN and infinities become null.
func AppendFloat(b []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, bits)
}

// appendElem appends element i of t.
func appendElem(b []byte, t tensor.Tensor, i int) []byte {
	switch t.DType {
	case tensor.Float32:
		return AppendFloat(b, t.Float64At(i), 32)
	case tensor.Float64:
		return AppendFloat(b, t.Float64At(i), 64)
	case tensor.Bool:
		if t.Data[i] != 0 {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	}
	return strconv.AppendInt(b, t.Int64At(i), 10)
}

// AppendNested appends t as nested arrays of its shape (a scalar as a bare
// value).
func AppendNested(b []byte, t tensor.Tensor) []byte {
	if len(t.Shape) == 0 {
		return appendElem(b, t, 0)
	}
	idx := 0
	var rec func(dim int)
	rec = func(dim int) {
		b = append(b, '[')
		for k := int64(0); k < t.Shape[dim]; k++ {
			if k > 0 {
				b = append(b, ',')
			}
			if dim == len(t.Shape)-1 {
				b = appendElem(b, t, idx)
				idx++
			} else {
				rec(dim + 1)
			}
		}
		b = append(b, ']')
	}
	rec(0)
	return b
}

// AppendTensorJSON appends {"dtype": ..., "shape": [...], "data": [...]}.
func AppendTensorJSON(b []byte, t tensor.Tensor) []byte {
	b = append(b, `{"dtype":`...)
	b = AppendString(b, t.DType.String())
	b = append(b, `,"shape":[`...)
	for i, d := range t.Shape {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, d, 10)
	}
	b = append(b, `],"data":[`...)
	n := int(t.NumElements())
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendElem(b, t, i)
	}
	return append(b, "]}"...)
}

// AppendStrings appends a JSON array of strings.
func AppendStrings(b []byte, s []string) []byte {
	b = append(b, '[')
	for i, x := range s {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, x)
	}
	return append(b, ']')
}
