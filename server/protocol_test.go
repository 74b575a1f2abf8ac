package server_test

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/internal/golden"
	"github.com/ludwig-infer/ludwig-infer/server"
)

// binInput is an input tensor sent as binary data.
type binInput struct {
	name, datatype string
	shape          []int64
	data           []byte
}

func bytesElems(elems ...[]byte) []byte {
	var b []byte
	for _, e := range elems {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(e)))
		b = append(b, e...)
	}
	return b
}

func fp64(v ...float64) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
	}
	return b
}

func i64(v ...int64) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint64(b, uint64(x))
	}
	return b
}

// binaryBody frames a request: the JSON header, then each input's bytes.
func binaryBody(t *testing.T, inputs []binInput, extra map[string]any) ([]byte, int) {
	var ins []map[string]any
	var bin []byte
	for _, in := range inputs {
		ins = append(ins, map[string]any{"name": in.name, "datatype": in.datatype, "shape": in.shape,
			"parameters": map[string]any{"binary_data_size": len(in.data)}})
		bin = append(bin, in.data...)
	}
	req := map[string]any{"inputs": ins}
	for k, v := range extra {
		req[k] = v
	}
	js, err := json.Marshal(req)
	require.NoError(t, err)
	return append(js, bin...), len(js)
}

// tabularBinary is tabular's batch1_ints case as binary tensors.
func tabularBinary() []binInput {
	return []binInput{
		{"Age", "FP64", []int64{1}, fp64(34)},
		{"city", "BYTES", []int64{1}, bytesElems([]byte("Paris"))},
		{"member", "BOOL", []int64{1}, []byte{1}},
		{"cell", "INT64", []int64{1}, i64(617703466028236799)},
	}
}

// v2Answer is a decoded infer response with its binary outputs split off.
type v2Answer struct {
	ID      string `json:"id"`
	Outputs []struct {
		Name       string         `json:"name"`
		Datatype   string         `json:"datatype"`
		Shape      []int64        `json:"shape"`
		Data       []any          `json:"data"`
		Parameters map[string]int `json:"parameters"`
	} `json:"outputs"`
	raw map[string][]byte
}

func postInfer(t *testing.T, url string, body []byte, header http.Header) *http.Response {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultTransport.RoundTrip(req) // no transparent gzip: the test sees the wire
	require.NoError(t, err)
	return resp
}

func readAnswer(t *testing.T, resp *http.Response) v2Answer {
	t.Helper()
	defer resp.Body.Close()
	var r io.Reader = resp.Body
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(resp.Body)
		require.NoError(t, err)
		r = zr
	}
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
	js := b
	if h := resp.Header.Get("Inference-Header-Content-Length"); h != "" {
		n, err := strconv.Atoi(h)
		require.NoError(t, err)
		js = b[:n]
		b = b[n:]
	} else {
		b = nil
	}
	var a v2Answer
	require.NoError(t, json.Unmarshal(js, &a), string(js))
	a.raw = map[string][]byte{}
	for _, o := range a.Outputs {
		if n, ok := o.Parameters["binary_data_size"]; ok {
			require.LessOrEqual(t, n, len(b))
			a.raw[o.Name] = b[:n]
			b = b[n:]
		}
	}
	assert.Empty(t, b, "binary data past the outputs")
	return a
}

func fp32s(b []byte) []any {
	out := make([]any, len(b)/4)
	for i := range out {
		out[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])))
	}
	return out
}

func splitBytes(t *testing.T, b []byte) []string {
	var out []string
	for len(b) > 0 {
		require.GreaterOrEqual(t, len(b), 4)
		n := binary.LittleEndian.Uint32(b)
		out = append(out, string(b[4:4+n]))
		b = b[4+n:]
	}
	return out
}

