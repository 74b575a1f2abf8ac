package bundle

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ludwig-infer/ludwig-infer/core/status"
)

// tarOf builds a tar archive; write adds entries with it.
func tarOf(t *testing.T, write func(tw *tar.Writer)) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	write(tw)
	require.NoError(t, tw.Close())
	return b.Bytes()
}

func tarFile(t *testing.T, tw *tar.Writer, name string, data []byte) {
	t.Helper()
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}))
	_, err := tw.Write(data)
	require.NoError(t, err)
}

func zipOf(t *testing.T, write func(zw *zip.Writer)) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	write(zw)
	require.NoError(t, zw.Close())
	return b.Bytes()
}

func zipFile(t *testing.T, zw *zip.Writer, h *zip.FileHeader, data []byte) {
	t.Helper()
	w, err := zw.CreateHeader(h)
	require.NoError(t, err)
	_, err = w.Write(data)
	require.NoError(t, err)
}

// TestUnpackBundleHostile: every archive limit and hostile entry fails with
// status.Model and the exact reason, and nothing is written outside the
// target folder.
func TestUnpackBundleHostile(t *testing.T) {
	zeros := make([]byte, 4<<20)
	// A tar header that declares more than MaxBundleBytes, without the data.
	var huge bytes.Buffer
	require.NoError(t, tar.NewWriter(&huge).WriteHeader(&tar.Header{Name: "big.pt", Mode: 0o644, Size: MaxBytes + 1, Typeflag: tar.TypeReg}))
	var gz bytes.Buffer
	g := gzip.NewWriter(&gz)
	_, err := g.Write(tarOf(t, func(tw *tar.Writer) { tarFile(t, tw, "zeros", zeros) }))
	require.NoError(t, err)
	require.NoError(t, g.Close())
	truncated := tarOf(t, func(tw *tar.Writer) { tarFile(t, tw, "a.json", bytes.Repeat([]byte("x"), 2000)) })[:1024]

	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"size: tar", huge.Bytes(), `entry "big.pt" takes the unpacked size past 68719476736 bytes (MaxBundleBytes)`},
		{"size: zip, declared", zipOf(t, func(zw *zip.Writer) {
			w, err := zw.CreateRaw(&zip.FileHeader{Name: "big.pt", Method: zip.Store, CompressedSize64: 3, UncompressedSize64: MaxBytes + 1})
			require.NoError(t, err)
			_, err = w.Write([]byte("abc"))
			require.NoError(t, err)
		}), `entry "big.pt" takes the unpacked size past 68719476736 bytes (MaxBundleBytes)`},
		{"size: total over two entries", nil, ""}, // filled below with small limits
		{"entries", tarOf(t, func(tw *tar.Writer) {
			for i := 0; i <= MaxEntries; i++ {
				tarFile(t, tw, fmt.Sprintf("f%05d", i), nil)
			}
		}), "more than 10000 entries (MaxBundleEntries)"},
		{"ratio: zip entry", zipOf(t, func(zw *zip.Writer) {
			zipFile(t, zw, &zip.FileHeader{Name: "zeros", Method: zip.Deflate}, zeros)
		}), `entry "zeros" expands`},
		{"ratio: gzip stream", gz.Bytes(), "the gzip stream expands"},
		{"escape: tar ..", tarOf(t, func(tw *tar.Writer) { tarFile(t, tw, "../x", []byte("1")) }), `entry "../x" is not a relative path inside the archive`},
		{"escape: tar nested ..", tarOf(t, func(tw *tar.Writer) { tarFile(t, tw, "a/../../x", []byte("1")) }), `entry "a/../../x" is not a relative path`},
		{"escape: tar absolute", tarOf(t, func(tw *tar.Writer) { tarFile(t, tw, "/tmp/x", []byte("1")) }), `entry "/tmp/x" is not a relative path`},
		{"escape: zip ..", zipOf(t, func(zw *zip.Writer) { zipFile(t, zw, &zip.FileHeader{Name: "../x"}, []byte("1")) }), `entry "../x" is not a relative path`},
		{"escape: zip backslash", zipOf(t, func(zw *zip.Writer) { zipFile(t, zw, &zip.FileHeader{Name: `..\x`}, []byte("1")) }), `entry "..\\x" is not a relative path`},
		{"symlink: tar", tarOf(t, func(tw *tar.Writer) {
			require.NoError(t, tw.WriteHeader(&tar.Header{Name: "inference_predictor-cpu.pt", Linkname: "/etc/passwd", Typeflag: tar.TypeSymlink}))
		}), `entry "inference_predictor-cpu.pt" is a symbolic link to /etc/passwd: only regular files and folders are unpacked`},
		{"symlink: zip", zipOf(t, func(zw *zip.Writer) {
			h := &zip.FileHeader{Name: "link"}
			h.SetMode(fs.ModeSymlink | 0o777)
			zipFile(t, zw, h, []byte("/etc/passwd"))
		}), `entry "link" is a symbolic link`},
		{"hard link", tarOf(t, func(tw *tar.Writer) {
			require.NoError(t, tw.WriteHeader(&tar.Header{Name: "h", Linkname: "/etc/passwd", Typeflag: tar.TypeLink}))
		}), `entry "h" is a hard link to /etc/passwd`},
		{"fifo", tarOf(t, func(tw *tar.Writer) {
			require.NoError(t, tw.WriteHeader(&tar.Header{Name: "p", Mode: 0o644, Typeflag: tar.TypeFifo}))
		}), `entry "p" is a FIFO`},
		{"device", tarOf(t, func(tw *tar.Writer) {
			require.NoError(t, tw.WriteHeader(&tar.Header{Name: "zero", Mode: 0o644, Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 5}))
		}), `entry "zero" is a device`},
		{"twice", tarOf(t, func(tw *tar.Writer) {
			tarFile(t, tw, "a.json", []byte("1"))
			tarFile(t, tw, "./a.json", []byte("2"))
		}), `entry "./a.json" appears twice`},
		{"truncated tar", truncated, `entry "a.json": unexpected EOF`},
		{"empty zip", zipOf(t, func(*zip.Writer) {}), "the archive is empty"},
		{"damaged zip", []byte("PK\x03\x04 not really"), "a damaged zip archive"},
		{"damaged gzip", []byte("\x1f\x8b\x00"), "a damaged gzip stream"},
		{"not an archive", []byte("{\"model\": 1}"), `not a zip, tar or tar.gz archive (it starts with "{\"model\"")`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lim := Default
			if c.data == nil {
				lim.Bytes = 1500
				c.data = tarOf(t, func(tw *tar.Writer) {
					tarFile(t, tw, "a.json", make([]byte, 1000))
					tarFile(t, tw, "b.json", make([]byte, 1000))
				})
				c.want = `entry "b.json" takes the unpacked size past 1500 bytes (MaxBundleBytes)`
			}
			parent := t.TempDir()
			dir := filepath.Join(parent, "in")
			require.NoError(t, os.Mkdir(dir, 0o700))
			_, err := Unpack(c.data, dir, lim)
			require.Error(t, err)
			assert.Equal(t, status.Model, status.CodeOf(err), err.Error())
			assert.Contains(t, err.Error(), "cannot load the model buffer: "+c.want)
			es, _ := os.ReadDir(parent)
			assert.Len(t, es, 1, "something was written beside the target folder")
			_, err = os.Lstat("/tmp/x")
			assert.True(t, os.IsNotExist(err), "/tmp/x was written")
		})
	}
}

