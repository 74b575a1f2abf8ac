package core_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
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

func mediaDir() string { return filepath.Join(golden.Root(), "media") }

func inferErr(t *testing.T, m *core.Model, req core.Request) error {
	t.Helper()
	_, err := m.Infer(context.Background(), req, core.DefaultInferOptions())
	return err
}

// TestImagePaths sends the image_input goldens' images as file paths
// (relative to a base dir, absolute, base64) instead of data: URIs: the
// answers must equal the goldens'.
func TestImagePaths(t *testing.T) {
	g, err := golden.Load("image_input")
	require.NoError(t, err)
	m := load(t, "image_input")
	files := map[string][]string{
		"batch1_png":                   {"rgb.png"},
		"batch3_bmp_gif_tiff_sizes":    {"rgb.bmp", "anim.gif", "rgb.tif"},
		"batch2_gray_png_tiff":         {"gray.png", "gray.tif"},
		"batch2_palette_rgb":           {"palette.png", "rgb.png"},
		"batch3_npy_uint8_float32_png": {"rgb.npy", "rgb_f32.npy", "rgb.png"},
	}
	for _, c := range g.Cases {
		names := files[c.Name]
		require.NotNil(t, names, c.Name)
		want := infer(t, m, c.Request, core.DefaultInferOptions())
		abs := make([]string, len(names))
		b64 := make([]string, len(names))
		for i, n := range names {
			abs[i] = filepath.Join(mediaDir(), n)
			raw, err := os.ReadFile(abs[i])
			require.NoError(t, err)
			b64[i] = base64.StdEncoding.EncodeToString(raw)
		}
		for label, req := range map[string]core.Request{
			"relative": {JSON: mustJSON(map[string]any{"image_path": names}), BaseDir: mediaDir()},
			"absolute": {JSON: mustJSON(map[string]any{"image_path": abs})},
			"base64":   {JSON: mustJSON(map[string]any{"image_path": b64}), NoPaths: true},
		} {
			res, err := m.Infer(context.Background(), req, core.DefaultInferOptions())
			require.NoError(t, err, "%s %s", c.Name, label)
			var got map[string]any
			require.NoError(t, json.Unmarshal(res.JSON, &got))
			assert.Empty(t, golden.Diff(got, want, label), "%s %s", c.Name, label)
		}
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func TestImageErrors(t *testing.T) {
	m := load(t, "image_input")
	for file, want := range map[string]string{
		"missing.png":      `row 1: file "` + filepath.Join(mediaDir(), "missing.png") + `": no such file`,
		"truncated.png":    "row 1: file",
		"not_an_image.txt": "not an image this library decodes",
		"pcm16_mono.wav":   "WAV is not an image format",
	} {
		err := inferErr(t, m, core.Request{JSON: mustJSON(map[string]any{"image_path": []any{"rgb.png", file}}), BaseDir: mediaDir()})
		require.Error(t, err, file)
		assert.Equal(t, status.Input, status.CodeOf(err), file)
		assert.Contains(t, err.Error(), `input feature "photo" (image)`, file)
		assert.Contains(t, err.Error(), want, file)
	}
	err := inferErr(t, m, core.Request{JSON: mustJSON(map[string]any{"image_path": []any{nil}})})
	assert.ErrorContains(t, err, "missing value")
	// Without a base dir a relative path is resolved against the working
	// directory (core/ in tests), so it is not found.
	err = inferErr(t, m, core.Request{JSON: mustJSON(map[string]any{"image_path": []any{"rgb.png"}})})
	assert.ErrorContains(t, err, `file "rgb.png": no such file`)
	// Servers: no paths at all.
	err = inferErr(t, m, core.Request{JSON: mustJSON(map[string]any{"image_path": []any{"rgb.png"}}), BaseDir: mediaDir(), NoPaths: true})
	assert.ErrorContains(t, err, "file paths are not accepted")
	// An RGBA image cannot be reconciled with the model's 3 channels: the
	// scripted module says so.
	err = inferErr(t, m, core.Request{JSON: mustJSON(map[string]any{"image_path": []any{"rgba.png"}}), BaseDir: mediaDir()})
	require.Error(t, err)
	assert.Equal(t, status.Runtime, status.CodeOf(err))
	assert.Contains(t, err.Error(), "Number of channels cannot be reconciled")
}

func TestAudioPathsAndErrors(t *testing.T) {
	if _, err := os.Stat("/usr/lib/python3/dist-packages/torchaudio/lib/libtorchaudio.so"); err != nil {
		t.Skip("libtorchaudio.so (Debian's python3-torchaudio) is not installed")
	}
	g, err := golden.Load("audio_input")
	require.NoError(t, err)
	m := load(t, "audio_input")
	want := infer(t, m, g.Cases[1].Request, core.DefaultInferOptions())
	res, err := m.Infer(context.Background(), core.Request{JSON: mustJSON(map[string]any{"audio_path": []string{"pcm8_mono.wav", "pcm24_stereo.wav", "pcm16_stereo_ext.wav"}}), BaseDir: mediaDir()}, core.DefaultInferOptions())
	require.NoError(t, err)
	var fromPaths map[string]any
	require.NoError(t, json.Unmarshal(res.JSON, &fromPaths))
	assert.Empty(t, golden.Diff(fromPaths, want, "paths"))
	// 32-bit and float WAVs decode and run.
	res, err = m.Infer(context.Background(), core.Request{JSON: mustJSON(map[string]any{"audio_path": []string{"pcm32_mono.wav", "float32_stereo.wav", "float64_mono.wav"}}), BaseDir: mediaDir()}, core.InferOptions{Form: response.Columns})
	require.NoError(t, err)
	assert.Contains(t, string(res.JSON), "speaker_predictions")
	for file, want := range map[string]string{
		"missing.wav":   "no such file",
		"truncated.wav": "truncated WAV",
		"mulaw.wav":     "mu-law",
		"not_wav.flac":  "FLAC audio is not decoded",
		"rgb.png":       "PNG audio is not decoded",
	} {
		err := inferErr(t, m, core.Request{JSON: mustJSON(map[string]any{"audio_path": []any{"pcm16_mono.wav", file}}), BaseDir: mediaDir()})
		require.Error(t, err, file)
		assert.Equal(t, status.Input, status.CodeOf(err), file)
		assert.Contains(t, err.Error(), `input feature "voice" (audio), row 1`, file)
		assert.Contains(t, err.Error(), want, file)
	}
}

// TestMissingTorchaudio loads the audio export in a child process with the
// automatic extension search off: the load must fail naming the op
// namespace and the library. With the search on (this process), it loads.
func TestMissingTorchaudio(t *testing.T) {
	if os.Getenv("LI_TEST_CHILD") == "missing-torchaudio" {
		_, err := core.Load(golden.ModelDir("audio_input"), core.LoadOptions{NoWarmup: true})
		if err == nil {
			os.Stdout.WriteString("LOADED\n")
			os.Exit(0)
		}
		os.Stdout.WriteString("CODE " + status.CodeOf(err).String() + "\n" + err.Error() + "\n")
		os.Exit(0)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestMissingTorchaudio$")
	cmd.Env = append(os.Environ(), "LI_TEST_CHILD=missing-torchaudio", "LUDWIG_INFER_NO_AUTO_EXTENSIONS=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	s := string(out)
	assert.NotContains(t, s, "LOADED")
	assert.Contains(t, s, `custom ops of namespace "torchaudio"`)
	assert.Contains(t, s, "libtorchaudio.so")
	assert.Contains(t, s, `"extensions" load option`)

	// Named explicitly, the library is loaded and the model works.
	lib := "/usr/lib/python3/dist-packages/torchaudio/lib/libtorchaudio.so"
	if _, err := os.Stat(lib); err != nil {
		t.Skip("Debian's python3-torchaudio is not installed")
	}
	cmd = exec.Command(os.Args[0], "-test.run=^TestExplicitExtension$")
	cmd.Env = append(os.Environ(), "LI_TEST_CHILD=explicit", "LUDWIG_INFER_NO_AUTO_EXTENSIONS=1")
	out, err = cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	assert.Contains(t, string(out), "LOADED")
}

func TestExplicitExtension(t *testing.T) {
	if os.Getenv("LI_TEST_CHILD") != "explicit" {
		t.Skip("run by TestMissingTorchaudio")
	}
	m, err := core.Load(golden.ModelDir("audio_input"), core.LoadOptions{NoWarmup: true, Extensions: []string{"/usr/lib/python3/dist-packages/torchaudio/lib/libtorchaudio.so"}})
	if err != nil {
		os.Stdout.WriteString(err.Error() + "\n")
		os.Exit(0)
	}
	m.Close()
	os.Stdout.WriteString("LOADED\n")
	os.Exit(0)
}

// TestAutoExtensionLogged: loading the audio export in a fresh process
// finds Debian's libtorchaudio.so by itself and says so in the log.
func TestAutoExtensionLogged(t *testing.T) {
	if os.Getenv("LI_TEST_CHILD") == "auto" {
		var logs []string
		core.SetLogFunc(func(_ core.LogLevel, msg string) { logs = append(logs, msg) }, core.LogDebug)
		m, err := core.Load(golden.ModelDir("audio_input"), core.LoadOptions{NoWarmup: true})
		if err != nil {
			os.Stdout.WriteString("ERROR " + err.Error() + "\n")
			os.Exit(0)
		}
		m.Close()
		os.Stdout.WriteString(strings.Join(logs, "\n") + "\n")
		os.Exit(0)
	}
	if _, err := os.Stat("/usr/lib/python3/dist-packages/torchaudio/lib/libtorchaudio.so"); err != nil {
		t.Skip("Debian's python3-torchaudio is not installed")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestAutoExtensionLogged$")
	cmd.Env = append(os.Environ(), "LI_TEST_CHILD=auto")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	assert.NotContains(t, string(out), "ERROR")
	assert.Contains(t, string(out), "the export uses torchaudio code: loaded /usr/lib/python3/dist-packages/torchaudio/lib/libtorchaudio.so")
}