func TestBinaryTensorData(t *testing.T) {
	ts := newServer(t, server.Options{})
	c, _ := goldenCase(t, "batch1_ints")
	probs := c.Postprocessed["plan::probabilities"].Tensor.Data
	url := ts.URL + "/v2/models/tabular/infer"

	// Binary inputs, outputs asked for one by one (binary and JSON).
	body, n := binaryBody(t, tabularBinary(), map[string]any{"id": "b1", "outputs": []map[string]any{
		{"name": "plan_probabilities", "parameters": map[string]any{"binary_data": true}},
		{"name": "plan_predictions", "parameters": map[string]any{"binary_data": false}}}})
	a := readAnswer(t, postInfer(t, url, body, http.Header{"Inference-Header-Content-Length": {strconv.Itoa(n)}}))
	assert.Equal(t, "b1", a.ID)
	require.Len(t, a.Outputs, 2)
	assert.Equal(t, "plan_probabilities", a.Outputs[0].Name)
	assert.Equal(t, []int64{1, 4}, a.Outputs[0].Shape)
	assert.Equal(t, "FP32", a.Outputs[0].Datatype)
	assert.Empty(t, golden.Diff(fp32s(a.raw["plan_probabilities"]), probs, "probs"))
	assert.Equal(t, []any{"plus"}, a.Outputs[1].Data)

	// binary_data_output, overridden by an output's own binary_data.
	body, n = binaryBody(t, tabularBinary(), map[string]any{"parameters": map[string]any{"binary_data_output": true}, "outputs": []map[string]any{
		{"name": "plan_predictions", "parameters": map[string]any{"binary_data": false}}, {"name": "plan_probabilities"}}})
	a = readAnswer(t, postInfer(t, url, body, http.Header{"Inference-Header-Content-Length": {strconv.Itoa(n)}}))
	assert.Equal(t, []any{"plus"}, a.Outputs[0].Data)
	assert.Empty(t, golden.Diff(fp32s(a.raw["plan_probabilities"]), probs, "probs"))

	// binary_data_output: every output binary, in metadata order.
	body, n = binaryBody(t, tabularBinary(), map[string]any{"parameters": map[string]any{"binary_data_output": true}})
	a = readAnswer(t, postInfer(t, url, body, http.Header{"Inference-Header-Content-Length": {strconv.Itoa(n)}}))
	require.Len(t, a.Outputs, 2)
	assert.Equal(t, "plan_predictions", a.Outputs[0].Name)
	assert.Equal(t, "BYTES", a.Outputs[0].Datatype)
	assert.Equal(t, []string{"plus"}, splitBytes(t, a.raw["plan_predictions"]))
	assert.Empty(t, golden.Diff(fp32s(a.raw["plan_probabilities"]), probs, "probs"))

	// The same request in JSON gives the same values.
	js := `{"inputs": [{"name": "Age", "shape": [1], "datatype": "FP64", "data": [34]},
	  {"name": "city", "shape": [1], "datatype": "BYTES", "data": ["Paris"]},
	  {"name": "member", "shape": [1, 1], "datatype": "BOOL", "data": [[true]]},
	  {"name": "cell", "shape": [1], "datatype": "INT64", "data": [617703466028236799]}]}`
	a = readAnswer(t, postInfer(t, url, []byte(js), nil))
	assert.Equal(t, []any{"plus"}, a.Outputs[0].Data)
	assert.Empty(t, golden.Diff(a.Outputs[1].Data, probs, "probs"))
}

