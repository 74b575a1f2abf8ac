package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/server"
)

func init() {
	register("serve", "serve models: ludwig serve's API, the Open Inference Protocol (HTTP, gRPC), KServe v1, /metrics", runServe)
}

// modelFlags collects repeated --model [NAME=]DIR values.
type modelFlags []string

func (m *modelFlags) String() string     { return strings.Join(*m, ",") }
func (m *modelFlags) Set(v string) error { *m = append(*m, v); return nil }

// serveConfig is what runServe parsed; ready (when set) receives the bound
// address once the server listens (tests use port 0).
type serveConfig struct {
	ready     chan<- string
	grpcReady chan<- string
	stop      <-chan struct{}
}

func runServe(args []string, stdout, stderr io.Writer) int {
	return serve(args, stdout, stderr, serveConfig{})
}

func serve(args []string, stdout, stderr io.Writer, cfg serveConfig) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var models modelFlags
	fs.Var(&models, "model", "[NAME=]DIR of an export; repeat to serve several (names default to the folder's base name; / and /predict serve the first)")
	host := fs.String("host", "127.0.0.1", "address to listen on")
	port := fs.Int("port", 8000, "port to listen on (0: any free port)")
	grpcPort := fs.Int("grpc-port", -1, "also serve the Open Inference Protocol over gRPC on this port (0: any free port; off unless given)")
	maxBody := fs.Int64("max-body", server.DefaultMaxBody, "request body limit in bytes")
	readTimeout := fs.Duration("read-timeout", 30*time.Second, "time to read a whole request")
	writeTimeout := fs.Duration("write-timeout", 60*time.Second, "time to write a response")
	inferTimeout := fs.Duration("infer-timeout", 30*time.Second, "each inference call's deadline (0: none)")
	allowOrigin := fs.String("allow-origin", "", "value of Access-Control-Allow-Origin (CORS); empty: no CORS headers")
	device := fs.String("device", "cpu", "predictor device: cpu, cuda, cuda:N")
	stages := stagesFlag(fs)
	eng := engineFlag(fs)
	graph := graphFlag(fs)
	threads := fs.Int("threads", 0, "libtorch intra-op threads per call (0: 1)")
	logFormat := fs.String("log-format", "text", "access log format on stderr: text or json")
	accessLog := fs.String("access-log", "on", "access log: on, off, or sample=N (one successful request in N; errors always)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if len(models) == 0 {
		fmt.Fprintln(stderr, "ludwig-infer serve: at least one --model is required")
		fs.Usage()
		return 2
	}
	if *graph != "" && len(models) != 1 {
		fmt.Fprintln(stderr, "ludwig-infer serve: --graph needs exactly one --model (or put each model.pt2 inside its folder)")
		return 2
	}
	var handler slog.Handler
	switch *logFormat {
	case "text":
		handler = slog.NewTextHandler(stderr, nil)
	case "json":
		handler = slog.NewJSONHandler(stderr, nil)
	default:
		fmt.Fprintf(stderr, "ludwig-infer serve: --log-format must be text or json, got %q\n", *logFormat)
		return 2
	}
	logger := slog.New(handler)
	every, err := parseAccessLog(*accessLog)
	if err != nil {
		fmt.Fprintln(stderr, "ludwig-infer serve:", err)
		return 2
	}
	if *threads > 0 {
		if err := core.SetThreads(*threads); err != nil {
			return fail(stderr, "serve", err)
		}
	}
	var served []server.Model
	defer func() {
		for _, m := range served {
			m.Model.Close()
		}
	}()
	seen := map[string]bool{}
	for _, spec := range models {
		name, dir := "", spec
		if i := strings.Index(spec, "="); i > 0 {
			name, dir = spec[:i], spec[i+1:]
		}
		if name == "" {
			name = filepath.Base(filepath.Clean(dir))
		}
		if seen[name] {
			fmt.Fprintf(stderr, "ludwig-infer serve: two models are named %q; name them with NAME=DIR\n", name)
			return 2
		}
		seen[name] = true
		m, err := core.Load(dir, core.LoadOptions{Device: *device, Stages: *stages, Engine: *eng, Graph: *graph})
		if err != nil {
			return fail(stderr, "serve", err)
		}
		served = append(served, server.Model{Name: name, Model: m})
		logger.Info("model loaded", "name", name, "dir", dir)
	}
	api := server.New(served, server.Options{InferTimeout: *inferTimeout, MaxBody: *maxBody, AllowOrigin: *allowOrigin, Log: logger, AccessLogEvery: every})
	srv := &http.Server{
		Handler:      api,
		ReadTimeout:  *readTimeout,
		WriteTimeout: *writeTimeout,
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(*host, strconv.Itoa(*port)))
	if err != nil {
		return fail(stderr, "serve", err)
	}
	logger.Info("listening", "addr", "http://"+ln.Addr().String())
	done := make(chan error, 2)
	var grpcServer *grpc.Server
	if *grpcPort >= 0 {
		gln, err := net.Listen("tcp", net.JoinHostPort(*host, strconv.Itoa(*grpcPort)))
		if err != nil {
			ln.Close()
			return fail(stderr, "serve", err)
		}
		logger.Info("listening", "addr", "grpc://"+gln.Addr().String())
		if cfg.grpcReady != nil {
			cfg.grpcReady <- gln.Addr().String()
		}
		grpcServer = api.GRPC()
		go func() { done <- grpcServer.Serve(gln) }()
	}
	if cfg.ready != nil {
		cfg.ready <- ln.Addr().String()
	}
	ctx, stopSignals := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stopSignals()
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		if grpcServer != nil {
			grpcServer.Stop()
		}
		_ = srv.Close()
		return fail(stderr, "serve", err)
	case <-ctx.Done():
	case <-cfg.stop:
	}
	// Graceful shutdown: stop accepting, let requests in flight finish.
	logger.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), *writeTimeout+*inferTimeout)
	defer cancel()
	if grpcServer != nil {
		stopped := make(chan struct{})
		go func() { grpcServer.GracefulStop(); close(stopped) }()
		select {
		case <-stopped:
		case <-sctx.Done():
			grpcServer.Stop()
		}
	}
	if err := srv.Shutdown(sctx); err != nil {
		return fail(stderr, "serve", err)
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fail(stderr, "serve", err)
	}
	logger.Info("stopped")
	return 0
}

// parseAccessLog reads --access-log: on (every request: 0), off (-1) or
// sample=N (N >= 1).
func parseAccessLog(v string) (int, error) {
	switch v {
	case "on":
		return 0, nil
	case "off":
		return -1, nil
	}
	if n, ok := strings.CutPrefix(v, "sample="); ok {
		if k, err := strconv.Atoi(n); err == nil && k >= 1 {
			return k, nil
		}
	}
	return 0, fmt.Errorf("--access-log must be on, off or sample=N with N >= 1, got %q", v)
}
