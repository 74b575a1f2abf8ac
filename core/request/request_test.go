package request

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestForms(t *testing.T) {
	for name, js := range map[string]string{
		"columns": `{"a": [1, null], "b": ["x", "y"]}`,
		"records": `[{"a": 1, "b": "x"}, {"b": "y"}]`,
		"split":   `{"columns": ["a", "b"], "data": [[1, "x"], [null, "y"]], "index": [0, 1]}`,
	} {
		tb, err := Decode([]byte(js))
		require.NoError(t, err, name)
		assert.Equal(t, 2, tb.Rows, name)
		a := tb.Get("a")
		require.NotNil(t, a, name)
		assert.Equal(t, Int, a.Cells[0].Kind, name)
		assert.Equal(t, int64(1), a.Cells[0].Int, name)
		assert.True(t, a.Cells[1].IsMissing(), name) // null, or NaN for an absent record key
		assert.Equal(t, "y", tb.Get("b").Cells[1].Str, name)
	}
}

func TestNumbersExact(t *testing.T) {
	c, err := Parse([]byte(`[617703466028236799, 1.0, 1e3, -5, 99999999999999999999]`))
	require.NoError(t, err)
	assert.Equal(t, Int, c.Items[0].Kind)
	assert.Equal(t, int64(617703466028236799), c.Items[0].Int)
	assert.Equal(t, Float, c.Items[1].Kind)
	assert.Equal(t, Float, c.Items[2].Kind)
	assert.Equal(t, 1000.0, c.Items[2].Num)
	assert.Equal(t, Int, c.Items[3].Kind)
	assert.Equal(t, BigInt, c.Items[4].Kind) // beyond int64: exact, as Python's int
	assert.Equal(t, "99999999999999999999", c.Items[4].Str)
	assert.Equal(t, 1e20, c.Items[4].Num)
}

func TestMalformed(t *testing.T) {
	for _, js := range []string{`{"a": [1,`, `{"a" 1}`, `[1] [2]`, ``, `nul`, `{"a": [1]}}`} {
		_, err := Decode([]byte(js))
		assert.Error(t, err, js)
	}
	_, err := Decode([]byte(`"x"`))
	assert.EqualError(t, err, "invalid request: expected a JSON object (columns or split form) or an array of records, got string")
}