// TestBinaryImageAndSet sends an image's file bytes as a BYTES element and
// reads a set output's ragged values (BYTES of JSON).
func TestBinaryImageAndSet(t *testing.T) {
	for _, tc := range []struct{ model, caseName, input, output string }{
		{"image_input", "batch1_png", "image_path", "label::predictions"},
		{"set_bag_vector", "batch1", "", "labels::predictions"},
	} {
		t.Run(tc.model, func(t *testing.T) {
			m, err := core.Load(golden.ModelDir(tc.model), core.LoadOptions{})
			require.NoError(t, err)
			defer m.Close()
			ts := newServerFor(t, tc.model, m)
			g, err := golden.Load(tc.model)
			require.NoError(t, err)
			var c golden.Case
			for _, x := range g.Cases {
				if x.Name == tc.caseName {
					c = x
				}
			}
			var cols map[string][]any
			require.NoError(t, json.Unmarshal(c.Request, &cols))
			var inputs []binInput
			for k, v := range cols {
				var elems [][]byte
				for _, x := range v {
					s := x.(string)
					if k == tc.input { // the file itself, not its data: URI
						_, b64, _ := strings.Cut(s, ";base64,")
						raw, err := base64.StdEncoding.DecodeString(b64)
						require.NoError(t, err)
						elems = append(elems, raw)
					} else {
						elems = append(elems, []byte(s))
					}
				}
				inputs = append(inputs, binInput{k, "BYTES", []int64{int64(len(v))}, bytesElems(elems...)})
			}
			body, n := binaryBody(t, inputs, map[string]any{"parameters": map[string]any{"binary_data_output": true}})
			a := readAnswer(t, postInfer(t, ts.URL+"/v2/models/"+tc.model+"/infer", body, http.Header{"Inference-Header-Content-Length": {strconv.Itoa(n)}}))
			f, k, _ := strings.Cut(tc.output, "::")
			got := splitBytes(t, a.raw[f+"_"+k])
			want, err := c.Postprocessed[tc.output].Nested()
			require.NoError(t, err)
			var gotAny []any
			for _, s := range got {
				var v any = s
				if strings.HasPrefix(s, "[") {
					require.NoError(t, json.Unmarshal([]byte(s), &v))
				}
				gotAny = append(gotAny, v)
			}
			assert.Empty(t, golden.Diff(gotAny, want, tc.output))
		})
	}
}

func newServerFor(t *testing.T, name string, m *core.Model) *httptest.Server {
	ts := httptest.NewServer(server.New([]server.Model{{Name: name, Model: m}}, server.Options{}))
	t.Cleanup(ts.Close)
	return ts
}

// syncBuf is a buffer safe for the server's goroutines.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuf) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuf) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

func TestCompression(t *testing.T) {
	ts := newServer(t, server.Options{MaxBody: 4096})
	c, _ := goldenCase(t, "batch1_ints")
	probs := c.Postprocessed["plan::probabilities"].Tensor.Data
	url := ts.URL + "/v2/models/tabular/infer"
	body, n := binaryBody(t, tabularBinary(), map[string]any{"parameters": map[string]any{"binary_data_output": true}})

	// gzip request; the header length counts the decompressed JSON.
	resp := postInfer(t, url, gz(body), http.Header{"Inference-Header-Content-Length": {strconv.Itoa(n)}, "Content-Encoding": {"gzip"}})
	a := readAnswer(t, resp)
	assert.Empty(t, golden.Diff(fp32s(a.raw["plan_probabilities"]), probs, "probs"))

	var zbuf bytes.Buffer
	zw := zlib.NewWriter(&zbuf)
	_, _ = zw.Write(body)
	_ = zw.Close()
	a = readAnswer(t, postInfer(t, url, zbuf.Bytes(), http.Header{"Inference-Header-Content-Length": {strconv.Itoa(n)}, "Content-Encoding": {"deflate"}}))
	assert.Equal(t, []string{"plus"}, splitBytes(t, a.raw["plan_predictions"]))

	// A gzip response when accepted and large enough (the metrics are).
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/metrics", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultTransport.RoundTrip(req)
	require.NoError(t, err)
	assert.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
	zr, err := gzip.NewReader(resp.Body)
	require.NoError(t, err)
	b, err := io.ReadAll(zr)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Contains(t, string(b), `ludwig_infer_requests_total{code="200",model="tabular",route="/v2/models/infer"} 2`)

	// A bomb: 1 MiB of zeros in a few KiB is a 413 past the 4 KiB limit.
	bomb := gz(append([]byte(`{"inputs": [`), make([]byte, 1<<20)...))
	require.Less(t, len(bomb), 4096)
	resp = postInfer(t, url, bomb, http.Header{"Content-Encoding": {"gzip"}})
	got, _ := decode(t, resp)
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	assert.Equal(t, "request body larger than the server's limit of 4096 bytes", got["error"])

	// A compressed body over the limit whose content is under it (stored,
	// not compressed: 4,085 bytes in 4,108).
	var stored bytes.Buffer
	sw, _ := gzip.NewWriterLevel(&stored, gzip.NoCompression)
	_, _ = sw.Write(bytes.Repeat([]byte("x"), 4085))
	_ = sw.Close()
	require.Greater(t, stored.Len(), 4096)
	resp = postInfer(t, url, stored.Bytes(), http.Header{"Content-Encoding": {"gzip"}})
	got, _ = decode(t, resp)
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	assert.Equal(t, "request body larger than the server's limit of 4096 bytes", got["error"])

	resp = postInfer(t, url, []byte("this is not a gzip stream"), http.Header{"Content-Encoding": {"gzip"}})
	got, _ = decode(t, resp)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Equal(t, "cannot read the request: cannot decompress the body: gzip: invalid header", got["error"])

	resp = postInfer(t, url, body, http.Header{"Content-Encoding": {"br"}})
	got, _ = decode(t, resp)
	assert.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode)
	assert.Equal(t, "unsupported Content-Encoding br; use gzip or deflate", got["error"])
}

