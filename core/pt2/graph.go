package pt2

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core/kernels"
	"github.com/ludwig-infer/ludwig-infer/core/script"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// Value is a graph value: a *kernels.Tensor, an int64 (symbolic sizes),
// or what an operator takes (lists, scalars, nil).
type Value = script.Value

// Input is one user input of the graph.
type Input struct {
	// Name is the input's key in the exported call (Ludwig: the input
	// feature's name), from the program's in_spec.
	Name string
	// Node is the graph's placeholder ("inputs_num1").
	Node string
	// DType is the dtype the graph was exported with; Run requires it.
	DType tensor.DType
	// Shape is the exported shape; -1 marks a symbolic dimension (the
	// batch, dimension 0, is symbolic in a dynamic-batch program).
	Shape []int
}

// Batch is the batch sizes one run of the graph takes: Min == Max for a
// graph exported with a fixed batch (empty range_constraints).
type Batch struct {
	Min, Max int
}

// Fixed reports whether the graph takes exactly one batch size.
func (b Batch) Fixed() bool { return b.Min == b.Max }

// MaxDynamicBatch caps the chunk size of a dynamic batch whose range has
// no upper bound (torch writes infinity): a call runs in chunks of at
// most this many rows.
const MaxDynamicBatch = 1 << 16

// Program is a model.pt2's exported program, read and compiled. It is
// immutable after Read: Run may be called from several goroutines.
type Program struct {
	// Kind is the file's kind (Archive or Legacy).
	Kind Kind
	// SchemaMajor and SchemaMinor are the program's schema_version.
	SchemaMajor, SchemaMinor int
	// TorchVersion is the version of torch that exported it ("" in
	// files of torch < 2.8, which do not record it).
	TorchVersion string
	// Inputs are the user inputs in call order.
	Inputs []Input
	// Outputs are the output names in the out spec's order (Ludwig's
	// dict keys, "label::logits"; a tuple's positions "0", "1", ...).
	Outputs []string
	// Batch is the batch range one graph run takes.
	Batch Batch
	// Ops lists the graph's op overloads, sorted, once each.
	Ops []string

	params  map[string]*kernels.Tensor // the lifted parameters and buffers, by fully qualified name
	steps   []step
	frame   []Value // initial slots: weights and constants bound
	inSlot  []int
	outSlot []int
}

// Parameter returns a parameter or buffer the program takes, by its fully
// qualified name in the exported module ("output_features.module_dict.
// y__ludwig._calibration_module.temperature"), including those no node
// reads (torch.export lifts every parameter). The tensor is shared: do not
// modify it.
func (p *Program) Parameter(fqn string) (*kernels.Tensor, bool) {
	t, ok := p.params[fqn]
	return t, ok
}

