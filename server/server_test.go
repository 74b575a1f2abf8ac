package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/internal/golden"
	"github.com/ludwig-infer/ludwig-infer/server"
)

var tabular *core.Model

func TestMain(m *testing.M) {
	var err error
	tabular, err = core.Load(golden.ModelDir("tabular"), core.LoadOptions{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	tabular.Close()
	os.Exit(code)
}

func newServer(t *testing.T, opts server.Options) *httptest.Server {
	ts := httptest.NewServer(server.New([]server.Model{{Name: "tabular", Model: tabular}}, opts))
	t.Cleanup(ts.Close)
	return ts
}

// goldenCase returns tabular's case name as column lists.
func goldenCase(t *testing.T, name string) (golden.Case, map[string][]json.RawMessage) {
	g, err := golden.Load("tabular")
	require.NoError(t, err)
	for _, c := range g.Cases {
		if c.Name == name {
			var cols map[string][]json.RawMessage
			require.NoError(t, json.Unmarshal(c.Request, &cols))
			return c, cols
		}
	}
	t.Fatalf("no case %s", name)
	return golden.Case{}, nil
}

// wantRow is row r of the full form, from the golden.
func wantRow(t *testing.T, c golden.Case, r int) map[string]any {
	out := map[string]any{}
	for k, v := range c.Postprocessed {
		nested, err := v.Nested()
		require.NoError(t, err)
		col := strings.Replace(k, "::", "_", 1)
		out[col] = nested.([]any)[r]
	}
	for k, v := range c.Full {
		out[k] = v[r]
	}
	return out
}

func decode(t *testing.T, resp *http.Response) (map[string]any, string) {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal(b, &out), string(b))
	return out, string(b)
}

func multipartBody(t *testing.T, fields map[string]string) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		require.NoError(t, mw.WriteField(k, v))
	}
	require.NoError(t, mw.Close())
	return &buf, mw.FormDataContentType()
}

