package triton

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/core/featurize"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
	"github.com/ludwig-infer/ludwig-infer/core/torch"
)

// Value is an ensemble tensor: a tensor, or (TYPE_STRING) a list of
// strings, which Triton's libtorch backend hands a model as List[str].
type Value struct {
	Tensor  *tensor.Tensor
	Strings []string
}

func (v Value) shape() []int64 {
	if v.Tensor != nil {
		return v.Tensor.Shape
	}
	return []int64{int64(len(v.Strings))}
}

func (v Value) dataType() string {
	if v.Tensor != nil {
		t, _ := TypeOf(v.Tensor.DType.String())
		return t
	}
	return "TYPE_STRING"
}

// Repository is an exported model repository, checked and loaded so that
// Run can execute its ensemble in libtorch the way Triton would.
type Repository struct {
	Dir      string
	Ensemble *Config
	Configs  map[string]*Config
	modules  map[string]*torch.Module
}

// Close frees the loaded models.
func (r *Repository) Close() {
	for _, m := range r.modules {
		m.Close()
	}
	r.modules = nil
}

// OpenRepository reads <dir>/<name>/config.pbtxt and the configs of the
// models its steps name, checks them (Validate), and loads every step's
// <version>/model.pt (the highest version when model_version is -1).
func OpenRepository(dir, name string) (*Repository, error) {
	r := &Repository{Dir: dir, Configs: map[string]*Config{}, modules: map[string]*torch.Module{}}
	read := func(model string) (*Config, error) {
		b, err := os.ReadFile(filepath.Join(dir, model, "config.pbtxt"))
		if err != nil {
			return nil, status.Errorf(status.NotFound, "model %s is not in the repository: %v", model, err)
		}
		c, err := ParseConfig(string(b))
		if err != nil {
			return nil, status.Errorf(status.Model, "%s: %v", model, err)
		}
		return c, nil
	}
	ens, err := read(name)
	if err != nil {
		return nil, err
	}
	r.Ensemble = ens
	for _, s := range ens.Steps {
		if r.Configs[s.ModelName] != nil {
			continue
		}
		c, err := read(s.ModelName)
		if err != nil {
			return nil, err
		}
		r.Configs[s.ModelName] = c
	}
	if err := Validate(dir, ens, r.Configs); err != nil {
		return nil, status.Errorf(status.Model, "%v", err)
	}
	ok := false
	defer func() {
		if !ok {
			r.Close()
		}
	}()
	for _, s := range ens.Steps {
		if r.modules[s.ModelName] != nil {
			continue
		}
		v, err := pickVersion(filepath.Join(dir, s.ModelName), s.ModelVersion)
		if err != nil {
			return nil, err
		}
		m, err := torch.Load(filepath.Join(dir, s.ModelName, v, "model.pt"), "cpu")
		if err != nil {
			return nil, status.Errorf(status.Model, "loading %s version %s: %v", s.ModelName, v, err)
		}
		r.modules[s.ModelName] = m
	}
	ok = true
	return r, nil
}

// pickVersion returns the version folder a step uses.
func pickVersion(mdir string, version int64) (string, error) {
	if version >= 0 {
		return strconv.FormatInt(version, 10), nil
	}
	entries, err := os.ReadDir(mdir)
	if err != nil {
		return "", status.Errorf(status.NotFound, "%v", err)
	}
	var vs []int
	for _, e := range entries {
		if n, err := strconv.Atoi(e.Name()); err == nil && e.IsDir() && n > 0 {
			vs = append(vs, n)
		}
	}
	if len(vs) == 0 {
		return "", status.Errorf(status.NotFound, "%s has no version folder", mdir)
	}
	sort.Ints(vs)
	return strconv.Itoa(vs[len(vs)-1]), nil
}

// dimsMatch compares a shape with config dims, -1 matching anything.
func dimsMatch(shape, dims []int64) bool {
	if len(shape) != len(dims) {
		return false
	}
	for i, d := range dims {
		if d != -1 && d != shape[i] {
			return false
		}
	}
	return true
}

