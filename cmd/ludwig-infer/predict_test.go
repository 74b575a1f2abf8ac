package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/core/response"
	"github.com/ludwig-infer/ludwig-infer/internal/golden"
)

func testdata(p ...string) string { return filepath.Join(append([]string{golden.Root()}, p...)...) }

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func jsonLines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var rows []map[string]any
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m), sc.Text())
		rows = append(rows, m)
	}
	return rows
}

// apiRows runs a column-dict request through the Go API and returns one map
// per row, the command's expected output.
func apiRows(t *testing.T, model string, req map[string]any, baseDir string) []map[string]any {
	t.Helper()
	return apiRowsForm(t, model, req, baseDir, core.DefaultInferOptions())
}

// apiRowsForm is apiRows with the given options (a columns or full form).
func apiRowsForm(t *testing.T, model string, req map[string]any, baseDir string, opts core.InferOptions) []map[string]any {
	t.Helper()
	m, err := core.Load(testdata("models", model), core.LoadOptions{NoWarmup: true})
	require.NoError(t, err)
	defer m.Close()
	b, _ := json.Marshal(req)
	return rowsOf(t, m, b, baseDir, opts)
}

// rowsOf runs a JSON request through m and returns one map per row.
func rowsOf(t *testing.T, m *core.Model, req []byte, baseDir string, opts core.InferOptions) []map[string]any {
	t.Helper()
	res, err := m.Infer(context.Background(), core.Request{JSON: req, BaseDir: baseDir}, opts)
	require.NoError(t, err)
	var cols map[string][]any
	require.NoError(t, json.Unmarshal(res.JSON, &cols))
	var rows []map[string]any
	for k, vs := range cols {
		for i, v := range vs {
			for len(rows) <= i {
				rows = append(rows, map[string]any{})
			}
			rows[i][k] = v
		}
	}
	return rows
}

// tabularRequest is testdata/data/tabular.csv as pandas.read_csv types it:
// Age has missing values (float64), member is True/False with missing
// values, cell holds int64 ids.
func tabularRequest(t *testing.T) map[string]any {
	b, err := os.ReadFile(testdata("data", "tabular.csv"))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	req := map[string]any{"Age": []any{}, "city": []any{}, "member": []any{}, "cell": []any{}}
	for _, l := range lines[1:] {
		f := strings.Split(l, ",")
		var age, city, member any
		if f[1] != "" {
			var x float64
			require.NoError(t, json.Unmarshal([]byte(f[1]), &x))
			age = x + 0.5 - 0.5 // a float
		}
		if f[2] != "" {
			city = f[2]
		}
		if f[3] != "" {
			member = f[3] == "True"
		}
		req["Age"] = append(req["Age"].([]any), age)
		req["city"] = append(req["city"].([]any), city)
		req["member"] = append(req["member"].([]any), member)
		req["cell"] = append(req["cell"].([]any), json.Number(f[4]))
	}
	return req
}

func diffRows(t *testing.T, got, want []map[string]any) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		assert.Empty(t, golden.Diff(got[i], want[i], "row"), "row %d", i)
	}
}

func TestPredictCSV(t *testing.T) {
	want := apiRows(t, "tabular", tabularRequest(t), "")
	for _, bs := range []string{"1024", "7", "1"} {
		code, out, errs := runCmd(t, "predict", "--model", testdata("models", "tabular"), "--dataset", testdata("data", "tabular.csv"), "--batch-size", bs)
		require.Equal(t, 0, code, errs)
		diffRows(t, jsonLines(t, out), want)
	}
}