// TestUnpackBundleLayouts: the path to load for each layout.
func TestUnpackBundleLayouts(t *testing.T) {
	pt := zipOf(t, func(zw *zip.Writer) {
		zipFile(t, zw, &zip.FileHeader{Name: "m/data.pkl"}, []byte("x"))
		zipFile(t, zw, &zip.FileHeader{Name: "m/code/__torch__.py"}, []byte("x"))
	})
	carton := zipOf(t, func(zw *zip.Writer) { zipFile(t, zw, &zip.FileHeader{Name: "carton.toml"}, []byte("x")) })
	cases := []struct {
		name string
		data []byte
		want string // relative to the target folder; "." is the folder
		file string // a file expected under the loaded path
	}{
		{"TorchScript zip", pt, "model.pt", ""},
		{"carton zip", carton, "model.carton", ""},
		{"one folder", tarOf(t, func(tw *tar.Writer) {
			require.NoError(t, tw.WriteHeader(&tar.Header{Name: "tabular/", Mode: 0o755, Typeflag: tar.TypeDir}))
			tarFile(t, tw, "tabular/model_hyperparameters.json", []byte("{}"))
		}), "tabular", "model_hyperparameters.json"},
		{"flat with ./", tarOf(t, func(tw *tar.Writer) {
			require.NoError(t, tw.WriteHeader(&tar.Header{Name: "./", Mode: 0o755, Typeflag: tar.TypeDir}))
			tarFile(t, tw, "./a.json", []byte("{}"))
			tarFile(t, tw, "./sub/b.json", []byte("{}"))
		}), ".", "sub/b.json"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			got, err := Unpack(c.data, dir, Default)
			require.NoError(t, err)
			assert.Equal(t, filepath.Join(dir, c.want), got)
			if c.file != "" {
				assert.FileExists(t, filepath.Join(got, c.file))
			} else {
				b, err := os.ReadFile(got)
				require.NoError(t, err)
				assert.Equal(t, c.data, b)
			}
		})
	}
}
