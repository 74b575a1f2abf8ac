package pyproc

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/request"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// FuzzPreprocess feeds arbitrary requests to the golden models: no panic,
// and every refusal is LI_ERR_INPUT or LI_ERR_INVALID_ARGUMENT.
func FuzzPreprocess(f *testing.F) {
	var models []*Model
	for _, c := range []string{"tabular", "tokens", "options"} {
		m, err := Load(filepath.Join(goldenDir, c))
		if err != nil {
			f.Fatal(err)
		}
		models = append(models, m)
		g, err := os.ReadFile(filepath.Join(goldenDir, c, "golden.json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(g[:min(len(g), 4000)])
	}
	f.Add([]byte(`[{"yes_no": "Yes", "flag": "t", "num_z": "1e400", "num_mm": -0.0, "num_log": 1e-300, "num_iq": true, "city": [1], "tags": {"a": 1}, "words": 5, "vec": "nan inf -inf", "day": 1e30, "cell": -1, "text": "\u0130\u03a3", "seq": null, "ts": "1_0 _1", "chars": "\ud83d\ude00", "csv": ",", "num_z2": 1}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		table, err := request.Decode(data)
		if err != nil {
			return
		}
		for _, m := range models {
			if _, err := m.Preprocess(table); err != nil {
				if c := status.CodeOf(err); c != status.Input && c != status.InvalidArgument {
					t.Fatalf("%s: %v", c, err)
				}
			}
		}
	})
}

// BenchmarkPreprocess1000 preprocesses 1000 rows of the tabular golden
// model (every input type).
func BenchmarkPreprocess1000(b *testing.B) {
	m, table := benchTable(b)
	b.ResetTimer()
	for range b.N {
		if _, err := m.Preprocess(table); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPostprocess1000 postprocesses 1000 rows of the tabular golden
// model's logits (binary, number, category, set, vector outputs).
func BenchmarkPostprocess1000(b *testing.B) {
	m, _ := benchTable(b)
	logits := map[string][]int64{"out_bin": {1000}, "out_num": {1000}, "out_cat": {1000, 3}, "out_set": {1000, 4}, "out_vec": {1000, 2}}
	outs := map[string][]float32{}
	for k, shape := range logits {
		n := shape[0]
		if len(shape) > 1 {
			n *= shape[1]
		}
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(i%7) - 3
		}
		outs[k] = v
	}
	get := func(name string) (tensor.Tensor, bool) {
		k := name[:len(name)-len("::logits")]
		return float32Tensor(outs[k], logits[k]...), true
	}
	b.ResetTimer()
	for range b.N {
		if _, err := m.Postprocess(get, 1000); err != nil {
			b.Fatal(err)
		}
	}
}

func benchTable(b *testing.B) (*Model, *request.Table) {
	m, _, small := readGolden(b, filepath.Join(goldenDir, "tabular"))
	// 1000 rows: the 4 ordinary golden rows repeated.
	table := &request.Table{Rows: 1000}
	for _, c := range small.Columns {
		col := request.Column{Key: c.Key, DType: c.Type()}
		for i := range 1000 {
			col.Cells = append(col.Cells, c.Cells[i%4])
		}
		table.Columns = append(table.Columns, col)
	}
	return m, table
}