// TestStrictV2 covers every 400 of the inference call, with its message.
func TestStrictV2(t *testing.T) {
	ts := newServer(t, server.Options{})
	url := ts.URL + "/v2/models/tabular/infer"
	in := func(name, dt, shape, data string) string {
		return `{"name": "` + name + `", "datatype": "` + dt + `", "shape": ` + shape + `, "data": ` + data + `}`
	}
	good := []string{in("Age", "FP64", "[1]", "[34]"), in("city", "BYTES", "[1]", `["Paris"]`), in("member", "BOOL", "[1]", "[true]"), in("cell", "INT64", "[1]", "[617703466028236799]")}
	with := func(i int, s string) string {
		ins := append([]string(nil), good...)
		if i >= len(ins) {
			ins = append(ins, s)
		} else {
			ins[i] = s
		}
		return `{"inputs": [` + strings.Join(ins, ",") + `]}`
	}
	for _, tc := range []struct{ body, want string }{
		{with(1, in("city", "INT64", "[1]", `["Paris"]`)), `inputs[1]: input "city": datatype INT64 cannot hold element 0 (string)`},
		{with(0, in("Age", "INT8", "[1]", `[300]`)), `inputs[0]: input "Age": datatype INT8 cannot hold element 0 (integer 300)`},
		{with(2, in("member", "BOOL", "[1]", `[1]`)), `inputs[2]: input "member": datatype BOOL cannot hold element 0 (integer 1)`},
		{with(3, in("cell", "BYTES", "[1]", `["8a2a1072b59ffff"]`)), `input "cell" (h3 feature "cell"): datatype BYTES is not accepted; send an integer datatype (INT64)`},
		{with(0, in("Age", "FP64", "[2]", `[34]`)), `inputs[0]: input "Age": shape [2] needs 2 elements, the data has 1`},
		{with(0, in("Age", "FP64", "[]", `[34]`)), `inputs[0]: input "Age": the shape needs at least the batch dimension`},
		{with(0, in("Age", "FP64", "[2]", `[34, 35]`)), `input "city" has 1 rows (shape[0]) but "Age" has 2`},
		{with(0, in("Age", "FP16", "[1]", `[34]`)), `inputs[0]: input "Age": unsupported datatype "FP16"`},
		{with(4, in("Agee", "FP64", "[1]", `[1]`)), `unknown input "Agee"; the model's inputs are: Age, city, member, cell`},
		{with(4, in("age", "FP64", "[1]", `[1]`)), `inputs "Age" and "age" both stand for feature "age"`},
		{`{"inputs": [` + strings.Join(good[:2], ",") + `]}`, `missing inputs: cell, member`},
		{`{"inputs": [` + strings.Join(good, ",") + `], "outputs": [{"name": "plan_probs"}]}`, `unknown output "plan_probs"; the model's outputs are: plan_predictions, plan_probabilities`},
		{`{"inputs": [` + strings.Join(good, ",") + `], "outputs": [{}]}`, `outputs[0] needs a "name"`},
		{`{"inputs": [` + strings.Join(good, ",") + `], "parameters": {"binary_data_output": 1}}`, `parameter "binary_data_output" must be a boolean`},
		{`{"inputs": [` + strings.Join(good, ",") + `], "id": 7}`, `"id" must be a string`},
		{`{"inputs": []}`, `the request has no inputs`},
		{`{"inputs": {}}`, `"inputs" must be an array of tensors`},
		{`[1]`, `expected a JSON object with "inputs"`},
		{with(0, `{"name": "Age", "datatype": "FP64", "shape": [1]}`), `inputs[0]: input "Age" needs "data" or parameters.binary_data_size`},
		{with(0, `{"name": "Age", "datatype": "FP64", "shape": [1], "data": [1], "parameters": {"binary_data_size": 8}}`), `inputs[0]: input "Age" has both "data" and binary_data_size`},
		{with(0, `{"name": "Age", "datatype": "FP64", "shape": [1], "parameters": {"binary_data_size": 8}}`), `inputs[0]: input "Age": binary_data_size 8 but only 0 bytes of binary data are left`},
		// A value the core refuses, named as the client spelt it.
		{with(0, in("Age", "BYTES", "[1]", `["old"]`)), `input "Age" (number feature "age"), row 0: `},
	} {
		resp, err := http.Post(url, "application/json", strings.NewReader(tc.body))
		require.NoError(t, err)
		got, raw := decode(t, resp)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, raw)
		if strings.HasSuffix(tc.want, ": ") {
			assert.True(t, strings.HasPrefix(got["error"].(string), tc.want), raw)
		} else {
			assert.Equal(t, tc.want, got["error"], tc.body)
		}
	}

	// Binary framing errors.
	for _, tc := range []struct {
		data    []byte
		dt      string
		trailer []byte
		header  string
		want    string
	}{
		{[]byte{1, 2, 3}, "FP64", nil, "", `inputs[0]: input "Age": 3 bytes of binary data is not a whole number of FP64 elements`},
		{[]byte{5, 0, 0}, "BYTES", nil, "", `inputs[0]: input "Age": BYTES data ends inside an element's 4-byte length`},
		{[]byte{9, 0, 0, 0, 'a'}, "BYTES", nil, "", `inputs[0]: input "Age": a BYTES element of 9 bytes runs past the tensor's binary data`},
		{fp64(34), "FP64", []byte{0}, "", `1 bytes of binary data follow the inputs' binary_data_size`},
		{fp64(34), "FP64", nil, "99999", `Inference-Header-Content-Length must be the length of the JSON part of the body (`},
		{fp64(34), "FP64", nil, "x", `Inference-Header-Content-Length must be the length of the JSON part of the body (`},
	} {
		inputs := tabularBinary()
		inputs[0].data, inputs[0].datatype = tc.data, tc.dt
		body, n := binaryBody(t, inputs, nil)
		body = append(body, tc.trailer...)
		h := strconv.Itoa(n)
		if tc.header != "" {
			h = tc.header
		}
		resp := postInfer(t, url, body, http.Header{"Inference-Header-Content-Length": {h}})
		got, raw := decode(t, resp)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, raw)
		assert.True(t, strings.HasPrefix(got["error"].(string), tc.want), raw)
	}
}