func TestPredictJSONForms(t *testing.T) {
	req := tabularRequest(t)
	want := apiRows(t, "tabular", req, "")
	n := len(want)
	keys := []string{"Age", "city", "member", "cell"}
	var records []map[string]any
	split := map[string]any{"columns": keys, "data": [][]any{}}
	var jl bytes.Buffer
	for r := 0; r < n; r++ {
		rec := map[string]any{}
		row := []any{}
		for _, k := range keys {
			v := req[k].([]any)[r]
			if v != nil {
				rec[k] = v
			}
			row = append(row, v)
		}
		records = append(records, rec)
		split["data"] = append(split["data"].([][]any), row)
		b, _ := json.Marshal(rec)
		jl.Write(b)
		jl.WriteString("\n")
	}
	dir := t.TempDir()
	write := func(name string, v any) string {
		p := filepath.Join(dir, name)
		var b []byte
		if s, ok := v.([]byte); ok {
			b = s
		} else {
			b, _ = json.Marshal(v)
		}
		require.NoError(t, os.WriteFile(p, b, 0o644))
		return p
	}
	for name, path := range map[string]string{
		"records": write("records.json", records),
		"split":   write("split.json", split),
		"jsonl":   write("rows.jsonl", jl.Bytes()),
	} {
		code, out, errs := runCmd(t, "predict", "--model", testdata("models", "tabular"), "--dataset", path, "--batch-size", "8")
		require.Equal(t, 0, code, "%s: %s", name, errs)
		diffRows(t, jsonLines(t, out), want)
	}
	// --format overrides the extension.
	p := write("rows.txt", jl.Bytes())
	code, out, errs := runCmd(t, "predict", "--model", testdata("models", "tabular"), "--dataset", p, "--format", "jsonl")
	require.Equal(t, 0, code, errs)
	diffRows(t, jsonLines(t, out), want)
}

func TestPredictOutputs(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.csv")
	code, _, errs := runCmd(t, "predict", "--model", testdata("models", "tabular"), "--dataset", testdata("data", "tabular.csv"), "--form", "full", "--output", out)
	require.Equal(t, 0, code, errs)
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	assert.Len(t, lines, 41)
	assert.Equal(t, "plan_predictions,plan_probabilities,plan_probability,plan_probabilities_<UNK>,plan_probabilities_premium,plan_probabilities_plus,plan_probabilities_basic", lines[0])
	assert.Contains(t, lines[1], `"[`) // list values JSON-encoded in their cell

	code, stdout, errs := runCmd(t, "predict", "--model", testdata("models", "tabular"), "--dataset", testdata("data", "tabular.csv"), "--form", "features")
	require.Equal(t, 0, code, errs)
	rows := jsonLines(t, stdout)
	require.Len(t, rows, 40)
	plan := rows[0]["plan"].(map[string]any)
	assert.Contains(t, plan, "predictions")
	assert.Contains(t, plan, "probabilities")

	code, _, errs = runCmd(t, "predict", "--model", testdata("models", "tabular"), "--dataset", testdata("data", "tabular.csv"), "--form", "features", "--output", out)
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "CSV output needs the columns or full form")
}

func TestPredictErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	require.NoError(t, os.WriteFile(bad, []byte("Age,city,member,cell\n30,Paris,True,599439121542283263\n31,Paris,True,599439121542283263\n32,Paris,True,not-an-id\n"), 0o644))
	for _, workers := range []string{"1", "4"} {
		code, out, errs := runCmd(t, "predict", "--model", testdata("models", "tabular"), "--dataset", bad, "--batch-size", "1", "--workers", workers)
		assert.Equal(t, 1, code)
		assert.Contains(t, errs, `row 3 (line 4), column "cell" (input feature "cell", h3)`)
		assert.Contains(t, errs, `"not-an-id"`)
		assert.Equal(t, 2, len(jsonLines(t, out)), "the rows before the bad batch are written (%s workers)", workers)
	}
	// A malformed line in a regular file: the first pass (column types, as
	// pandas reads the whole file) finds it before any row is scored.
	badLine := filepath.Join(dir, "badline.csv")
	require.NoError(t, os.WriteFile(badLine, []byte("Age,city,member,cell\n30,Paris,True,599439121542283263\n31,Paris,True,599439121542283263\n32,Paris\n"), 0o644))
	code, out, errs := runCmd(t, "predict", "--model", testdata("models", "tabular"), "--dataset", badLine, "--batch-size", "1", "--workers", "4")
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "line 4 has 2 fields, the header has 4")
	assert.Empty(t, out)
	// From standard input (copied to a temporary file, then read twice as a
	// regular file is): the bad line is found before any row is scored.
	body, err := os.ReadFile(badLine)
	require.NoError(t, err)
	pr, pw, err := os.Pipe()
	require.NoError(t, err)
	go func() { pw.Write(body); pw.Close() }()
	stdin := os.Stdin
	os.Stdin = pr
	code, out, errs = runCmd(t, "predict", "--model", testdata("models", "tabular"), "--dataset", "-", "--format", "csv", "--batch-size", "1", "--workers", "4")
	os.Stdin = stdin
	pr.Close()
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "line 4 has 2 fields, the header has 4")
	assert.Empty(t, out)

	missing := filepath.Join(dir, "missing.csv")
	require.NoError(t, os.WriteFile(missing, []byte("Age,town\n30,Paris\n"), 0o644))
	code, _, errs = runCmd(t, "predict", "--model", testdata("models", "tabular"), "--dataset", missing)
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, `no column for input feature(s) "city" (category)`)

	ragged := filepath.Join(dir, "ragged.csv")
	require.NoError(t, os.WriteFile(ragged, []byte("Age,city,member,cell\n30,Paris\n"), 0o644))
	code, _, errs = runCmd(t, "predict", "--model", testdata("models", "tabular"), "--dataset", ragged)
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "line 2 has 2 fields, the header has 4")

	badJSON := filepath.Join(dir, "bad.jsonl")
	require.NoError(t, os.WriteFile(badJSON, []byte(`{"Age": 1, "city": "x", "member": true, "cell": 599439121542283263}`+"\n{oops\n"), 0o644))
	code, _, errs = runCmd(t, "predict", "--model", testdata("models", "tabular"), "--dataset", badJSON)
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "line 2")

	code, _, errs = runCmd(t, "predict", "--model", testdata("models", "tabular"), "--dataset", filepath.Join(dir, "nope.csv"))
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "no such file or directory")

	code, _, errs = runCmd(t, "predict", "--model", testdata("models", "tabular"), "--dataset", filepath.Join(dir, "data.parquet"))
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "--format")

	code, _, errs = runCmd(t, "predict", "--dataset", bad)
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "--model is required")
}

// TestPredictImagesCSV is the end-to-end run on a CSV of image paths
// (relative to the CSV's folder): the answers equal the Go API's on the
// same files.
func TestPredictImagesCSV(t *testing.T) {
	names := []string{"rgb.png", "rgb.bmp", "anim.gif", "rgb.tif", "palette.png"}
	want := apiRows(t, "image_input", map[string]any{"image_path": names}, testdata("media"))
	code, out, errs := runCmd(t, "predict", "--model", testdata("models", "image_input"), "--dataset", testdata("data", "images.csv"), "--batch-size", "2")
	require.Equal(t, 0, code, errs)
	diffRows(t, jsonLines(t, out), want)

	dir := t.TempDir()
	p := filepath.Join(dir, "imgs.csv")
	require.NoError(t, os.WriteFile(p, []byte("image_path\n"+testdata("media", "rgb.png")+"\nmissing.png\n"), 0o644))
	code, _, errs = runCmd(t, "predict", "--model", testdata("models", "image_input"), "--dataset", p)
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, `row 2 (line 3), column "image_path" (input feature "photo", image)`)
	assert.Contains(t, errs, filepath.Join(dir, "missing.png")+`": no such file`)
}

func TestUsage(t *testing.T) {
	code, _, errs := runCmd(t)
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "predict")
	assert.Contains(t, errs, "info")
	code, out, _ := runCmd(t, "--help")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "Usage: ludwig-infer <command>")
	code, _, errs = runCmd(t, "predict", "--help")
	assert.Equal(t, 0, code)
	assert.Contains(t, errs, "-batch-size")
	assert.Contains(t, errs, "pandas")
}

