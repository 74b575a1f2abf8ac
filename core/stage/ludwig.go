package stage

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core/featurize"
	"github.com/ludwig-infer/ludwig-infer/core/kernels"
	"github.com/ludwig-infer/ludwig-infer/core/pt2"
	"github.com/ludwig-infer/ludwig-infer/core/pyproc"
	"github.com/ludwig-infer/ludwig-infer/core/request"
	"github.com/ludwig-infer/ludwig-infer/core/response"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// The stages of a model saved by current Ludwig (0.13 and later): the
// folder's two JSON files and its model.pt2. Preprocessing and
// postprocessing follow LudwigModel.predict (core/pyproc); the exported
// graph runs in Go (core/pt2), or, when model.pt2 is the TorchScript file
// Ludwig writes when torch.export fails, through core/engine (GoPredictor).
// Nothing here needs libtorch.

// TablePreprocessor is a preprocessor that reads the request's table
// itself instead of featurised inputs (LudwigPre: LudwigModel.predict's
// preprocessing works on the columns).
type TablePreprocessor interface {
	PreprocessTable(t *request.Table) (*Batch, error)
}

// LudwigPre preprocesses a table request with LudwigModel.predict's
// semantics (core/pyproc): one tensor per input feature, named by feature,
// the exported graph's inputs.
type LudwigPre struct {
	M *pyproc.Model
}

// PreprocessTable builds the graph's input tensors from t.
func (p *LudwigPre) PreprocessTable(t *request.Table) (*Batch, error) {
	named, err := p.M.Preprocess(t)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(named))
	ts := make([]tensor.Tensor, len(named))
	for i, n := range named {
		names[i], ts[i] = n.Name, n.Tensor
	}
	return Tensors(names, ts, "preprocessor"), nil
}

// Preprocess refuses featurised inputs: the model's preprocessing reads
// table columns (PreprocessTable).
func (p *LudwigPre) Preprocess([]featurize.Input) (*Batch, error) {
	return nil, status.Errorf(status.Internal, "a Ludwig model folder preprocesses table requests only")
}

// GraphPredictor runs an exported program (model.pt2) in Go.
type GraphPredictor struct {
	P *pt2.Program
}

// LoadGraph reads the model.pt2 at path: a GraphPredictor for an exported
// program, a GoPredictor (core/engine) for the TorchScript file Ludwig
// writes under that name when torch.export fails. A file that is neither,
// or a graph with an operator the Go engine lacks, is status.Model naming
// the file.
func LoadGraph(path string) (Predictor, pt2.Kind, error) {
	kind, err := pt2.Detect(path)
	if err != nil {
		return nil, 0, graphErr(path, err)
	}
	if kind == pt2.TorchScript {
		g, err := LoadGoPredictor(path, "cpu")
		if err != nil {
			return nil, 0, err
		}
		return g, kind, nil
	}
	p, err := pt2.Open(path, pt2.DefaultLimits)
	if err != nil {
		return nil, 0, graphErr(path, err)
	}
	return &GraphPredictor{P: p}, kind, nil
}

func graphErr(path string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return status.Errorf(status.NotFound, "graph %s: %v", path, err)
	}
	return status.Errorf(status.Model, "graph %s: %v", path, err)
}

// Predict runs the graph on the batch's tensors (by input feature name)
// and returns its outputs in the out spec's order; an output without a
// per-row meaning (Ludwig's used_tokens) is left out when the call ran in
// several chunks (pt2.Program.Run).
func (g *GraphPredictor) Predict(in *Batch) (*Batch, error) {
	names, ts, err := in.Tensors("preprocessor")
	if err != nil {
		return nil, err
	}
	inputs := make(map[string]*kernels.Tensor, len(names))
	for i, n := range names {
		k, err := kernels.FromTensor(ts[i])
		if err != nil {
			return nil, status.Errorf(status.Input, "tensor %q: %v", n, err)
		}
		inputs[n] = k
	}
	for _, want := range g.P.Inputs {
		if _, ok := inputs[want.Name]; !ok {
			shape := append([]int(nil), want.Shape...)
			if len(shape) > 0 {
				shape[0] = -1 // any batch: Run chunks it
			}
			return nil, status.Errorf(status.Input, "missing input tensor %q (%s, shape %v)", want.Name, want.DType, shape)
		}
	}
	if len(inputs) != len(g.P.Inputs) {
		for _, n := range names {
			if !g.hasInput(n) {
				return nil, status.Errorf(status.Input, "unknown input tensor %q (the graph takes %s)", n, strings.Join(g.inputNames(), ", "))
			}
		}
	}
	out, err := g.P.Run(inputs)
	if err != nil {
		return nil, status.Errorf(status.Input, "graph: %v", err)
	}
	var on []string
	var ot []tensor.Tensor
	for _, n := range g.P.Outputs {
		if t, ok := out[n]; ok {
			on, ot = append(on, n), append(ot, t.ToTensor())
		}
	}
	return Tensors(on, ot, "predictor"), nil
}

