package script

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core/kernels"
	"github.com/ludwig-infer/ludwig-infer/core/ptfile"
)

// Value is a run-time value: nil (None), bool, int64, float64, string,
// *kernels.Tensor, *List, Tuple, *Dict, *Object, Device, *Func.
type Value = any

// List is a mutable list.
type List struct{ Items []Value }

// Tuple is an immutable tuple.
type Tuple []Value

// Dict is an insertion-ordered dict with string, int64, float64 or bool
// keys (the reader's type: attribute dicts need no conversion).
type Dict = ptfile.Dict

// NewDict makes an empty dict.
func NewDict() *Dict { return &Dict{} }

// Object is a module or class instance.
type Object struct {
	Class *class
	Attrs map[string]Value
}

// Device is a torch.device.
type Device string

// Func is a free function.
type Func struct{ fn *function }

// typeOf names a value's type as TorchScript does in errors.
func typeOf(v Value) string {
	switch x := v.(type) {
	case *kernels.Tensor:
		return "Tensor"
	case *List:
		return "List"
	case Tuple:
		return "Tuple"
	case *Object:
		return x.Class.name
	case Device:
		return "Device"
	case *Func:
		return "Function"
	}
	return ptfile.TypeName(v)
}

// fromPickle converts a pickled attribute value to a run-time value.
func fromPickle(v any, objs map[*ptfile.Object]*Object, mk func(*ptfile.Object) (*Object, error)) (Value, error) {
	switch x := v.(type) {
	case nil, bool, int64, float64, string:
		return x, nil
	case ptfile.Device:
		return Device(x), nil
	case *ptfile.Object:
		if o, ok := objs[x]; ok {
			return o, nil
		}
		return mk(x)
	case ptfile.Tuple:
		t := make(Tuple, len(x))
		for i, e := range x {
			c, err := fromPickle(e, objs, mk)
			if err != nil {
				return nil, err
			}
			t[i] = c
		}
		return t, nil
	case *ptfile.List:
		l := &List{Items: make([]Value, len(x.Items))}
		for i, e := range x.Items {
			c, err := fromPickle(e, objs, mk)
			if err != nil {
				return nil, err
			}
			l.Items[i] = c
		}
		return l, nil
	case *ptfile.Dict:
		d := NewDict()
		for i, k := range x.Keys {
			c, err := fromPickle(x.Values[i], objs, mk)
			if err != nil {
				return nil, err
			}
			if err := d.Set(k, c); err != nil {
				return nil, err
			}
		}
		return d, nil
	}
	if t, ok := asCoreTensor(v); ok {
		return kernels.FromTensor(t)
	}
	return nil, fmt.Errorf("unsupported attribute value %T", v)
}

// str is Python's str() of a value (used by format and string errors).
func str(v Value) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return formatFloat(x)
	case string:
		return x
	case *List:
		return "[" + joinRepr(x.Items) + "]"
	case Tuple:
		return "(" + joinRepr(x) + ")"
	case *Dict:
		var b strings.Builder
		b.WriteByte('{')
		for i, k := range x.Keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(repr(k) + ": " + repr(x.Values[i]))
		}
		b.WriteByte('}')
		return b.String()
	case *kernels.Tensor:
		return fmt.Sprintf("tensor of shape %v (%s)", x.Shape, x.DType)
	case Device:
		return string(x)
	}
	return typeOf(v)
}

func repr(v Value) string {
	if s, ok := v.(string); ok {
		return "'" + strings.ReplaceAll(s, "'", "\\'") + "'"
	}
	return str(v)
}

func joinRepr(vs []Value) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = repr(v)
	}
	return strings.Join(s, ", ")
}

// formatFloat prints a float as Python's repr does for common values.
func formatFloat(f float64) string {
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEn") {
		s += ".0"
	}
	return s
}
