package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/ludwig-infer/ludwig-infer/internal/golden"
	pb "github.com/ludwig-infer/ludwig-infer/proto/inference"
)

// startServe runs `ludwig-infer serve` in a goroutine on a free loopback
// port; stop ends it gracefully. It returns the base URL and the exit code
// channel.
func startServe(t *testing.T, args ...string) (string, chan struct{}, chan int, *bytes.Buffer) {
	ready := make(chan string, 1)
	stop := make(chan struct{})
	code := make(chan int, 1)
	var stderr syncBuffer
	go func() {
		code <- serve(append([]string{"--port", "0"}, args...), io.Discard, &stderr, serveConfig{ready: ready, stop: stop})
	}()
	select {
	case addr := <-ready:
		return "http://" + addr, stop, code, &stderr.buf
	case c := <-code:
		t.Fatalf("serve exited with %d: %s", c, stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not start")
	}
	return "", nil, nil, nil
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestServeShutdownWhileBusy(t *testing.T) {
	url, stop, code, _ := startServe(t, "--model", "tab="+golden.ModelDir("tabular"), "--log-format", "json")
	g, err := golden.Load("tabular")
	require.NoError(t, err)
	req := g.Cases[len(g.Cases)-1].Request
	// Clients keep the server busy while it is told to stop: every request
	// that got an answer got a whole, successful one.
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, refused := 0, 0
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				resp, err := http.Post(url+"/batch_predict", "application/json", bytes.NewReader(req))
				if err != nil {
					mu.Lock()
					refused++
					mu.Unlock()
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				mu.Lock()
				if resp.StatusCode == 200 && strings.HasPrefix(string(b), `{"index":[0,1`) {
					ok++
				} else {
					t.Errorf("status %d body %s", resp.StatusCode, b)
				}
				mu.Unlock()
			}
		}()
	}
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wg.Wait()
	assert.Equal(t, 0, <-code)
	assert.Greater(t, ok, 0)
	t.Logf("%d answered, %d clients refused after shutdown", ok, refused)
}

func TestServeAccessLogAndNames(t *testing.T) {
	url, stop, code, stderr := startServe(t, "--model", golden.ModelDir("tabular"), "--model", "b="+golden.ModelDir("binary_yesno"))
	resp, err := http.Get(url + "/v2/models/b")
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	resp.Body.Close()
	resp, err = http.Get(url + "/v2/models/tabular")
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	resp.Body.Close()
	close(stop)
	assert.Equal(t, 0, <-code)
	assert.Contains(t, stderr.String(), `msg=request method=GET path=/v2/models/b status=200`)

	var out bytes.Buffer
	assert.Equal(t, 2, serve([]string{"--model", golden.ModelDir("tabular"), "--model", golden.ModelDir("tabular")}, io.Discard, &out, serveConfig{}))
	assert.Contains(t, out.String(), `two models are named "tabular"`)
	out.Reset()
	assert.Equal(t, 2, serve(nil, io.Discard, &out, serveConfig{}))
	assert.Contains(t, out.String(), "at least one --model is required")
}

func TestServeAccessLogFlag(t *testing.T) {
	for v, want := range map[string]int{"on": 0, "off": -1, "sample=10": 10, "sample=1": 1} {
		got, err := parseAccessLog(v)
		require.NoError(t, err, v)
		assert.Equal(t, want, got, v)
	}
	for _, v := range []string{"sample=0", "sample=x", "yes", ""} {
		_, err := parseAccessLog(v)
		assert.EqualError(t, err, `--access-log must be on, off or sample=N with N >= 1, got "`+v+`"`)
	}
	var out bytes.Buffer
	assert.Equal(t, 2, serve([]string{"--model", golden.ModelDir("tabular"), "--access-log", "sometimes"}, io.Discard, &out, serveConfig{}))
	assert.Contains(t, out.String(), `--access-log must be on, off or sample=N with N >= 1, got "sometimes"`)

	url, stop, code, stderr := startServe(t, "--model", golden.ModelDir("tabular"), "--access-log", "off")
	resp, err := http.Get(url + "/v2/health/live")
	require.NoError(t, err)
	resp.Body.Close()
	close(stop)
	assert.Equal(t, 0, <-code)
	assert.NotContains(t, stderr.String(), `msg=request`)
}

func TestServeGRPC(t *testing.T) {
	grpcReady := make(chan string, 1)
	ready := make(chan string, 1)
	stop := make(chan struct{})
	code := make(chan int, 1)
	var stderr syncBuffer
	go func() {
		code <- serve([]string{"--port", "0", "--grpc-port", "0", "--model", golden.ModelDir("tabular")}, io.Discard, &stderr, serveConfig{ready: ready, grpcReady: grpcReady, stop: stop})
	}()
	addr := <-grpcReady
	<-ready
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer conn.Close()
	client := pb.NewGRPCInferenceServiceClient(conn)
	resp, err := client.ModelReady(context.Background(), &pb.ModelReadyRequest{Name: "tabular"})
	require.NoError(t, err)
	assert.True(t, resp.GetReady())
	close(stop)
	assert.Equal(t, 0, <-code)
	assert.Contains(t, stderr.String(), `msg=request method=GRPC path=/inference.GRPCInferenceService/ModelReady status=200`)
	assert.Contains(t, stderr.String(), `addr=grpc://127.0.0.1:`)
}