func getJSON(t *testing.T, url string) string {
	resp, err := http.Get(url)
	require.NoError(t, err)
	_, raw := decode(t, resp)
	require.Equal(t, http.StatusOK, resp.StatusCode, raw)
	return raw
}

func TestConfigStatsIndex(t *testing.T) {
	ts := newServer(t, server.Options{})
	assert.JSONEq(t, `{"name":"tabular","platform":"ludwig_torchscript","backend":"","max_batch_size":1048576,
	  "version_policy":{"latest":{"num_versions":1}},
	  "input":[{"name":"Age","data_type":"TYPE_FP64","dims":[1],"reshape":{"shape":[]}},
	           {"name":"city","data_type":"TYPE_STRING","dims":[1],"reshape":{"shape":[]}},
	           {"name":"member","data_type":"TYPE_BOOL","dims":[1],"reshape":{"shape":[]}},
	           {"name":"cell","data_type":"TYPE_INT64","dims":[1],"reshape":{"shape":[]}}],
	  "output":[{"name":"plan_predictions","data_type":"TYPE_STRING","dims":[1],"reshape":{"shape":[]}},
	            {"name":"plan_probabilities","data_type":"TYPE_FP32","dims":[4]}]}`, getJSON(t, ts.URL+"/v2/models/tabular/config"))
	meta := getJSON(t, ts.URL+"/v2/models/tabular/versions/1")
	assert.Contains(t, meta, `"platform":"ludwig_torchscript"`)
	assert.Contains(t, getJSON(t, ts.URL+"/v2"), `"extensions":["binary_tensor_data","model_configuration","statistics","model_repository"]`)

	resp, err := http.Post(ts.URL+"/v2/repository/index", "application/json", strings.NewReader(`{"ready": true}`))
	require.NoError(t, err)
	_, raw := decode2(t, resp)
	assert.JSONEq(t, `[{"name":"tabular","version":"1","state":"READY"}]`, raw)

	// One success of 1 row, one failure.
	body, n := binaryBody(t, tabularBinary(), nil)
	readAnswer(t, postInfer(t, ts.URL+"/v2/models/tabular/infer", body, http.Header{"Inference-Header-Content-Length": {strconv.Itoa(n)}}))
	resp, err = http.Post(ts.URL+"/v2/models/tabular/infer", "application/json", strings.NewReader(`{"inputs": [{"name": "x", "datatype": "FP64", "shape": [1], "data": [1]}]}`))
	require.NoError(t, err)
	resp.Body.Close()
	var stats struct {
		ModelStats []struct {
			Name           string `json:"name"`
			Version        string `json:"version"`
			InferenceCount int    `json:"inference_count"`
			ExecutionCount int    `json:"execution_count"`
			InferenceStats map[string]struct {
				Count int   `json:"count"`
				Ns    int64 `json:"ns"`
			} `json:"inference_stats"`
		} `json:"model_stats"`
	}
	for _, path := range []string{"/v2/models/tabular/stats", "/v2/models/stats"} {
		require.NoError(t, json.Unmarshal([]byte(getJSON(t, ts.URL+path)), &stats))
		require.Len(t, stats.ModelStats, 1)
		st := stats.ModelStats[0]
		assert.Equal(t, "tabular", st.Name)
		assert.Equal(t, 1, st.InferenceCount)
		assert.Equal(t, 1, st.ExecutionCount)
		assert.Equal(t, 1, st.InferenceStats["success"].Count)
		assert.Equal(t, 1, st.InferenceStats["fail"].Count)
		assert.Positive(t, st.InferenceStats["compute_infer"].Ns)
		assert.GreaterOrEqual(t, st.InferenceStats["success"].Ns, st.InferenceStats["compute_infer"].Ns)
	}
}

