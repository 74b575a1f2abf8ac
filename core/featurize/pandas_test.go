package featurize

import (
	"encoding/json"
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ludwig-infer/ludwig-infer/core/export"
	"github.com/ludwig-infer/ludwig-infer/core/request"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// pandasCase is one column of testdata/pandas_columns.json, written by
// testdata/pandas_columns.py with pandas: the dtype pandas infers, astype(str)
// of the column and, for numeric columns, the tensor Ludwig builds.
type pandasCase struct {
	JSON    string   `json:"json"`
	DType   string   `json:"dtype"`
	Strings []string `json:"strings"`
	Numbers []any    `json:"numbers"`
}

func pandasCases(t *testing.T) []pandasCase {
	b, err := os.ReadFile("testdata/pandas_columns.json")
	require.NoError(t, err)
	var f struct{ Cases []pandasCase }
	require.NoError(t, json.Unmarshal(b, &f))
	require.Greater(t, len(f.Cases), 400)
	return f.Cases
}

// TestPandasColumns checks every column of the file (issue 20's minimal
// examples and 400 generated ones) as a whole request, and split in
// batches of 1, 2 and 3 rows that carry the whole column's dtype, as the
// command sends them: the dtype, the spellings and the number tensor must
// be pandas'.
func TestPandasColumns(t *testing.T) {
	str := export.Feature{Name: "c", Type: "text"}
	num := export.Feature{Name: "n", Type: "number"}
	for _, pc := range pandasCases(t) {
		root, err := request.Parse([]byte(pc.JSON))
		require.NoError(t, err, pc.JSON)
		cells := root.Items
		dt := request.InferDType(cells)
		require.Equal(t, pc.DType, dt.String(), pc.JSON)

		in, err := FromCells(str, cells)
		require.NoError(t, err, pc.JSON)
		assert.Equal(t, pc.Strings, in.Strings, pc.JSON)
		for _, size := range []int{1, 2, 3} {
			var got []string
			for lo := 0; lo < len(cells); lo += size {
				hi := min(lo+size, len(cells))
				in, err := FromColumn(str, request.Column{Cells: cells[lo:hi], DType: dt}, Options{})
				require.NoError(t, err, pc.JSON)
				got = append(got, in.Strings...)
			}
			assert.Equal(t, pc.Strings, got, "%s in batches of %d", pc.JSON, size)
		}

		if pc.Numbers == nil {
			continue
		}
		wantDType := pc.Numbers[0].(string)
		in, err = FromCells(num, cells)
		require.NoError(t, err, pc.JSON)
		require.Equal(t, wantDType, in.Tensor.DType.String(), pc.JSON)
		for i, w := range pc.Numbers[1].([]any) {
			want, err := strconv.ParseFloat(w.(string), 64)
			require.NoError(t, err)
			got := in.Tensor.Float64At(i)
			if math.IsNaN(want) {
				assert.True(t, math.IsNaN(got), "%s[%d]: got %v, want NaN", pc.JSON, i, got)
			} else {
				assert.Equal(t, want, got, "%s[%d]", pc.JSON, i)
			}
		}
		// A batch of integers from a float64 column is float64 too.
		in, err = FromColumn(num, request.Column{Cells: cells[:1], DType: dt}, Options{})
		require.NoError(t, err, pc.JSON)
		assert.Equal(t, wantDType, in.Tensor.DType.String(), pc.JSON)
	}
}

// TestIssue20Examples pins the minimal examples of issue 20 by hand.
func TestIssue20Examples(t *testing.T) {
	txt := export.Feature{Name: "txt", Type: "text"}
	// 1: a batch of integers and nulls from an object column.
	c := cells(t, `[5, null, 7, "alpha beta"]`)
	in, err := FromColumn(txt, request.Column{Cells: c[:2], DType: request.InferDType(c)}, Options{})
	require.NoError(t, err)
	assert.Equal(t, []string{"5", "nan"}, in.Strings)
	// 2: an integer beyond int64 stays exact and leaves 5 an integer.
	in, err = FromCells(txt, cells(t, `[12345678901234567890, 5, "alpha beta"]`))
	require.NoError(t, err)
	assert.Equal(t, []string{"12345678901234567890", "5", "alpha beta"}, in.Strings)

	h3 := export.Feature{Name: "cell", Type: "h3"}
	// 3: an h3 column with a null is float64 in every batch, even one without a null.
	c = cells(t, `[617721196000313343, null]`)
	in, err = FromColumn(h3, request.Column{Cells: c[:1], DType: request.InferDType(c)}, Options{})
	require.NoError(t, err)
	require.Equal(t, tensor.Float64, in.Tensor.DType)
	assert.Equal(t, float64(617721196000313343), in.Tensor.Float64At(0))
	in, err = FromCells(h3, c)
	require.NoError(t, err)
	require.Equal(t, tensor.Float64, in.Tensor.DType)
	assert.True(t, math.IsNaN(in.Tensor.Float64At(1)))
	// 4: an id written as a float.
	in, err = FromCells(h3, cells(t, `[6.177211960003133e17]`))
	require.NoError(t, err)
	require.Equal(t, tensor.Float64, in.Tensor.DType)
	assert.Equal(t, 6.177211960003133e17, in.Tensor.Float64At(0))
	// Integers alone stay exact int64.
	in, err = FromCells(h3, cells(t, `[617721196000313343]`))
	require.NoError(t, err)
	require.Equal(t, tensor.Int64, in.Tensor.DType)
	assert.Equal(t, int64(617721196000313343), in.Tensor.Int64At(0))
	_, err = FromCells(h3, cells(t, `[12345678901234567890]`))
	assert.EqualError(t, err, `input feature "cell" (h3), row 0: expected an integer H3 cell id, got integer outside int64 12345678901234567890`)
	_, err = FromCells(h3, cells(t, `[true]`))
	assert.EqualError(t, err, `input feature "cell" (h3), row 0: expected an integer H3 cell id, got boolean`)

	// 5: a number column of booleans.
	in, err = FromCells(export.Feature{Name: "n", Type: "number"}, cells(t, `[true, false]`))
	require.NoError(t, err)
	require.Equal(t, tensor.Float64, in.Tensor.DType)
	assert.Equal(t, []float64{1, 0}, []float64{in.Tensor.Float64At(0), in.Tensor.Float64At(1)})
}

// TestVectorStrings: issue 20 example 6. What C's strtod reads (hexadecimal,
// inf) and what TorchScript's split() separates on (\x1c-\x1e) pass; what
// the module itself would refuse is refused first, naming the row.
func TestVectorStrings(t *testing.T) {
	f := export.Feature{Name: "v", Type: "vector"}
	in, err := FromCells(f, cells(t, `["0x10 0x1.8", "1\u001c2\u001d", "\u001e3 inf"]`))
	require.NoError(t, err)
	assert.Equal(t, []string{"0x10 0x1.8", "1\x1c2\x1d", "\x1e3 inf"}, in.Strings)
	for js, want := range map[string]string{
		`["1 2", "1\u001f2"]`: `input feature "v" (vector), row 1: "1\x1f2" is not a number in vector string "1\x1f2"`,
		`["0x"]`:              `input feature "v" (vector), row 0: "0x" is not a number in vector string "0x"`,
		`["1 nan"]`:           `input feature "v" (vector), row 0: NaN in vector string "1 nan" (NaN is not allowed in vectors)`,
		`[null]`:              `input feature "v" (vector), row 0: missing value (NaN is not allowed in vectors)`,
		`[NaN]`:               `input feature "v" (vector), row 0: missing value (NaN is not allowed in vectors)`,
	} {
		_, err := FromCells(f, cells(t, js))
		assert.EqualError(t, err, want, js)
	}
}

// TestListsInScalarColumns: a deliberate difference from pandas (which
// passes "['red']"): lists and objects in scalar columns are refused.
func TestListsInScalarColumns(t *testing.T) {
	for _, typ := range []string{"category", "binary", "text", "set", "bag", "sequence"} {
		f := export.Feature{Name: "x", Type: typ}
		_, err := FromCells(f, cells(t, `["red", ["red"]]`))
		assert.EqualError(t, err, `input feature "x" (`+typ+`), row 1: expected a string, number or boolean, got array (ludwig-infer refuses lists and objects in `+typ+` columns, where pandas would pass their printed form)`)
		_, err = FromCells(f, cells(t, `[{"a": 1}]`))
		assert.EqualError(t, err, `input feature "x" (`+typ+`), row 0: expected a string, number or boolean, got object (ludwig-infer refuses lists and objects in `+typ+` columns, where pandas would pass their printed form)`)
	}
}

// TestNonFiniteLiterals: Python's NaN / Infinity literals as pandas reads
// them: NaN a missing value, Infinity a float.
func TestNonFiniteLiterals(t *testing.T) {
	in, err := FromCells(export.Feature{Name: "c", Type: "category"}, cells(t, `[NaN, Infinity, -Infinity, 1]`))
	require.NoError(t, err)
	assert.Equal(t, []string{"nan", "inf", "-inf", "1.0"}, in.Strings)
	in, err = FromCells(export.Feature{Name: "n", Type: "number"}, cells(t, `[NaN, Infinity, -Infinity, 1]`))
	require.NoError(t, err)
	assert.True(t, math.IsNaN(in.Tensor.Float64At(0)))
	assert.Equal(t, []float64{math.Inf(1), math.Inf(-1), 1}, []float64{in.Tensor.Float64At(1), in.Tensor.Float64At(2), in.Tensor.Float64At(3)})
	in, err = FromCells(export.Feature{Name: "s", Type: "timeseries"}, cells(t, `[[1, NaN, Infinity]]`))
	require.NoError(t, err)
	assert.Equal(t, []string{"1.0 nan inf"}, in.Strings)
}
