// Command capi is the C ABI of ludwig-infer, built with
// `go build -buildmode=c-shared` into libludwiginfer.so. It only validates
// arguments, converts between C and Go values, maps errors to li_status and
// recovers panics; the logic lives in core/. The public header
// include/ludwig_infer.h is included below, so a prototype that drifts from
// it breaks the build. The functions that need no Go (results, versions,
// li_free) are in helpers.c.
package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include
#include <stdlib.h>
#include <string.h>
#include "ludwig_infer.h"
#include "result.h"

typedef const char li_cchar;
typedef const void li_cvoid;
typedef const li_tensor li_ctensor;
typedef const li_infer_options li_coptions;
*/
import "C"

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/core/response"
	"github.com/ludwig-infer/ludwig-infer/core/status"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

func main() {}

// Limits on C arguments, so a garbage value cannot trigger a huge allocation.
const (
	maxTensors = 1 << 16
	maxNDim    = 16
)

var (
	registryMu sync.Mutex
	registry           = map[uintptr]*core.Model{}
	nextID     uintptr = 0x1000 // ids are never reused, and never look like small ints

	poisoned atomic.Pointer[string]

	// testPanic names an export that panics on purpose; set only by builds
	// with the li_testhooks tag (see hooks_test_build.go).
	testPanic string
)

func setErr(err **C.char, code status.Code, msg string) C.li_status {
	if err != nil {
		// The header promises UTF-8 messages, but some echo caller bytes
		// (options JSON, paths): found by FuzzCABI with options "\xbc".
		*err = C.CString(strings.ToValidUTF8(msg, "\uFFFD"))
	}
	return C.li_status(code)
}

func fail(err **C.char, e error) C.li_status {
	return setErr(err, status.CodeOf(e), e.Error())
}

// guard recovers a panic in an export: the library is poisoned and the call
// returns LI_ERR_INTERNAL.
func guard(err **C.char, st *C.li_status) {
	if r := recover(); r != nil {
		msg := fmt.Sprintf("internal error: %v; the library is in an unknown state and refuses further calls", r)
		poisoned.CompareAndSwap(nil, &msg)
		*st = setErr(err, status.Internal, *poisoned.Load())
	}
}

// enter fails when the library is poisoned.
func enter(err **C.char, name string) (C.li_status, bool) {
	if p := poisoned.Load(); p != nil {
		return setErr(err, status.Internal, *p), false
	}
	if testPanic == name {
		panic("test hook: deliberate panic in " + name)
	}
	return C.LI_OK, true
}