func decode2(t *testing.T, resp *http.Response) (any, string) {
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var v any
	require.NoError(t, json.Unmarshal(b, &v), string(b))
	return v, string(b)
}

func TestMetadataDatatypes(t *testing.T) {
	m, err := core.Load(golden.ModelDir("binary_plain"), core.LoadOptions{})
	require.NoError(t, err)
	defer m.Close()
	ts := newServerFor(t, "binary_plain", m)
	var meta struct {
		Inputs []map[string]any `json:"inputs"`
	}
	require.NoError(t, json.Unmarshal([]byte(getJSON(t, ts.URL+"/v2/models/binary_plain")), &meta))
	got := map[string]any{}
	for _, in := range meta.Inputs {
		got[in["name"].(string)] = in
	}
	assert.Equal(t, map[string]any{"name": "x", "datatype": "FP64", "shape": []any{-1.0}}, got["x"])
	assert.Equal(t, map[string]any{"name": "flag", "datatype": "BYTES", "shape": []any{-1.0},
		"parameters": map[string]any{"true_strings": []any{"Y"}, "false_strings": []any{"N"}}}, got["flag"])
	tabMeta := getJSON(t, newServer(t, server.Options{}).URL+"/v2/models/tabular")
	assert.Contains(t, tabMeta, `{"name":"member","datatype":"BOOL","shape":[-1]}`)
}

