package script

import (
	"fmt"
	"strings"

	"github.com/ludwig-infer/ludwig-infer/core/ptfile"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
	"github.com/ludwig-infer/ludwig-infer/core/torch"
)

// Tree is a module of an archive read without libtorch, with the methods
// the native stages read modules by (core/native.Module): submodules,
// attributes converted as libtorch's torch.Module.Attr converts them, and
// the aten operators of its class's printed code.
type Tree struct {
	obj  *ptfile.Object
	prog *Program
}

// NewTree returns the archive's root module.
func NewTree(a *ptfile.Archive) (*Tree, error) {
	prog, err := ParseSources(a.Sources)
	if err != nil {
		return nil, err
	}
	return &Tree{obj: a.Module, prog: prog}, nil
}

// Class returns the module's qualified class name.
func (t *Tree) Class() string { return t.obj.Class }

// Submodule returns the module at path (attribute names joined by ".";
// "" is t itself).
func (t *Tree) Submodule(path string) (*Tree, error) {
	cur := t.obj
	if path != "" {
		for _, name := range strings.Split(path, ".") {
			v, ok := cur.Attr(name)
			if !ok {
				return nil, fmt.Errorf("%s has no attribute %s", cur.Class, name)
			}
			o, ok := v.(*ptfile.Object)
			if !ok || !t.isModule(o) {
				return nil, fmt.Errorf("attribute %s of %s is not a module", name, cur.Class)
			}
			cur = o
		}
	}
	return &Tree{obj: cur, prog: t.prog}, nil
}

// isModule reports whether o's class is a Module (not a scripted class).
func (t *Tree) isModule(o *ptfile.Object) bool {
	c, ok := t.prog.Classes[o.Class]
	return ok && c.Base == "Module"
}

// Children lists the submodules in attribute order.
func (t *Tree) Children() ([]torch.Child, error) {
	var out []torch.Child
	for i, k := range t.obj.Attrs.Keys {
		if o, ok := t.obj.Attrs.Values[i].(*ptfile.Object); ok && t.isModule(o) {
			out = append(out, torch.Child{Name: k.(string), Type: o.Class})
		}
	}
	return out, nil
}

// Attr returns the attribute name as torch.Module.Attr gives it: dicts as
// map[string]any or map[int64]any, non-empty List[str] as []string, lists
// of those as [][]string, lists of tensors as []tensor.Tensor, other lists
// and tuples as []any.
func (t *Tree) Attr(name string) (any, error) {
	v, ok := t.obj.Attr(name)
	if !ok {
		return nil, fmt.Errorf("module %s has no attribute %s", t.obj.Class, name)
	}
	if d, ok := v.(*ptfile.Dict); ok {
		return attrDict(d)
	}
	return attrValue(v)
}

func attrDict(d *ptfile.Dict) (any, error) {
	values := make([]any, len(d.Keys))
	for i := range d.Keys {
		x, err := attrValue(d.Values[i])
		if err != nil {
			return nil, err
		}
		values[i] = x
	}
	return torch.KeyedMap(d.Keys, values)
}

func attrValue(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool, int64, float64, string, tensor.Tensor:
		return x, nil
	case *ptfile.List:
		return attrList(x.Items, true)
	case ptfile.Tuple:
		return attrList(x, false)
	case *ptfile.Dict:
		d := &torch.Dict{}
		for i, k := range x.Keys {
			ks, ok := k.(string)
			if !ok {
				return nil, fmt.Errorf("unsupported dict key %T", k)
			}
			y, err := attrValue(x.Values[i])
			if err != nil {
				return nil, err
			}
			d.Keys = append(d.Keys, ks)
			d.Values = append(d.Values, y)
		}
		return d, nil
	}
	return nil, fmt.Errorf("unsupported attribute value %T", v)
}

func attrList(items []any, isList bool) (any, error) {
	out := make([]any, len(items))
	strs := len(items) > 0 && isList
	for i, e := range items {
		x, err := attrValue(e)
		if err != nil {
			return nil, err
		}
		out[i] = x
		if _, ok := x.(string); !ok {
			strs = false
		}
	}
	if strs {
		s := make([]string, len(out))
		for i, x := range out {
			s[i] = x.(string)
		}
		return s, nil
	}
	return torch.Specialise(out), nil
}

// ClassOps returns the aten operators of the module's class's code.
func (t *Tree) ClassOps() ([]string, error) { return t.prog.ClassOps(t.obj.Class) }
