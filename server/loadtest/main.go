// Command loadtest measures a running `ludwig-infer serve` on loopback:
// requests/s and p50/p99 latency of 1-row inference calls at several
// concurrency levels, each bounded in requests and time, for one protocol:
//
//	predict   POST /predict, a JSON record (ludwig serve's endpoint)
//	v2json    POST /v2/models/<m>/infer, JSON tensors
//	v2binary  POST /v2/models/<m>/infer, the binary tensor data extension (binary outputs)
//	grpc      ModelInfer over gRPC, raw_input_contents
//	bare      POST / of a bare Go net/http handler (-serve-bare), the ceiling
//
//	go run ./server/loadtest -proto v2binary -url http://127.0.0.1:8000 -conns 1,8,64
//	go run ./server/loadtest -serve-bare 127.0.0.1:9000      # the ceiling's server
//
// server/loadtest/run.sh runs every row against one server.
package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	pb "github.com/ludwig-infer/ludwig-infer/proto/inference"
)

// The tabular test model's one-row request in each protocol's form.
const (
	record = `{"Age": 34, "city": "Paris", "member": true, "cell": 617703466028236799}`
	v2JSON = `{"inputs":[{"name":"Age","shape":[1],"datatype":"FP64","data":[34]},{"name":"city","shape":[1],"datatype":"BYTES","data":["Paris"]},` +
		`{"name":"member","shape":[1],"datatype":"BOOL","data":[true]},{"name":"cell","shape":[1],"datatype":"INT64","data":[617703466028236799]}]}`
)

// binaryInputs are the same inputs as binary tensor data.
func binaryInputs() (names, types []string, raw [][]byte) {
	city := binary.LittleEndian.AppendUint32(nil, 5)
	return []string{"Age", "city", "member", "cell"}, []string{"FP64", "BYTES", "BOOL", "INT64"}, [][]byte{
		binary.LittleEndian.AppendUint64(nil, math.Float64bits(34)),
		append(city, "Paris"...),
		{1},
		binary.LittleEndian.AppendUint64(nil, 617703466028236799),
	}
}

func v2BinaryBody() ([]byte, int) {
	names, types, raw := binaryInputs()
	var ins []map[string]any
	var data []byte
	for i := range names {
		ins = append(ins, map[string]any{"name": names[i], "datatype": types[i], "shape": []int{1}, "parameters": map[string]any{"binary_data_size": len(raw[i])}})
		data = append(data, raw[i]...)
	}
	js, _ := json.Marshal(map[string]any{"inputs": ins, "parameters": map[string]any{"binary_data_output": true}})
	return append(js, data...), len(js)
}

func main() {
	url := flag.String("url", "http://127.0.0.1:8000", "server base URL (loopback)")
	grpcAddr := flag.String("grpc", "127.0.0.1:8001", "gRPC address (loopback), for -proto grpc")
	proto := flag.String("proto", "predict", "predict, v2json, v2binary, grpc or bare")
	model := flag.String("model", "tabular", "model name (v2 and gRPC)")
	conns := flag.String("conns", "1,8,64", "comma-separated concurrency levels")
	requests := flag.Int("requests", 2000, "requests per level (upper bound)")
	maxDur := flag.Duration("max", 20*time.Second, "time per level (upper bound)")
	serveBare := flag.String("serve-bare", "", "serve the bare net/http handler on this loopback address instead")
	flag.Parse()
	if *serveBare != "" {
		fail(bare(*serveBare))
	}
	if !strings.HasPrefix(*url, "http://127.0.0.1") && !strings.HasPrefix(*url, "http://localhost") || !strings.HasPrefix(*grpcAddr, "127.0.0.1:") {
		fail(fmt.Errorf("loopback addresses only"))
	}
	for _, s := range strings.Split(*conns, ",") {
		c, err := strconv.Atoi(s)
		if err != nil || c < 1 {
			fail(fmt.Errorf("bad concurrency %q", s))
		}
		call, err := caller(*proto, *url, *grpcAddr, *model, c)
		if err != nil {
			fail(err)
		}
		run(*proto, call, c, *requests, *maxDur)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "loadtest:", err)
	os.Exit(2)
}

// bare serves the ceiling: read the body, answer a fixed JSON body.
func bare(addr string) error {
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		return fmt.Errorf("-serve-bare: loopback addresses only")
	}
	answer := []byte(`{"plan_predictions":"plus","plan_probabilities":[0.1,0.2,0.3,0.4]}`)
	return http.ListenAndServe(addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(answer)
	}))
}

// caller returns one call of proto, made by one of conns workers.
func caller(proto, url, grpcAddr, model string, conns int) (func() error, error) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true}}
	post := func(path string, body []byte, header http.Header) func() error {
		return func() error {
			req, err := http.NewRequest(http.MethodPost, url+path, bytes.NewReader(body))
			if err != nil {
				return err
			}
			req.Header = header
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("status %d", resp.StatusCode)
			}
			return nil
		}
	}
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	switch proto {
	case "predict":
		return post("/predict", []byte(record), jsonHeader), nil
	case "v2json":
		return post("/v2/models/"+model+"/infer", []byte(v2JSON), jsonHeader), nil
	case "v2binary":
		body, n := v2BinaryBody()
		return post("/v2/models/"+model+"/infer", body, http.Header{"Content-Type": {"application/octet-stream"}, "Inference-Header-Content-Length": {strconv.Itoa(n)}}), nil
	case "bare":
		return post("/", []byte(record), jsonHeader), nil
	case "grpc":
		conn, err := grpc.NewClient(grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			return nil, err
		}
		c := pb.NewGRPCInferenceServiceClient(conn)
		names, types, raw := binaryInputs()
		req := &pb.ModelInferRequest{ModelName: model, RawInputContents: raw}
		for i := range names {
			req.Inputs = append(req.Inputs, &pb.ModelInferRequest_InferInputTensor{Name: names[i], Datatype: types[i], Shape: []int64{1}})
		}
		return func() error {
			_, err := c.ModelInfer(context.Background(), req)
			return err
		}, nil
	}
	return nil, fmt.Errorf("unknown -proto %q", proto)
}

func run(proto string, call func() error, conns, total int, maxDur time.Duration) {
	var mu sync.Mutex
	var lat []time.Duration
	errors := 0
	var firstErr error
	next := make(chan struct{}, total)
	for i := 0; i < total; i++ {
		next <- struct{}{}
	}
	close(next)
	deadline := time.Now().Add(maxDur)
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				if time.Now().After(deadline) {
					return
				}
				t0 := time.Now()
				err := call()
				d := time.Since(t0)
				mu.Lock()
				if err == nil {
					lat = append(lat, d)
				} else {
					errors++
					if firstErr == nil {
						firstErr = err
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
	}
	fmt.Printf("| %s | %d | %d | %d | %.0f | %.2f | %.2f |\n", proto, conns, len(lat), errors, float64(len(lat))/elapsed.Seconds(), pct(0.5), pct(0.99))
	if firstErr != nil {
		fmt.Fprintln(os.Stderr, "loadtest: first error:", firstErr)
	}
}