func TestKServeV1(t *testing.T) {
	ts := newServer(t, server.Options{})
	assert.JSONEq(t, `{"name":"tabular","ready":true}`, getJSON(t, ts.URL+"/v1/models/tabular"))
	assert.JSONEq(t, `{"models":["tabular"]}`, getJSON(t, ts.URL+"/v1/models"))
	g, err := golden.Load("tabular")
	require.NoError(t, err)
	c := g.Cases[len(g.Cases)-1]
	var cols map[string][]json.RawMessage
	require.NoError(t, json.Unmarshal(c.Request, &cols))
	var instances []map[string]json.RawMessage
	for k, v := range cols {
		for r, x := range v {
			if r >= len(instances) {
				instances = append(instances, map[string]json.RawMessage{})
			}
			instances[r][k] = x
		}
	}
	b, _ := json.Marshal(map[string]any{"instances": instances})
	resp, err := http.Post(ts.URL+"/v1/models/tabular:predict", "application/json", bytes.NewReader(b))
	require.NoError(t, err)
	var out struct {
		Predictions []map[string]any `json:"predictions"`
	}
	_, raw := decode2(t, resp)
	require.Equal(t, http.StatusOK, resp.StatusCode, raw)
	require.NoError(t, json.Unmarshal([]byte(raw), &out))
	require.Len(t, out.Predictions, len(instances))
	for r, p := range out.Predictions {
		assert.Empty(t, golden.Diff(p, wantRow(t, c, r), "row "+strconv.Itoa(r)))
	}

	for _, tc := range []struct {
		path, body string
		code       int
		want       string
	}{
		{"/v1/models/tabular:predict", `{"instances": [{"Age": 1}]}`, 400, "missing inputs: cell, city, member"},
		{"/v1/models/tabular:predict", `{"inputs": []}`, 400, `expected {"instances": [record, ...]}`},
		{"/v1/models/tabular:predict", `{"instances": [[1, 2]]}`, 400, "instances[0] must be a record: an object keyed by column"},
		{"/v1/models/tabular:predict", `{"instances": []}`, 400, `"instances" is empty`},
		{"/v1/models/tabular:explain", `{}`, 404, `unknown verb ":explain"; this server answers :predict`},
		{"/v1/models/nope:predict", `{}`, 404, `unknown model "nope"`},
		{"/v1/models/tabular:predict", `{"instances": [{"Age": "old", "city": "Paris", "member": true, "cell": 617703466028236799}]}`, 400, `input "Age" (number feature "age"), row 0: `},
	} {
		resp, err := http.Post(ts.URL+tc.path, "application/json", strings.NewReader(tc.body))
		require.NoError(t, err)
		got, raw := decode(t, resp)
		assert.Equal(t, tc.code, resp.StatusCode, raw)
		assert.True(t, strings.HasPrefix(got["error"].(string), tc.want), raw)
	}
}

