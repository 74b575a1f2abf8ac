//go:build cgo && !li_notorch

package torch

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"strings"
	"unsafe"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// This file reaches into modules beyond forward: named methods, submodules
// and attributes (Ludwig's monolithic InferenceModule and Carton's wrapper),
// positional calls, and wrapping a module into a new one compiled from
// TorchScript source (the Triton export).

// LoadBytes reads a TorchScript archive held in memory onto device.
func LoadBytes(data []byte, device string) (*Module, error) {
	cd := C.CString(device)
	defer C.free(unsafe.Pointer(cd))
	var p *C.lt_module
	if err := check(C.lt_module_load_bytes(dataPtr(data), C.size_t(len(data)), cd, &p)); err != nil {
		return nil, err
	}
	return &Module{p: p}, nil
}

// Submodule returns a new handle on the submodule at path (attribute names
// joined by "."; "" is m itself). Close each handle; they share one module.
func (m *Module) Submodule(path string) (*Module, error) {
	if err := m.live(); err != nil {
		return nil, err
	}
	cp := C.CString(path)
	defer C.free(unsafe.Pointer(cp))
	var p *C.lt_module
	if err := check(C.lt_module_submodule(m.p, cp, &p)); err != nil {
		return nil, err
	}
	return &Module{p: p}, nil
}

// Method returns a new handle on the submodule at path whose Forward,
// NewInput and Schema use the named method instead of forward. It fails when
// there is no such method.
func (m *Module) Method(path, method string) (*Module, error) {
	sub, err := m.Submodule(path)
	if err != nil {
		return nil, err
	}
	if !sub.HasMethod(method) {
		sub.Close()
		where := "the module"
		if path != "" {
			where = "submodule " + path
		}
		return nil, fmt.Errorf("%s has no method %s", where, method)
	}
	sub.method = method
	return sub, nil
}

// HasMethod reports whether the module has a method of that name.
func (m *Module) HasMethod(method string) bool {
	if m == nil || m.p == nil {
		return false
	}
	cm := C.CString(method)
	defer C.free(unsafe.Pointer(cm))
	return C.lt_module_has_method(m.p, cm) != 0
}

// MethodSchema returns the named method's schema as TorchScript prints it.
func (m *Module) MethodSchema(method string) (string, error) {
	if err := m.live(); err != nil {
		return "", err
	}
	return m.methodSchema(method)
}

func (m *Module) methodSchema(method string) (string, error) {
	cm := C.CString(method)
	defer C.free(unsafe.Pointer(cm))
	return m.cstring(func(o **C.char) *C.char { return C.lt_module_method_schema(m.p, cm, o) })
}

func (m *Module) methodNewInput(method string) (*Value, error) {
	cm := C.CString(method)
	defer C.free(unsafe.Pointer(cm))
	var p *C.lt_value
	if err := check(C.lt_module_method_new_input(m.p, cm, &p)); err != nil {
		return nil, err
	}
	return &Value{p: p}, nil
}

func (m *Module) methodForward(method string, in *Value, device string) (*Value, error) {
	cm := C.CString(method)
	defer C.free(unsafe.Pointer(cm))
	var cd *C.char
	if device != "" && device != "cpu" {
		cd = C.CString(device)
		defer C.free(unsafe.Pointer(cd))
	}
	var p *C.lt_value
	if err := check(C.lt_module_method_forward(m.p, cm, in.p, cd, &p)); err != nil {
		return nil, err
	}
	return &Value{p: p}, nil
}

// Call runs method(args...) with positional arguments under inference mode.
func (m *Module) Call(method string, args ...*Value) (*Value, error) {
	if err := m.live(); err != nil {
		return nil, err
	}
	cm := C.CString(method)
	defer C.free(unsafe.Pointer(cm))
	// A Go array of C pointers may be passed to C (it holds no Go pointer).
	ptrs := make([]*C.lt_value, len(args))
	for i, a := range args {
		if a == nil || a.p == nil {
			return nil, fmt.Errorf("argument %d is nil", i)
		}
		ptrs[i] = a.p
	}
	var arr **C.lt_value
	if len(ptrs) > 0 {
		arr = &ptrs[0]
	}
	var p *C.lt_value
	if err := check(C.lt_module_method_call(m.p, cm, arr, C.size_t(len(ptrs)), &p)); err != nil {
		return nil, err
	}
	return &Value{p: p}, nil
}

// Child is a direct submodule: its attribute name and its class's
// qualified name (e.g. "__torch__.ludwig.features.number_feature._NumberPreprocessing").
type Child struct {
	Name, Type string
}

