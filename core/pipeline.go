package core

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/ludwig-infer/ludwig-infer/core/export"
	"github.com/ludwig-infer/ludwig-infer/core/featurize"
	"github.com/ludwig-infer/ludwig-infer/core/request"
	"github.com/ludwig-infer/ludwig-infer/core/response"
	"github.com/ludwig-infer/ludwig-infer/core/stage"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// The pipeline of one call: decode the request, featurise it (one input
// per input feature), preprocess, predict, postprocess, encode the answer.
// Each step takes the previous one's output only; the stages are the ones
// Load chose (load.go), so nothing here depends on what runs them.

// pipeline is the stages a model's calls run; a nil stage is one the export
// lacks.
type pipeline struct {
	pre  stage.Preprocessor
	pred stage.Predictor
	post stage.Postprocessor
}

// Request is the input of one Infer call: JSON (any of the three table forms,
// or, for StagePredict/StagePostprocess, an object of tensor JSON) and/or
// tensor buffers.
type Request struct {
	JSON    []byte
	Tensors []NamedTensor
	// Borrowed marks the tensors' data as C memory that stays valid during
	// the call: libtorch then reads it in place instead of copying.
	Borrowed bool
	// BaseDir resolves relative file paths in image and audio columns
	// ("" = the process's working directory).
	BaseDir string
	// NoPaths refuses file paths in image and audio columns: only data: URIs
	// and base64 are decoded. Servers set it, so a client can never make the
	// library read a file on the server.
	NoPaths bool
	// Table is an already decoded table request (Go callers, such as the
	// command's file reader, that build cells directly); it is used instead
	// of JSON when set.
	Table *request.Table
}

// NamedTensor is a tensor buffer for a feature (or a "<feature>::<key>" in
// StagePostprocess). Several with one name form a list, in order.
type NamedTensor struct {
	Name string
	tensor.Tensor
}

// Result is the answer of one Infer call.
type Result struct {
	JSON    []byte
	Tensors []response.Named
}

// Infer runs the stages opts selects. ctx's deadline is checked before and
// between stages (a libtorch forward cannot be interrupted).
func (m *Model) Infer(ctx context.Context, req Request, opts InferOptions) (*Result, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, status.Errorf(status.Closed, "the model is closed")
	}
	defer m.relayWarnings()
	if err := checkRequest(req); err != nil { // limits.go
		return nil, err
	}
	if opts.Form < response.Features || opts.Form > response.Full {
		return nil, status.Errorf(status.InvalidArgument, "unknown output form %d", int(opts.Form))
	}
	if opts.Records && (opts.Form == response.Features || opts.TensorOutputs) {
		return nil, status.Errorf(status.InvalidArgument, "records output needs the columns or full form, without tensor outputs")
	}
	if err := alive(ctx, "before preprocessing"); err != nil {
		return nil, err
	}
	p, err := m.pipelineFor(opts.Stage)
	if err != nil {
		return nil, err
	}
	tm := opts.Timings
	if tm == nil {
		tm = &Timings{}
	}
	switch opts.Stage {
	case StageAll:
		pre, err := m.preprocess(p, req, tm)
		if err != nil {
			return nil, err
		}
		defer pre.Free()
		if err := alive(ctx, "before the predictor"); err != nil {
			return nil, err
		}
		start := time.Now()
		pred, err := p.pred.Predict(pre)
		if err != nil {
			return nil, err
		}
		defer pred.Free()
		if err := alive(ctx, "before postprocessing"); err != nil {
			return nil, err
		}
		tm.Predict = time.Since(start)
		start = time.Now()
		res, err := m.postprocess(p, pred, opts)
		tm.Postprocess = time.Since(start)
		return res, err
	case StagePreprocess:
		pre, err := m.preprocess(p, req, tm)
		if err != nil {
			return nil, err
		}
		defer pre.Free()
		return tensorResult(pre, opts.TensorOutputs)
	case StagePredict:
		in, err := decodeTensors(req)
		if err != nil {
			return nil, err
		}
		pred, err := p.pred.Predict(in)
		if err != nil {
			return nil, err
		}
		defer pred.Free()
		return tensorResult(pred, opts.TensorOutputs)
	default: // StagePostprocess (pipelineFor refuses other values)
		in, err := decodeTensors(req)
		if err != nil {
			return nil, err
		}
		return m.postprocess(p, in, opts)
	}
}