// TestBinary execs the built command (build/ludwig-infer, from ./build.sh)
// on the README's main job.
func TestBinary(t *testing.T) {
	bin := filepath.Join(golden.Root(), "..", "build", "ludwig-infer")
	if _, err := os.Stat(bin); err != nil {
		t.Skip("build/ludwig-infer is not built (run ./build.sh)")
	}
	cmd := exec.Command(bin, "predict", "--model", testdata("models", "tabular"), "--dataset", testdata("data", "tabular.csv"))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	require.NoError(t, cmd.Run(), errb.String())
	diffRows(t, jsonLines(t, out.String()), apiRows(t, "tabular", tabularRequest(t), ""))
	assert.Empty(t, errb.String(), "no progress bar when stderr is not a terminal")

	cmd = exec.Command(bin, "predict", "--model", testdata("models", "tabular"), "--dataset", "-", "--format", "csv")
	cmd.Stdin = strings.NewReader("Age,city,member,cell\n30,Paris,True,599439121542283263\n")
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, string(b))
	assert.Contains(t, string(b), "plan_predictions")
}

// manyRows writes n rows shaped like testdata/data/tabular.csv (cycling
// through its rows) and returns the file's path.
func manyRows(t *testing.T, n int) string {
	t.Helper()
	src, err := os.ReadFile(testdata("data", "tabular.csv"))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(src)), "\n")
	var b strings.Builder
	b.WriteString(lines[0] + "\n")
	for i := 0; i < n; i++ {
		b.WriteString(lines[1+i%(len(lines)-1)] + "\n")
	}
	p := filepath.Join(t.TempDir(), "many.csv")
	require.NoError(t, os.WriteFile(p, []byte(b.String()), 0o644))
	return p
}

// TestPredictBatchesKeepOrder: reading, inference and writing overlap; the
// rows still come out in the input's order, whatever the batch size.
func TestPredictBatchesKeepOrder(t *testing.T) {
	data := manyRows(t, 700)
	code, whole, errs := runCmd(t, "predict", "--model", testdata("models", "tabular"), "--dataset", data, "--batch-size", "1000")
	require.Equal(t, 0, code, errs)
	require.Len(t, jsonLines(t, whole), 700)
	for _, bs := range []string{"1", "3", "64"} {
		for _, workers := range []string{"1", "4"} {
			code, out, errs := runCmd(t, "predict", "--model", testdata("models", "tabular"), "--dataset", data, "--batch-size", bs, "--workers", workers)
			require.Equal(t, 0, code, errs)
			assert.Equal(t, whole, out, "batch size %s, %s workers", bs, workers)
		}
	}
	code, _, errs = runCmd(t, "predict", "--model", testdata("models", "tabular"), "--dataset", data, "--workers", "0")
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "--workers must be at least 1")
}

// failingWriter accepts limit bytes, then fails every write.
type failingWriter struct{ limit, n int }

func (w *failingWriter) Write(b []byte) (int, error) {
	if w.n+len(b) > w.limit {
		return 0, errors.New("disk full (test)")
	}
	w.n += len(b)
	return len(b), nil
}

// TestPredictWriteError: a failing output stops the command with the
// writer's error, not a hang or a later model error. 15,000 rows make more
// than the command's 1 MiB output buffer, so the write fails mid-run (in the
// writer goroutine, which then drains the batches still in flight).
func TestPredictWriteError(t *testing.T) {
	data := manyRows(t, 15000)
	var errb bytes.Buffer
	w := &failingWriter{limit: 0}
	code := run([]string{"predict", "--model", testdata("models", "tabular"), "--dataset", data, "--batch-size", "16", "--workers", "4"}, w, &errb)
	assert.Equal(t, 1, code)
	assert.Equal(t, "ludwig-infer predict: writing the output: disk full (test)\n", errb.String())
}

// TestPredictFullJSONLines: the JSON Lines rows of the full form are the
// Go API's full form, row by row.
func TestPredictFullJSONLines(t *testing.T) {
	want := apiRowsForm(t, "tabular", tabularRequest(t), "", core.InferOptions{Form: response.Full})
	code, out, errs := runCmd(t, "predict", "--model", testdata("models", "tabular"), "--dataset", testdata("data", "tabular.csv"), "--form", "full", "--batch-size", "7")
	require.Equal(t, 0, code, errs)
	got := jsonLines(t, out)
	diffRows(t, got, want)
	assert.Contains(t, got[0], "plan_probabilities_<UNK>")
}