func TestTensorCell(t *testing.T) {
	names, ts, err := DecodeTensors([]byte(`{"x": {"dtype": "int64", "shape": [2], "data": [617703466028236799, 2]}, "b": {"dtype": "bool", "shape": [1], "data": [true]}}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"x", "b"}, names)
	assert.Equal(t, int64(617703466028236799), ts[0].Int64At(0))
	assert.Equal(t, byte(1), ts[1].Data[0])
}

func TestAppendJSONRoundTrip(t *testing.T) {
	in := `{"a":[617703466028236799,1.50,null,true,"q\"\u0001é"],"b":{"c":[]}}`
	c, err := Parse([]byte(in))
	require.NoError(t, err)
	assert.Equal(t, in, string(c.AppendJSON(nil)))
}

func TestSanitize(t *testing.T) {
	assert.Equal(t, "Size _m2_", Sanitize("Size (m2)"))
	assert.Equal(t, "a_b_c_d_e_f_g_h_i_j_k", Sanitize(`a(b)c{d}e.f:g"h'i[j]k`))
	plain := "no-change é/\\ ;"
	assert.Equal(t, plain, Sanitize(plain))
	tbl := &Table{Columns: []Column{{Key: "x.y"}, {Key: "x_y"}, {Key: "z"}}}
	c, err := tbl.GetSanitized("x_y") // "x_y" itself also sanitises to "x_y"
	assert.Nil(t, c)
	assert.EqualError(t, err, `invalid request: columns "x.y" and "x_y" both stand for "x_y" (Ludwig replaces ( ) { } . : " ' [ ] in column names with _)`)
	c, err = tbl.GetSanitized("z")
	require.NoError(t, err)
	assert.Equal(t, "z", c.Key)
	c, err = tbl.GetSanitized("w")
	assert.NoError(t, err)
	assert.Nil(t, c)
}

// TestPythonLiterals: NaN, Infinity and -Infinity as Python's json module
// reads them (issue 20), outside strings only; NaN stays distinct from null.
func TestPythonLiterals(t *testing.T) {
	c, err := Parse([]byte(`{"a": [NaN, null, Infinity, -Infinity, "NaN Infinity", 1e999], "NaN": [null, NaN]}`))
	require.NoError(t, err)
	a := c.Values[0].Items
	assert.Equal(t, Float, a[0].Kind)
	assert.True(t, math.IsNaN(a[0].Num))
	assert.True(t, a[0].IsMissing())
	assert.Equal(t, Null, a[1].Kind)
	assert.True(t, a[1].IsMissing())
	assert.Equal(t, Float, a[2].Kind)
	assert.Equal(t, math.Inf(1), a[2].Num)
	assert.Equal(t, math.Inf(-1), a[3].Num)
	assert.Equal(t, "NaN Infinity", a[4].Str)
	assert.Equal(t, math.Inf(1), a[5].Num)
	assert.Equal(t, "NaN", c.Keys[1])
	assert.Equal(t, Null, c.Values[1].Items[0].Kind)
	assert.Equal(t, Float, c.Values[1].Items[1].Kind)
	// Written back, non-finite numbers are null.
	assert.Equal(t, `{"a":[null,null,null,null,"NaN Infinity",null],"NaN":[null,null]}`, string(c.AppendJSON(nil)))
	for js, want := range map[string]string{
		`[nan]`:       "invalid request: malformed JSON: ",
		`[-NaN]`:      "invalid request: malformed JSON",
		`[Infinite]`:  "invalid request: malformed JSON",
		`[NaNa]`:      "invalid request: malformed JSON",
		`[inf]`:       "invalid request: malformed JSON",
		`{"a": NaN`:   "invalid request: malformed JSON",
		`[Infinity1]`: "invalid request: malformed JSON",
		`[1Infinity]`: "invalid request: malformed JSON",
		`[0.NaN]`:     "invalid request: malformed JSON",
	} {
		_, err := Parse([]byte(js))
		assert.ErrorContains(t, err, want, js)
	}
	// The tensor form reads them too.
	_, ts, err := DecodeTensors([]byte(`{"x": {"dtype": "float32", "shape": [3], "data": [NaN, Infinity, -Infinity]}}`))
	require.NoError(t, err)
	assert.True(t, math.IsNaN(ts[0].Float64At(0)))
	assert.Equal(t, math.Inf(1), ts[0].Float64At(1))
	assert.Equal(t, math.Inf(-1), ts[0].Float64At(2))
}

// TestProfileInBatches: a dtype decided value by value across batches is
// the one decided over the whole column (the command's use).
func TestProfileInBatches(t *testing.T) {
	for js, want := range map[string]DType{
		`[5, null, 7, "alpha beta"]`:                  DTypeObject,
		`[5, 7]`:                                      DTypeInt64,
		`[5, null]`:                                   DTypeFloat64,
		`[12345678901234567890, 5]`:                   DTypeUInt64,
		`[12345678901234567890, -5]`:                  DTypeObject,
		`[null, 12345678901234567890, -5]`:            DTypeFloat64,
		`[true, false]`:                               DTypeBool,
		`[true, null]`:                                DTypeObject,
		`[null, null]`:                                DTypeObject,
		`[NaN, NaN]`:                                  DTypeFloat64,
		`[1180591620717411303424]`:                    DTypeObject,
		`[null, 1180591620717411303424]`:              DTypeFloat64,
		`[-9223372036854775808, 9223372036854775807]`: DTypeInt64,
	} {
		c, err := Parse([]byte(js))
		require.NoError(t, err)
		assert.Equal(t, want, InferDType(c.Items), js)
		var p Profile
		for _, cell := range c.Items {
			p.Add(cell)
		}
		assert.Equal(t, want.String(), p.DType().String(), js)
	}
	var p Profile
	p.Add(Cell{Kind: Int, Int: 5})
	p.AddMissing()
	assert.Equal(t, DTypeFloat64, p.DType())
	col := Column{Cells: []Cell{{Kind: Int, Int: 5}}, DType: DTypeFloat64}
	assert.Equal(t, DTypeFloat64, col.Type())
	col.DType = DTypeAuto
	assert.Equal(t, DTypeInt64, col.Type())
}
