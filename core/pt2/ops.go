package pt2

import (
	"fmt"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core/kernels"
	"github.com/ludwig-infer/ludwig-infer/core/script"
)

// Operators. A node's target is its op overload
// ("torch.ops.aten.linear.default"). Overloads listed in graphOps have
// their own implementation here; any other torch.ops.aten.<name>.<overload>
// runs core/script's aten::<name>, its named arguments placed by the
// schema's parameter names (an argument the operator does not take fails
// the load unless it is None, the CPU device or a strided layout). The
// overloads of one aten name differ only in their argument types
// (sum.default / sum.dim_IntList, ne.Scalar / ne.Tensor, to.dtype /
// to.dtype_layout), which core/script's operators already dispatch on.

const atenPrefix = "torch.ops.aten."

// graphOps are the overloads implemented here: those exported graphs hold
// and TorchScript code does not (sym_size, _assert_tensor_metadata,
// chunk's list result, scaled_dot_product_attention), and Python's
// operators on symbolic sizes.
var graphOps = map[string]script.Operator{
	atenPrefix + "sym_size.int": {Params: []string{"self", "dim"}, Fn: symSize},
	atenPrefix + "_assert_tensor_metadata.default": {
		Params: []string{"a", "size", "stride", "dtype", "device", "layout"}, Fn: assertMetadata},
	atenPrefix + "_assert_scalar.default":               {Params: []string{"self", "assert_msg"}, Fn: assertScalar},
	atenPrefix + "scaled_dot_product_attention.default": {Params: []string{"query", "key", "value", "attn_mask", "dropout_p", "is_causal", "scale", "enable_gqa"}, Fn: sdpa},
	atenPrefix + "chunk.default":                        {Params: []string{"self", "chunks", "dim"}, Fn: chunk},
	atenPrefix + "split.Tensor":                         {Params: []string{"self", "split_size", "dim"}, Fn: split},
	atenPrefix + "clone.default":                        {Params: []string{"self", "memory_format"}, Fn: clone},
	atenPrefix + "detach_.default":                      {Params: []string{"self"}, Fn: identity},
	atenPrefix + "_to_copy.default": {
		Params: []string{"self", "dtype", "layout", "device", "pin_memory", "non_blocking", "memory_format"}, Fn: toCopy},
	atenPrefix + "permute.default":         {Params: []string{"self", "dims"}, Fn: intsOp(kernels.Permute)},
	atenPrefix + "expand.default":          {Params: []string{"self", "size", "implicit"}, Fn: intsOp(kernels.Expand)},
	atenPrefix + "alias.default":           {Params: []string{"self"}, Fn: identity},
	atenPrefix + "lift_fresh_copy.default": {Params: []string{"self"}, Fn: clone},
	"_operator.add":                        symArith("add"),
	"_operator.sub":                        symArith("sub"),
	"_operator.mul":                        symArith("mul"),
	"_operator.floordiv":                   symArith("floordiv"),
}

// atenAliases are aten names whose operator is registered under another
// (torch.not_equal records aten.not_equal in exported graphs; TorchScript
// compiles it to aten::ne).
var atenAliases = map[string]string{
	"not_equal": "ne", "greater": "gt", "greater_equal": "ge", "less": "lt", "less_equal": "le",
	"multiply": "mul", "divide": "div", "subtract": "sub", "true_divide": "div", "clip": "clamp",
	"concat": "cat", "concatenate": "cat", "swapaxes": "transpose", "swapdims": "transpose",
	// numel of a tensor with a symbolic (dynamic) batch: Ludwig's used_tokens counts its
	// inputs' elements, so graphs exported with Dim("batch") hold it (bag, set, vector, text).
	"sym_numel": "numel",
}

// resolve finds a node target's operator.
func resolve(target string) (script.Operator, error) {
	if op, ok := graphOps[target]; ok {
		return op, nil
	}
	if rest, ok := strings.CutPrefix(target, atenPrefix); ok {
		if i := strings.LastIndexByte(rest, '.'); i > 0 {
			name := rest[:i]
			if a, ok := atenAliases[name]; ok {
				name = a
			}
			if op, ok := script.Lookup(name); ok {
				return op, nil
			}
		}
	}
	return script.Operator{}, fmt.Errorf("operator %s is not supported by the Go engine", truncate(target, 100))
}

// Supported reports whether a node target (an op overload) runs in the
// Go engine: the coverage docs/pt2.md gives for graphs.
func Supported(target string) bool {
	_, err := resolve(target)
	return err == nil
}

