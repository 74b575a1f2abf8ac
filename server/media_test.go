package server_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/internal/golden"
	"github.com/ludwig-infer/ludwig-infer/server"
)

// TestImageUploads: /predict with an uploaded image file and /batch_predict
// with cells naming uploads give the golden predictions; a path in the JSON
// can never make the server read one of its files.
func TestImageUploads(t *testing.T) {
	m, err := core.Load(golden.ModelDir("image_input"), core.LoadOptions{})
	require.NoError(t, err)
	defer m.Close()
	ts := httptest.NewServer(server.New([]server.Model{{Name: "img", Model: m}}, server.Options{}))
	defer ts.Close()
	g, err := golden.Load("image_input")
	require.NoError(t, err)
	c := g.Cases[0]
	var req map[string][]string
	require.NoError(t, json.Unmarshal(c.Request, &req))
	uri := req["image_path"][0]
	raw, err := base64.StdEncoding.DecodeString(uri[strings.Index(uri, ",")+1:])
	require.NoError(t, err)

	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("image_path", "cat.png")
	require.NoError(t, err)
	_, _ = fw.Write(raw)
	require.NoError(t, mw.Close())
	resp, err := http.Post(ts.URL+"/predict", mw.FormDataContentType(), &buf)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Header.Get("X-Ludwig-Infer-Error"))
	got, raw2 := decode(t, resp)
	assert.Empty(t, golden.Diff(got, wantRow(t, c, 0), "row"), raw2)

	// batch_predict: a dataset cell equal to an upload's file name.
	buf.Reset()
	mw = multipart.NewWriter(&buf)
	require.NoError(t, mw.WriteField("dataset", `{"columns": ["image_path"], "data": [["cat.png"]]}`))
	fw, err = mw.CreateFormFile("file1", "cat.png")
	require.NoError(t, err)
	_, _ = fw.Write(raw)
	require.NoError(t, mw.Close())
	resp, err = http.Post(ts.URL+"/batch_predict", mw.FormDataContentType(), &buf)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Header.Get("X-Ludwig-Infer-Error"))
	resp.Body.Close()

	// A server-side path is refused.
	resp, err = http.Post(ts.URL+"/predict", "application/json", strings.NewReader(`{"image_path": "/etc/hostname"}`))
	require.NoError(t, err)
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("X-Ludwig-Infer-Error"), `input "image_path" (image feature "photo"), row 0: file paths are not accepted here`)
	resp.Body.Close()
}
