package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ludwig-infer/ludwig-infer/core"
)

// expectRows runs a column-dict request whose values are spelled exactly as
// pandas hands them to Ludwig (strings as astype(str) writes them, numbers
// as the tensor holds them) through the Go API: the command's expected rows.
func expectRows(t *testing.T, model, req string) []map[string]any {
	t.Helper()
	m, err := core.Load(testdata("models", model), core.LoadOptions{NoWarmup: true})
	require.NoError(t, err)
	defer m.Close()
	return rowsOf(t, m, []byte(req), "", core.DefaultInferOptions())
}

// predictFile writes body to a file named name and runs predict on it with
// each batch size, from the file and from standard input; every run must
// give want.
func predictFile(t *testing.T, model, name, body string, want []map[string]any) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
	format := strings.TrimPrefix(filepath.Ext(name), ".")
	for _, bs := range []string{"1", "2", "3", "1000"} {
		code, out, errs := runCmd(t, "predict", "--model", testdata("models", model), "--dataset", path, "--batch-size", bs)
		require.Equal(t, 0, code, "batch size %s: %s", bs, errs)
		assert.Empty(t, errs)
		got := jsonLines(t, out)
		require.Len(t, got, len(want), "batch size %s", bs)
		diffRows(t, got, want)
	}
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	stdin := os.Stdin
	os.Stdin = f
	tmp := t.TempDir() // standard input is copied to a temporary file, removed at exit
	t.Setenv("TMPDIR", tmp)
	code, out, errs := runCmd(t, "predict", "--model", testdata("models", model), "--dataset", "-", "--format", format, "--batch-size", "1")
	os.Stdin = stdin
	require.Equal(t, 0, code, errs)
	diffRows(t, jsonLines(t, out), want)
	left, err := os.ReadDir(tmp)
	require.NoError(t, err)
	assert.Empty(t, left, "the temporary copy of standard input is removed")
}

// TestPandasTypesInBatches: issue 20's examples through the command, in
// batches of 1, 2, 3 and all rows, from a file and from standard input.
// Expected rows are the Go API's on the values pandas hands Ludwig.
func TestPandasTypesInBatches(t *testing.T) {
	// 1: a text column of integers, a null and a string is an object column:
	// 5 is "5" in every batch (pandas: astype(str) of an object column).
	want := expectRows(t, "text_category", `{"review": ["5", "nan", "7", "alpha beta"]}`)
	predictFile(t, "text_category", "t.json", `[{"review": 5}, {"review": null}, {"review": 7}, {"review": "alpha beta"}]`, want)
	predictFile(t, "text_category", "t.jsonl", "{\"review\": 5}\n{\"review\": null}\n{\"review\": 7}\n{\"review\": \"alpha beta\"}\n", want)
	predictFile(t, "text_category", "s.json", `{"columns": ["review"], "data": [[5], [null], [7], ["alpha beta"]]}`, want)
	// 1 (float64): integers and a null alone are a float64 column: "5.0".
	want = expectRows(t, "text_category", `{"review": ["5.0", "nan", "7.0"]}`)
	predictFile(t, "text_category", "f.json", `[{"review": 5}, {"review": null}, {"review": 7}]`, want)
	// 2: an integer beyond int64 is exact and keeps 5 an integer.
	want = expectRows(t, "text_category", `{"review": ["12345678901234567890", "5", "alpha beta"]}`)
	predictFile(t, "text_category", "b.json", `[{"review": 12345678901234567890}, {"review": 5}, {"review": "alpha beta"}]`, want)
	// CSV integers beyond int64, as pandas.read_csv types them: uint64, or
	// an object column of the cells as written.
	predictFile(t, "text_category", "u.csv", "review\n12345678901234567890\n5\n+7\n", expectRows(t, "text_category", `{"review": ["12345678901234567890", "5", "7"]}`))
	predictFile(t, "text_category", "o.csv", "review\n12345678901234567890\n5\n+7\n-1\n", expectRows(t, "text_category", `{"review": ["12345678901234567890", "5", "+7", "-1"]}`))
	predictFile(t, "text_category", "h.csv", "review\n1180591620717411303424\n1.5\n", expectRows(t, "text_category", `{"review": ["1180591620717411303424", "1.5"]}`))
	predictFile(t, "text_category", "i.csv", "review\n+5\n7\n\n", expectRows(t, "text_category", `{"review": ["5", "7"]}`))
	// NaN and Infinity literals (Python's json.dumps): NaN is missing, Infinity "inf".
	want = expectRows(t, "text_category", `{"review": ["nan", "inf", "1.0"]}`)
	predictFile(t, "text_category", "n.jsonl", "{\"review\": NaN}\n{\"review\": Infinity}\n{\"review\": 1}\n", want)

	// 3: a null in an h3 column: pandas makes it float64 (ids round through
	// float64) in every batch; 4: an id written as a float.
	want = expectRows(t, "tabular", `{"Age": [30, 31, 32], "city": ["Paris", "Paris", "Paris"], "member": [true, true, true], "cell": [6.177211960003133e17, NaN, 6.177211960003133e17]}`)
	predictFile(t, "tabular", "h.json", `[{"Age": 30, "city": "Paris", "member": true, "cell": 617721196000313343}, {"Age": 31, "city": "Paris", "member": true, "cell": null}, {"Age": 32, "city": "Paris", "member": true, "cell": 6.177211960003133e17}]`, want)
	// 5: a number column of booleans: 1.0 / 0.0. 8: a key absent from the
	// first records (here the first two batches of one) is a column.
	want = expectRows(t, "tabular", `{"Age": [1.0, 0.0, 1.0], "city": ["nan", "nan", "Lima"], "member": [true, true, true], "cell": [617721196000313343, 617721196000313343, 617721196000313343]}`)
	predictFile(t, "tabular", "k.jsonl", `{"Age": true, "member": true, "cell": 617721196000313343}
{"Age": false, "member": true, "cell": 617721196000313343}
{"Age": true, "member": true, "cell": 617721196000313343, "city": "Lima"}
`, want)

	// 6: vector strings as C's strtod and TorchScript's split() read them.
	want = expectRows(t, "set_bag_vector", `{"tags": ["a", "a"], "words": ["a", "a"], "emb": ["16 1.5 1 2", "1 2 3 inf"]}`)
	predictFile(t, "set_bag_vector", "v.csv", "tags,words,emb\na,a,0x10 0x1.8 1\x1c2\na,a,1\x1d2\x1e3 inf\n", want)
	// 7: a date with fullwidth digits.
	want = expectRows(t, "date_input", `{"signup": ["04/03/2021 05:06"], "amount": [1]}`)
	predictFile(t, "date_input", "d.json", `[{"signup": "04/03/２０２１ 05:06", "amount": 1}]`, want)
}

