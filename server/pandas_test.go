package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/internal/golden"
	"github.com/ludwig-infer/ludwig-infer/server"
)

// batchAnswer posts body to /batch_predict and returns the response's
// "data" rows.
func batchAnswer(t *testing.T, url, ct string, body []byte) [][]any {
	t.Helper()
	resp, err := http.Post(url+"/batch_predict", ct, bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", body, resp.Header.Get("X-Ludwig-Infer-Error"))
	var out struct{ Data [][]any }
	require.NoError(t, json.Unmarshal(b, &out), string(b))
	return out.Data
}

// TestPandasTypes: issue 20's examples through the server's JSON and
// multipart bodies answer as the values pandas hands Ludwig, spelled out.
func TestPandasTypes(t *testing.T) {
	text, err := core.Load(golden.ModelDir("text_category"), core.LoadOptions{NoWarmup: true})
	require.NoError(t, err)
	defer text.Close()
	ts := httptest.NewServer(server.New([]server.Model{{Name: "text", Model: text}}, server.Options{}))
	defer ts.Close()
	tab := newServer(t, server.Options{})
	for _, c := range []struct {
		url, got, want string
	}{
		{ts.URL, `[{"review": 5}, {"review": null}, {"review": 7}, {"review": "alpha beta"}]`, `{"review": ["5", "nan", "7", "alpha beta"]}`},
		{ts.URL, `{"columns": ["review"], "data": [[12345678901234567890], [5], ["alpha beta"]]}`, `{"review": ["12345678901234567890", "5", "alpha beta"]}`},
		{ts.URL, `{"review": [NaN, Infinity, 1]}`, `{"review": ["nan", "inf", "1.0"]}`},
		{tab.URL, `[{"Age": true, "city": "Paris", "member": true, "cell": 617721196000313343}, {"Age": false, "member": true, "cell": null}]`,
			`{"Age": [1.0, 0.0], "city": ["Paris", "nan"], "member": [true, true], "cell": [617721196000313344.0, NaN]}`},
		{tab.URL, `[{"Age": 3, "city": "Paris", "member": true, "cell": 6.177211960003133e17}]`,
			`[{"Age": 3, "city": "Paris", "member": true, "cell": 617721196000313344}]`},
	} {
		want := batchAnswer(t, c.url, "application/json", []byte(c.want))
		assert.Equal(t, want, batchAnswer(t, c.url, "application/json", []byte(c.got)), c.got)
		if c.got[0] == '{' && bytes.Contains([]byte(c.got), []byte(`"columns"`)) {
			body, ct := multipartBody(t, map[string]string{"dataset": c.got})
			assert.Equal(t, want, batchAnswer(t, c.url, ct, body.Bytes()), "multipart %s", c.got)
		}
	}
	// The documented difference from pandas: a list in a category column.
	resp, err := http.Post(tab.URL+"/batch_predict", "application/json",
		bytes.NewReader([]byte(`[{"Age": 3, "city": ["red"], "member": true, "cell": 617721196000313343}]`)))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	assert.Equal(t, `input feature "city" (category), row 0: expected a string, number or boolean, got array (ludwig-infer refuses lists and objects in category columns, where pandas would pass their printed form)`,
		resp.Header.Get("X-Ludwig-Infer-Error"))
}