func lookup(m *C.li_model) (*core.Model, error) {
	if m == nil {
		return nil, status.Errorf(status.InvalidArgument, "model is NULL")
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if mod, ok := registry[uintptr(C.li_capi_model_id(m))]; ok {
		return mod, nil
	}
	return nil, status.Errorf(status.Closed, "the model handle is closed or invalid")
}

//export li_set_threads
func li_set_threads(n C.int, err **C.char) (st C.li_status) {
	defer guard(err, &st)
	if s, ok := enter(err, "li_set_threads"); !ok {
		return s
	}
	if e := core.SetThreads(int(n)); e != nil {
		return fail(err, e)
	}
	return C.LI_OK
}

var logMu sync.Mutex

//export li_set_log_callback
func li_set_log_callback(fn C.li_log_fn, user unsafe.Pointer, minLevel C.li_log_level) {
	defer func() { _ = recover() }()
	logMu.Lock()
	defer logMu.Unlock()
	if fn == nil {
		core.SetLogFunc(nil, 0)
		return
	}
	core.SetLogFunc(func(level core.LogLevel, msg string) {
		cs := C.CString(msg)
		C.li_capi_call_log(fn, C.li_log_level(level), cs, user)
		C.free(unsafe.Pointer(cs))
	}, core.LogLevel(minLevel))
}

//export li_load
func li_load(path *C.li_cchar, optionsJSON *C.li_cchar, out **C.li_model, err **C.char) (st C.li_status) {
	defer guard(err, &st)
	if s, ok := enter(err, "li_load"); !ok {
		return s
	}
	if path == nil {
		return setErr(err, status.InvalidArgument, "path is NULL")
	}
	if out == nil {
		return setErr(err, status.InvalidArgument, "out is NULL")
	}
	opts, e := loadOptions(optionsJSON)
	if e != nil {
		return fail(err, e)
	}
	m, e := core.Load(C.GoString(path), opts)
	if e != nil {
		return fail(err, e)
	}
	*out = register(m)
	return C.LI_OK
}

// loadOptions parses li_load's nullable options JSON.
func loadOptions(optionsJSON *C.li_cchar) (core.LoadOptions, error) {
	var optBytes []byte
	if optionsJSON != nil {
		optBytes = []byte(C.GoString(optionsJSON))
	}
	return core.ParseLoadOptions(optBytes)
}

// register gives a loaded model its handle.
func register(m *core.Model) *C.li_model {
	registryMu.Lock()
	id := nextID
	nextID++
	registry[id] = m
	registryMu.Unlock()
	return C.li_capi_model_from_id(C.uintptr_t(id))
}

// maxBufferBytes bounds li_load_buffer's len, so that a garbage length
// fails instead of faulting while the bytes are read (1 TiB).
const maxBufferBytes = 1 << 40

//export li_load_buffer
func li_load_buffer(data *C.li_cvoid, n C.size_t, optionsJSON *C.li_cchar, out **C.li_model, err **C.char) (st C.li_status) {
	defer guard(err, &st)
	if s, ok := enter(err, "li_load_buffer"); !ok {
		return s
	}
	if out == nil {
		return setErr(err, status.InvalidArgument, "out is NULL")
	}
	if data == nil && n > 0 {
		return setErr(err, status.InvalidArgument, "data is NULL but len is not 0")
	}
	if uint64(n) > maxBufferBytes {
		return setErr(err, status.InvalidArgument, fmt.Sprintf("len %d is more than 1 TiB: a garbage length?", uint64(n)))
	}
	opts, e := loadOptions(optionsJSON)
	if e != nil {
		return fail(err, e)
	}
	var buf []byte
	if n > 0 {
		// Read only during the call: the caller keeps ownership.
		buf = unsafe.Slice((*byte)(unsafe.Pointer(data)), int(n))
	}
	m, e := core.LoadBuffer(buf, opts)
	if e != nil {
		return fail(err, e)
	}
	*out = register(m)
	return C.LI_OK
}

//export li_close
func li_close(model *C.li_model) {
	defer func() { _ = recover() }()
	if model == nil {
		return
	}
	id := uintptr(C.li_capi_model_id(model))
	registryMu.Lock()
	m, ok := registry[id]
	delete(registry, id)
	registryMu.Unlock()
	if ok {
		m.Close()
	}
}

//export li_model_info
func li_model_info(model *C.li_model, outJSON **C.char, err **C.char) (st C.li_status) {
	defer guard(err, &st)
	if s, ok := enter(err, "li_model_info"); !ok {
		return s
	}
	if outJSON == nil {
		return setErr(err, status.InvalidArgument, "out_json is NULL")
	}
	m, e := lookup(model)
	if e != nil {
		return fail(err, e)
	}
	*outJSON = C.CString(string(m.InfoJSON()))
	return C.LI_OK
}

// optionsSize is sizeof(li_infer_options) in ABI 1: the smallest struct a
// caller may pass.
const optionsSize = C.sizeof_li_infer_options

//export li_infer
func li_infer(model *C.li_model, req *C.li_cchar, reqLen C.size_t, tensors *C.li_ctensor, nTensors C.size_t,
	options *C.li_coptions, out **C.li_result, err **C.char) (st C.li_status) {
	defer guard(err, &st)
	if s, ok := enter(err, "li_infer"); !ok {
		return s
	}
	if out == nil {
		return setErr(err, status.InvalidArgument, "out is NULL")
	}
	m, e := lookup(model)
	if e != nil {
		return fail(err, e)
	}
	if req == nil && reqLen > 0 {
		return setErr(err, status.InvalidArgument, "request is NULL but request_len is not 0")
	}
	if tensors == nil && nTensors > 0 {
		return setErr(err, status.InvalidArgument, "tensors is NULL but n_tensors is not 0")
	}
	if nTensors > maxTensors {
		return setErr(err, status.InvalidArgument, fmt.Sprintf("n_tensors %d exceeds the limit of %d", nTensors, maxTensors))
	}
	opts := core.DefaultInferOptions()
	timeout := time.Duration(0)
	if options != nil {
		if options.struct_size < optionsSize {
			return setErr(err, status.InvalidArgument, fmt.Sprintf("options.struct_size is %d, expected at least %d (initialise with LI_INFER_OPTIONS_INIT)", options.struct_size, optionsSize))
		}
		if options.stage < 0 || options.stage > C.LI_STAGE_POSTPROCESS {
			return setErr(err, status.InvalidArgument, fmt.Sprintf("unknown stage %d", options.stage))
		}
		if options.form < 0 || options.form > C.LI_FORM_FULL {
			return setErr(err, status.InvalidArgument, fmt.Sprintf("unknown form %d", options.form))
		}
		if options.timeout_ms < 0 {
			return setErr(err, status.InvalidArgument, "timeout_ms is negative")
		}
		opts.Stage = core.Stage(options.stage)
		opts.Form = response.Form(options.form)
		opts.TensorOutputs = options.tensor_outputs != 0
		timeout = time.Duration(options.timeout_ms) * time.Millisecond
	}
	var r core.Request
	if reqLen > 0 {
		// Borrowed, not copied: decoding copies what it keeps.
		r.JSON = unsafe.Slice((*byte)(unsafe.Pointer(req)), int(reqLen))
	}
	if nTensors > 0 {
		r.Borrowed = true
		r.Tensors = make([]core.NamedTensor, int(nTensors))
		for i, ct := range unsafe.Slice(tensors, int(nTensors)) {
			t, e := goTensor(&ct, i)
			if e != nil {
				return fail(err, e)
			}
			r.Tensors[i] = t
		}
	}
	ctx := context.Background()
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	res, e := m.Infer(ctx, r, opts)
	if e != nil {
		return fail(err, e)
	}
	cr, e := cResult(res)
	if e != nil {
		return fail(err, e)
	}
	*out = cr
	return C.LI_OK
}

// goTensor views a caller's li_tensor without copying its data.
func goTensor(ct *C.li_ctensor, i int) (core.NamedTensor, error) {
	bad := func(format string, args ...any) (core.NamedTensor, error) {
		return core.NamedTensor{}, status.Errorf(status.InvalidArgument, "tensors[%d]: %s", i, fmt.Sprintf(format, args...))
	}
	if ct.name == nil {
		return bad("name is NULL")
	}
	name := C.GoString(ct.name)
	d := tensor.DType(ct.dtype)
	if d.Size() == 0 {
		return bad("%q: unknown dtype %d", name, int(ct.dtype))
	}
	if ct.ndim > maxNDim {
		return bad("%q: ndim %d exceeds %d", name, ct.ndim, maxNDim)
	}
	if ct.ndim > 0 && ct.shape == nil {
		return bad("%q: shape is NULL", name)
	}
	t := tensor.Tensor{DType: d, Shape: make([]int64, int(ct.ndim)), SampleRate: int64(ct.sample_rate)}
	if ct.ndim > 0 {
		copy(t.Shape, unsafe.Slice((*int64)(unsafe.Pointer(ct.shape)), int(ct.ndim)))
	}
	if ct.data == nil && ct.nbytes > 0 {
		return bad("%q: data is NULL but nbytes is %d", name, ct.nbytes)
	}
	if ct.nbytes > 0 {
		t.Data = unsafe.Slice((*byte)(ct.data), int(ct.nbytes))
	} else {
		t.Data = []byte{}
	}
	if e := t.Validate(); e != nil {
		return bad("%q: %v", name, e)
	}
	return core.NamedTensor{Name: name, Tensor: t}, nil
}

// cResult copies a result into C memory owned by an li_result.
func cResult(res *core.Result) (*C.li_result, error) {
	r := C.li_capi_result_new(C.size_t(len(res.Tensors)))
	if r == nil {
		return nil, status.Errorf(status.Runtime, "out of memory")
	}
	r.json = (*C.char)(cBytes(res.JSON, true))
	r.json_len = C.size_t(len(res.JSON))
	if len(res.Tensors) > 0 {
		cts := unsafe.Slice(r.tensors, len(res.Tensors))
		for i, t := range res.Tensors {
			cts[i].name = C.CString(t.Name)
			cts[i].dtype = C.li_dtype(t.DType)
			cts[i].ndim = C.size_t(len(t.Shape))
			if len(t.Shape) > 0 {
				sb := unsafe.Slice((*byte)(unsafe.Pointer(&t.Shape[0])), 8*len(t.Shape))
				cts[i].shape = (*C.int64_t)(cBytes(sb, false))
			}
			cts[i].data = cBytes(t.Data, false)
			cts[i].nbytes = C.size_t(len(t.Data))
		}
	}
	return r, nil
}

// cBytes copies b into malloc'd memory (NUL-terminated when asked).
func cBytes(b []byte, nul bool) unsafe.Pointer {
	n := len(b)
	extra := 0
	if nul {
		extra = 1
	}
	p := C.malloc(C.size_t(n + extra + 1))
	if n > 0 {
		copy(unsafe.Slice((*byte)(p), n), b)
	}
	if nul {
		*(*byte)(unsafe.Add(p, n)) = 0
	}
	return p
}