// pipelineFor returns the stages a call of stage s runs, or why it cannot.
func (m *Model) pipelineFor(s Stage) (pipeline, error) {
	if m.whole != nil {
		if s == StageAll {
			return *m.whole, nil
		}
		if m.staged.pre == nil || m.staged.pred == nil || m.staged.post == nil {
			return pipeline{}, status.Errorf(status.InvalidArgument, "%s has no staged methods (preprocessor_forward, ...): only the all stage can run", m.art.info.Path)
		}
	}
	p := m.staged
	switch s {
	case StageAll, StagePreprocess:
		if p.pre == nil {
			return p, status.Errorf(status.InvalidArgument, "this export has no %s (a --model_only export): call the predict stage with preprocessed tensors", export.PreprocessorFile)
		}
		if s == StageAll && p.post == nil {
			return p, status.Errorf(status.InvalidArgument, "this export has no %s: use the preprocess and predict stages", export.PostprocessorFile)
		}
	case StagePredict:
	case StagePostprocess:
		if p.post == nil {
			return p, status.Errorf(status.InvalidArgument, "this export has no %s", export.PostprocessorFile)
		}
	default:
		return p, status.Errorf(status.InvalidArgument, "unknown stage %d", int(s))
	}
	return p, nil
}

func alive(ctx context.Context, when string) error {
	if ctx == nil {
		return nil
	}
	if err := ctx.Err(); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return status.Errorf(status.Cancelled, "deadline exceeded %s", when)
		}
		return status.Errorf(status.Cancelled, "cancelled %s", when)
	}
	return nil
}

// preprocess decodes and featurises a table request and runs p's
// preprocessor on it, timing both in tm.Preprocess.
func (m *Model) preprocess(p pipeline, req Request, tm *Timings) (*stage.Batch, error) {
	start := time.Now()
	if tp, ok := p.pre.(stage.TablePreprocessor); ok {
		table, err := ludwigTable(req)
		if err != nil {
			return nil, err
		}
		b, err := tp.PreprocessTable(table)
		tm.Preprocess = time.Since(start)
		return b, err
	}
	inputs, err := m.featurise(req)
	if err != nil {
		return nil, err
	}
	b, err := p.pre.Preprocess(inputs)
	tm.Preprocess = time.Since(start)
	return b, err
}

// postprocess runs p's postprocessor and encodes its output.
func (m *Model) postprocess(p pipeline, in *stage.Batch, opts InferOptions) (*Result, error) {
	entries, err := p.post.Postprocess(in)
	if err != nil {
		return nil, err
	}
	return m.encode(entries, opts)
}

// runAll runs p's three stages on featurised inputs (the warm-up).
func runAll(p pipeline, inputs []featurize.Input) ([]response.Entry, error) {
	if p.pre == nil || p.pred == nil || p.post == nil {
		return nil, status.Errorf(status.Model, "the model cannot run all three stages")
	}
	pre, err := p.pre.Preprocess(inputs)
	if err != nil {
		return nil, err
	}
	defer pre.Free()
	pred, err := p.pred.Predict(pre)
	if err != nil {
		return nil, err
	}
	defer pred.Free()
	return p.post.Postprocess(pred)
}

// encode writes postprocessor entries in the output form opts asks for.
func (m *Model) encode(entries []response.Entry, opts InferOptions) (*Result, error) {
	if opts.Records {
		js, err := m.encoder.EncodeRecords(entries, opts.Form)
		if err != nil {
			return nil, status.Errorf(status.Model, "%v", err)
		}
		return &Result{JSON: js}, nil
	}
	js, named := m.encoder.Encode(entries, opts.Form, opts.TensorOutputs)
	return &Result{JSON: js, Tensors: named}, nil
}

// tensorResult answers the preprocess and predict stages: tensor JSON, or
// tensors outside the JSON.
func tensorResult(b *stage.Batch, tensorOutputs bool) (*Result, error) {
	names, ts, err := b.Tensors("stage")
	if err != nil {
		return nil, err
	}
	res := &Result{}
	out := []byte{'{'}
	first := true
	for i, k := range names {
		t := ts[i]
		if tensorOutputs {
			res.Tensors = append(res.Tensors, response.Named{Name: k, Tensor: t})
			continue
		}
		if !first {
			out = append(out, ',')
		}
		first = false
		out = response.AppendString(out, k)
		out = append(out, ':')
		out = response.AppendTensorJSON(out, t)
	}
	res.JSON = append(out, '}')
	return res, nil
}

