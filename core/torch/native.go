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
)

// This file serves the native stages (core/native): they read a scripted
// module's class and attributes at load time, and at run time mix tensors
// computed in Go with the outputs of TorchScript submodules.

// ClassOps returns the kinds of the nodes ("aten::strip", "prim::GetAttr",
// ...) in all methods of the module's class (its submodules excluded),
// sorted and unique: what the class's code does, whatever its attributes.
func (m *Module) ClassOps() ([]string, error) {
	s, err := m.cstring(func(o **C.char) *C.char { return C.lt_module_class_ops(m.p, o) })
	if err != nil {
		return nil, err
	}
	return strings.Fields(s), nil
}

// PutValue inserts item into the dict v under key, sharing item's storage
// (no copy). It fails when item's type does not fit the dict's value type.
func (v *Value) PutValue(key string, item *Value) error {
	if item == nil || item.p == nil {
		return fmt.Errorf("nil value")
	}
	ck := C.CString(key)
	defer C.free(unsafe.Pointer(ck))
	return check(C.lt_dict_put_value(v.p, ck, item.p))
}

// DictValue returns the value of a dict's entry i (insertion order) as a
// new value, sharing its storage.
func (v *Value) DictValue(i int) (*Value, error) {
	var p *C.lt_value
	if err := check(C.lt_value_dict_value(v.p, C.size_t(i), &p)); err != nil {
		return nil, err
	}
	return &Value{p: p}, nil
}
