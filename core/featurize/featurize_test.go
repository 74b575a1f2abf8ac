package featurize

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ludwig-infer/ludwig-infer/core/export"
	"github.com/ludwig-infer/ludwig-infer/core/request"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

func TestPyFloat(t *testing.T) {
	for f, want := range map[float64]string{
		1: "1.0", 2.5: "2.5", -3: "-3.0", 0.1: "0.1", 1e16: "1e+16", 1.5e-5: "1.5e-05",
		0.0001: "0.0001", 123456789012345.0: "123456789012345.0", 1e100: "1e+100",
		math.NaN(): "nan", math.Inf(1): "inf", math.Inf(-1): "-inf", 0: "0.0", math.Copysign(0, -1): "-0.0",
		1.0 / 3: "0.3333333333333333",
	} {
		assert.Equal(t, want, PyFloat(f), "%v", f)
	}
}

func cells(t *testing.T, js string) []request.Cell {
	c, err := request.Parse([]byte(js))
	require.NoError(t, err)
	return c.Items
}

// TestSpellings pins pandas' astype(str) after its dtype inference.
func TestSpellings(t *testing.T) {
	f := export.Feature{Name: "c", Type: "category"}
	for js, want := range map[string][]string{
		`[true, false]`:       {"True", "False"},
		`[true, null]`:        {"True", "nan"},
		`[1, 2]`:              {"1", "2"},
		`[1, 2.5]`:            {"1.0", "2.5"},
		`[1, null]`:           {"1.0", "nan"},
		`[1.0, 2.0]`:          {"1.0", "2.0"},
		`["a", null, ""]`:     {"a", "nan", ""},
		`["a", 1, 2.5, true]`: {"a", "1", "2.5", "True"},
		`[null, null]`:        {"nan", "nan"},
		`[" x ", "CAFÉ"]`:     {" x ", "CAFÉ"},
	} {
		in, err := FromCells(f, cells(t, js))
		require.NoError(t, err, js)
		assert.Equal(t, want, in.Strings, js)
	}
}

func TestNumbers(t *testing.T) {
	f := export.Feature{Name: "n", Type: "number"}
	in, err := FromCells(f, cells(t, `[1, 2, 3]`))
	require.NoError(t, err)
	assert.Equal(t, tensor.Int64, in.Tensor.DType)
	in, err = FromCells(f, cells(t, `[1, null, "2.5"]`))
	require.NoError(t, err)
	require.Equal(t, tensor.Float64, in.Tensor.DType)
	assert.Equal(t, 1.0, in.Tensor.Float64At(0))
	assert.True(t, math.IsNaN(in.Tensor.Float64At(1)))
	assert.Equal(t, 2.5, in.Tensor.Float64At(2))
	_, err = FromCells(f, cells(t, `["x"]`))
	assert.EqualError(t, err, `input feature "n" (number), row 0: expected a number, got string "x"`)
}

func TestH3Exact(t *testing.T) {
	in, err := FromCells(export.Feature{Name: "h", Type: "h3"}, cells(t, `[617703466028236799, "617703466028236801"]`))
	require.NoError(t, err)
	assert.Equal(t, int64(617703466028236799), in.Tensor.Int64At(0))
	assert.Equal(t, int64(617703466028236801), in.Tensor.Int64At(1))
}

func TestVectorsAndTimeseries(t *testing.T) {
	in, err := FromCells(export.Feature{Name: "v", Type: "vector"}, cells(t, `[[1, 2.5], [3, 4]]`))
	require.NoError(t, err)
	assert.Equal(t, []int64{2, 2}, in.Tensor.Shape)
	assert.Equal(t, 2.5, in.Tensor.Float64At(1))
	_, err = FromCells(export.Feature{Name: "v", Type: "vector"}, cells(t, `[[1, 2.5], [3]]`))
	assert.EqualError(t, err, `input feature "v" (vector), row 1: vector has 1 values, row 0 has 2`)
	in, err = FromCells(export.Feature{Name: "v", Type: "vector"}, cells(t, `["1 2", "3 4e2"]`))
	require.NoError(t, err)
	assert.Equal(t, []string{"1 2", "3 4e2"}, in.Strings)
	_, err = FromCells(export.Feature{Name: "v", Type: "vector"}, cells(t, `["1 x"]`))
	assert.EqualError(t, err, `input feature "v" (vector), row 0: "x" is not a number in vector string "1 x"`)
	in, err = FromCells(export.Feature{Name: "s", Type: "timeseries"}, cells(t, `[[1, null, 2.5], "0 1", null]`))
	require.NoError(t, err)
	assert.Equal(t, []string{"1.0 nan 2.5", "0 1", "nan"}, in.Strings)
}

func TestDates(t *testing.T) {
	f := export.Feature{Name: "d", Type: "date", DatetimeFormat: "%d/%m/%Y %H:%M"}
	in, err := FromCells(f, cells(t, `["29/02/2024 13:05", [2020, 1, 2, 3, 2, 0, 0, 0, 0]]`))
	require.NoError(t, err)
	require.Len(t, in.Tensors, 2)
	got := make([]int64, 9)
	for i := range got {
		got[i] = in.Tensors[0].Int64At(i)
	}
	assert.Equal(t, []int64{2024, 2, 29, 3, 60, 13, 5, 0, 47100}, got)
	_, err = FromCells(export.Feature{Name: "d", Type: "date"}, cells(t, `["tomorrow"]`))
	assert.ErrorContains(t, err, `input feature "d" (date), row 0: cannot parse "tomorrow" as a date`)
}

func TestTensors(t *testing.T) {
	img := Input{}
	_ = img
	f := export.Feature{Name: "i", Type: "image"}
	a := tensor.Tensor{DType: tensor.Uint8, Shape: []int64{3, 2, 2}, Data: make([]byte, 12)}
	b := tensor.Tensor{DType: tensor.Uint8, Shape: []int64{3, 4, 4}, Data: make([]byte, 48)}
	in, err := FromTensors(f, []tensor.Tensor{a, b}, false)
	require.NoError(t, err)
	assert.Len(t, in.Tensors, 2)
	in, err = FromTensors(f, []tensor.Tensor{a}, false) // one [C,H,W] image: a batch of one
	require.NoError(t, err)
	assert.Equal(t, 1, in.Rows)
	assert.Len(t, in.Tensors, 1)
	_, err = FromTensors(export.Feature{Name: "c", Type: "category"}, []tensor.Tensor{a}, false)
	assert.EqualError(t, err, `input feature "c" (category): category features take strings, not tensors`)
	_, err = FromTensors(export.Feature{Name: "a", Type: "audio"}, []tensor.Tensor{a}, false)
	assert.ErrorContains(t, err, "audio clips are float32 [channels, samples] tensors with a positive sample rate")
	short := tensor.Tensor{DType: tensor.Float32, Shape: []int64{2}, Data: make([]byte, 4)}
	_, err = FromTensors(export.Feature{Name: "n", Type: "number"}, []tensor.Tensor{short}, false)
	assert.EqualError(t, err, `input feature "n" (number): tensor 0: shape [2] of float32 needs 8 bytes, buffer has 4`)
}