// checkValue checks v against a tensor config of a model with maxBatch
// (> 0: the first dimension is the batch, dims the rest).
func checkValue(v Value, t Tensor, maxBatch int64, where string) error {
	if dt := v.dataType(); dt != t.DataType {
		return fmt.Errorf("%s: data type %s, config says %s", where, dt, t.DataType)
	}
	shape := v.shape()
	if maxBatch > 0 {
		if len(shape) == 0 || shape[0] < 1 {
			return fmt.Errorf("%s: shape %v has no batch dimension", where, shape)
		}
		if shape[0] > maxBatch {
			return fmt.Errorf("%s: batch of %d exceeds max_batch_size %d", where, shape[0], maxBatch)
		}
		shape = shape[1:]
	}
	if !dimsMatch(shape, t.Dims) {
		return fmt.Errorf("%s: shape %v does not match dims %v (max_batch_size %d)", where, v.shape(), t.Dims, maxBatch)
	}
	if v.Strings != nil && len(v.shape()) != 1 {
		return fmt.Errorf("%s: strings must be one-dimensional for the libtorch backend", where)
	}
	return nil
}

// Run executes the ensemble as Triton would: it checks the request against
// the ensemble's inputs; then, step by step in the configured order, it
// gathers the step model's inputs from the ensemble tensors by input_map,
// checks them against the model's config (data type, dims, batch), calls
// the model's forward with them as positional arguments (INPUT__0, ...),
// checks each returned OUTPUT__i and stores it under its output_map name;
// finally it returns the ensemble's outputs.
func (r *Repository) Run(inputs map[string]Value) (map[string]Value, error) {
	tensors := map[string]Value{}
	for _, in := range r.Ensemble.Inputs {
		v, ok := inputs[in.Name]
		if !ok {
			return nil, fmt.Errorf("missing ensemble input %q", in.Name)
		}
		if err := checkValue(v, in, r.Ensemble.MaxBatchSize, "ensemble input "+in.Name); err != nil {
			return nil, err
		}
		tensors[in.Name] = v
	}
	for _, step := range r.Ensemble.Steps {
		cfg := r.Configs[step.ModelName]
		mod := r.modules[step.ModelName]
		inMap := map[string]string{}
		for _, kv := range step.InputMap {
			inMap[kv.Key] = kv.Value
		}
		args := make([]*torch.Value, 0, len(cfg.Inputs))
		free := func() {
			for _, a := range args {
				a.Free()
			}
		}
		for _, in := range cfg.Inputs {
			v, ok := tensors[inMap[in.Name]]
			if !ok {
				free()
				return nil, fmt.Errorf("%s: ensemble tensor %q for %s is not ready", step.ModelName, inMap[in.Name], in.Name)
			}
			where := step.ModelName + " " + in.Name
			if err := checkValue(v, in, cfg.MaxBatchSize, where); err != nil {
				free()
				return nil, err
			}
			var a *torch.Value
			var err error
			if v.Tensor != nil {
				t := *v.Tensor
				if in.Reshape != nil {
					t.Shape = append(append([]int64{}, t.Shape[:1]...), in.Reshape...)
				}
				a, err = torch.NewTensorValue(t)
			} else {
				a, err = torch.NewStringsValue(v.Strings)
			}
			if err != nil {
				free()
				return nil, fmt.Errorf("%s: %v", where, err)
			}
			args = append(args, a)
		}
		out, err := mod.Call("forward", args...)
		free()
		if err != nil {
			return nil, fmt.Errorf("%s: %v", step.ModelName, err)
		}
		g, err := out.ToGo()
		out.Free()
		if err != nil {
			return nil, fmt.Errorf("%s: %v", step.ModelName, err)
		}
		items, err := tupleItems(g)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", step.ModelName, err)
		}
		if len(items) != len(cfg.Outputs) {
			return nil, fmt.Errorf("%s: forward returned %d outputs, config.pbtxt lists %d", step.ModelName, len(items), len(cfg.Outputs))
		}
		produced := map[string]Value{}
		for i, o := range cfg.Outputs {
			if o.Name != fmt.Sprintf("OUTPUT__%d", i) {
				return nil, fmt.Errorf("%s: output %d is named %q, not OUTPUT__%d", step.ModelName, i, o.Name, i)
			}
			v := items[i]
			if o.Reshape != nil && v.Tensor != nil {
				t := *v.Tensor
				t.Shape = append(append([]int64{}, t.Shape[:1]...), o.Dims...)
				v.Tensor = &t
			}
			if err := checkValue(v, o, cfg.MaxBatchSize, step.ModelName+" "+o.Name); err != nil {
				return nil, err
			}
			produced[o.Name] = v
		}
		for _, kv := range step.OutputMap {
			v, ok := produced[kv.Key]
			if !ok {
				return nil, fmt.Errorf("%s: output_map names %s, which the model lacks", step.ModelName, kv.Key)
			}
			tensors[kv.Value] = v
		}
	}
	res := map[string]Value{}
	for _, o := range r.Ensemble.Outputs {
		v, ok := tensors[o.Name]
		if !ok {
			return nil, fmt.Errorf("no step produced ensemble output %q", o.Name)
		}
		if err := checkValue(v, o, r.Ensemble.MaxBatchSize, "ensemble output "+o.Name); err != nil {
			return nil, err
		}
		res[o.Name] = v
	}
	return res, nil
}