// decodeTensors decodes a tensor request (the predict and postprocess
// stages): the JSON's tensors, then the buffers.
func decodeTensors(req Request) (*stage.Batch, error) {
	var names []string
	var ts []tensor.Tensor
	seen := map[string]bool{}
	if len(strings.TrimSpace(string(req.JSON))) > 0 {
		var err error
		if names, ts, err = request.DecodeTensors(req.JSON); err != nil {
			return nil, err
		}
		for _, n := range names {
			seen[n] = true
		}
	}
	nJSON := len(names)
	for _, t := range req.Tensors {
		if seen[t.Name] {
			return nil, status.Errorf(status.Input, "tensor %q is given twice", t.Name)
		}
		seen[t.Name] = true
		names = append(names, t.Name)
		ts = append(ts, t.Tensor)
	}
	if len(names) == 0 {
		return nil, status.Errorf(status.Input, "the request has no tensors")
	}
	borrowFrom := len(names)
	if req.Borrowed {
		borrowFrom = nJSON
	}
	return stage.Request(names, ts, borrowFrom), nil
}

// featurise converts a table request into one input per input
// feature, in schema order.
//
// A feature's input is found by its name, then by its column, then by a
// tensor name or JSON key whose Ludwig-sanitised spelling is its column
// (sanitizedInput).
func (m *Model) featurise(req Request) ([]featurize.Input, error) {
	if m.schema == nil {
		return nil, status.Errorf(status.InvalidArgument, "this export has no %s, so table requests cannot be mapped to features: use the predict stage with tensors", export.HyperparametersFile)
	}
	table := req.Table
	if table == nil && len(strings.TrimSpace(string(req.JSON))) > 0 {
		var err error
		if table, err = request.Decode(req.JSON); err != nil {
			return nil, err
		}
	}
	byName := map[string][]tensor.Tensor{}
	for _, t := range req.Tensors {
		byName[t.Name] = append(byName[t.Name], t.Tensor)
	}
	inputs := make([]featurize.Input, len(m.schema.Inputs))
	rows := -1
	rowsFrom := ""
	for i, f := range m.schema.Inputs {
		ts := byName[f.Name]
		if ts == nil && f.Column != f.Name {
			ts = byName[f.Column]
		}
		var col *request.Column
		if table != nil {
			if col = table.Get(f.Name); col == nil && f.Column != f.Name {
				col = table.Get(f.Column)
			}
		}
		if col == nil && ts == nil {
			// A key as the user's data spells it, which Ludwig sanitised into the
			// config's column ("Size (m2)" for "Size _m2_"): LudwigModel.predict
			// accepts it, so do we.
			var err error
			if ts, col, err = sanitizedInput(f.Column, byName, table); err != nil {
				return nil, err
			}
		}
		var in featurize.Input
		var err error
		switch {
		case ts != nil && col != nil:
			return nil, status.Errorf(status.Input, "input feature %q is given both as a tensor and in the JSON", f.Name)
		case ts != nil:
			in, err = featurize.FromTensors(f, ts, req.Borrowed)
		case col != nil:
			in, err = featurize.FromColumn(f, *col, featurize.Options{BaseDir: req.BaseDir, NoPaths: req.NoPaths})
		default:
			return nil, status.Errorf(status.Input, "missing input feature %q (column %q, type %s)", f.Name, f.Column, f.Type)
		}
		if err != nil {
			return nil, err
		}
		if rows >= 0 && in.Rows != rows {
			return nil, status.Errorf(status.Input, "input feature %q has %d rows but %q has %d", f.Name, in.Rows, rowsFrom, rows)
		}
		rows, rowsFrom = in.Rows, f.Name
		inputs[i] = in
	}
	if rows == 0 {
		return nil, status.Errorf(status.Input, "the request has no rows")
	}
	return inputs, nil
}

// sanitizedInput finds the tensors or the JSON column whose name Ludwig
// would sanitise into column (request.Sanitize); more than one is an error.
func sanitizedInput(column string, tensors map[string][]tensor.Tensor, table *request.Table) ([]tensor.Tensor, *request.Column, error) {
	var ts []tensor.Tensor
	tsName := ""
	for name, t := range tensors {
		if request.Sanitize(name) != column {
			continue
		}
		if ts != nil {
			a, b := tsName, name
			if a > b {
				a, b = b, a
			}
			return nil, nil, status.Errorf(status.Input, "tensors %q and %q both stand for column %q", a, b, column)
		}
		ts, tsName = t, name
	}
	var col *request.Column
	if table != nil {
		var err error
		if col, err = table.GetSanitized(column); err != nil {
			return nil, nil, err
		}
	}
	if ts != nil && col != nil {
		return nil, nil, status.Errorf(status.Input, "column %q is given both as tensor %q and as JSON key %q", column, tsName, col.Key)
	}
	return ts, col, nil
}
