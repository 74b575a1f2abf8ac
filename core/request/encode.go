package request

import (
	"math"
	"strconv"

	"github.com/ludwig-infer/ludwig-infer/core/response"
)

// AppendJSON appends the cell as JSON: numbers keep their literal text (so
// int64 values above 2^53 stay exact), except infinities (Infinity, or a
// literal that overflows), written null as every JSON this library writes;
// strings are escaped.
func (c Cell) AppendJSON(b []byte) []byte {
	switch c.Kind {
	case Null:
		return append(b, "null"...)
	case Bool:
		return strconv.AppendBool(b, c.Bool)
	case Float:
		if math.IsInf(c.Num, 0) || math.IsNaN(c.Num) {
			return append(b, "null"...)
		}
		return append(b, c.Str...)
	case Int, BigInt:
		return append(b, c.Str...)
	case String:
		return response.AppendString(b, c.Str)
	case Array:
		b = append(b, '[')
		for i, it := range c.Items {
			if i > 0 {
				b = append(b, ',')
			}
			b = it.AppendJSON(b)
		}
		return append(b, ']')
	case Object:
		b = append(b, '{')
		for i, k := range c.Keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = response.AppendString(b, k)
			b = append(b, ':')
			b = c.Values[i].AppendJSON(b)
		}
		return append(b, '}')
	}
	return append(b, "null"...)
}