// tupleItems turns a converted forward result (a tuple) into values.
func tupleItems(g any) ([]Value, error) {
	switch x := g.(type) {
	case []tensor.Tensor:
		out := make([]Value, len(x))
		for i := range x {
			t := x[i]
			out[i] = Value{Tensor: &t}
		}
		return out, nil
	case [][]string:
		out := make([]Value, len(x))
		for i := range x {
			out[i] = Value{Strings: x[i]}
		}
		return out, nil
	case []any:
		out := make([]Value, len(x))
		for i, it := range x {
			switch y := it.(type) {
			case tensor.Tensor:
				out[i] = Value{Tensor: &y}
			case []string:
				out[i] = Value{Strings: y}
			case []any:
				if len(y) != 0 {
					return nil, fmt.Errorf("output %d is a list of %T", i, y[0])
				}
				out[i] = Value{Strings: []string{}}
			default:
				return nil, fmt.Errorf("output %d is %T, neither a tensor nor a list of strings", i, it)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("forward returned %T, not a tuple", g)
}

// EnsembleInputs turns featurised rows (Model.Featurize, SampleInputs) into
// the ensemble's inputs: the strings and tensors a Triton client sends.
func EnsembleInputs(m *core.Model, inputs []featurize.Input) (map[string]Value, error) {
	schema := m.Schema()
	if schema == nil || len(inputs) != len(schema.Inputs) {
		return nil, fmt.Errorf("want one input per input feature")
	}
	out := map[string]Value{}
	for i, f := range schema.Inputs {
		p, err := planInput(f)
		if err != nil {
			return nil, err
		}
		x := inputs[i]
		switch {
		case f.Type == "vector" && x.Strings != nil:
			t, err := parseVectors(x.Strings)
			if err != nil {
				return nil, fmt.Errorf("input feature %q: %v", f.Name, err)
			}
			out[f.Name] = Value{Tensor: &t}
		case p.dataType == "TYPE_STRING":
			if x.Strings == nil {
				return nil, fmt.Errorf("input feature %q: a Triton request carries strings here", f.Name)
			}
			out[f.Name] = Value{Strings: x.Strings}
		case x.Tensor != nil:
			t := *x.Tensor
			if p.dataType == "TYPE_FP64" && t.DType != tensor.Float64 {
				vals := make([]float64, t.NumElements())
				for j := range vals {
					vals[j] = t.Float64At(j)
				}
				t = tensor.FromFloat64(vals, t.Shape...)
			}
			out[f.Name] = Value{Tensor: &t}
		case x.Tensors != nil:
			t, err := stack(x.Tensors)
			if err != nil {
				return nil, fmt.Errorf("input feature %q: %v", f.Name, err)
			}
			out[f.Name] = Value{Tensor: &t}
		default:
			return nil, fmt.Errorf("input feature %q: no value", f.Name)
		}
	}
	return out, nil
}

// parseVectors turns Ludwig's vector strings ("1.0 2.5 ...") into a float32
// [B, D] tensor, as the vector preprocessing would (float() of each token,
// then float32).
func parseVectors(rows []string) (tensor.Tensor, error) {
	var vals []float32
	d := -1
	for i, r := range rows {
		fields := strings.Fields(r)
		if d >= 0 && len(fields) != d {
			return tensor.Tensor{}, fmt.Errorf("row %d has %d values, row 0 has %d", i, len(fields), d)
		}
		d = len(fields)
		for _, s := range fields {
			x, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return tensor.Tensor{}, fmt.Errorf("row %d: %v", i, err)
			}
			vals = append(vals, float32(x))
		}
	}
	return tensor.FromFloat32(vals, int64(len(rows)), int64(d)), nil
}

// stack joins same-shaped tensors along a new first dimension.
func stack(ts []tensor.Tensor) (tensor.Tensor, error) {
	if len(ts) == 0 {
		return tensor.Tensor{}, fmt.Errorf("no tensors")
	}
	first := ts[0]
	var data []byte
	for i, t := range ts {
		if t.DType != first.DType || !dimsMatch(t.Shape, first.Shape) {
			return tensor.Tensor{}, fmt.Errorf("tensor %d has shape %v %s, tensor 0 %v %s: a Triton tensor needs one shape", i, t.Shape, t.DType, first.Shape, first.DType)
		}
		data = append(data, t.Data...)
	}
	return tensor.Tensor{DType: first.DType, Shape: append([]int64{int64(len(ts))}, first.Shape...), Data: data}, nil
}

// Verify runs the repository's ensemble on featurised rows (nil: generated
// ones) and compares its outputs with the model's own postprocessor outputs on the same rows (the
// direct path): tensors bit for bit, strings exactly.
func Verify(m *core.Model, dir, name string, inputs []featurize.Input) error {
	if inputs == nil {
		var err error
		if inputs, err = m.SampleInputs(); err != nil {
			return err
		}
	}
	r, err := OpenRepository(dir, name)
	if err != nil {
		return err
	}
	defer r.Close()
	in, err := EnsembleInputs(m, inputs)
	if err != nil {
		return err
	}
	got, err := r.Run(in)
	if err != nil {
		return err
	}
	stages, err := m.StageModules()
	if err != nil {
		return err
	}
	defer stages.Close()
	want, err := m.RunStages(stages, inputs)
	if err != nil {
		return err
	}
	return Compare(got, want.Postprocessed)
}

// Compare checks ensemble outputs against postprocessor outputs: each
// output the repository carries must equal the direct one (string lists
// joined by spaces, as the export does).
func Compare(got map[string]Value, want *torch.Dict) error {
	for k, g := range got {
		w, ok := want.Get(k)
		if !ok {
			return fmt.Errorf("output %s is not a postprocessor output", k)
		}
		switch w := w.(type) {
		case tensor.Tensor:
			if g.Tensor == nil || g.Tensor.DType != w.DType || !dimsMatch(g.Tensor.Shape, w.Shape) || string(g.Tensor.Data) != string(w.Data) {
				return fmt.Errorf("output %s differs from the model's", k)
			}
		case []string:
			if !slices.Equal(g.Strings, w) {
				return fmt.Errorf("output %s differs: %q vs the model's %q", k, g.Strings, w)
			}
		case [][]string:
			joined := make([]string, len(w))
			for j, row := range w {
				joined[j] = strings.Join(row, " ")
			}
			if !slices.Equal(g.Strings, joined) {
				return fmt.Errorf("output %s differs: %q vs the model's %q", k, g.Strings, joined)
			}
		default:
			return fmt.Errorf("output %s: the model's value is %T", k, w)
		}
	}
	return nil
}
