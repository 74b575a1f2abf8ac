package core_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/core/response"
	"github.com/ludwig-infer/ludwig-infer/internal/golden"
)

var (
	modelsMu sync.Mutex
	models   = map[string]*core.Model{}
)

// load returns the shared model for testdata/models/name (loaded once).
func load(t *testing.T, name string) *core.Model {
	t.Helper()
	modelsMu.Lock()
	defer modelsMu.Unlock()
	if m, ok := models[name]; ok {
		return m
	}
	m, err := core.Load(golden.ModelDir(name), core.LoadOptions{})
	require.NoError(t, err)
	models[name] = m
	return m
}

func infer(t *testing.T, m *core.Model, req []byte, opts core.InferOptions) map[string]any {
	t.Helper()
	res, err := m.Infer(context.Background(), core.Request{JSON: req}, opts)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal(res.JSON, &out), string(res.JSON))
	return out
}

func goldens(t *testing.T) []*golden.File {
	names := golden.Names()
	require.NotEmpty(t, names, "no goldens under testdata/golden")
	var out []*golden.File
	for _, n := range names {
		g, err := golden.Load(n)
		require.NoError(t, err)
		out = append(out, g)
	}
	return out
}

// wantFeatures builds the features form from a case's postprocessed values.
func wantFeatures(t *testing.T, c golden.Case) map[string]any {
	out := map[string]any{}
	for k, v := range c.Postprocessed {
		f, key := response.Split(k)
		if out[f] == nil {
			out[f] = map[string]any{}
		}
		nested, err := v.Nested()
		require.NoError(t, err)
		out[f].(map[string]any)[key] = nested
	}
	return out
}

func tensorsJSON(ts map[string]golden.Tensor) []byte {
	b, _ := json.Marshal(ts)
	return b
}

func tensorMap(ts map[string]golden.Tensor) map[string]any {
	var out map[string]any
	_ = json.Unmarshal(tensorsJSON(ts), &out)
	return out
}

func TestGoldens(t *testing.T) {
	for _, g := range goldens(t) {
		g := g
		t.Run(g.Model, func(t *testing.T) {
			m := load(t, g.Model)
			for _, c := range g.Cases {
				c := c
				t.Run(c.Name, func(t *testing.T) {
					features := wantFeatures(t, c)
					got := infer(t, m, c.Request, core.InferOptions{Stage: core.StageAll, Form: response.Features})
					assert.Empty(t, golden.Diff(got, features, "features"))

					columns := map[string]any{}
					for f, keys := range features {
						for k, v := range keys.(map[string]any) {
							columns[f+"_"+k] = v
						}
					}
					got = infer(t, m, c.Request, core.InferOptions{Stage: core.StageAll, Form: response.Columns})
					assert.Empty(t, golden.Diff(got, columns, "columns"))

					full := map[string]any{}
					for k, v := range columns {
						full[k] = v
					}
					for k, v := range c.Full {
						full[k] = v
					}
					got = infer(t, m, c.Request, core.InferOptions{Stage: core.StageAll, Form: response.Full})
					assert.Empty(t, golden.Diff(got, full, "full"))

					got = infer(t, m, c.Request, core.InferOptions{Stage: core.StagePreprocess})
					assert.Empty(t, golden.Diff(got, tensorMap(c.Preprocessed), "preprocessed"))

					got = infer(t, m, tensorsJSON(c.Preprocessed), core.InferOptions{Stage: core.StagePredict})
					assert.Empty(t, golden.Diff(got, tensorMap(c.Predicted), "predicted"))

					got = infer(t, m, tensorsJSON(c.Predicted), core.InferOptions{Stage: core.StagePostprocess, Form: response.Features})
					assert.Empty(t, golden.Diff(got, features, "postprocessed"))
				})
			}
		})
	}
}

// TestRequestForms sends one case as a column dict, records and split JSON,
// keyed by column and by feature name.
func TestRequestForms(t *testing.T) {
	g, err := golden.Load("tabular")
	require.NoError(t, err)
	m := load(t, "tabular")
	c := g.Cases[len(g.Cases)-1]
	var cols map[string][]any
	dec := json.NewDecoder(strings.NewReader(string(c.Request)))
	dec.UseNumber() // h3 ids exceed 2^53
	require.NoError(t, dec.Decode(&cols))
	keys := make([]string, 0, len(cols))
	for k := range cols {
		keys = append(keys, k)
	}
	n := len(cols[keys[0]])
	records := make([]map[string]any, n)
	split := map[string]any{"columns": keys, "data": [][]any{}}
	for r := 0; r < n; r++ {
		records[r] = map[string]any{}
		row := []any{}
		for _, k := range keys {
			records[r][k] = cols[k][r]
			row = append(row, cols[k][r])
		}
		split["data"] = append(split["data"].([][]any), row)
	}
	byName := map[string][]any{}
	for _, in := range m.Info().Inputs {
		byName[in.Name] = cols[in.Column]
	}
	want := infer(t, m, c.Request, core.DefaultInferOptions())
	for name, req := range map[string]any{"records": records, "split": split, "by name": byName} {
		b, _ := json.Marshal(req)
		got := infer(t, m, b, core.DefaultInferOptions())
		assert.Empty(t, golden.Diff(got, want, name), name)
	}
}

func TestTensorOutputs(t *testing.T) {
	g, err := golden.Load("tabular")
	require.NoError(t, err)
	m := load(t, "tabular")
	c := g.Cases[0]
	res, err := m.Infer(context.Background(), core.Request{JSON: c.Request}, core.InferOptions{Form: response.Columns, TensorOutputs: true})
	require.NoError(t, err)
	var js map[string]any
	require.NoError(t, json.Unmarshal(res.JSON, &js))
	require.Len(t, res.Tensors, 1)
	assert.Equal(t, "plan::probabilities", res.Tensors[0].Name)
	want := c.Postprocessed["plan::probabilities"].Tensor
	assert.Equal(t, want.Shape, res.Tensors[0].Shape)
	for i, w := range want.Data {
		assert.True(t, golden.Close(res.Tensors[0].Float64At(i), w.(float64)))
	}
	assert.Contains(t, js, "plan_predictions")
	assert.NotContains(t, js, "plan_probabilities")
}

// TestConcurrent runs 8 goroutines on one model; every result must equal the
// sequential one.
func TestConcurrent(t *testing.T) {
	g, err := golden.Load("tabular")
	require.NoError(t, err)
	m := load(t, "tabular")
	want := make([]string, len(g.Cases))
	for i, c := range g.Cases {
		res, err := m.Infer(context.Background(), core.Request{JSON: c.Request}, core.DefaultInferOptions())
		require.NoError(t, err)
		want[i] = string(res.JSON)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for it := 0; it < 50; it++ {
				i := (w + it) % len(g.Cases)
				res, err := m.Infer(context.Background(), core.Request{JSON: g.Cases[i].Request}, core.DefaultInferOptions())
				if err != nil {
					errs <- err.Error()
					return
				}
				if string(res.JSON) != want[i] {
					errs <- fmt.Sprintf("worker %d case %d: %s != %s", w, i, res.JSON, want[i])
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, mod := range models {
		mod.Close()
	}
	os.Exit(code)
}