func TestRoot(t *testing.T) {
	ts := newServer(t, server.Options{})
	resp, err := http.Get(ts.URL + "/")
	require.NoError(t, err)
	out, _ := decode(t, resp)
	assert.Equal(t, map[string]any{"message": "Ludwig server is up", "status": "alive"}, out)
	resp, err = http.Post(ts.URL+"/", "text/plain", nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	resp.Body.Close()
}

func TestPredictMultipart(t *testing.T) {
	ts := newServer(t, server.Options{})
	c, cols := goldenCase(t, "batch1_ints")
	fields := map[string]string{}
	for k, v := range cols {
		var x any
		require.NoError(t, json.Unmarshal(v[0], &x))
		s := strings.Trim(string(v[0]), `"`)
		if b, ok := x.(bool); ok { // form values are strings, as Ludwig's clients send them
			s = map[bool]string{true: "True", false: "False"}[b]
		}
		fields[k] = s
	}
	body, ct := multipartBody(t, fields)
	resp, err := http.Post(ts.URL+"/predict", ct, body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	got, raw := decode(t, resp)
	assert.Empty(t, golden.Diff(got, wantRow(t, c, 0), "row"), raw)

	delete(fields, "Age")
	delete(fields, "city")
	body, ct = multipartBody(t, fields)
	resp, err = http.Post(ts.URL+"/predict", ct, body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	got, _ = decode(t, resp)
	assert.Equal(t, map[string]any{"error": "Data received does not contain all input features. Missing features: {'Age', 'city'}."}, got)
}

func TestPredictJSON(t *testing.T) {
	ts := newServer(t, server.Options{})
	c, _ := goldenCase(t, "batch1_ints")
	var cols map[string][]any
	d := json.NewDecoder(bytes.NewReader(c.Request))
	d.UseNumber()
	require.NoError(t, d.Decode(&cols))
	record := map[string]any{}
	for k, v := range cols {
		record[k] = v[0]
	}
	b, _ := json.Marshal(record)
	resp, err := http.Post(ts.URL+"/predict", "application/json", bytes.NewReader(b))
	require.NoError(t, err)
	got, raw := decode(t, resp)
	assert.Empty(t, golden.Diff(got, wantRow(t, c, 0), "row"), raw)

	// A bad value: Ludwig's 500 body, the reason in a header.
	record["Age"] = "old"
	b, _ = json.Marshal(record)
	resp, err = http.Post(ts.URL+"/predict", "application/json", bytes.NewReader(b))
	require.NoError(t, err)
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("X-Ludwig-Infer-Error"), `input "Age" (number feature "age"), row 0: expected a number, got string "old"`)
	got, _ = decode(t, resp)
	assert.Equal(t, map[string]any{"error": "Unexpected Error: could not run inference on model"}, got)

	resp, err = http.Post(ts.URL+"/predict", "application/json", strings.NewReader(`{"Age": [1,`))
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	got, _ = decode(t, resp)
	assert.Contains(t, got["error"], "malformed JSON")

	resp, err = http.Post(ts.URL+"/predict", "application/json", bytes.NewReader(c.Request))
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode) // a one-row column dict
	resp.Body.Close()
}

func TestBatchPredict(t *testing.T) {
	ts := newServer(t, server.Options{})
	g, err := golden.Load("tabular")
	require.NoError(t, err)
	c := g.Cases[len(g.Cases)-1]
	var cols map[string][]json.RawMessage
	require.NoError(t, json.Unmarshal(c.Request, &cols))
	keys := []string{}
	for k := range cols {
		keys = append(keys, k)
	}
	rows := len(cols[keys[0]])
	data := make([][]json.RawMessage, rows)
	for r := range data {
		for _, k := range keys {
			data[r] = append(data[r], cols[k][r])
		}
	}
	index := make([]int, rows)
	for i := range index {
		index[i] = 10 + i
	}
	split, _ := json.Marshal(map[string]any{"columns": keys, "data": data, "index": index})
	check := func(resp *http.Response, wantIndex []int) {
		require.Equal(t, http.StatusOK, resp.StatusCode)
		got, raw := decode(t, resp)
		var out struct {
			Index   []int    `json:"index"`
			Columns []string `json:"columns"`
			Data    [][]any  `json:"data"`
		}
		require.NoError(t, json.Unmarshal([]byte(raw), &out))
		assert.Equal(t, wantIndex, out.Index)
		require.Len(t, out.Data, rows)
		for r := 0; r < rows; r++ {
			row := map[string]any{}
			for i, col := range out.Columns {
				row[col] = out.Data[r][i]
			}
			assert.Empty(t, golden.Diff(row, wantRow(t, c, r), fmt.Sprintf("row %d", r)))
		}
		_ = got
	}
	body, ct := multipartBody(t, map[string]string{"dataset": string(split)})
	resp, err := http.Post(ts.URL+"/batch_predict", ct, body)
	require.NoError(t, err)
	check(resp, index)

	resp, err = http.Post(ts.URL+"/batch_predict", "application/json", bytes.NewReader(c.Request))
	require.NoError(t, err)
	seq := make([]int, rows)
	for i := range seq {
		seq[i] = i
	}
	check(resp, seq)

	// A missing or malformed dataset: ludwig serve's fixed 500 body, the
	// reason in the header.
	for field, why := range map[string]string{"other": `the form has no "dataset" field (pandas split JSON)`, "dataset": "malformed JSON"} {
		body, ct = multipartBody(t, map[string]string{field: `{"columns": [`})
		resp, err = http.Post(ts.URL+"/batch_predict", ct, body)
		require.NoError(t, err)
		assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
		assert.Contains(t, resp.Header.Get("X-Ludwig-Infer-Error"), why)
		got, _ := decode(t, resp)
		assert.Equal(t, map[string]any{"error": "Unexpected Error: could not run inference on model"}, got)
	}
}

func TestBodyLimit(t *testing.T) {
	ts := newServer(t, server.Options{MaxBody: 100})
	resp, err := http.Post(ts.URL+"/batch_predict", "application/json", strings.NewReader(`{"Age": [`+strings.Repeat("1,", 200)+`1]}`))
	require.NoError(t, err)
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	got, _ := decode(t, resp)
	assert.Equal(t, "request body larger than the server's limit of 100 bytes", got["error"])
}

func TestOpenInferenceProtocol(t *testing.T) {
	ts := newServer(t, server.Options{})
	for path, want := range map[string]string{"/v2/health/live": `{"live":true}`, "/v2/health/ready": `{"ready":true}`, "/v2/models/tabular/ready": `{"name":"tabular","ready":true}`} {
		resp, err := http.Get(ts.URL + path)
		require.NoError(t, err)
		_, raw := decode(t, resp)
		assert.JSONEq(t, want, raw, path)
	}
	resp, err := http.Get(ts.URL + "/v2/models/tabular")
	require.NoError(t, err)
	meta, _ := decode(t, resp)
	assert.Equal(t, "tabular", meta["name"])
	assert.Contains(t, fmt.Sprint(meta["inputs"]), "name:Age")
	assert.Contains(t, fmt.Sprint(meta["outputs"]), "datatype:FP32 name:plan_probabilities shape:[-1 4]")

	c, _ := goldenCase(t, "batch1_ints")
	req := `{"id": "r1", "inputs": [
	  {"name": "Age", "shape": [1], "datatype": "INT64", "data": [34]},
	  {"name": "city", "shape": [1], "datatype": "BYTES", "data": ["Paris"]},
	  {"name": "member", "shape": [1, 1], "datatype": "BOOL", "data": [[true]]},
	  {"name": "cell", "shape": [1], "datatype": "INT64", "data": [617703466028236799]}]}`
	resp, err = http.Post(ts.URL+"/v2/models/tabular/infer", "application/json", strings.NewReader(req))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	out, raw := decode(t, resp)
	assert.Equal(t, "r1", out["id"])
	outs := map[string]map[string]any{}
	for _, o := range out["outputs"].([]any) {
		m := o.(map[string]any)
		outs[m["name"].(string)] = m
	}
	require.Contains(t, outs, "plan_predictions", raw)
	assert.Equal(t, "BYTES", outs["plan_predictions"]["datatype"])
	assert.Equal(t, []any{"plus"}, outs["plan_predictions"]["data"])
	assert.Equal(t, "FP32", outs["plan_probabilities"]["datatype"])
	assert.Equal(t, []any{1.0, 4.0}, outs["plan_probabilities"]["shape"])
	assert.Empty(t, golden.Diff(outs["plan_probabilities"]["data"], c.Postprocessed["plan::probabilities"].Tensor.Data, "probs"))

	for path, body := range map[string]string{
		"/v2/models/nope/infer":    `{}`,
		"/v2/models/tabular/infer": `{"inputs": [{"name": "Age", "shape": [2], "datatype": "INT64", "data": [34]}]}`,
	} {
		resp, err := http.Post(ts.URL+path, "application/json", strings.NewReader(body))
		require.NoError(t, err)
		got, raw := decode(t, resp)
		assert.NotEmpty(t, got["error"], raw)
		assert.Contains(t, []int{http.StatusNotFound, http.StatusBadRequest}, resp.StatusCode)
	}
	resp, err = http.Post(ts.URL+"/v2/models/tabular/infer", "application/json", strings.NewReader(`{"inputs": [{"name": "Age", "shape": [1], "datatype": "INT64", "data": [34]}]}`))
	require.NoError(t, err)
	got, _ := decode(t, resp)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Equal(t, "missing inputs: cell, city, member", got["error"])
}

func TestConcurrentClientsAndMetrics(t *testing.T) {
	ts := newServer(t, server.Options{})
	c, _ := goldenCase(t, "batch1_ints")
	var want string
	{
		resp, err := http.Post(ts.URL+"/batch_predict", "application/json", bytes.NewReader(c.Request))
		require.NoError(t, err)
		_, want = decode(t, resp)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				resp, err := http.Post(ts.URL+"/batch_predict", "application/json", bytes.NewReader(c.Request))
				if err != nil {
					errs <- err.Error()
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if string(b) != want {
					errs <- string(b)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	resp, err := http.Get(ts.URL + "/metrics")
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Contains(t, string(b), `ludwig_infer_requests_total{code="200",model="tabular",route="/batch_predict"} 321`)
	assert.Contains(t, string(b), `ludwig_infer_rows_total{model="tabular",route="/batch_predict"} 321`)
	assert.Contains(t, string(b), `ludwig_infer_request_duration_seconds_count{model="tabular",route="/batch_predict"} 321`)
	for _, stage := range []string{"queue", "preprocess", "predict", "postprocess"} {
		assert.Contains(t, string(b), `ludwig_infer_stage_duration_seconds_count{model="tabular",stage="`+stage+`"} 321`)
	}
	assert.Contains(t, string(b), `ludwig_infer_errors_total{model="tabular",route="/batch_predict"} 0`)
	assert.Contains(t, string(b), "\ngo_goroutines ")
	assert.Contains(t, string(b), "\nprocess_resident_memory_bytes ")
}
