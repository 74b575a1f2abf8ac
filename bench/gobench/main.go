// Command gobench is contender (c): the Go API, core.Model.Infer, speaking the
// protocol of bench/c/harness.h on stdin/stdout.
//
//	json     Request{JSON: req_<B>.json}; the response JSON is read
//	tensor   the number column as a float64 tensor (copied into libtorch: Go
//	         memory is never lent to it) plus req_tensor_<B>.json, with
//	         TensorOutputs
//	json-ts  json on a second copy loaded with Stages: "torchscript" (the
//	         exported pre- and postprocessor, as (a) runs them)
//
// Usage: gobench <model dir> <data dir> <number column>
package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/core/response"
	"github.com/ludwig-infer/ludwig-infer/core/tensor"
)

var batches = []int{1, 32, 1000}

type contender struct {
	dir     string
	model   *core.Model
	modelTS *core.Model // Stages: torchscript
	req     [3][]byte
	treq    [3][]byte
	num     [3]tensor.Tensor
	numCol  string
}

var sink atomic.Int64

func (c *contender) infer(kase string, b int) (*core.Result, error) {
	ctx := context.Background()
	switch kase {
	case "json":
		return c.model.Infer(ctx, core.Request{JSON: c.req[b]}, core.DefaultInferOptions())
	case "json-ts":
		return c.modelTS.Infer(ctx, core.Request{JSON: c.req[b]}, core.DefaultInferOptions())
	}
	if c.numCol == "" {
		return nil, fmt.Errorf("the model has no number column: no tensor case")
	}
	opts := core.DefaultInferOptions()
	opts.TensorOutputs = true
	return c.model.Infer(ctx, core.Request{JSON: c.treq[b], Tensors: []core.NamedTensor{{Name: c.numCol, Tensor: c.num[b]}}}, opts)
}

func (c *contender) call(kase string, b int) error {
	res, err := c.infer(kase, b)
	if err != nil {
		return err
	}
	n := len(res.JSON)
	for _, t := range res.Tensors {
		n += len(t.Data)
	}
	sink.Add(int64(n))
	return nil
}

func (c *contender) check(kase string, b int) (string, error) {
	res, err := c.infer(kase, b)
	if err != nil {
		return "", err
	}
	js := res.JSON
	for _, t := range res.Tensors {
		if len(t.Shape) != 2 || t.DType != tensor.Float32 {
			continue
		}
		f, k := response.Split(t.Name)
		js = append(js[:len(js)-1], ',')
		js = response.AppendString(js, response.ColumnName(f, k))
		js = append(js, ':')
		js = response.AppendNested(js, t.Tensor)
		js = append(js, '}')
	}
	return string(js), nil
}

func rss() (hwm, cur int64) {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 && f[0] == "VmHWM:" {
			hwm, _ = strconv.ParseInt(f[1], 10, 64)
		}
		if len(f) >= 2 && f[0] == "VmRSS:" {
			cur, _ = strconv.ParseInt(f[1], 10, 64)
		}
	}
	return
}

func batchIndex(s string) int {
	n, _ := strconv.Atoi(s)
	for i, b := range batches {
		if b == n {
			return i
		}
	}
	return -1
}

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: gobench <model dir> <data dir> <number column>")
		os.Exit(2)
	}
	c := &contender{dir: os.Args[1], numCol: os.Args[3]}
	for i, b := range batches {
		var err error
		if c.req[i], err = os.ReadFile(filepath.Join(os.Args[2], fmt.Sprintf("req_%d.json", b))); err != nil {
			fail(err)
		}
		if c.numCol == "" {
			continue // no number column: no tensor case
		}
		if c.treq[i], err = os.ReadFile(filepath.Join(os.Args[2], fmt.Sprintf("req_tensor_%d.json", b))); err != nil {
			fail(err)
		}
		raw, err := os.ReadFile(filepath.Join(os.Args[2], fmt.Sprintf("num_%d.f64", b)))
		if err != nil {
			fail(err)
		}
		c.num[i] = tensor.Tensor{DType: tensor.Float64, Shape: []int64{int64(len(raw) / 8)}, Data: raw}
	}
	t0 := time.Now()
	m, err := core.Load(c.dir, core.LoadOptions{})
	if err != nil {
		fail(err)
	}
	c.model = m
	load := time.Since(t0)
	// BENCH_ONE_MODEL: only the first model (the driver's RSS measurement
	// of one loaded model runs case "json" alone).
	if os.Getenv("BENCH_ONE_MODEL") == "" {
		if c.modelTS, err = core.Load(c.dir, core.LoadOptions{Stages: core.StagesTorchScript}); err != nil {
			fail(err)
		}
	}
	h, r := rss()
	fmt.Printf("ready %d %d %d\n", load.Nanoseconds(), h, r)

	in := bufio.NewScanner(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	for in.Scan() {
		f := strings.Fields(in.Text())
		if len(f) == 0 {
			continue
		}
		switch {
		case f[0] == "lat" && len(f) == 4:
			b := batchIndex(f[2])
			n, _ := strconv.Atoi(f[3])
			ns := make([]int64, n)
			var cerr error
			for i := range ns {
				t := time.Now()
				if err := c.call(f[1], b); err != nil {
					cerr = err
				}
				ns[i] = time.Since(t).Nanoseconds()
			}
			if cerr != nil {
				fmt.Fprintf(out, "err %v\n", cerr)
				break
			}
			out.WriteString("ok")
			for _, x := range ns {
				out.WriteString(" " + strconv.FormatInt(x, 10))
			}
			out.WriteString("\n")
		case f[0] == "thr" && len(f) == 5:
			b := batchIndex(f[2])
			threads, _ := strconv.Atoi(f[3])
			secs, _ := strconv.ParseFloat(f[4], 64)
			var calls atomic.Int64
			var failed atomic.Bool
			var wg sync.WaitGroup
			start := make(chan struct{})
			deadline := time.Now().Add(20*time.Millisecond + time.Duration(secs*1e9))
			for i := 0; i < threads; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					for time.Now().Before(deadline) {
						if c.call(f[1], b) != nil {
							failed.Store(true)
						}
						calls.Add(1)
					}
				}()
			}
			time.Sleep(20 * time.Millisecond)
			t := time.Now()
			close(start)
			wg.Wait()
			if failed.Load() {
				fmt.Fprintln(out, "err call failed")
				break
			}
			fmt.Fprintf(out, "ok %d %d\n", calls.Load(), time.Since(t).Nanoseconds())
		case f[0] == "check" && len(f) == 3:
			js, err := c.check(f[1], batchIndex(f[2]))
			if err != nil {
				fmt.Fprintf(out, "err %v\n", err)
				break
			}
			fmt.Fprintf(out, "ok %s\n", js)
		case f[0] == "load" && len(f) == 2:
			n, _ := strconv.Atoi(f[1])
			out.WriteString("ok")
			for i := 0; i < n; i++ {
				t := time.Now()
				m, err := core.Load(c.dir, core.LoadOptions{})
				if err != nil {
					out.WriteString(" -1")
					continue
				}
				m.Close()
				out.WriteString(" " + strconv.FormatInt(time.Since(t).Nanoseconds(), 10))
			}
			out.WriteString("\n")
		case f[0] == "rss":
			h, r := rss()
			fmt.Fprintf(out, "ok %d %d\n", h, r)
		case f[0] == "quit":
			out.Flush()
			return
		default:
			fmt.Fprintln(out, "err unknown command")
		}
		out.Flush()
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gobench:", err)
	os.Exit(1)
}
