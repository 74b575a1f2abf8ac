package native

import (
	"encoding/binary"
	"math"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

func fromInt32(v []int32, shape ...int64) tensor.Tensor {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(x))
	}
	return tensor.Tensor{DType: tensor.Int32, Shape: shape, Data: b}
}

func float32At(t tensor.Tensor, i int) float32 {
	return math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
}

func float64At(t tensor.Tensor, i int) float64 {
	return math.Float64frombits(binary.LittleEndian.Uint64(t.Data[8*i:]))
}