// TestSplitRecords: records are split on the top-level objects only, with
// braces, brackets and escaped quotes inside strings left alone.
func TestSplitRecords(t *testing.T) {
	js := `[{"a":"}{\"[","b":[{"x":1},[2]],"c":"\\"},{"a":"","b":[],"c":{"d":"]"}}]`
	got, err := splitRecords([]byte(js), 2)
	require.NoError(t, err)
	assert.Equal(t, `{"a":"}{\"[","b":[{"x":1},[2]],"c":"\\"}`+"\n"+`{"a":"","b":[],"c":{"d":"]"}}`+"\n", string(got))
	_, err = splitRecords([]byte(`[{"a":1}]`), 2)
	assert.EqualError(t, err, "reading the model's response: 1 records for 2 rows")
	_, err = splitRecords([]byte(`[{"a":1}`), 1)
	assert.EqualError(t, err, "reading the model's response: malformed JSON")
	_, err = splitRecords([]byte(`[{"a":"1}]`), 1)
	assert.EqualError(t, err, "reading the model's response: malformed JSON")
	_, err = splitRecords([]byte(`[{"a":1},2]`), 2)
	assert.EqualError(t, err, "reading the model's response: a record is not a JSON object")
}

// TestCSVEncode: a records response becomes CSV cells - strings unescaped,
// null empty, lists and other values as their JSON text - and a malformed
// response is an error, not a panic.
func TestCSVEncode(t *testing.T) {
	s := &csvSink{}
	js := `[{"a":"x\"y","b":null,"c":[1,"q\\",null],"d":true,"e":1.5,"f":"é,\u00e9"},{"a":"","b":"n","c":[],"d":false,"e":-2,"f":"x"}]`
	e, err := s.encode([]byte(js), 2, response.Columns)
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b", "c", "d", "e", "f"}, e.header)
	assert.Equal(t, "\"x\"\"y\",,\"[1,\"\"q\\\\\"\",null]\",true,1.5,\"é,é\"\n,n,[],false,-2,x\n", string(e.data))
	for _, bad := range []string{`[{"a":1,"b"}]`, `[{"a" 1}]`, `[{1:2}]`, `[{"a":"\x"}]`} {
		_, err := s.encode([]byte(bad), 1, response.Columns)
		assert.Error(t, err, bad)
	}
	_, err = s.encode([]byte(`[{"a":1},{"a":1,"b":2}]`), 2, response.Columns)
	assert.EqualError(t, err, "reading the model's response: rows with 1 and 2 columns")
}

// FuzzRecords: the record splitters refuse malformed responses without
// panicking, whatever the bytes.
func FuzzRecords(f *testing.F) {
	for _, seed := range []string{`[{"a":"x\"y","b":null,"c":[1,"q\\",null]},{"a":""}]`, `[,]`, `[{}]`, `[{"a":1}`, `[{"a":"1}]`, `[{"a":{"b":[1]}}]`, `[]`} {
		f.Add([]byte(seed), 2)
	}
	f.Fuzz(func(t *testing.T, js []byte, rows int) {
		splitRecords(js, rows)
		(&csvSink{}).encode(js, rows, response.Columns)
	})
}

// TestPredictJSONLinesManyBatches: JSON Lines read in many small batches
// while earlier ones are scored (the reader's column list is copied per
// batch; run under the race detector by the test command).
func TestPredictJSONLinesManyBatches(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&b, `{"Age": %d, "city": "Paris", "member": true, "cell": 599439121542283263}`+"\n", 20+i%50)
	}
	p := filepath.Join(t.TempDir(), "rows.jsonl")
	require.NoError(t, os.WriteFile(p, []byte(b.String()), 0o644))
	code, whole, errs := runCmd(t, "predict", "--model", testdata("models", "tabular"), "--dataset", p, "--batch-size", "1000")
	require.Equal(t, 0, code, errs)
	code, out, errs := runCmd(t, "predict", "--model", testdata("models", "tabular"), "--dataset", p, "--batch-size", "2", "--workers", "4")
	require.Equal(t, 0, code, errs)
	assert.Equal(t, whole, out)
	assert.Len(t, jsonLines(t, out), 300)
}
