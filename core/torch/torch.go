//go:build cgo && !li_notorch

// Package torch is ludwig-infer's only door to libtorch: a thin Go layer over
// the flat C shim in csrc/ (the only C++ in the project). Go memory never
// stays in libtorch after a call returns: tensors built from Go slices are
// copied, and outputs are copied into Go values by ToGo.
//
// The shim is prebuilt into a static library by build.sh, which also exports
// the CGO_LDFLAGS that link it with libtorch; build through ./build.sh (or set
// those flags yourself). Without cgo, or with the li_notorch build tag, a stub
// takes this file's place and every entry point returns ErrNoTorch.
package torch

/*
#cgo CFLAGS: -I${SRCDIR}/csrc
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"unsafe"

	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

// Available reports whether this build links libtorch.
const Available = true

// ErrNoTorch is returned by every entry point of a build without libtorch.
var ErrNoTorch = errNoTorch

func check(e *C.char) error {
	if e == nil {
		return nil
	}
	msg := C.GoString(e)
	C.free(unsafe.Pointer(e))
	return fmt.Errorf("%s", strings.TrimSpace(msg))
}

// Version returns the libtorch version the shim was compiled against.
func Version() string { return C.GoString(C.lt_torch_version()) }

// CUDADeviceCount returns the number of CUDA devices libtorch sees (0 for a
// CPU-only libtorch or when no GPU is visible).
func CUDADeviceCount() int { return int(C.lt_cuda_device_count()) }

// SetThreads sets the intra-op thread count used by every later forward.
func SetThreads(n int) error { return check(C.lt_set_threads(C.int(n))) }

// TakeWarnings returns the warnings libtorch issued since the last call, in
// order ("message (file:line)"), which the shim keeps from libtorch's
// default handler (stderr); nil when there is none.
func TakeWarnings() []string {
	// Most calls warn nothing: one atomic load instead of a cgo call.
	if atomic.LoadInt32((*int32)(unsafe.Pointer(&C.lt_warnings_pending))) == 0 {
		return nil
	}
	var out *C.char
	if err := check(C.lt_take_warnings(&out)); err != nil || out == nil {
		return nil
	}
	s := C.GoString(out)
	C.free(unsafe.Pointer(out))
	return strings.Split(s, "\n")
}

// LoadLibrary dlopen()s a custom-op library globally.
func LoadLibrary(path string) error {
	cs := C.CString(path)
	defer C.free(unsafe.Pointer(cs))
	return check(C.lt_load_library(cs))
}

// Module is a loaded TorchScript module. Its methods are safe for concurrent
// use; Close must not race with them (callers serialise it).
type Module struct {
	p *C.lt_module
	// method, when set, replaces forward in Forward, NewInput and Schema (a
	// handle made by Module.Method).
	method string
}

// Load reads a TorchScript file onto device ("cpu", "cuda", "cuda:N").
func Load(path, device string) (*Module, error) {
	cp, cd := C.CString(path), C.CString(device)
	defer C.free(unsafe.Pointer(cp))
	defer C.free(unsafe.Pointer(cd))
	var p *C.lt_module
	if err := check(C.lt_module_load(cp, cd, &p)); err != nil {
		return nil, err
	}
	return &Module{p: p}, nil
}

// Close frees the module; later calls fail. Idempotent.
func (m *Module) Close() {
	if m != nil && m.p != nil {
		C.lt_module_free(m.p)
		m.p = nil
	}
}

func (m *Module) live() error {
	if m == nil || m.p == nil {
		return fmt.Errorf("module is closed")
	}
	return nil
}

func (m *Module) cstring(f func(**C.char) *C.char) (string, error) {
	if err := m.live(); err != nil {
		return "", err
	}
	var out *C.char
	if err := check(f(&out)); err != nil {
		return "", err
	}
	defer C.free(unsafe.Pointer(out))
	return C.GoString(out), nil
}

// Schema returns forward's schema as TorchScript prints it.
func (m *Module) Schema() (string, error) {
	if m.method != "" {
		return m.methodSchema(m.method)
	}
	return m.cstring(func(o **C.char) *C.char { return C.lt_module_schema(m.p, o) })
}

// InputValueType returns the annotation of forward's input dict value type,
// e.g. "Tensor" or "Union(List[str], List[Tensor], List[Tuple[Tensor, int]], Tensor)".
func (m *Module) InputValueType() (string, error) {
	return m.cstring(func(o **C.char) *C.char { return C.lt_module_input_value_type(m.p, o) })
}

// Value is a TorchScript value held by libtorch; Free it exactly once.
type Value struct {
	p *C.lt_value
}

// NewInput returns an empty dict typed exactly as forward's input.
func (m *Module) NewInput() (*Value, error) {
	if err := m.live(); err != nil {
		return nil, err
	}
	if m.method != "" {
		return m.methodNewInput(m.method)
	}
	var p *C.lt_value
	if err := check(C.lt_module_new_input(m.p, &p)); err != nil {
		return nil, err
	}
	return &Value{p: p}, nil
}

// Forward runs forward(in) under inference mode; when device is not "cpu"
// the input's tensors move there first.
func (m *Module) Forward(in *Value, device string) (*Value, error) {
	if err := m.live(); err != nil {
		return nil, err
	}
	if m.method != "" {
		return m.methodForward(m.method, in, device)
	}
	var cd *C.char
	if device != "" && device != "cpu" {
		cd = C.CString(device)
		defer C.free(unsafe.Pointer(cd))
	}
	var p *C.lt_value
	if err := check(C.lt_module_forward(m.p, in.p, cd, &p)); err != nil {
		return nil, err
	}
	return &Value{p: p}, nil
}

// Free releases the value. Idempotent; nil is a no-op.
func (v *Value) Free() {
	if v != nil && v.p != nil {
		C.lt_value_free(v.p)
		v.p = nil
	}
}

func shapePtr(shape []int64) *C.int64_t {
	if len(shape) == 0 {
		return nil
	}
	return (*C.int64_t)(unsafe.Pointer(&shape[0]))
}

func dataPtr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}

// PutTensor inserts t under key. With borrow, libtorch reads t.Data in place
// during the next Forward: t.Data must then be C memory that outlives it.
// Otherwise the data is copied (Go memory is fine).
func (v *Value) PutTensor(key string, t tensor.Tensor, borrow bool) error {
	if err := t.Validate(); err != nil {
		return err
	}
	ck := C.CString(key)
	defer C.free(unsafe.Pointer(ck))
	cp := C.int(1)
	if borrow {
		cp = 0
	}
	err := check(C.lt_dict_put_tensor(v.p, ck, C.int(t.DType), shapePtr(t.Shape),
		C.size_t(len(t.Shape)), dataPtr(t.Data), cp))
	runtime.KeepAlive(t.Data)
	return err
}

// PutStrings inserts a List[str] under key.
func (v *Value) PutStrings(key string, s []string) error {
	total := 0
	for _, x := range s {
		total += len(x)
	}
	buf := make([]byte, 0, total)
	lens := make([]C.size_t, len(s))
	for i, x := range s {
		buf = append(buf, x...)
		lens[i] = C.size_t(len(x))
	}
	ck := C.CString(key)
	defer C.free(unsafe.Pointer(ck))
	var lp *C.size_t
	if len(lens) > 0 {
		lp = &lens[0]
	}
	return check(C.lt_dict_put_strings(v.p, ck, (*C.char)(dataPtr(buf)), lp, C.size_t(len(s))))
}

// PutTensorList inserts a List[Tensor] (or, with tuples, a List[Tuple[Tensor,
// int]] of (tensor, SampleRate)) under key. The data is copied.
func (v *Value) PutTensorList(key string, ts []tensor.Tensor, tuples bool) error {
	n := len(ts)
	dtypes := make([]C.int, n)
	ndims := make([]C.size_t, n)
	offsets := make([]C.size_t, n)
	rates := make([]C.int64_t, n)
	var shapes []int64
	var buf []byte
	for i, t := range ts {
		if err := t.Validate(); err != nil {
			return fmt.Errorf("item %d: %w", i, err)
		}
		dtypes[i] = C.int(t.DType)
		ndims[i] = C.size_t(len(t.Shape))
		offsets[i] = C.size_t(len(buf))
		rates[i] = C.int64_t(t.SampleRate)
		shapes = append(shapes, t.Shape...)
		buf = append(buf, t.Data...)
	}
	ck := C.CString(key)
	defer C.free(unsafe.Pointer(ck))
	if n == 0 {
		return check(C.lt_dict_put_tensor_list(v.p, ck, 0, nil, nil, nil, nil, nil, nil, C.int(b2i(tuples))))
	}
	return check(C.lt_dict_put_tensor_list(v.p, ck, C.size_t(n), &dtypes[0], &ndims[0],
		shapePtr(shapes), (*C.char)(dataPtr(buf)), &offsets[0], &rates[0], C.int(b2i(tuples))))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ToGo copies the value into Go: tensor.Tensor, []string, [][]string,
// []tensor.Tensor, int64, float64, bool, string, nil, *Dict, or []any for
// other lists and tuples.
func (v *Value) ToGo() (any, error) {
	switch C.lt_value_kind(v.p) {
	case C.LT_KIND_NONE:
		return nil, nil
	case C.LT_KIND_TENSOR:
		return v.tensor()
	case C.LT_KIND_STRING:
		var d *C.char
		var n C.size_t
		if err := check(C.lt_value_string(v.p, &d, &n)); err != nil {
			return nil, err
		}
		return C.GoStringN(d, C.int(n)), nil
	case C.LT_KIND_INT:
		var x C.int64_t
		err := check(C.lt_value_int(v.p, &x))
		return int64(x), err
	case C.LT_KIND_DOUBLE:
		var x C.double
		err := check(C.lt_value_double(v.p, &x))
		return float64(x), err
	case C.LT_KIND_BOOL:
		var x C.int
		err := check(C.lt_value_bool(v.p, &x))
		return x != 0, err
	case C.LT_KIND_DICT:
		return v.dict()
	case C.LT_KIND_LIST, C.LT_KIND_TUPLE:
		return v.list()
	}
	return nil, fmt.Errorf("unsupported TorchScript value kind")
}

func (v *Value) tensor() (tensor.Tensor, error) {
	var dt C.int
	var nd C.size_t
	var shp *C.int64_t
	var data unsafe.Pointer
	if err := check(C.lt_value_tensor(v.p, &dt, &nd, &shp, &data)); err != nil {
		return tensor.Tensor{}, err
	}
	t := tensor.Tensor{DType: tensor.DType(dt), Shape: make([]int64, int(nd))}
	if nd > 0 {
		copy(t.Shape, unsafe.Slice((*int64)(unsafe.Pointer(shp)), int(nd)))
	}
	n := int(t.NumElements()) * t.DType.Size()
	t.Data = make([]byte, n)
	if n > 0 {
		copy(t.Data, unsafe.Slice((*byte)(data), n))
	}
	return t, nil
}

func (v *Value) dict() (*Dict, error) {
	var n C.size_t
	if err := check(C.lt_value_len(v.p, &n)); err != nil {
		return nil, err
	}
	d := &Dict{Keys: make([]string, int(n)), Values: make([]any, int(n))}
	for i := 0; i < int(n); i++ {
		var k *C.char
		var kl C.size_t
		if err := check(C.lt_value_dict_key(v.p, C.size_t(i), &k, &kl)); err != nil {
			return nil, err
		}
		d.Keys[i] = C.GoStringN(k, C.int(kl))
		var item *C.lt_value
		if err := check(C.lt_value_dict_value(v.p, C.size_t(i), &item)); err != nil {
			return nil, err
		}
		x, err := (&Value{p: item}).ToGo()
		C.lt_value_free(item)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", d.Keys[i], err)
		}
		d.Values[i] = x
	}
	return d, nil
}

// list converts a list or tuple; homogeneous lists of strings, string lists
// and tensors get their specific Go types.
func (v *Value) list() (any, error) {
	if C.lt_value_kind(v.p) == C.LT_KIND_LIST {
		var ptrs **C.char
		var lens *C.size_t
		var n C.size_t
		if C.lt_value_strings(v.p, &ptrs, &lens, &n) == nil {
			out := make([]string, int(n))
			ps := unsafe.Slice(ptrs, int(n))
			ls := unsafe.Slice(lens, int(n))
			for i := range out {
				out[i] = C.GoStringN(ps[i], C.int(ls[i]))
			}
			C.free(unsafe.Pointer(ptrs))
			C.free(unsafe.Pointer(lens))
			return out, nil
		}
	}
	var n C.size_t
	if err := check(C.lt_value_len(v.p, &n)); err != nil {
		return nil, err
	}
	items := make([]any, int(n))
	for i := range items {
		var item *C.lt_value
		if err := check(C.lt_value_item(v.p, C.size_t(i), &item)); err != nil {
			return nil, err
		}
		x, err := (&Value{p: item}).ToGo()
		C.lt_value_free(item)
		if err != nil {
			return nil, err
		}
		items[i] = x
	}
	return Specialise(items), nil
}
