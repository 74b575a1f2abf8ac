// Command gen writes the benchmark's inputs for one model: requests of 1, 32
// and 1000 rows built by repeating the rows of the model's golden requests
// (testdata/golden/<model>.json), in every form the contenders take:
//
//	req_<B>.json         the column-dict JSON request (contenders b, c, d, e)
//	req_tensor_<B>.json  the same without the first number column, which
//	                     goes as a float64 buffer instead (num_<B>.f64)
//	num_<B>.f64          that column, little-endian float64 (null -> NaN)
//	inputs_<B>.txt       the preprocessor's typed inputs, exactly as
//	                     ludwig-infer's featurisation builds them (the C++
//	                     floor and Python torch's modules-only mode read it)
//	inputs_warmup.txt    the two rows ludwig-infer's load-time warm-up runs
//	                     (core/warmup.go), so every contender warms up alike
//	meta.json            the model directory, the batch sizes and the
//	                     number column's name
//
// inputs_<B>.txt: one block per input feature, in config order:
//
//	tensor <name> <dtype> <ndim> <dim>... \n <values, space-separated> \n
//	strings <name> <n> \n then n times: <byte length> \n <bytes> \n
//
// Usage: go run ./bench/gen -model testdata/models/tabular -golden testdata/golden/tabular.json -out build/bench/data
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core/export"
	"github.com/ludwig-infer/ludwig-infer/core/featurize"
	"github.com/ludwig-infer/ludwig-infer/core/request"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

var batches = []int{1, 32, 1000}

func main() {
	model := flag.String("model", "testdata/models/tabular", "export directory")
	goldenPath := flag.String("golden", "testdata/golden/tabular.json", "golden file whose requests give the rows")
	out := flag.String("out", "build/bench/data", "output directory")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("bench/gen: ")

	files, err := export.Find(*model, "cpu")
	check(err)
	schema, err := export.ReadSchema(files)
	check(err)

	// The rows of every golden request, in order, as raw JSON cells.
	var g struct {
		Cases []struct {
			Request map[string][]json.RawMessage `json:"request"`
		} `json:"cases"`
	}
	b, err := os.ReadFile(*goldenPath)
	check(err)
	check(json.Unmarshal(b, &g))
	var columns []string // request keys, in config order
	for _, f := range schema.Inputs {
		columns = append(columns, f.Column)
	}
	var rows [][]json.RawMessage
	for _, c := range g.Cases {
		n := len(c.Request[columns[0]])
		for r := 0; r < n; r++ {
			row := make([]json.RawMessage, len(columns))
			for i, col := range columns {
				vals, ok := c.Request[col]
				if !ok {
					vals, ok = c.Request[schema.Inputs[i].Name]
				}
				if !ok || r >= len(vals) {
					log.Fatalf("golden request lacks column %q", col)
				}
				row[i] = vals[r]
			}
			rows = append(rows, row)
		}
	}
	if len(rows) == 0 {
		log.Fatal("no golden rows")
	}
	numCol := -1
	for i, f := range schema.Inputs {
		if f.Type == "number" {
			numCol = i
			break
		}
	}

	check(os.MkdirAll(*out, 0o755))
	for _, bs := range batches {
		req := columnDict(columns, rows, bs, -1)
		check(os.WriteFile(filepath.Join(*out, fmt.Sprintf("req_%d.json", bs)), req, 0o644))
		table, err := request.Decode(req)
		check(err)
		if numCol >= 0 {
			check(os.WriteFile(filepath.Join(*out, fmt.Sprintf("req_tensor_%d.json", bs)), columnDict(columns, rows, bs, numCol), 0o644))
			check(os.WriteFile(filepath.Join(*out, fmt.Sprintf("num_%d.f64", bs)), float64Column(table.Get(columns[numCol]).Cells), 0o644))
		}
		var ins []featurize.Input
		for _, feat := range schema.Inputs {
			col := table.Get(feat.Column)
			if col == nil {
				col = table.Get(feat.Name)
			}
			in, err := featurize.FromCells(feat, col.Cells)
			check(err)
			ins = append(ins, in)
		}
		writeInputs(filepath.Join(*out, fmt.Sprintf("inputs_%d.txt", bs)), schema, ins)
	}
	var warm []featurize.Input
	for _, feat := range schema.Inputs {
		warm = append(warm, warmupInput(feat))
	}
	writeInputs(filepath.Join(*out, "inputs_warmup.txt"), schema, warm)
	meta := map[string]any{"model": *model, "batches": batches, "rows": len(rows)}
	if numCol >= 0 {
		meta["number_column"] = columns[numCol]
		meta["number_feature"] = schema.Inputs[numCol].Name
	}
	mb, _ := json.MarshalIndent(meta, "", "  ")
	check(os.WriteFile(filepath.Join(*out, "meta.json"), mb, 0o644))
}