// ParameterNames lists the names Parameter knows, sorted.
func (p *Program) ParameterNames() []string {
	out := make([]string, 0, len(p.params))
	for n := range p.params {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// argv is a compiled argument: a slot of the frame, a constant, or a list
// of either.
type argv struct {
	slot  int // >= 0: the frame's slot
	val   Value
	items []argv
	list  bool
}

func (a argv) eval(frame []Value) Value {
	switch {
	case a.list:
		items := make([]Value, len(a.items))
		for i, it := range a.items {
			items[i] = it.eval(frame)
		}
		return &script.List{Items: items}
	case a.slot >= 0:
		return frame[a.slot]
	}
	return a.val
}

type placed struct {
	idx int
	a   argv
}

// step is one compiled node.
type step struct {
	target  string
	fn      func([]Value) (Value, error)
	nparams int
	args    []placed
	outs    []int // slots (-1: not kept)
	listOut bool  // one as_tensors output: outs are the list's items
}

// compiler holds the name -> slot map while compiling.
type compiler struct {
	slots map[string]int
	frame []Value
}

func (c *compiler) define(name string) (int, error) {
	if _, dup := c.slots[name]; dup {
		return 0, fmt.Errorf("value %q defined twice", truncate(name, 60))
	}
	c.slots[name] = len(c.frame)
	c.frame = append(c.frame, nil)
	return len(c.frame) - 1, nil
}

func (c *compiler) ref(name string) (argv, error) {
	s, ok := c.slots[name]
	if !ok {
		return argv{}, fmt.Errorf("value %q used before it is defined", truncate(name, 60))
	}
	return argv{slot: s}, nil
}

func constant(v Value) argv { return argv{slot: -1, val: v} }

// compile decodes a serialized ExportedProgram and binds its weights.
func compile(raw []byte, weights map[string]*kernels.Tensor) (*Program, error) {
	var pj programJSON
	if err := json.Unmarshal(raw, &pj); err != nil {
		return nil, fmt.Errorf("model.pt2: the exported program is not valid JSON: %v", err)
	}
	p := &Program{TorchVersion: pj.TorchVersion}
	if pj.SchemaVersion == nil {
		return nil, fmt.Errorf("model.pt2: the exported program has no schema_version")
	}
	p.SchemaMajor, p.SchemaMinor = pj.SchemaVersion.Major, pj.SchemaVersion.Minor
	if !slices.Contains(SchemaMajors, p.SchemaMajor) {
		return nil, fmt.Errorf("model.pt2: exported program schema version %d.%d is not supported (majors %v are)", p.SchemaMajor, p.SchemaMinor, SchemaMajors)
	}
	g := &pj.GraphModule.Graph
	c := &compiler{slots: map[string]int{}}
	if err := p.bindInputs(c, &pj, weights); err != nil {
		return nil, fmt.Errorf("model.pt2: %w", err)
	}
	ops := map[string]bool{}
	for i := range g.Nodes {
		s, err := c.node(&g.Nodes[i])
		if err != nil {
			return nil, fmt.Errorf("model.pt2: node %d (%s): %w", i, truncate(g.Nodes[i].Target, 80), err)
		}
		ops[g.Nodes[i].Target] = true
		p.steps = append(p.steps, s)
	}
	for o := range ops {
		p.Ops = append(p.Ops, o)
	}
	sort.Strings(p.Ops)
	if err := p.bindOutputs(c, &pj); err != nil {
		return nil, fmt.Errorf("model.pt2: %w", err)
	}
	p.frame = c.frame
	return p, nil
}

// bindInputs places the graph's inputs: weights and constants bound to
// their tensors, user inputs named from the in_spec.
func (p *Program) bindInputs(c *compiler, pj *programJSON, weights map[string]*kernels.Tensor) error {
	sig := pj.GraphModule.Signature
	var userNodes []string
	for _, s := range sig.InputSpecs {
		var node, fqn string
		switch {
		case s.UserInput != nil:
			k, v, err := s.UserInput.Arg.kind()
			if err != nil {
				return err
			}
			var n nameJSON
			if k != "as_tensor" || json.Unmarshal(v, &n) != nil {
				return fmt.Errorf("a user input of kind %s: only tensor inputs are supported", k)
			}
			slot, err := c.define(n.Name)
			if err != nil {
				return err
			}
			userNodes = append(userNodes, n.Name)
			p.inSlot = append(p.inSlot, slot)
			continue
		case s.Parameter != nil:
			node, fqn = s.Parameter.Arg.Name, s.Parameter.ParameterName
		case s.Buffer != nil:
			node, fqn = s.Buffer.Arg.Name, s.Buffer.BufferName
		case s.TensorConstant != nil:
			node, fqn = s.TensorConstant.Arg.Name, s.TensorConstant.TensorConstantName
		case s.CustomObj != nil:
			return fmt.Errorf("the program takes a custom object (torchbind): not supported by the Go engine")
		case s.Token != nil:
			return fmt.Errorf("the program takes an effect token: not supported by the Go engine")
		case s.ConstantInput != nil:
			return fmt.Errorf("the program takes a constant input: not supported by the Go engine")
		default:
			return fmt.Errorf("an input spec of an unknown kind")
		}
		t, ok := weights[fqn]
		if !ok {
			return fmt.Errorf("the weights have no %q (input %s)", truncate(fqn, 80), truncate(node, 60))
		}
		if s.Parameter != nil || s.Buffer != nil {
			if p.params == nil {
				p.params = map[string]*kernels.Tensor{}
			}
			p.params[fqn] = t
		}
		slot, err := c.define(node)
		if err != nil {
			return err
		}
		c.frame[slot] = t
	}
	names, err := p.inputNames(pj, len(userNodes))
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, node := range userNodes {
		meta, ok := pj.GraphModule.Graph.TensorValues[node]
		if !ok {
			return fmt.Errorf("input %s has no tensor metadata", node)
		}
		dt, err := dtypeOf(meta.DType)
		if err != nil {
			return fmt.Errorf("input %s: %w", names[i], err)
		}
		if seen[names[i]] {
			return fmt.Errorf("two inputs named %q", names[i])
		}
		seen[names[i]] = true
		in := Input{Name: names[i], Node: node, DType: dt}
		for _, s := range meta.Sizes {
			switch {
			case s.AsInt != nil && *s.AsInt >= 0 && *s.AsInt <= math.MaxInt32:
				in.Shape = append(in.Shape, int(*s.AsInt))
			case s.AsExpr != nil:
				in.Shape = append(in.Shape, -1)
			default:
				return fmt.Errorf("input %s: a size that is neither an integer nor an expression", names[i])
			}
		}
		p.Inputs = append(p.Inputs, in)
	}
	return p.batchRange(pj)
}

// inputNames names the user inputs from the root call's in_spec: each
// leaf's innermost dict key (Ludwig passes one dict of features), else
// the placeholder's name.
func (p *Program) inputNames(pj *programJSON, n int) ([]string, error) {
	spec := ""
	for _, m := range pj.GraphModule.ModuleCallGraph {
		if m.FQN == "" && m.Signature != nil {
			spec = m.Signature.InSpec
		}
	}
	if spec == "" {
		return nil, fmt.Errorf("the program has no in_spec (module_call_graph)")
	}
	leaves, err := treeLeaves(spec)
	if err != nil {
		return nil, fmt.Errorf("in_spec: %w", err)
	}
	if len(leaves) != n {
		return nil, fmt.Errorf("in_spec has %d leaves for %d user inputs", len(leaves), n)
	}
	names := make([]string, n)
	for i, path := range leaves {
		for _, k := range path {
			if k.key {
				names[i] = k.name
			}
		}
		if names[i] == "" {
			names[i] = fmt.Sprintf("input_%d", i)
		}
	}
	return names, nil
}

// batchRange derives the batch from the user inputs' first dimension:
// an integer (the same for all: fixed) or one symbol with a range.
func (p *Program) batchRange(pj *programJSON) error {
	if len(p.Inputs) == 0 {
		return fmt.Errorf("the program has no user input")
	}
	sym, fixed := "", -1
	for _, in := range p.Inputs {
		meta := pj.GraphModule.Graph.TensorValues[in.Node]
		if len(meta.Sizes) == 0 {
			return fmt.Errorf("input %s is a scalar: no batch dimension", in.Name)
		}
		s := meta.Sizes[0]
		switch {
		case s.AsInt != nil:
			if fixed >= 0 && fixed != int(*s.AsInt) || sym != "" {
				return fmt.Errorf("the inputs disagree on the batch dimension (input %s)", in.Name)
			}
			fixed = int(*s.AsInt)
		default:
			name := symbolName(s.AsExpr.ExprStr)
			if name == "" {
				return fmt.Errorf("input %s: batch dimension %q is not one symbol", in.Name, truncate(s.AsExpr.ExprStr, 60))
			}
			if fixed >= 0 || sym != "" && sym != name {
				return fmt.Errorf("the inputs disagree on the batch dimension (input %s)", in.Name)
			}
			sym = name
		}
	}
	if sym == "" {
		if fixed < 1 {
			return fmt.Errorf("the exported batch size is %d", fixed)
		}
		p.Batch = Batch{fixed, fixed}
		return nil
	}
	r, ok := pj.RangeConstraints[sym]
	if !ok {
		return fmt.Errorf("the batch symbol %s has no range constraint", sym)
	}
	lo, err := rangeBound(r.Min, 1)
	if err != nil {
		return fmt.Errorf("range of %s: %w", sym, err)
	}
	hi, err := rangeBound(r.Max, MaxDynamicBatch)
	if err != nil {
		return fmt.Errorf("range of %s: %w", sym, err)
	}
	lo, hi = max(lo, 1), min(hi, MaxDynamicBatch)
	if lo > hi {
		return fmt.Errorf("the batch range [%d, %d] is empty", lo, hi)
	}
	p.Batch = Batch{int(lo), int(hi)}
	return nil
}

// bindOutputs names the user outputs from the out_spec.
func (p *Program) bindOutputs(c *compiler, pj *programJSON) error {
	var slots []int
	for _, s := range pj.GraphModule.Signature.OutputSpecs {
		if s.UserOutput == nil {
			return fmt.Errorf("the program has an output that is not a user output (a buffer or input mutation): not supported by the Go engine")
		}
		k, v, err := s.UserOutput.Arg.kind()
		if err != nil {
			return err
		}
		if k != "as_tensor" {
			// A constant output (Ludwig's used_tokens is the int the
			// sample gave): a 0-dim tensor of its value.
			a, err := c.arg(s.UserOutput.Arg)
			if err != nil || a.slot >= 0 || a.list {
				return fmt.Errorf("an output of kind %s: only tensors and constant numbers are supported", k)
			}
			t, err := scalarTensor(a.val)
			if err != nil {
				return fmt.Errorf("an output of kind %s: %w", k, err)
			}
			c.frame = append(c.frame, t)
			slots = append(slots, len(c.frame)-1)
			continue
		}
		var n nameJSON
		if json.Unmarshal(v, &n) != nil {
			return fmt.Errorf("a tensor output without a name")
		}
		a, err := c.ref(n.Name)
		if err != nil {
			return err
		}
		slots = append(slots, a.slot)
	}
	spec := ""
	for _, m := range pj.GraphModule.ModuleCallGraph {
		if m.FQN == "" && m.Signature != nil {
			spec = m.Signature.OutSpec
		}
	}
	leaves, err := treeLeaves(spec)
	if err != nil {
		return fmt.Errorf("out_spec: %w", err)
	}
	if len(leaves) != len(slots) {
		return fmt.Errorf("out_spec has %d leaves for %d outputs", len(leaves), len(slots))
	}
	seen := map[string]bool{}
	for _, path := range leaves {
		parts := make([]string, len(path))
		for j, k := range path {
			parts[j] = k.name
		}
		name := strings.Join(parts, ".")
		if name == "" {
			name = "output"
		}
		if seen[name] {
			return fmt.Errorf("two outputs named %q", name)
		}
		seen[name] = true
		p.Outputs = append(p.Outputs, name)
	}
	p.outSlot = slots
	return nil
}

// node compiles one graph node.
// schemaAliases maps an aten schema's parameter name to the name the
// TorchScript operators (core/script) give the same parameter: pow's
// exponent (pow.Tensor_Scalar, pow.Scalar, pow.Tensor_Tensor) is the
// binary operators' other.
var schemaAliases = map[string]string{"exponent": "other"}

func (c *compiler) node(n *nodeJSON) (step, error) {
	op, err := resolve(n.Target)
	if err != nil {
		return step{}, err
	}
	s := step{target: n.Target, fn: op.Fn, nparams: len(op.Params)}
	for _, na := range n.Inputs {
		a, err := c.arg(na.Arg)
		if err != nil {
			return step{}, fmt.Errorf("argument %s: %w", truncate(na.Name, 40), err)
		}
		idx := -1
		for i, p := range op.Params {
			if p == na.Name || p == schemaAliases[na.Name] {
				idx = i
			}
		}
		if idx < 0 {
			if ignorable(na.Name, a) {
				continue
			}
			return step{}, fmt.Errorf("argument %s is not supported by the Go engine's operator", truncate(na.Name, 40))
		}
		s.args = append(s.args, placed{idx, a})
	}
	for _, o := range n.Outputs {
		k, v, err := o.kind()
		if err != nil {
			return step{}, err
		}
		switch k {
		case "as_tensor", "as_sym_int", "as_sym_bool", "as_sym_float":
			name, err := outName(k, v)
			if err != nil {
				return step{}, err
			}
			slot, err := c.define(name)
			if err != nil {
				return step{}, err
			}
			s.outs = append(s.outs, slot)
		case "as_tensors":
			if len(n.Outputs) != 1 {
				return step{}, fmt.Errorf("a list output beside other outputs")
			}
			var names []nameJSON
			if err := json.Unmarshal(v, &names); err != nil {
				return step{}, fmt.Errorf("output: %v", err)
			}
			s.listOut = true
			for _, nm := range names {
				slot, err := c.define(nm.Name)
				if err != nil {
					return step{}, err
				}
				s.outs = append(s.outs, slot)
			}
		case "as_none":
			s.outs = append(s.outs, -1)
		default:
			return step{}, fmt.Errorf("an output of kind %s is not supported", k)
		}
	}
	return s, nil
}

// ignorable reports whether an argument the operator does not take can be
// dropped: None, a layout or memory format (decoded to nil), or the CPU.
func ignorable(name string, a argv) bool {
	if a.list || a.slot >= 0 {
		return false
	}
	switch v := a.val.(type) {
	case nil:
		return true
	case script.Device:
		return v == "cpu"
	case bool:
		return name == "pin_memory" && !v
	}
	return false
}

func outName(kind string, v json.RawMessage) (string, error) {
	if kind == "as_tensor" {
		var n nameJSON
		if err := json.Unmarshal(v, &n); err != nil {
			return "", fmt.Errorf("output: %v", err)
		}
		return n.Name, nil
	}
	var s struct {
		AsName *string `json:"as_name"`
	}
	if err := json.Unmarshal(v, &s); err != nil || s.AsName == nil {
		return "", fmt.Errorf("a %s output without a name", kind)
	}
	return *s.AsName, nil
}

// arg decodes one Argument.
func (c *compiler) arg(a argJSON) (argv, error) {
	k, v, err := a.kind()
	if err != nil {
		return argv{}, err
	}
	switch k {
	case "as_none":
		return constant(nil), nil
	case "as_tensor":
		var n nameJSON
		if err := json.Unmarshal(v, &n); err != nil {
			return argv{}, err
		}
		return c.ref(n.Name)
	case "as_tensors":
		var ns []nameJSON
		if err := json.Unmarshal(v, &ns); err != nil {
			return argv{}, err
		}
		out := argv{list: true}
		for _, n := range ns {
			r, err := c.ref(n.Name)
			if err != nil {
				return argv{}, err
			}
			out.items = append(out.items, r)
		}
		return out, nil
	case "as_optional_tensors":
		var as []argJSON
		if err := json.Unmarshal(v, &as); err != nil {
			return argv{}, err
		}
		out := argv{list: true}
		for _, e := range as {
			r, err := c.arg(e)
			if err != nil {
				return argv{}, err
			}
			out.items = append(out.items, r)
		}
		return out, nil
	case "as_int", "as_bool", "as_string":
		var x any
		switch k {
		case "as_int":
			var i int64
			err = json.Unmarshal(v, &i)
			x = i
		case "as_bool":
			var b bool
			err = json.Unmarshal(v, &b)
			x = b
		default:
			var s string
			err = json.Unmarshal(v, &s)
			x = s
		}
		if err != nil {
			return argv{}, fmt.Errorf("%s: %v", k, err)
		}
		return constant(x), nil
	case "as_float":
		f, err := jsonFloat(v)
		if err != nil {
			return argv{}, err
		}
		return constant(f), nil
	case "as_ints", "as_bools", "as_strings":
		var xs []json.RawMessage
		if err := json.Unmarshal(v, &xs); err != nil {
			return argv{}, err
		}
		out := argv{list: true}
		for _, x := range xs {
			e, err := c.arg(argJSON{strings.TrimSuffix(k, "s"): x})
			if err != nil {
				return argv{}, err
			}
			out.items = append(out.items, e)
		}
		return out, nil
	case "as_floats":
		var xs []json.RawMessage
		if err := json.Unmarshal(v, &xs); err != nil {
			return argv{}, err
		}
		out := argv{list: true}
		for _, x := range xs {
			f, err := jsonFloat(x)
			if err != nil {
				return argv{}, err
			}
			out.items = append(out.items, constant(f))
		}
		return out, nil
	case "as_sym_int", "as_sym_bool", "as_sym_float":
		var s map[string]json.RawMessage
		if err := json.Unmarshal(v, &s); err != nil {
			return argv{}, err
		}
		if raw, ok := s["as_name"]; ok {
			var n string
			if err := json.Unmarshal(raw, &n); err != nil {
				return argv{}, err
			}
			return c.ref(n)
		}
		return c.arg(argJSON(s))
	case "as_sym_ints", "as_sym_bools", "as_sym_floats":
		var xs []argJSON
		if err := json.Unmarshal(v, &xs); err != nil {
			return argv{}, err
		}
		out := argv{list: true}
		for _, x := range xs {
			e, err := c.arg(argJSON{strings.TrimSuffix(k, "s"): mustJSON(x)})
			if err != nil {
				return argv{}, err
			}
			out.items = append(out.items, e)
		}
		return out, nil
	case "as_scalar_type":
		var code int
		if err := json.Unmarshal(v, &code); err != nil {
			return argv{}, err
		}
		dt, err := dtypeOf(code)
		if err != nil {
			return argv{}, err
		}
		return constant(kernels.ScalarTypeOf(dt)), nil
	case "as_device":
		var d struct {
			Type  string `json:"type"`
			Index *int   `json:"index"`
		}
		if err := json.Unmarshal(v, &d); err != nil {
			return argv{}, err
		}
		if d.Index != nil {
			return constant(script.Device(fmt.Sprintf("%s:%d", d.Type, *d.Index))), nil
		}
		return constant(script.Device(d.Type)), nil
	case "as_layout":
		var l int
		if err := json.Unmarshal(v, &l); err != nil || l != 7 {
			return argv{}, fmt.Errorf("layout %s: only strided tensors are supported", truncate(string(v), 20))
		}
		return constant(nil), nil
	case "as_memory_format":
		var m int
		if err := json.Unmarshal(v, &m); err != nil || (m != 1 && m != 4) {
			return argv{}, fmt.Errorf("memory format %s: only contiguous and preserve are supported", truncate(string(v), 20))
		}
		return constant(nil), nil
	}
	return argv{}, fmt.Errorf("an argument of kind %s is not supported by the Go engine", truncate(k, 40))
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// scalarTensor makes a 0-dim tensor of a constant number: int64, float32
// (a Python float, as torch.tensor makes it) or bool.
func scalarTensor(v Value) (*kernels.Tensor, error) {
	switch x := v.(type) {
	case int64:
		t := kernels.Scalar(tensor.Int64, 0)
		t.I64[0] = x
		return t, nil
	case float64:
		return kernels.Scalar(tensor.Float32, x), nil
	case bool:
		return kernels.Scalar(tensor.Bool, b2f(x)), nil
	}
	return nil, fmt.Errorf("a constant of type %T", v)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
