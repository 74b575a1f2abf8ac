package core_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/core/response"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/internal/golden"
)

// archiveDir packs the files of dir: "tar" under one top-level folder named
// after dir, "zip" flat, "tar.gz" flat and compressed.
func archiveDir(t *testing.T, dir, kind string) []byte {
	t.Helper()
	es, err := os.ReadDir(dir)
	require.NoError(t, err)
	var b bytes.Buffer
	switch kind {
	case "zip":
		zw := zip.NewWriter(&b)
		for _, e := range es {
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			require.NoError(t, err)
			w, err := zw.Create(e.Name())
			require.NoError(t, err)
			_, err = w.Write(data)
			require.NoError(t, err)
		}
		require.NoError(t, zw.Close())
	case "tar", "tar.gz":
		var gz *gzip.Writer
		tw := tar.NewWriter(&b)
		prefix := filepath.Base(dir) + "/"
		if kind == "tar.gz" {
			gz = gzip.NewWriter(&b)
			tw = tar.NewWriter(gz)
			prefix = ""
		} else {
			require.NoError(t, tw.WriteHeader(&tar.Header{Name: prefix, Mode: 0o755, Typeflag: tar.TypeDir}))
		}
		for _, e := range es {
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			require.NoError(t, err)
			require.NoError(t, tw.WriteHeader(&tar.Header{Name: prefix + e.Name(), Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}))
			_, err = tw.Write(data)
			require.NoError(t, err)
		}
		require.NoError(t, tw.Close())
		if gz != nil {
			require.NoError(t, gz.Close())
		}
	}
	return b.Bytes()
}

// answers runs every golden case of name through m in the full form; an
// error's message stands for its answer.
func answers(t *testing.T, m *core.Model, g *golden.File) []string {
	var out []string
	for _, c := range g.Cases {
		res, err := m.Infer(context.Background(), core.Request{JSON: c.Request}, core.InferOptions{Form: response.Full})
		if err != nil {
			out = append(out, c.Name+": error "+err.Error())
			continue
		}
		out = append(out, c.Name+": "+string(res.JSON))
	}
	return out
}

// TestLoadBufferGoldens: every golden model packed as a tar answers every
// golden case byte-identically to the model loaded from its folder (the
// tabular model also as a flat zip and a tar.gz); model info names
// "<buffer>", and the temporary folder is gone when LoadBuffer returns.
func TestLoadBufferGoldens(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	for _, g := range goldens(t) {
		kinds := []string{"tar"}
		if g.Model == "tabular" {
			kinds = append(kinds, "zip", "tar.gz")
		}
		want := answers(t, load(t, g.Model), g)
		for _, kind := range kinds {
			t.Run(g.Model+"/"+kind, func(t *testing.T) {
				m, err := core.LoadBuffer(archiveDir(t, golden.ModelDir(g.Model), kind), core.LoadOptions{})
				require.NoError(t, err)
				defer m.Close()
				assert.Equal(t, want, answers(t, m, g))
				info := m.Info()
				assert.True(t, strings.HasPrefix(info.Path, core.BufferLabel), info.Path)
				assert.True(t, strings.HasPrefix(info.Files.Predictor, core.BufferLabel+"/"), info.Files.Predictor)
				assert.Equal(t, info.Path, info.Artifact.Path)
				b, err := json.Marshal(info)
				require.NoError(t, err)
				assert.NotContains(t, string(b), tmp)
				es, err := os.ReadDir(tmp)
				require.NoError(t, err)
				assert.Empty(t, es, "the temporary folder was not removed")
			})
		}
	}
}

// TestLoadBufferErrors: a load error from the unpacked folder names
// "<buffer>", not the temporary folder, which is removed; an empty buffer
// is InvalidArgument; bad options are passed on.
func TestLoadBufferErrors(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	data := []byte("{}")
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: "model_hyperparameters.json", Mode: 0o644, Size: 2, Typeflag: tar.TypeReg}))
	_, err := tw.Write(data)
	require.NoError(t, err)
	require.NoError(t, tw.Close())
	_, err = core.LoadBuffer(b.Bytes(), core.LoadOptions{})
	require.Error(t, err)
	assert.Equal(t, status.NotFound, status.CodeOf(err), err.Error())
	assert.Contains(t, err.Error(), core.BufferLabel)
	assert.NotContains(t, err.Error(), tmp)
	es, err := os.ReadDir(tmp)
	require.NoError(t, err)
	assert.Empty(t, es)

	_, err = core.LoadBuffer(nil, core.LoadOptions{})
	assert.Equal(t, status.InvalidArgument, status.CodeOf(err))
	assert.EqualError(t, err, "the model buffer is empty")
	_, err = core.LoadBuffer(archiveDir(t, golden.ModelDir("tabular"), "zip"), core.LoadOptions{Device: "tpu"})
	assert.Equal(t, status.InvalidArgument, status.CodeOf(err))
}
