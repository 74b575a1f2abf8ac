package safetensors

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// build writes a safetensors file of the given header (JSON) and data.
func build(t *testing.T, header string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "w.safetensors")
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(header)))
	b := append(append(n[:], header...), data...)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func le32(vs ...float32) []byte {
	var out []byte
	for _, v := range vs {
		out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
	}
	return out
}

func TestReadEveryFloatDType(t *testing.T) {
	var data []byte
	data = append(data, le32(1.5, -2.25)...)                                     // F32 [2] at 0-8
	data = binary.LittleEndian.AppendUint64(data, math.Float64bits(0.1))         // F64 [1] at 8-16
	for _, h := range []uint16{0x3c00, 0xc000, 0x0001, 0x7c00, 0x0000, 0x3555} { // F16 [6] at 16-28
		data = binary.LittleEndian.AppendUint16(data, h)
	}
	data = binary.LittleEndian.AppendUint16(data, 0x3fc0) // BF16 [1] at 28-30: 1.5
	data = append(data, 1, 2)                             // I8 [2] at 30-32
	hdr := `{"__metadata__": {"format": "pt"}, "a.w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
	  "b": {"dtype": "F64", "shape": [], "data_offsets": [8, 16]}, "h": {"dtype": "F16", "shape": [2, 3], "data_offsets": [16, 28]},
	  "bf": {"dtype": "BF16", "shape": [1], "data_offsets": [28, 30]}, "i": {"dtype": "I8", "shape": [2], "data_offsets": [30, 32]}}`
	f, err := Open(build(t, hdr, data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := strings.Join(f.Names(), ","); got != "a.w,b,bf,h,i" {
		t.Errorf("names %s", got)
	}
	want := map[string][]float32{
		"a.w": {1.5, -2.25}, "b": {0.1}, "bf": {1.5},
		"h": {1, -2, 1.0 / (1 << 24), float32(math.Inf(1)), 0, 0.33325195},
	}
	for name, w := range want {
		got, err := f.Float32s(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(got) != len(w) {
			t.Fatalf("%s: %v, want %v", name, got, w)
		}
		for i := range w {
			if got[i] != w[i] {
				t.Errorf("%s[%d] = %v, want %v", name, i, got[i], w[i])
			}
		}
	}
	if e, ok := f.Entry("h"); !ok || e.DType != "F16" || len(e.Shape) != 2 || e.Shape[1] != 3 {
		t.Errorf("entry h: %+v %v", e, ok)
	}
	_, err = f.Float32s("i")
	wantErr(t, err, `tensor "i" is I8: only F64, F32, F16 and BF16 are read`)
	_, err = f.Float32s("nope")
	wantErr(t, err, `no tensor "nope"`)
}

func wantErr(t *testing.T, err error, part string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), part) {
		t.Errorf("error %v, want one containing %q", err, part)
	}
}

func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	short := filepath.Join(dir, "short")
	os.WriteFile(short, []byte{1, 2, 3}, 0o644)
	_, err := Open(short)
	wantErr(t, err, "not a safetensors file")

	huge := filepath.Join(dir, "huge")
	os.WriteFile(huge, binary.LittleEndian.AppendUint64(nil, 1<<40), 0o644)
	_, err = Open(huge)
	wantErr(t, err, "header length 1099511627776 does not fit")

	_, err = Open(filepath.Join(dir, "absent"))
	wantErr(t, err, "no such file")

	cases := map[string]string{
		`[1, 2]`: "not a JSON object",
		`{"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 8]}}`:  `tensor "x": data offsets [0, 8] fall outside the 4-byte data section`,
		`{"x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}`:  `tensor "x": 4 bytes for 2 F32 values`,
		`{"x": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}`: `shape [-1] is negative or too large`,
		`{"x": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}}`:  "data offsets [4, 0]",
		`{"x": {"dtype": "F32", "shape": "one"}}`:                        `tensor "x": json`,
	}
	for hdr, msg := range cases {
		_, err := Open(build(t, hdr, le32(7)))
		wantErr(t, err, msg)
	}
}
