package media

import (
	"encoding/base64"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var mediaDir = filepath.Join("..", "..", "testdata", "media")

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(mediaDir, name))
	require.NoError(t, err)
	return b
}

// The expected shapes are what torchvision's UNCHANGED mode (PNG, JPEG) and
// PIL (the others) give for testdata/media (testdata/gen/testgen/media.py);
// pixel values are checked against Python in the image_input goldens.
func TestDecodeImageFormats(t *testing.T) {
	for name, shape := range map[string][]int64{
		"rgb.png": {3, 20, 24}, "gray.png": {1, 16, 20}, "rgba.png": {4, 22, 18}, "gray_alpha.png": {2, 10, 12},
		"palette.png": {3, 14, 14}, "photo.jpg": {3, 18, 22}, "gray.jpg": {1, 12, 16}, "rgb.bmp": {3, 15, 17},
		"anim.gif": {3, 13, 19}, "rgb.tif": {3, 11, 13}, "gray.tif": {1, 9, 10},
	} {
		img, err := DecodeImage(read(t, name))
		require.NoError(t, err, name)
		assert.Equal(t, shape, img.Shape, name)
		assert.Len(t, img.Data, int(img.NumElements()), name)
	}
}

func TestRGBAKeepsAlpha(t *testing.T) {
	img, err := DecodeImage(read(t, "rgba.png"))
	require.NoError(t, err)
	plane := 22 * 18
	assert.Equal(t, byte(0), img.Data[3*plane])     // alpha of the top-left pixel
	assert.Equal(t, byte(200), img.Data[4*plane-1]) // alpha elsewhere
	gray, err := DecodeImage(read(t, "gray_alpha.png"))
	require.NoError(t, err)
	assert.Equal(t, byte(128), gray.Data[len(gray.Data)-1])
}

func TestImageErrors(t *testing.T) {
	_, err := DecodeImage(read(t, "truncated.png"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot decode PNG image")
	_, err = DecodeImage(read(t, "not_an_image.txt"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not an image")
	_, err = DecodeImage(read(t, "pcm16_mono.wav"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "WAV is not an image format")
	_, err = LoadImage("no/such/file.png", Options{BaseDir: mediaDir})
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrNotFound)
	assert.Contains(t, err.Error(), filepath.Join(mediaDir, "no/such/file.png"))
	_, err = LoadImage(mediaDir, Options{})
	assert.ErrorContains(t, err, "is a directory")
	_, err = LoadImage("", Options{})
	assert.ErrorContains(t, err, "empty value")
	_, err = LoadImage("rgb.png", Options{BaseDir: mediaDir, NoPaths: true})
	assert.ErrorContains(t, err, "file paths are not accepted")
	_, err = LoadImage("data:image/png;base64,@@@", Options{})
	assert.ErrorContains(t, err, "invalid base64")
}

func TestImageSources(t *testing.T) {
	b := read(t, "rgb.png")
	want, err := DecodeImage(b)
	require.NoError(t, err)
	abs, _ := filepath.Abs(filepath.Join(mediaDir, "rgb.png"))
	for name, v := range map[string]string{
		"relative":  "rgb.png",
		"absolute":  abs,
		"data URI":  "data:image/png;base64," + base64.StdEncoding.EncodeToString(b),
		"base64":    base64.StdEncoding.EncodeToString(b),
		"url-safe":  base64.RawURLEncoding.EncodeToString(b),
		"spaced":    "  rgb.png ",
		"DATA: URI": "DATA:image/png;base64," + base64.StdEncoding.EncodeToString(b),
	} {
		got, err := LoadImage(v, Options{BaseDir: mediaDir})
		require.NoError(t, err, name)
		assert.Equal(t, want, got, name)
	}
	got, err := LoadImage("data:image/png;base64,"+base64.StdEncoding.EncodeToString(b), Options{NoPaths: true})
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

func floats(t *testing.T, b []byte) []float32 {
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

// wavSamples reads the stored samples of a test WAV (the data chunk).
func dataChunk(t *testing.T, b []byte) []byte {
	i := strings.Index(string(b), "data")
	require.Greater(t, i, 0)
	n := binary.LittleEndian.Uint32(b[i+4:])
	return b[i+8 : i+8+int(n)]
}

func TestDecodeWAVEncodings(t *testing.T) {
	cases := []struct {
		name     string
		channels int64
		frames   int64
		sample   func(d []byte, i int) float64 // stored sample i (interleaved) -> expected value
	}{
		{"pcm16_mono.wav", 1, 1600, func(d []byte, i int) float64 { return float64(int16(binary.LittleEndian.Uint16(d[2*i:]))) / 32768 }},
		{"pcm8_mono.wav", 1, 2000, func(d []byte, i int) float64 { return (float64(d[i]) - 128) / 128 }},
		{"pcm24_stereo.wav", 2, 1200, func(d []byte, i int) float64 {
			x := int32(uint32(d[3*i])<<8|uint32(d[3*i+1])<<16|uint32(d[3*i+2])<<24) >> 8
			return float64(x) / (1 << 23)
		}},
		{"pcm16_stereo_ext.wav", 2, 1200, func(d []byte, i int) float64 { return float64(int16(binary.LittleEndian.Uint16(d[2*i:]))) / 32768 }},
		{"pcm32_mono.wav", 1, 800, func(d []byte, i int) float64 { return float64(int32(binary.LittleEndian.Uint32(d[4*i:]))) / (1 << 31) }},
		{"float32_stereo.wav", 2, 800, func(d []byte, i int) float64 {
			return math.Max(-1, math.Min(1, float64(math.Float32frombits(binary.LittleEndian.Uint32(d[4*i:])))))
		}},
		{"float64_mono.wav", 1, 640, func(d []byte, i int) float64 { return math.Float64frombits(binary.LittleEndian.Uint64(d[8*i:])) }},
	}
	for _, c := range cases {
		b := read(t, c.name)
		w, err := DecodeWAV(b)
		require.NoError(t, err, c.name)
		assert.Equal(t, []int64{c.channels, c.frames}, w.Shape, c.name)
		assert.Equal(t, int64(8000), w.SampleRate, c.name)
		got := floats(t, w.Data)
		d := dataChunk(t, b)
		for ch := 0; ch < int(c.channels); ch++ {
			for f := 0; f < int(c.frames); f++ {
				want := float32(c.sample(d, f*int(c.channels)+ch))
				if got[ch*int(c.frames)+f] != want {
					t.Fatalf("%s: channel %d frame %d: got %v want %v", c.name, ch, f, got[ch*int(c.frames)+f], want)
				}
			}
		}
		for _, v := range got {
			require.True(t, v >= -1 && v <= 1, c.name)
		}
	}
}

func TestWAVErrors(t *testing.T) {
	for name, want := range map[string]string{
		"truncated.wav":    "truncated WAV",
		"mulaw.wav":        "mu-law WAV files are not supported",
		"not_wav.flac":     "FLAC audio is not decoded by this library, only WAV",
		"rgb.png":          "PNG audio is not decoded",
		"not_an_image.txt": "not a WAV file",
	} {
		_, err := DecodeWAV(read(t, name))
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), want, name)
	}
	_, err := LoadAudio("missing.wav", Options{BaseDir: mediaDir})
	assert.ErrorIs(t, err, ErrNotFound)
	_, err = LoadAudio("not_wav.flac", Options{BaseDir: mediaDir})
	assert.ErrorContains(t, err, "not_wav.flac")
}
