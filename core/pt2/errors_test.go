package pt2

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/kernels"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// rezip rewrites a fixture: edit gets each record's name and bytes and
// returns the new bytes, or keep false to drop it.
func rezip(t *testing.T, fixture string, edit func(name string, data []byte) ([]byte, bool)) []byte {
	t.Helper()
	zr, err := zip.OpenReader(filepath.Join(fixtures, fixture+".pt2"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if _, err := b.ReadFrom(rc); err != nil {
			t.Fatal(err)
		}
		rc.Close()
		data, keep := edit(f.Name, b.Bytes())
		if !keep {
			continue
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// replaceIn edits the record whose name ends with suffix.
func replaceIn(suffix, old, new string) func(string, []byte) ([]byte, bool) {
	return func(name string, data []byte) ([]byte, bool) {
		if strings.HasSuffix(name, suffix) {
			return bytes.Replace(data, []byte(old), []byte(new), 1), true
		}
		return data, true
	}
}

func TestReadErrors(t *testing.T) {
	small := DefaultLimits
	small.MaxEntryBytes = 1000
	few := DefaultLimits
	few.MaxEntries = 3
	cases := []struct {
		name    string
		fixture string
		edit    func(string, []byte) ([]byte, bool)
		want    string
	}{
		{"archive_format", "concat_fixed", replaceIn("/archive_format", "pt2", "pt3"), `archive_format is "pt3", not "pt2"`},
		{"byteorder", "concat_fixed", replaceIn("/byteorder", "little", "big"), `byte order "big"`},
		{"no marker", "concat_fixed", func(n string, d []byte) ([]byte, bool) { return d, !strings.HasSuffix(n, "archive_format") }, "neither a PT2 archive"},
		{"schema", "concat_fixed", replaceIn("models/model.json", `"major": 8`, `"major": 9`), "schema version 9.20 is not supported (majors [7 8] are)"},
		{"no schema", "concat_fixed", replaceIn("models/model.json", `"schema_version"`, `"schema_versio"`), "has no schema_version"},
		{"json", "concat_fixed", replaceIn("models/model.json", `{`, `[`), "not valid JSON"},
		{"no program", "concat_fixed", func(n string, d []byte) ([]byte, bool) { return d, !strings.HasSuffix(n, "models/model.json") }, "no models/*.json program"},
		{"weight record", "concat_fixed", func(n string, d []byte) ([]byte, bool) { return d, !strings.HasSuffix(n, "weights/weight_0") }, "model.pt2 has no data/weights/weight_0"},
		{"weight strides", "concat_fixed", replaceIn("model_weights_config.json", `"strides": [{"as_int": 1}, {"as_int": 1}]`, `"strides": [{"as_int": 5}, {"as_int": 1}]`), "need more than the record's"},
		{"weight dtype", "concat_fixed", replaceIn("model_weights_config.json", `"dtype": 7`, `"dtype": 6`), "dtype float16 is not supported"},
		{"weight missing", "concat_fixed", replaceIn("model_weights_config.json", `"enc.num.weight"`, `"enc.num.other"`), `the weights have no "enc.num.weight"`},
		{"unknown op", "concat_fixed", replaceIn("models/model.json", `torch.ops.aten.relu.default`, `torch.ops.aten.frobnicate.default`), "operator torch.ops.aten.frobnicate.default is not supported by the Go engine"},
		{"unknown argument", "concat_fixed", replaceIn("models/model.json", `"name": "bias"`, `"name": "bogus"`), "argument bogus is not supported"},
		{"undefined value", "concat_fixed", replaceIn("models/model.json", `{"name": "self", "arg": {"as_tensor": {"name": "inputs_num1"}}`, `{"name": "self", "arg": {"as_tensor": {"name": "later"}}`), `value "later" used before it is defined`},
		{"argument kind", "concat_fixed", replaceIn("models/model.json", `"as_int": -1}`, `"as_graph": -1}`), "an argument of kind as_graph is not supported"},
		{"layout", "concat_fixed", replaceIn("models/model.json", `"as_layout": 7`, `"as_layout": 1`), "only strided tensors"},
		{"out spec", "concat_fixed", replaceIn("models/model.json", `builtins.dict\", \"context\": \"[\\\"label`, `builtins.set\", \"context\": \"[\\\"label`), "a container of type builtins.set is not supported"},
		{"legacy state dict", "concat_fixed_legacy", func(n string, d []byte) ([]byte, bool) {
			if n == "serialized_state_dict.pt" {
				return []byte("junk"), true
			}
			return d, true
		}, "serialized_state_dict.pt: not a torch.save archive"},
		{"legacy dynamic range", "concat_dynamic_legacy", replaceIn("serialized_exported_program.json", `"s0": {"min_val": 1`, `"s9": {"min_val": 1`), "the batch symbol s0 has no range constraint"},
	}
	for _, c := range cases {
		data := rezip(t, c.fixture, c.edit)
		_, err := Read(data, DefaultLimits)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.name, err, c.want)
		}
	}
	raw, err := os.ReadFile(filepath.Join(fixtures, "concat_fixed.pt2"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Read([]byte("not a zip"), DefaultLimits); err == nil || !strings.Contains(err.Error(), "model.pt2 is not a zip archive") {
		t.Errorf("not a zip: %v", err)
	}
	if _, err := Read(raw, small); err == nil || !strings.Contains(err.Error(), "(Limits.MaxEntryBytes)") {
		t.Errorf("MaxEntryBytes: %v", err)
	}
	if _, err := Read(raw, few); err == nil || !strings.Contains(err.Error(), "entries, more than 3 (Limits.MaxEntries)") {
		t.Errorf("MaxEntries: %v", err)
	}
	two := rezip(t, "concat_fixed", func(n string, d []byte) ([]byte, bool) { return d, true })
	zr, _ := zip.NewReader(bytes.NewReader(two), int64(len(two)))
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, _ := f.Open()
		var b bytes.Buffer
		b.ReadFrom(rc)
		name := strings.Replace(f.Name, "models/model.json", "models/a.json", 1)
		w, _ := zw.Create(name)
		w.Write(b.Bytes())
		if name != f.Name {
			w, _ := zw.Create(strings.Replace(f.Name, "models/model.json", "models/b.json", 1))
			w.Write(b.Bytes())
		}
	}
	zw.Close()
	if _, err := Read(buf.Bytes(), DefaultLimits); err == nil || !strings.Contains(err.Error(), "holds 2 programs (a, b) and none named model") {
		t.Errorf("two programs: %v", err)
	}
}

func TestRunErrors(t *testing.T) {
	p, err := Open(filepath.Join(fixtures, "concat_dynamic.pt2"), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	mk := func(dt tensor.DType, shape ...int) *kernels.Tensor {
		r, err := kernels.New(dt, shape)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	good := func(rows int) map[string]*kernels.Tensor {
		return map[string]*kernels.Tensor{
			"num1": mk(tensor.Float32, rows), "cat1": mk(tensor.Int32, rows, 1),
			"bin1": mk(tensor.Bool, rows), "text1": mk(tensor.Int32, rows, 6),
		}
	}
	if _, err := p.Run(good(3)); err != nil {
		t.Fatalf("zero inputs: %v", err)
	}
	cases := []struct {
		edit func(map[string]*kernels.Tensor)
		want string
	}{
		{func(m map[string]*kernels.Tensor) { delete(m, "bin1") }, "input bin1 is missing"},
		{func(m map[string]*kernels.Tensor) { m["num1"] = mk(tensor.Float64, 3) }, "input num1: dtype float64, the graph takes float32"},
		{func(m map[string]*kernels.Tensor) { m["cat1"] = mk(tensor.Int32, 3) }, "input cat1: shape [3], the graph takes 2 dimensions"},
		{func(m map[string]*kernels.Tensor) { m["text1"] = mk(tensor.Int32, 3, 5) }, "input text1: shape [3 5], the graph takes dimension 1 of size 6"},
		{func(m map[string]*kernels.Tensor) { m["text1"] = mk(tensor.Int32, 4, 6) }, "input text1: 4 rows, other inputs 3"},
		{func(m map[string]*kernels.Tensor) { m["extra"] = mk(tensor.Int32, 3) }, "input extra is not an input of the graph"},
		{func(m map[string]*kernels.Tensor) { m["cat1"].I32[1] = 99 }, "torch.ops.aten.embedding.default: index out of range in self (index 99, 11 embeddings)"},
	}
	for _, c := range cases {
		in := good(3)
		c.edit(in)
		if _, err := p.Run(in); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
	empty := good(0)
	if _, err := p.Run(empty); err == nil || !strings.Contains(err.Error(), "a batch of 0 rows") {
		t.Errorf("0 rows: %v", err)
	}
}

// readProgram reads concat_fixed with its program replaced by prog.
func readProgram(t *testing.T, prog string) *Program {
	t.Helper()
	data := rezip(t, "concat_fixed", func(n string, d []byte) ([]byte, bool) {
		if strings.HasSuffix(n, "models/model.json") {
			return []byte(prog), true
		}
		return d, true
	})
	p, err := Read(data, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTinyProgram(t *testing.T) {
	p := readProgram(t, tinyProgram)
	if strings.Join(p.Outputs, " ") != "0 1 2" || p.Batch != (Batch{2, 2}) || p.Inputs[0].Name != "num1" {
		t.Fatalf("outputs %v batch %+v inputs %+v", p.Outputs, p.Batch, p.Inputs)
	}
	x, _ := kernels.New(tensor.Float32, []int{3})
	copy(x.F32, []float32{1.5, -2, 7})
	out, err := p.Run(map[string]*kernels.Tensor{"num1": x})
	if err != nil {
		t.Fatal(err)
	}
	// Chunks of 2 rows: [1.5, -2] and [7, 7 (padding)]: chunk gives each
	// row alone (per chunk: a = row 0, c = row 1); r is x as [n, 1].
	if got := out["2"]; got == nil || !slices.Equal(got.Shape, []int{3, 1}) || got.F32[0] != 1.5 || got.F32[1] != -2 || got.F32[2] != 7 {
		t.Fatalf("r = %+v", out["2"])
	}
	// a and c are [1] per chunk: not the chunk's batch, so left out of a
	// chunked run, and returned from a run of exactly one chunk.
	if _, ok := out["0"]; ok || out["1"] != nil {
		t.Fatalf("non-batch outputs of a chunked run: %v %v", out["0"], out["1"])
	}
	two, _ := kernels.New(tensor.Float32, []int{2})
	copy(two.F32, []float32{1.5, -2})
	out, err = p.Run(map[string]*kernels.Tensor{"num1": two})
	if err != nil {
		t.Fatal(err)
	}
	if a, c := out["0"], out["1"]; a == nil || c == nil || a.F32[0] != 1.5 || c.F32[0] != -2 {
		t.Fatalf("a = %+v, c = %+v", a, c)
	}
}

// runGoldens runs every case of a golden file on p and compares.
func runGoldens(t *testing.T, p *Program, g *goldenFile) int {
	t.Helper()
	n := 0
	for _, c := range g.Cases {
		in := inputsOf(t, c.Inputs)
		out, err := p.Run(in)
		if err != nil {
			t.Fatalf("batch %d: %v", c.Batch, err)
		}
		for k, want := range c.Outputs {
			if got, ok := out[k]; ok {
				compare(t, g.Model+" "+k, got, fromGolden(t, want))
				n++
			}
		}
	}
	return n
}

// TestPickledWeight: a weights config entry with use_pickle reads its
// record as a torch.save pickle (testdata/pt2/saved_tensor.pt is
// concat_fixed's lifted constant, tensor([1.5]), saved by torch).
func TestPickledWeight(t *testing.T) {
	saved, err := os.ReadFile(filepath.Join(fixtures, "saved_tensor.pt"))
	if err != nil {
		t.Fatal(err)
	}
	data := rezip(t, "concat_fixed", func(n string, d []byte) ([]byte, bool) {
		switch {
		case strings.HasSuffix(n, "data/constants/tensor_0"):
			return saved, true
		case strings.HasSuffix(n, "model_constants_config.json"):
			return bytes.Replace(d, []byte(`"use_pickle": false`), []byte(`"use_pickle": true`), 1), true
		}
		return d, true
	})
	p, err := Read(data, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if n := runGoldens(t, p, loadGolden(t, "concat_fixed")); n == 0 {
		t.Fatal("nothing compared")
	}
	// A pickle that is not one tensor.
	notTensor := rezip(t, "concat_fixed", func(n string, d []byte) ([]byte, bool) {
		switch {
		case strings.HasSuffix(n, "data/constants/tensor_0"):
			return zipRecord(t, "concat_fixed", "data/sample_inputs/model.pt"), true
		case strings.HasSuffix(n, "model_constants_config.json"):
			return bytes.Replace(d, []byte(`"use_pickle": false`), []byte(`"use_pickle": true`), 1), true
		}
		return d, true
	})
	if _, err := Read(notTensor, DefaultLimits); err == nil || !strings.Contains(err.Error(), "lifted_tensor_0 (data/constants/tensor_0)") {
		t.Errorf("a pickle that is not a tensor: %v", err)
	}
}

// zipRecord reads the fixture's record whose name ends with suffix.
func zipRecord(t *testing.T, fixture, suffix string) []byte {
	t.Helper()
	var out []byte
	rezip(t, fixture, func(n string, d []byte) ([]byte, bool) {
		if strings.HasSuffix(n, suffix) {
			out = append([]byte(nil), d...)
		}
		return d, true
	})
	return out
}

// TestAssertMetadata: _assert_tensor_metadata fails a run whose tensor
// has another dtype than the exported one.
func TestAssertMetadata(t *testing.T) {
	data := rezip(t, "concat_fixed", replaceIn("models/model.json", `"as_scalar_type": 12}`, `"as_scalar_type": 7}`))
	p, err := Read(data, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	g := loadGolden(t, "concat_fixed")
	in := inputsOf(t, g.Cases[0].Inputs)
	_, err = p.Run(in)
	if err == nil || !strings.Contains(err.Error(), "torch.ops.aten._assert_tensor_metadata.default: tensor metadata assertion failed: dtype bool") {
		t.Fatalf("got %v", err)
	}
}

// TestConcurrentRun runs one program from several goroutines (the race
// detector checks the shared frame and weights); the results are
// compared on the test's goroutine.
func TestConcurrentRun(t *testing.T) {
	p, err := Open(filepath.Join(fixtures, "attention_dynamic.pt2"), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	g := loadGolden(t, "attention_dynamic")
	c := g.Cases[len(g.Cases)-1] // 19 rows: 3 chunks
	in := inputsOf(t, c.Inputs)
	type result struct {
		out map[string]*kernels.Tensor
		err error
	}
	done := make(chan result)
	for i := 0; i < 4; i++ {
		go func() {
			out, err := p.Run(in)
			done <- result{out, err}
		}()
	}
	for i := 0; i < 4; i++ {
		r := <-done
		if r.err != nil {
			t.Fatal(r.err)
		}
		compare(t, "label::logits", r.out["label::logits"], fromGolden(t, c.Outputs["label::logits"]))
	}
}
