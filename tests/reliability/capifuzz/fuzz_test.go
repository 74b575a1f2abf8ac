// Package capifuzz fuzzes the C ABI of the built library (build/
// libludwiginfer.so) with arbitrary bytes, through a C host process
// (tests/reliability/c/host.c): the input picks the entry point (li_infer, li_load,
// li_model_info, li_set_threads, the result accessors), the handle, the
// options struct, tensor buffers of any dtype, shape and length, and the
// request bytes; the host checks the ABI's rules on every answer (a known
// status, a UTF-8 message, out-parameters untouched on error, no
// LI_ERR_INTERNAL, well-formed results) and a crash ends it.
//
// Why a host process and not cgo in the test: the library embeds a Go
// runtime, and a Go process cannot load a second one; a C host is how every
// real caller uses it. The Go code behind the ABI is also fuzzed in process,
// with coverage guidance (FuzzDecode, FuzzFromCells, FuzzFromTensors, the
// date fuzzers and core's FuzzInfer); this target covers what only the
// boundary has: C structs, pointers, lengths, handles, the result memory.
//
//	./build.sh                                      # the library under test
//	go test ./tests/reliability/capifuzz            # the seed corpus
//	go test ./tests/reliability/capifuzz -run '^$' -fuzz FuzzCABI -fuzztime 5m
//
// The test skips when build/libludwiginfer.so has not been built.
package capifuzz

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

func root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

type host struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	stderr *bytes.Buffer
}

var (
	buildOnce sync.Once
	buildErr  error
	hostBin   string
	current   *host
)