// columnDict writes {"col": [v, ...], ...} with rows cycled to n, leaving
// out column skip (-1: none).
func columnDict(columns []string, rows [][]json.RawMessage, n, skip int) []byte {
	b := []byte{'{'}
	first := true
	for i, col := range columns {
		if i == skip {
			continue
		}
		if !first {
			b = append(b, ", "...)
		}
		first = false
		b = strconv.AppendQuote(b, col)
		b = append(b, ": ["...)
		for r := 0; r < n; r++ {
			if r > 0 {
				b = append(b, ", "...)
			}
			b = append(b, rows[r%len(rows)][i]...)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func float64Column(cells []request.Cell) []byte {
	out := make([]byte, 8*len(cells))
	for i, c := range cells {
		x := math.NaN()
		switch c.Kind {
		case request.Int, request.Float:
			x = c.Num
		case request.String:
			if v, err := strconv.ParseFloat(c.Str, 64); err == nil {
				x = v
			}
		}
		binary.LittleEndian.PutUint64(out[8*i:], math.Float64bits(x))
	}
	return out
}

// warmupInput repeats core/warmup.go's sampleInput for the feature types the
// benchmark handles (keep the two in step).
func warmupInput(f export.Feature) featurize.Input {
	label := "a"
	if len(f.Labels) > 0 {
		label = f.Labels[len(f.Labels)-1]
	}
	switch f.Type {
	case "number":
		t := tensor.FromFloat64([]float64{0, 1}, 2)
		return featurize.Input{Tensor: &t, Rows: 2}
	case "binary":
		return featurize.Input{Strings: []string{"True", "False"}, Rows: 2}
	case "category", "set", "bag":
		return featurize.Input{Strings: []string{label, "nan"}, Rows: 2}
	case "h3":
		t := tensor.FromInt64([]int64{576495936675512319, 576495936675512319}, 2)
		return featurize.Input{Tensor: &t, Rows: 2}
	case "text", "sequence":
		return featurize.Input{Strings: []string{strings.Join([]string{label, "a", "b"}, " "), "nan"}, Rows: 2}
	}
	log.Fatalf("feature %q: the benchmark's warm-up handles number, binary, category, set, bag, h3 and text inputs", f.Name)
	return featurize.Input{}
}

func writeInputs(path string, schema *export.Schema, ins []featurize.Input) {
	f, err := os.Create(path)
	check(err)
	w := bufio.NewWriter(f)
	for i, feat := range schema.Inputs {
		in := ins[i]
		switch {
		case in.Tensor != nil:
			t := *in.Tensor
			fmt.Fprintf(w, "tensor %s %s %d", feat.Name, t.DType, len(t.Shape))
			for _, d := range t.Shape {
				fmt.Fprintf(w, " %d", d)
			}
			fmt.Fprintln(w)
			n := int(t.NumElements())
			for i := 0; i < n; i++ {
				if i > 0 {
					w.WriteByte(' ')
				}
				if t.DType == tensor.Float32 || t.DType == tensor.Float64 {
					w.WriteString(strconv.FormatFloat(t.Float64At(i), 'g', -1, 64))
				} else {
					w.WriteString(strconv.FormatInt(t.Int64At(i), 10))
				}
			}
			fmt.Fprintln(w)
		case in.Strings != nil:
			fmt.Fprintf(w, "strings %s %d\n", feat.Name, len(in.Strings))
			for _, s := range in.Strings {
				fmt.Fprintf(w, "%d\n%s\n", len(s), s)
			}
		default:
			log.Fatalf("feature %q: the benchmark handles tensor and string inputs only", feat.Name)
		}
	}
	check(w.Flush())
	check(f.Close())
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