func tensorAt(vs []Value, i int, what string) (*kernels.Tensor, error) {
	if i < len(vs) {
		if t, ok := vs[i].(*kernels.Tensor); ok {
			return t, nil
		}
	}
	return nil, fmt.Errorf("%s must be a tensor", what)
}

func intAt(vs []Value, i int, def int64) (int64, error) {
	if i >= len(vs) || vs[i] == nil {
		return def, nil
	}
	n, ok := vs[i].(int64)
	if !ok {
		return 0, fmt.Errorf("argument %d must be an int, not %s", i+1, ptTypeName(vs[i]))
	}
	return n, nil
}

func ptTypeName(v Value) string {
	if _, ok := v.(*kernels.Tensor); ok {
		return "Tensor"
	}
	return fmt.Sprintf("%T", v)
}

func symSize(vs []Value) (Value, error) {
	t, err := tensorAt(vs, 0, "sym_size's self")
	if err != nil {
		return nil, err
	}
	d, err := intAt(vs, 1, 0)
	if err != nil {
		return nil, err
	}
	n, err := kernels.NormDim(int(d), t.Dim())
	if err != nil {
		return nil, err
	}
	return int64(t.Shape[n]), nil
}

// assertMetadata is _assert_tensor_metadata: the tensor's dtype (and
// sizes, when given) must be the exported ones.
func assertMetadata(vs []Value) (Value, error) {
	t, err := tensorAt(vs, 0, "_assert_tensor_metadata's a")
	if err != nil {
		return nil, err
	}
	if len(vs) > 3 && vs[3] != nil {
		code, _ := vs[3].(int64)
		if dt, err := kernels.DTypeOf(code); err != nil || dt != t.DType {
			return nil, fmt.Errorf("tensor metadata assertion failed: dtype %s, the program was exported with another (code %d)", t.DType, code)
		}
	}
	if len(vs) > 1 && vs[1] != nil {
		if l, ok := vs[1].(*script.List); ok {
			if len(l.Items) != t.Dim() {
				return nil, fmt.Errorf("tensor metadata assertion failed: %d dimensions, %d exported", t.Dim(), len(l.Items))
			}
			for i, it := range l.Items {
				if n, ok := it.(int64); ok && int(n) != t.Shape[i] {
					return nil, fmt.Errorf("tensor metadata assertion failed: shape %v, dimension %d exported as %d", t.Shape, i, n)
				}
			}
		}
	}
	return nil, nil
}

func assertScalar(vs []Value) (Value, error) {
	ok := false
	switch v := vs[0].(type) {
	case bool:
		ok = v
	case int64:
		ok = v != 0
	}
	if !ok {
		msg, _ := vs[1].(string)
		return nil, fmt.Errorf("assertion failed: %s", truncate(msg, 200))
	}
	return nil, nil
}

func sdpa(vs []Value) (Value, error) {
	var ts [3]*kernels.Tensor
	for i, n := range []string{"query", "key", "value"} {
		t, err := tensorAt(vs, i, n)
		if err != nil {
			return nil, err
		}
		ts[i] = t
	}
	var mask *kernels.Tensor
	if vs[3] != nil {
		m, err := tensorAt(vs, 3, "attn_mask")
		if err != nil {
			return nil, err
		}
		mask = m
	}
	if p, ok := vs[4].(float64); ok && p != 0 {
		return nil, fmt.Errorf("scaled_dot_product_attention with dropout_p %g: only inference (0) is supported", p)
	}
	causal, _ := vs[5].(bool)
	scale := 0.0
	switch s := vs[6].(type) {
	case float64:
		scale = s
		if scale <= 0 {
			return nil, fmt.Errorf("scaled_dot_product_attention with scale %g: only a positive scale is supported", s)
		}
	case nil:
	default:
		return nil, fmt.Errorf("scaled_dot_product_attention: scale must be a float")
	}
	if g, _ := vs[7].(bool); g {
		return nil, fmt.Errorf("scaled_dot_product_attention with enable_gqa is not supported by the Go engine")
	}
	return kernels.ScaledDotProductAttention(ts[0], ts[1], ts[2], mask, causal, scale)
}

