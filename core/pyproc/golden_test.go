package pyproc

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ludwig-infer/ludwig-infer/core/request"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// goldenDir holds the models and goldens testdata/gen/ludwig017/gen.py wrote
// with Ludwig 0.17.10.
const goldenDir = "../../testdata/pyproc"

type goldenTensor struct {
	DType string    `json:"dtype"`
	Shape []int64   `json:"shape"`
	Data  []float64 `json:"data"`
}

// UnmarshalJSON reads bool data (true/false) as 1/0.
func (g *goldenTensor) UnmarshalJSON(b []byte) error {
	var raw struct {
		DType string            `json:"dtype"`
		Shape []int64           `json:"shape"`
		Data  []json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	g.DType, g.Shape, g.Data = raw.DType, raw.Shape, make([]float64, len(raw.Data))
	for i, d := range raw.Data {
		switch string(d) {
		case "true":
			g.Data[i] = 1
		case "false", "null":
		default:
			if err := json.Unmarshal(d, &g.Data[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

type golden struct {
	LudwigVersion string                  `json:"ludwig_version"`
	Records       json.RawMessage         `json:"records"`
	Inputs        map[string]goldenTensor `json:"inputs"`
	Outputs       map[string]goldenTensor `json:"outputs"`
	Columns       [][2]json.RawMessage    `json:"columns"`
	// GraphInputs are the user inputs of the stock torch_export graph.
	GraphInputs map[string]struct {
		DType string  `json:"dtype"`
		Shape []int64 `json:"shape"`
	} `json:"graph_inputs"`
	// Probes are values predicted alone in the first record, with what
	// Ludwig raised for them (nil: it predicted).
	Probes []struct {
		Column string          `json:"column"`
		Value  json.RawMessage `json:"value"`
		Error  *string         `json:"error"`
	} `json:"probes"`
}

func goldenCases(t *testing.T) []string {
	dirs, err := filepath.Glob(filepath.Join(goldenDir, "*", "golden.json"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no goldens under %s (run testdata/gen/ludwig017/gen.py): %v", goldenDir, err)
	}
	out := make([]string, len(dirs))
	for i, d := range dirs {
		out[i] = filepath.Dir(d)
	}
	return out
}

func readGolden(t testing.TB, dir string) (*Model, *golden, *request.Table) {
	t.Helper()
	m, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	table, err := request.Decode(g.Records)
	if err != nil {
		t.Fatal(err)
	}
	return m, &g, table
}

func close32(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= 1e-5+1e-5*math.Abs(b)
}

// TestGoldenPreprocess compares the tensors Preprocess makes with those
// Ludwig 0.17.10's LudwigModel.predict handed its model for the same rows.
func TestGoldenPreprocess(t *testing.T) {
	for _, dir := range goldenCases(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			m, g, table := readGolden(t, dir)
			got, err := m.Preprocess(table)
			if err != nil {
				t.Fatal(err)
			}
			specs := m.InputSpecs()
			if len(got) != len(g.Inputs) || len(got) != len(specs) {
				t.Fatalf("%d inputs, golden has %d", len(got), len(g.Inputs))
			}
			for i, n := range got {
				want, ok := g.Inputs[n.Name]
				if !ok {
					t.Fatalf("golden has no input %q", n.Name)
				}
				if n.DType != specs[i].DType || len(n.Shape) != len(specs[i].Shape) || n.Shape[0] != int64(table.Rows) {
					t.Errorf("%s: %s %v does not match its spec %s %v", n.Name, n.DType, n.Shape, specs[i].DType, specs[i].Shape)
				}
				if int(n.NumElements()) != len(want.Data) {
					t.Fatalf("%s: shape %v, Ludwig's %v", n.Name, n.Shape, want.Shape)
				}
				for j, w := range want.Data {
					if v := n.Float64At(j); !close32(v, w) {
						t.Errorf("%s[%d] (row %d) = %v, Ludwig %v", n.Name, j, j/max(1, len(want.Data)/table.Rows), v, w)
					}
				}
			}
		})
	}
}

// TestGoldenProbes checks that values Ludwig refuses are refused with
// status.Input naming the feature and the row, and that values it takes
// are taken.
func TestGoldenProbes(t *testing.T) {
	n := 0
	for _, dir := range goldenCases(t) {
		m, g, _ := readGolden(t, dir)
		var records []map[string]json.RawMessage
		if err := json.Unmarshal(g.Records, &records); err != nil {
			t.Fatal(err)
		}
		for _, p := range g.Probes {
			n++
			row := map[string]json.RawMessage{}
			for k, v := range records[0] {
				row[k] = v
			}
			row[p.Column] = p.Value
			b, _ := json.Marshal([]any{row})
			table, err := request.Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			_, err = m.Preprocess(table)
			switch {
			case p.Error == nil && err != nil:
				t.Errorf("%s=%s: Ludwig predicts, we fail: %v", p.Column, p.Value, err)
			case p.Error != nil && err == nil:
				t.Errorf("%s=%s: Ludwig raises %s, we predict", p.Column, p.Value, *p.Error)
			case err != nil && (status.CodeOf(err) != status.Input || !strings.Contains(err.Error(), fmt.Sprintf("input feature %q", p.Column)) || !strings.Contains(err.Error(), "row 0")):
				t.Errorf("%s=%s: error %q (%s) should be LI_ERR_INPUT naming the feature and row 0", p.Column, p.Value, err, status.CodeOf(err))
			}
		}
	}
	if n == 0 {
		t.Fatal("no probes in the goldens")
	}
}

// TestGoldenGraphInputs checks InputSpecs against the inputs of the graph
// `ludwig export_model -f torch_export` wrote for the same model: dtype and
// shape past the batch (which that export fixes at 2).
func TestGoldenGraphInputs(t *testing.T) {
	for _, dir := range goldenCases(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			m, g, _ := readGolden(t, dir)
			if len(g.GraphInputs) != len(m.InputSpecs()) {
				t.Fatalf("graph has %d inputs, InputSpecs %d", len(g.GraphInputs), len(m.InputSpecs()))
			}
			for _, s := range m.InputSpecs() {
				gi, ok := g.GraphInputs[s.Name]
				if !ok {
					t.Fatalf("graph has no input %q", s.Name)
				}
				if gi.DType != s.DType.String() || fmt.Sprint(gi.Shape[1:]) != fmt.Sprint(s.Shape[1:]) || s.Shape[0] != -1 {
					t.Errorf("%s: spec %s %v, graph %s %v", s.Name, s.DType, s.Shape, gi.DType, gi.Shape)
				}
			}
		})
	}
}

// TestGoldenPostprocess feeds Ludwig's own model outputs to Postprocess and
// compares the columns with LudwigModel.predict's: names and order exact,
// strings exact, floats within 1e-5 absolute + 1e-5 relative.
func TestGoldenPostprocess(t *testing.T) {
	for _, dir := range goldenCases(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			m, g, table := readGolden(t, dir)
			get := func(name string) (tensor.Tensor, bool) {
				o, ok := g.Outputs[name]
				if !ok {
					return tensor.Tensor{}, false
				}
				v := make([]float32, len(o.Data))
				for i, x := range o.Data {
					v[i] = float32(x)
				}
				return float32Tensor(v, o.Shape...), true
			}
			cols, err := m.Postprocess(get, table.Rows)
			if err != nil {
				t.Fatal(err)
			}
			var names, want []string
			for _, c := range cols {
				names = append(names, c.Name())
			}
			for _, c := range g.Columns {
				var n string
				json.Unmarshal(c[0], &n)
				want = append(want, n)
			}
			if fmt.Sprint(names) != fmt.Sprint(want) {
				t.Fatalf("columns\n got %v\nwant %v", names, want)
			}
			for i, c := range cols {
				var rows []any
				if err := json.Unmarshal(g.Columns[i][1], &rows); err != nil {
					t.Fatal(err)
				}
				got := jsonRows(c.Value)
				if len(got) != len(rows) {
					t.Fatalf("%s: %d rows, Ludwig %d", c.Name(), len(got), len(rows))
				}
				for r := range rows {
					if msg := sameValue(got[r], rows[r]); msg != "" {
						t.Errorf("%s row %d: %s", c.Name(), r, msg)
					}
				}
			}
		})
	}
}

// jsonRows converts a column's value to JSON-like rows.
func jsonRows(v any) []any {
	b, _ := json.Marshal(v)
	var out []any
	json.Unmarshal(b, &out)
	return out
}

func sameValue(got, want any) string {
	switch w := want.(type) {
	case float64:
		g, ok := got.(float64)
		if !ok || !close32(g, w) {
			return fmt.Sprintf("%v, Ludwig %v", got, want)
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%v, Ludwig %v", got, want)
		}
		for i := range w {
			if msg := sameValue(g[i], w[i]); msg != "" {
				return fmt.Sprintf("[%d]: %s", i, msg)
			}
		}
	default:
		if got != want {
			return fmt.Sprintf("%#v, Ludwig %#v", got, want)
		}
	}
	return ""
}