func TestPredictEmptyBody(t *testing.T) {
	ts := newServer(t, server.Options{})
	resp, err := http.Post(ts.URL+"/predict", "application/json", nil)
	require.NoError(t, err)
	got, _ := decode(t, resp)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Equal(t, map[string]any{"error": "Data received does not contain all input features. Missing features: {'Age', 'cell', 'city', 'member'}."}, got)
}

func TestAccessLogSampling(t *testing.T) {
	for _, tc := range []struct{ every, want int }{{0, 11}, {3, 5}, {-1, 0}} {
		var buf syncBuf
		ts := newServer(t, server.Options{AccessLogEvery: tc.every, Log: slog.New(slog.NewTextHandler(&buf, nil))})
		for i := 0; i < 10; i++ {
			getJSON(t, ts.URL+"/v2/health/live")
		}
		resp, err := http.Get(ts.URL + "/v2/models/nope")
		require.NoError(t, err)
		resp.Body.Close()
		// 3: requests 1, 4, 7, 10 and the 404, which is always logged.
		assert.Equal(t, tc.want, strings.Count(buf.String(), "msg=request"), "every %d", tc.every)
	}
}

// TestVectorTensor sends a vector feature as an FP32 [B, D] tensor (JSON
// and binary) where the golden has its space-separated string.
func TestVectorTensor(t *testing.T) {
	m, err := core.Load(golden.ModelDir("set_bag_vector"), core.LoadOptions{})
	require.NoError(t, err)
	defer m.Close()
	ts := newServerFor(t, "set_bag_vector", m)
	g, err := golden.Load("set_bag_vector")
	require.NoError(t, err)
	c := g.Cases[0] // emb "0.1 -0.2 0.3 0.4"
	want, err := c.Postprocessed["labels::predictions"].Nested()
	require.NoError(t, err)
	js := `{"inputs": [{"name": "tags", "datatype": "BYTES", "shape": [1], "data": ["sports news"]},
	  {"name": "words", "datatype": "BYTES", "shape": [1], "data": ["alpha alpha beta"]},
	  {"name": "emb", "datatype": "FP32", "shape": [1, 4], "data": [0.1, -0.2, 0.3, 0.4]}],
	  "outputs": [{"name": "labels_predictions"}]}`
	a := readAnswer(t, postInfer(t, ts.URL+"/v2/models/set_bag_vector/infer", []byte(js), nil))
	var got []any
	require.NoError(t, json.Unmarshal([]byte(a.Outputs[0].Data[0].(string)), &got))
	assert.Empty(t, golden.Diff([]any{got}, want, "labels"))

	var emb []byte
	for _, f := range []float32{0.1, -0.2, 0.3, 0.4} {
		emb = binary.LittleEndian.AppendUint32(emb, math.Float32bits(f))
	}
	body, n := binaryBody(t, []binInput{
		{"tags", "BYTES", []int64{1}, bytesElems([]byte("sports news"))},
		{"words", "BYTES", []int64{1}, bytesElems([]byte("alpha alpha beta"))},
		{"emb", "FP32", []int64{1, 4}, emb},
	}, map[string]any{"outputs": []map[string]any{{"name": "labels_predictions", "parameters": map[string]any{"binary_data": true}}}})
	a = readAnswer(t, postInfer(t, ts.URL+"/v2/models/set_bag_vector/infer", body, http.Header{"Inference-Header-Content-Length": {strconv.Itoa(n)}}))
	require.NoError(t, json.Unmarshal([]byte(splitBytes(t, a.raw["labels_predictions"])[0]), &got))
	assert.Empty(t, golden.Diff([]any{got}, want, "labels"))
}