func (g *GraphPredictor) hasInput(n string) bool {
	for _, in := range g.P.Inputs {
		if in.Name == n {
			return true
		}
	}
	return false
}

func (g *GraphPredictor) inputNames() []string {
	out := make([]string, len(g.P.Inputs))
	for i, in := range g.P.Inputs {
		out[i] = in.Name
	}
	return out
}

// LudwigPost turns the graph's "<feature>::logits" outputs into
// LudwigModel.predict's columns (core/pyproc). Its entries are the full
// form's columns in Ludwig's order; those LudwigModel.predict's
// postprocess_predictions adds (every key but predictions and
// probabilities: probability, probabilities_<label>, response) are marked
// Added, which the columns and features forms leave out. The graph's other
// outputs (last_hidden, projection_input, used_tokens) are not read.
type LudwigPost struct {
	M *pyproc.Model
}

// Postprocess runs LudwigModel.predict's postprocessing on the batch.
func (p *LudwigPost) Postprocess(in *Batch) ([]response.Entry, error) {
	byKey, err := in.byKey()
	if err != nil {
		return nil, err
	}
	rows := -1
	for _, n := range p.M.OutputNames() {
		t, ok := byKey[n]
		if !ok {
			return nil, status.Errorf(status.Input, "missing tensor %q (postprocessing reads %s)", n, strings.Join(p.M.OutputNames(), ", "))
		}
		if len(t.Shape) == 0 {
			return nil, status.Errorf(status.Input, "tensor %q is a scalar: its first dimension is the batch", n)
		}
		if rows >= 0 && int(t.Shape[0]) != rows {
			return nil, status.Errorf(status.Input, "tensor %q has %d rows, the others %d", n, t.Shape[0], rows)
		}
		rows = int(t.Shape[0])
	}
	cols, err := p.M.Postprocess(func(name string) (tensor.Tensor, bool) {
		t, ok := byKey[name]
		return t, ok
	}, rows)
	if err != nil {
		return nil, err
	}
	out := make([]response.Entry, len(cols))
	for i, c := range cols {
		v, err := columnValue(c.Value, rows)
		if err != nil {
			return nil, status.Errorf(status.Internal, "column %s: %v", c.Name(), err)
		}
		out[i] = response.Entry{Feature: c.Feature, Key: c.Key, Value: v, Added: c.Key != "predictions" && c.Key != "probabilities"}
	}
	return out, nil
}

// columnValue converts a pyproc column to a response value: numbers and
// booleans per row become a tensor [rows], equal-length lists a tensor
// [rows, n], lists of differing lengths a tensor per row; strings stay
// strings.
func columnValue(v any, rows int) (any, error) {
	switch x := v.(type) {
	case []string, [][]string:
		return x, nil
	case []float32:
		return tensor.FromFloat32(x, int64(rows)), nil
	case []bool:
		data := make([]byte, len(x))
		for i, b := range x {
			if b {
				data[i] = 1
			}
		}
		return tensor.Tensor{DType: tensor.Bool, Shape: []int64{int64(rows)}, Data: data}, nil
	case [][]float32:
		w := -1
		for _, r := range x {
			if w >= 0 && len(r) != w {
				w = -2
				break
			}
			w = len(r)
		}
		if w >= 0 {
			flat := make([]float32, 0, rows*w)
			for _, r := range x {
				flat = append(flat, r...)
			}
			return tensor.FromFloat32(flat, int64(rows), int64(w)), nil
		}
		out := make([]tensor.Tensor, len(x))
		for i, r := range x {
			out[i] = tensor.FromFloat32(r, int64(len(r)))
		}
		return out, nil
	}
	return nil, fmt.Errorf("unexpected value %T", v)
}