// pieces slices t along dim into parts of size step (the last smaller).
func pieces(t *kernels.Tensor, step int64, d int64) (Value, error) {
	n, err := kernels.NormDim(int(d), t.Dim())
	if err != nil {
		return nil, err
	}
	size := int64(t.Shape[n])
	if step <= 0 && size > 0 {
		return nil, fmt.Errorf("split size must be positive, got %d", step)
	}
	out := &script.List{}
	for start := int64(0); start < size || (size == 0 && start == 0); start += step {
		s, e := start, min(start+step, size)
		p, err := kernels.Slice(t, n, &s, &e, 1)
		if err != nil {
			return nil, err
		}
		out.Items = append(out.Items, kernels.Clone(p))
		if size == 0 {
			break
		}
	}
	return out, nil
}

func chunk(vs []Value) (Value, error) {
	t, err := tensorAt(vs, 0, "chunk's self")
	if err != nil {
		return nil, err
	}
	c, err := intAt(vs, 1, 1)
	if err != nil {
		return nil, err
	}
	d, err := intAt(vs, 2, 0)
	if err != nil {
		return nil, err
	}
	if c <= 0 {
		return nil, fmt.Errorf("chunk expects chunks to be greater than 0, got %d", c)
	}
	n, err := kernels.NormDim(int(d), t.Dim())
	if err != nil {
		return nil, err
	}
	size := int64(t.Shape[n])
	return pieces(t, max((size+c-1)/c, 1), d)
}

func split(vs []Value) (Value, error) {
	t, err := tensorAt(vs, 0, "split's self")
	if err != nil {
		return nil, err
	}
	s, err := intAt(vs, 1, 1)
	if err != nil {
		return nil, err
	}
	d, err := intAt(vs, 2, 0)
	if err != nil {
		return nil, err
	}
	return pieces(t, s, d)
}

func clone(vs []Value) (Value, error) {
	t, err := tensorAt(vs, 0, "clone's self")
	if err != nil {
		return nil, err
	}
	return kernels.Clone(t), nil
}

func identity(vs []Value) (Value, error) {
	t, err := tensorAt(vs, 0, "self")
	if err != nil {
		return nil, err
	}
	return t, nil
}

// symArith is Python's integer operators on symbolic sizes.
func symArith(name string) script.Operator {
	return script.Operator{Params: []string{"a", "b"}, Fn: func(vs []Value) (Value, error) {
		a, ok1 := vs[0].(int64)
		b, ok2 := vs[1].(int64)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("_operator.%s on %s and %s: only integer sizes are supported", name, ptTypeName(vs[0]), ptTypeName(vs[1]))
		}
		switch name {
		case "add":
			return a + b, nil
		case "sub":
			return a - b, nil
		case "mul":
			return a * b, nil
		}
		if b == 0 {
			return nil, fmt.Errorf("integer division by zero")
		}
		q := a / b
		if (a%b != 0) && ((a < 0) != (b < 0)) {
			q--
		}
		return q, nil
	}}
}

// toCopy is _to_copy (torch < 2.8's graphs of .to(dtype)): a copy in the
// dtype (None: the same), on the CPU.
func toCopy(vs []Value) (Value, error) {
	t, err := tensorAt(vs, 0, "_to_copy's self")
	if err != nil {
		return nil, err
	}
	if d, ok := vs[3].(script.Device); ok && d != "cpu" {
		return nil, fmt.Errorf("_to_copy to device %s: the Go engine runs on the CPU only", d)
	}
	dt := t.DType
	if vs[1] != nil {
		code, ok := vs[1].(int64)
		if !ok {
			return nil, fmt.Errorf("_to_copy: dtype must be a scalar type")
		}
		if dt, err = kernels.DTypeOf(code); err != nil {
			return nil, err
		}
	}
	return kernels.To(t, dt, true)
}

// intsOp is an operator of a tensor and a list of ints (permute, expand).
func intsOp(f func(*kernels.Tensor, []int) (*kernels.Tensor, error)) func([]Value) (Value, error) {
	return func(vs []Value) (Value, error) {
		t, err := tensorAt(vs, 0, "self")
		if err != nil {
			return nil, err
		}
		l, ok := vs[1].(*script.List)
		if !ok {
			return nil, fmt.Errorf("argument 2 must be a list of ints")
		}
		ints := make([]int, len(l.Items))
		for i, it := range l.Items {
			n, ok := it.(int64)
			if !ok || n > 1<<31 || n < -1<<31 {
				return nil, fmt.Errorf("argument 2 must be a list of ints")
			}
			ints[i] = int(n)
		}
		return f(t, ints)
	}
}
