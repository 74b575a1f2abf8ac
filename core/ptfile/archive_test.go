package ptfile

import (
	"archive/zip"
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// TestFixtures reads every fixture archive: the root module's class, the
// code files, and one known tensor (tabular's first Linear weight, 8x1
// float32, as the generator wrote it).
func TestFixtures(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/models/*/*.pt")
	if len(files) < 40 {
		t.Fatalf("found %d fixtures", len(files))
	}
	for _, f := range files {
		a, err := Open(f, DefaultLimits)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if !strings.HasPrefix(a.Module.Class, "__torch__.ludwig.models.inference.") {
			t.Errorf("%s: root class %s", f, a.Module.Class)
		}
		if len(a.Sources) == 0 || a.Version < 3 {
			t.Errorf("%s: %d sources, version %d", f, len(a.Sources), a.Version)
		}
	}
	a, err := Open("../../testdata/models/tabular/inference_predictor-cpu.pt", DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	w := attrPath(t, a.Module, "model", "input_features", "module_dict", "age__ludwig", "dense", "weight")
	tt, ok := w.(tensor.Tensor)
	if !ok || tt.DType != tensor.Float32 || len(tt.Shape) != 2 || tt.Shape[0] != 8 || tt.Shape[1] != 1 {
		t.Fatalf("weight: %#v", w)
	}
	if d, _ := a.Module.Attr("device"); d != Device("cpu") {
		t.Errorf("device %v", d)
	}
}

func attrPath(t *testing.T, o *Object, names ...string) any {
	var v any = o
	for _, n := range names {
		ob, ok := v.(*Object)
		if !ok {
			t.Fatalf("%s: not an object", n)
		}
		v, ok = ob.Attr(n)
		if !ok {
			t.Fatalf("no attribute %s", n)
		}
	}
	return v
}

func zipOf(t testing.TB, entries map[string]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for n, d := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(d))
	}
	zw.Close()
	return buf.Bytes()
}

// TestHostile: malformed and hostile archives give errors naming the problem.
func TestHostile(t *testing.T) {
	obj := "\x80\x02c__torch__.m\nC\nq\x00)\x81}b."
	cases := []struct {
		name    string
		entries map[string]string
		want    string
	}{
		{"no data.pkl", map[string]string{"a/version": "3"}, "no <root>/data.pkl"},
		{"no version", map[string]string{"a/data.pkl": obj}, "has no .data/version"},
		{"bad version", map[string]string{"a/data.pkl": obj, "a/version": "x"}, "not a number"},
		{"big endian", map[string]string{"a/data.pkl": obj, "a/version": "3", "a/byteorder": "big"}, "only little-endian"},
		{"os.system", map[string]string{"a/data.pkl": "\x80\x02cos\nsystem\nX\x02\x00\x00\x00ls\x85R.", "a/version": "3"}, "unsupported pickle global os.system"},
		{"truncated", map[string]string{"a/data.pkl": "\x80\x02}", "a/version": "3"}, "no STOP"},
		{"not a module", map[string]string{"a/data.pkl": "\x80\x02K\x01.", "a/version": "3"}, "not a module"},
		{"bad opcode", map[string]string{"a/data.pkl": "\x80\x02i.", "a/version": "3"}, "unsupported pickle opcode"},
		{"memo", map[string]string{"a/data.pkl": "\x80\x02h\x05.", "a/version": "3"}, "memo entry 5 is missing"},
		{"underflow", map[string]string{"a/data.pkl": "\x80\x02b.", "a/version": "3"}, "underflow"},
		{"missing storage", map[string]string{"a/data.pkl": "\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x04tQK\x00K\x04\x85K\x01\x85\x89NtR.", "a/version": "3"}, "no data/0"},
		{"past storage", map[string]string{"a/data/0": "12345678", "a/data.pkl": "\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x02tQK\x00K\x04\x85K\x01\x85\x89NtR.", "a/version": "3"}, "reads past its storage"},
		{"half", map[string]string{"a/data/0": "12345678", "a/data.pkl": "\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nHalfStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x02tQK\x00K\x02\x85K\x01\x85\x89NtR.", "a/version": "3"}, "HalfStorage are not supported"},
	}
	for _, c := range cases {
		_, err := Read(zipOf(t, c.entries), DefaultLimits)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := Read([]byte("not a zip"), DefaultLimits); err == nil || !strings.Contains(err.Error(), "not a TorchScript archive (zip)") {
		t.Errorf("not a zip: %v", err)
	}
	// A valid tensor reads with its values.
	a, err := Read(zipOf(t, map[string]string{"a/data/0": "\x00\x00\x80\x3f\x00\x00\x00\x40", "a/version": "3",
		"a/data.pkl": "\x80\x02c__torch__.m\nC\n)\x81}X\x01\x00\x00\x00wctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x02tQK\x00K\x02\x85K\x01\x85\x89NtRsb."}), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := a.Module.Attr("w")
	if tt := w.(tensor.Tensor); tt.Float64At(0) != 1 || tt.Float64At(1) != 2 {
		t.Errorf("tensor %v", tt)
	}
	// Limits: a pickle that pushes more items than allowed.
	lim := DefaultLimits
	lim.MaxPickleItems = 3
	_, err = Read(zipOf(t, map[string]string{"a/version": "3", "a/data.pkl": "\x80\x02(K\x01K\x01K\x01K\x01t."}), lim)
	if err == nil || !strings.Contains(err.Error(), "MaxPickleItems") {
		t.Errorf("limit: %v", err)
	}
	lim = DefaultLimits
	lim.MaxEntryBytes = 4
	_, err = Read(zipOf(t, map[string]string{"a/version": "3", "a/data.pkl": obj}), lim)
	if err == nil || !strings.Contains(err.Error(), "MaxEntryBytes") {
		t.Errorf("entry limit: %v", err)
	}
}

// FuzzRead: no archive makes the reader panic or exceed its limits.
func FuzzRead(f *testing.F) {
	f.Add(zipOf(f, map[string]string{"a/version": "3", "a/data.pkl": "\x80\x02c__torch__.m\nC\nq\x00)\x81}b."}))
	seeds, _ := filepath.Glob("../../testdata/models/tabular/inference_predictor-cpu.pt")
	for _, s := range seeds {
		a, err := Open(s, DefaultLimits)
		if err == nil {
			f.Add(zipOf(f, map[string]string{"a/version": "3", "a/data.pkl": string(mustEntry(f, a, "data.pkl")), "a/data/0": string(mustEntry(f, a, "data/0"))}))
		}
	}
	lim := DefaultLimits
	lim.MaxPickleItems = 100000
	lim.MaxTotalBytes = 1 << 20
	f.Fuzz(func(t *testing.T, data []byte) {
		Read(data, lim)
	})
}

// FuzzPickle: raw pickles (data.pkl's bytes) in a fixed archive.
func FuzzPickle(f *testing.F) {
	a, err := Open("../../testdata/models/tabular/inference_predictor-cpu.pt", DefaultLimits)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(mustEntry(f, a, "data.pkl"))
	f.Add([]byte("\x80\x02(K\x01K\x01t."))
	lim := DefaultLimits
	lim.MaxPickleItems = 100000
	f.Fuzz(func(t *testing.T, pkl []byte) {
		unpickle(pkl, &budget{lim: lim}, a.persistent("data"))
	})
}

func mustEntry(t testing.TB, a *Archive, name string) []byte {
	b, err := a.entry(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDict: insertion order, replacement in place, lookups below and above
// the size where the index is built, unhashable keys refused.
func TestDict(t *testing.T) {
	d := &Dict{}
	for i := int64(0); i < 20; i++ {
		if err := d.Set(i, i*10); err != nil {
			t.Fatal(err)
		}
		if i == 3 || i == 15 {
			if err := d.Set(int64(1), "one"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if d.Len() != 20 || d.Keys[1] != int64(1) || d.Values[1] != "one" {
		t.Fatalf("keys %v values %v", d.Keys, d.Values)
	}
	for i := int64(0); i < 20; i++ {
		v, ok := d.Get(i)
		if want := any(i * 10); i == 1 {
			want = "one"
			if !ok || v != want {
				t.Errorf("Get(%d) = %v, %v", i, v, ok)
			}
		} else if !ok || v != want {
			t.Errorf("Get(%d) = %v, %v", i, v, ok)
		}
	}
	if _, ok := d.Get("missing"); ok {
		t.Error("found a missing key")
	}
	if err := d.Set(Tuple{}, 1); err == nil || !strings.Contains(err.Error(), "unhashable dict key tuple") {
		t.Errorf("tuple key: %v", err)
	}
	var nilDict *Dict
	if _, ok := nilDict.Get("x"); ok || nilDict.Len() != 0 {
		t.Error("nil dict")
	}
}
