package request

import (
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
		assert.Equal(t, Null, a.Cells[1].Kind, name)
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
	assert.Equal(t, Float, c.Items[4].Kind) // beyond int64: a float, as pandas would
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
