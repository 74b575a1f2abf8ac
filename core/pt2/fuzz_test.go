package pt2

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/kernels"
	"github.com/ludwig-infer/ludwig-infer/core/ptfile"
)

// tightLimits lowers the kernels' allocation bound while fuzzing: a
// fuzzed graph may not make the engine allocate much.
func tightLimits() func() {
	old := kernels.MaxElements
	kernels.MaxElements = 1 << 20
	return func() { kernels.MaxElements = old }
}

// limits are the reader's bounds while fuzzing.
func limits() (l ptfile.Limits) {
	l = DefaultLimits
	l.MaxEntries = 200
	l.MaxEntryBytes = 1 << 20
	l.MaxTotalBytes = 4 << 20
	l.MaxPickleItems = 100000
	l.MaxPickleStack = 1000
	return l
}

// exercise runs a program that read on zero inputs of its exported
// shapes: nothing may panic.
func exercise(p *Program) {
	in := map[string]*kernels.Tensor{}
	for _, i := range p.Inputs {
		shape := make([]int, len(i.Shape))
		for d, n := range i.Shape {
			shape[d] = max(n, 2)
			if d == 0 {
				shape[d] = 3
			}
		}
		t, err := kernels.New(i.DType, shape)
		if err != nil {
			return
		}
		in[i.Name] = t
	}
	p.Run(in)
}

// FuzzRead reads whole files: the fixtures, and the corpus in
// testdata/fuzz/FuzzRead.
func FuzzRead(f *testing.F) {
	for _, n := range []string{"concat_fixed", "attention_dynamic", "concat_fixed_legacy", "torchscript"} {
		raw, err := os.ReadFile(filepath.Join(fixtures, n+".pt2"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	defer tightLimits()()
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Read(data, limits())
		if err == nil {
			exercise(p)
		}
	})
}

// FuzzProgram puts the fuzzer's bytes as models/model.json into the
// concat_fixed archive (its weights kept): the JSON decoding, the
// compiler and the graph run.
func FuzzProgram(f *testing.F) {
	zr, err := zip.OpenReader(filepath.Join(fixtures, "concat_fixed.pt2"))
	if err != nil {
		f.Fatal(err)
	}
	records := map[string][]byte{}
	var names []string
	for _, zf := range zr.File {
		rc, _ := zf.Open()
		var b bytes.Buffer
		b.ReadFrom(rc)
		rc.Close()
		records[zf.Name] = b.Bytes()
		names = append(names, zf.Name)
	}
	zr.Close()
	for _, n := range names {
		if strings.HasSuffix(n, "models/model.json") {
			f.Add(records[n])
		}
	}
	f.Add([]byte(tinyProgram))
	defer tightLimits()()
	f.Fuzz(func(t *testing.T, program []byte) {
		p, err := Read(withProgram(names, records, program), limits())
		if err == nil {
			exercise(p)
		}
	})
}

// withProgram zips the records with program as models/model.json.
func withProgram(names []string, records map[string][]byte, program []byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Store})
		if strings.HasSuffix(n, "models/model.json") {
			w.Write(program)
		} else {
			w.Write(records[n])
		}
	}
	zw.Close()
	return buf.Bytes()
}

// tinyProgram is a hand-written program over concat_fixed's input num1
// (float32 [2]): sym_size, chunk's list result, _operator.mul on sizes,
// reshape by a symbolic size, an as_float "Infinity" string, a tuple out
// spec. A FuzzProgram seed and TestTinyProgram's graph.
const tinyProgram = `{"schema_version": {"major": 8, "minor": 20}, "torch_version": "2.15.0",
"range_constraints": {},
"graph_module": {"graph": {
 "inputs": [{"as_tensor": {"name": "x"}}],
 "tensor_values": {"x": {"dtype": 7, "sizes": [{"as_int": 2}]}},
 "nodes": [
  {"target": "torch.ops.aten.sym_size.int", "inputs": [{"name": "self", "arg": {"as_tensor": {"name": "x"}}}, {"name": "dim", "arg": {"as_int": 0}}], "outputs": [{"as_sym_int": {"as_name": "n"}}]},
  {"target": "_operator.mul", "inputs": [{"name": "a", "arg": {"as_sym_int": {"as_name": "n"}}}, {"name": "b", "arg": {"as_sym_int": {"as_int": 1}}}], "outputs": [{"as_sym_int": {"as_name": "n1"}}]},
  {"target": "torch.ops.aten.chunk.default", "inputs": [{"name": "self", "arg": {"as_tensor": {"name": "x"}}}, {"name": "chunks", "arg": {"as_int": 2}}], "outputs": [{"as_tensors": [{"name": "a"}, {"name": "b"}]}]},
  {"target": "torch.ops.aten.clamp.default", "inputs": [{"name": "self", "arg": {"as_tensor": {"name": "b"}}}, {"name": "max", "arg": {"as_float": "Infinity"}}], "outputs": [{"as_tensor": {"name": "c"}}]},
  {"target": "torch.ops.aten.reshape.default", "inputs": [{"name": "self", "arg": {"as_tensor": {"name": "x"}}}, {"name": "shape", "arg": {"as_sym_ints": [{"as_name": "n1"}, {"as_int": 1}]}}], "outputs": [{"as_tensor": {"name": "r"}}]}
 ]},
 "signature": {"input_specs": [{"user_input": {"arg": {"as_tensor": {"name": "x"}}}}],
  "output_specs": [{"user_output": {"arg": {"as_tensor": {"name": "a"}}}}, {"user_output": {"arg": {"as_tensor": {"name": "c"}}}}, {"user_output": {"arg": {"as_tensor": {"name": "r"}}}}]},
 "module_call_graph": [{"fqn": "", "signature": {
  "in_spec": "[1, {\"type\": \"builtins.tuple\", \"context\": \"null\", \"children_spec\": [{\"type\": \"builtins.tuple\", \"context\": \"null\", \"children_spec\": [{\"type\": \"builtins.dict\", \"context\": \"[\\\"num1\\\"]\", \"children_spec\": [{\"type\": null, \"context\": null, \"children_spec\": []}]}]}, {\"type\": \"builtins.dict\", \"context\": \"[]\", \"children_spec\": []}]}]",
  "out_spec": "[1, {\"type\": \"builtins.tuple\", \"context\": \"null\", \"children_spec\": [{\"type\": null, \"context\": null, \"children_spec\": []}, {\"type\": null, \"context\": null, \"children_spec\": []}, {\"type\": null, \"context\": null, \"children_spec\": []}]}]"}}]
}}`