// build compiles host.c against build/libludwiginfer.so.
func build(t testing.TB) string {
	buildOnce.Do(func() {
		lib := filepath.Join(root(), "build", "libludwiginfer.so")
		if _, err := os.Stat(lib); err != nil {
			buildErr = fmt.Errorf("skip: %s is not built (run ./build.sh)", lib)
			return
		}
		dir, err := os.MkdirTemp("", "capifuzz")
		if err != nil {
			buildErr = err
			return
		}
		hostBin = filepath.Join(dir, "host")
		b := filepath.Join(root(), "build")
		out, err := exec.Command("cc", "-std=c11", "-O1", "-g", "-Wall", "-Wextra", "-Werror", "-I", filepath.Join(root(), "include"),
			filepath.Join(root(), "tests", "reliability", "c", "host.c"), "-L", b, "-lludwiginfer", "-Wl,-rpath,"+b,
			"-o", hostBin).CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("building host.c: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		if bytes.HasPrefix([]byte(buildErr.Error()), []byte("skip:")) {
			t.Skip(buildErr)
		}
		t.Fatal(buildErr)
	}
	return hostBin
}

func start(t testing.TB) *host {
	if current != nil {
		return current
	}
	bin := build(t)
	cmd := exec.Command(bin, filepath.Join(root(), "testdata", "models", "tabular"))
	cmd.Env = append(os.Environ(), "OPENBLAS_NUM_THREADS=1")
	h := &host{cmd: cmd, stderr: &bytes.Buffer{}}
	cmd.Stderr = h.stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h.in, h.out = in, bufio.NewReader(out)
	current = h
	return h
}

// ask sends one input; it returns the host's verdict, or an error when the
// host died (a crash) or stopped answering (a hang).
func (h *host) ask(data []byte) (bug bool, msg string, err error) {
	type answer struct {
		bug bool
		msg string
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		var hdr [4]byte
		binary.LittleEndian.PutUint32(hdr[:], uint32(len(data)))
		if _, err := h.in.Write(append(hdr[:], data...)); err != nil {
			ch <- answer{err: err}
			return
		}
		var v [5]byte
		if _, err := io.ReadFull(h.out, v[:]); err != nil {
			ch <- answer{err: err}
			return
		}
		m := make([]byte, binary.LittleEndian.Uint32(v[1:]))
		if _, err := io.ReadFull(h.out, m); err != nil {
			ch <- answer{err: err}
			return
		}
		ch <- answer{bug: v[0] != 0, msg: string(m)}
	}()
	select {
	case a := <-ch:
		return a.bug, a.msg, a.err
	case <-time.After(60 * time.Second):
		return false, "", fmt.Errorf("no answer within 60 s (a hang)")
	}
}

func (h *host) kill() string {
	_ = h.cmd.Process.Kill()
	_ = h.cmd.Wait()
	current = nil
	s := h.stderr.String()
	if len(s) > 4000 {
		s = s[len(s)-4000:]
	}
	return s
}

// seeds are inputs that reach each entry point and the main paths of
// li_infer (see tests/reliability/c/host.c for the layout).
func seeds() [][]byte {
	req := []byte(`{"Age": [34, null], "city": ["Paris", 7], "member": [true, "no"], "cell": [617703466028236799, 617703466028236799]}`)
	infer := func(h, o, fl byte, tensors []byte, n byte, js []byte) []byte {
		b := []byte{0, h, o, fl, n}
		b = append(b, tensors...)
		return append(b, js...)
	}
	f64 := func(xs ...float64) []byte {
		b := make([]byte, 8*len(xs))
		for i, x := range xs {
			binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
		}
		return b
	}
	ageTensor := append([]byte{0, 2, 1, 2, 0}, f64(34, 51.5)...) // "Age" float64 [2]
	tail := []byte(`{"city": ["Paris", "Rome"], "member": [true, false], "cell": [617703466028236799, 617703466028236799]}`)
	return [][]byte{
		infer(0, 0, 0, nil, 0, req),                    // all stages, features form
		infer(0, 1<<3, 0, nil, 0, req),                 // columns
		infer(0, 2<<3|1<<5, 0, nil, 0, req),            // full, tensor outputs
		infer(0, 1, 0, nil, 0, req),                    // preprocess only
		infer(0, 0, 0, ageTensor, 1, tail),             // a tensor buffer
		infer(0, 1<<5, 0, ageTensor, 1, tail),          // tensor buffer, tensor outputs
		infer(0, 0, 0, []byte{2, 2, 1, 2, 7}, 1, tail), // nbytes mismatch
		infer(0, 2, 0, nil, 0, []byte(`{"age": {"dtype": "float32", "shape": [1], "data": [0.5]}, "city": {"dtype": "int32", "shape": [1], "data": [1]}, "member": {"dtype": "float32", "shape": [1], "data": [1]}, "cell": {"dtype": "uint8", "shape": [1, 19], "data": [1,0,9,20,1,4,0,3,6,2,5,1,0,7,7,7,7,7,7]}}`)),
		infer(0, 3, 0, nil, 0, []byte(`{"plan::predictions": {"dtype": "int64", "shape": [1], "data": [2]}, "plan::probabilities": {"dtype": "float32", "shape": [1, 4], "data": [0.1, 0.2, 0.3, 0.4]}, "plan::logits": {"dtype": "float32", "shape": [1, 4], "data": [1, 2, 3, 4]}}`)),
		infer(1, 0, 0, nil, 0, req),       // NULL model
		infer(2, 0, 0, nil, 0, req),       // closed model
		infer(3, 0, 0, nil, 0, req),       // made-up handle
		infer(0, 0x40, 2, nil, 0, req),    // options NULL, err NULL
		infer(0, 0x80, 4, nil, 0, req),    // struct_size too small, out NULL
		infer(0, 4, 8, nil, 0, req),       // invalid stage, timeout
		infer(0, 3<<3, 1|32, nil, 2, nil), // invalid form, request NULL, tensors NULL
		append([]byte{8}, `{"warmup": false, "device": "cpu"}`...),
		append([]byte{8}, `{"device": "tpu"}`...),
		append([]byte{8}, `{"nope": 1`...),
		{9, 0}, {9, 1}, {9, 2},
		{10, 4},
		{11},
	}
}

// FuzzCABI: see the package comment.
func FuzzCABI(f *testing.F) {
	for _, s := range seeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		h := start(t)
		bug, msg, err := h.ask(data)
		if err != nil {
			stderr := h.kill()
			t.Fatalf("the host process died or hung on input %x: %v\nstderr:\n%s", data, err, stderr)
		}
		if bug {
			t.Fatalf("ABI rule broken on input %x: %s", data, msg)
		}
	})
}