// TestPredictArrayInScalarColumn pins the documented difference from
// pandas: a list in a category column is refused, naming row and column.
func TestPredictArrayInScalarColumn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(`{"Age": 1, "city": "Paris", "member": true, "cell": 617721196000313343}
{"Age": 1, "city": ["red"], "member": true, "cell": 617721196000313343}
`), 0o644))
	code, _, errs := runCmd(t, "predict", "--model", testdata("models", "tabular"), "--dataset", path)
	assert.Equal(t, 1, code)
	assert.Equal(t, "ludwig-infer predict: "+path+` row 2 (line 2), column "city" (input feature "city", category): expected a string, number or boolean, got array (ludwig-infer refuses lists and objects in category columns, where pandas would pass their printed form)`+"\n", errs)
}

// TestJSONRecordScanner: the JSON reader splits arrays of records and
// split rows without encoding/json, so that Python's NaN/Infinity literals
// pass through to request.Parse: brackets, quotes and escapes inside
// strings, nesting and white space must not confuse it, and malformed files
// fail with a message.
func TestJSONRecordScanner(t *testing.T) {
	read := func(body string) ([][]string, error) {
		j := newJSONReader(strings.NewReader(body), false)
		b, err := j.next(100)
		if err != nil {
			return nil, err
		}
		var rows [][]string
		for r := 0; r < b.table.Rows; r++ {
			var row []string
			for _, c := range b.table.Columns {
				row = append(row, c.Key+"="+string(c.Cells[r].AppendJSON(nil)))
			}
			rows = append(rows, row)
		}
		return rows, nil
	}
	rows, err := read(" [ {\"a\": \"]}[{\\\"\", \"b\": [1, [2, {\"c\": \"}\"}]]} ,\n\t{\"a\":NaN,\"b\":-Infinity}, {\"b\": 12345678901234567890} ]  ")
	require.NoError(t, err)
	assert.Equal(t, [][]string{
		{`a="]}[{\""`, `b=[1,[2,{"c":"}"}]]`},
		{`a=null`, `b=null`},
		{`a=null`, `b=12345678901234567890`},
	}, rows)
	rows, err = read(`{"index": [0, 1], "columns": ["a"], "data": [[NaN], ["x"]]}`)
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"a=null"}, {`a="x"`}}, rows)
	rows, err = read(`[]`)
	assert.ErrorIs(t, err, io.EOF)
	assert.Nil(t, rows)
	for body, want := range map[string]string{
		`[{"a": 1}`:           `malformed JSON: the file ends where "," or "]" was expected`,
		`[{"a": 1} {"a": 2}]`: `malformed JSON: '{' where "," or "]" was expected`,
		`[{"a": "x]`:          `record 1: malformed JSON: the file ends inside a value`,
		`[{"a": nan}]`:        `record 1: invalid request: malformed JSON`,
		`{"data": [[1]]}`:     `split JSON: "columns" must come before "data"`,
		`{"columns": ["a", 1], "data": [[1, 2]]}`: `split JSON: "columns" must be an array of strings, got ["a", 1]`,
		`{"columns": ["a"], "x": 1}`:              `JSON objects must be pandas "split" JSON`,
		`7`:                                       `a JSON dataset must be an array of records or pandas split JSON, got '7'`,
		``:                                        `the JSON file is empty`,
	} {
		_, err := read(body)
		assert.ErrorContains(t, err, want, body)
	}
}