// Children lists the module's direct submodules in attribute order.
func (m *Module) Children() ([]Child, error) {
	if err := m.live(); err != nil {
		return nil, err
	}
	s, err := m.cstring(func(o **C.char) *C.char { return C.lt_module_children(m.p, o) })
	if err != nil {
		return nil, err
	}
	var out []Child
	for _, line := range strings.Split(s, "\n") {
		if name, typ, ok := strings.Cut(line, "\t"); ok {
			out = append(out, Child{Name: name, Type: typ})
		}
	}
	return out, nil
}

// Attr returns the module's attribute name, copied into Go as ToGo does
// (dicts with int keys become map[int64]any).
func (m *Module) Attr(name string) (any, error) {
	if err := m.live(); err != nil {
		return nil, err
	}
	cn := C.CString(name)
	defer C.free(unsafe.Pointer(cn))
	var p *C.lt_value
	if err := check(C.lt_module_attr(m.p, cn, &p)); err != nil {
		return nil, err
	}
	v := &Value{p: p}
	defer v.Free()
	if C.lt_value_kind(p) == C.LT_KIND_DICT {
		return v.anyKeyDict()
	}
	return v.ToGo()
}

// anyKeyDict copies a dict whose keys are ints (or strings) into a map.
func (v *Value) anyKeyDict() (any, error) {
	var n C.size_t
	if err := check(C.lt_value_len(v.p, &n)); err != nil {
		return nil, err
	}
	keys := make([]any, int(n))
	values := make([]any, int(n))
	for i := 0; i < int(n); i++ {
		var kp, vp *C.lt_value
		if err := check(C.lt_value_dict_key_value(v.p, C.size_t(i), &kp)); err != nil {
			return nil, err
		}
		k, err := (&Value{p: kp}).ToGo()
		C.lt_value_free(kp)
		if err != nil {
			return nil, err
		}
		if err := check(C.lt_value_dict_value(v.p, C.size_t(i), &vp)); err != nil {
			return nil, err
		}
		x, err := (&Value{p: vp}).ToGo()
		C.lt_value_free(vp)
		if err != nil {
			return nil, err
		}
		keys[i], values[i] = k, x
	}
	return KeyedMap(keys, values)
}

// ToDevice moves the module's parameters and buffers to device and updates
// its "device" attribute when it has one (Ludwig's _InferencePredictor).
func (m *Module) ToDevice(device string) error {
	if err := m.live(); err != nil {
		return err
	}
	cd := C.CString(device)
	defer C.free(unsafe.Pointer(cd))
	return check(C.lt_module_to_device(m.p, cd))
}

// NewTensorValue makes a tensor value (the data is copied).
func NewTensorValue(t tensor.Tensor) (*Value, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	var p *C.lt_value
	if err := check(C.lt_value_new_tensor(C.int(t.DType), shapePtr(t.Shape), C.size_t(len(t.Shape)), dataPtr(t.Data), &p)); err != nil {
		return nil, err
	}
	return &Value{p: p}, nil
}

// NewStringsValue makes a List[str] value.
func NewStringsValue(s []string) (*Value, error) {
	var buf []byte
	lens := make([]C.size_t, len(s))
	for i, x := range s {
		buf = append(buf, x...)
		lens[i] = C.size_t(len(x))
	}
	var lp *C.size_t
	if len(lens) > 0 {
		lp = &lens[0]
	}
	var p *C.lt_value
	if err := check(C.lt_value_new_strings((*C.char)(dataPtr(buf)), lp, C.size_t(len(s)), &p)); err != nil {
		return nil, err
	}
	return &Value{p: p}, nil
}

// Wrap builds a new module of class className that holds stage as the
// submodule attr and whose methods are compiled from TorchScript source.
func Wrap(stage *Module, className, attr, source string) (*Module, error) {
	if err := stage.live(); err != nil {
		return nil, err
	}
	cc, ca, cs := C.CString(className), C.CString(attr), C.CString(source)
	defer C.free(unsafe.Pointer(cc))
	defer C.free(unsafe.Pointer(ca))
	defer C.free(unsafe.Pointer(cs))
	var p *C.lt_module
	if err := check(C.lt_module_wrap(stage.p, cc, ca, cs, &p)); err != nil {
		return nil, err
	}
	return &Module{p: p}, nil
}

// Save writes the module as a TorchScript archive.
func (m *Module) Save(path string) error {
	if err := m.live(); err != nil {
		return err
	}
	cp := C.CString(path)
	defer C.free(unsafe.Pointer(cp))
	return check(C.lt_module_save(m.p, cp))
}
