// Package server is ludwig-infer's HTTP front: the endpoints of `ludwig serve`
// (GET /, POST /predict, POST /batch_predict, with the same keys, status
// codes and error bodies) plus the Open Inference Protocol (KServe v2) that
// Triton and KServe speak, and Prometheus metrics. Models are shared by all
// requests; every inference call runs with a deadline.
package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/core/status"
)

// Model is a served model and the name it is served under.
type Model struct {
	Name  string
	Model *core.Model
}

// Options configure a Server. Zero values take the defaults noted.
type Options struct {
	// InferTimeout is each inference call's deadline (0: none).
	InferTimeout time.Duration
	// MaxBody caps a request body in bytes (default 32 MiB).
	MaxBody int64
	// AllowOrigin, when set, is sent as Access-Control-Allow-Origin.
	AllowOrigin string
	// Log receives one structured line per request (nil: discarded).
	Log *slog.Logger
	// AccessLogEvery samples the access log: every request when 0 or 1, one
	// in N successful requests when N > 1 (requests answered with a status
	// >= 400 are always logged), none when negative.
	AccessLogEvery int
}

// DefaultMaxBody is the request body limit when Options.MaxBody is 0.
const DefaultMaxBody = 32 << 20

// Ludwig's error bodies (ludwig/serve.py).
const (
	couldNotRun  = "Unexpected Error: could not run inference on model"
	upMessage    = "Ludwig server is up"
	errorHeader  = "X-Ludwig-Infer-Error" // the real reason behind a Ludwig-compatible 500
	jsonMimeType = "application/json"
)

// Server serves models over HTTP.
type Server struct {
	models  []Model
	byName  map[string]*Model
	opts    Options
	metrics *metrics
	stats   *statistics
	mux     *http.ServeMux
	logged  atomic.Uint64 // successful requests seen by the access log sampler
}

// New builds a server for models; the Ludwig-compatible endpoints serve the
// first one.
func New(models []Model, opts Options) *Server {
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{models: models, byName: map[string]*Model{}, opts: opts, metrics: newMetrics(), stats: newStatistics()}
	for i := range s.models {
		s.byName[s.models[i].Name] = &s.models[i]
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", s.root)
	mux.HandleFunc("/predict", s.predict)
	mux.HandleFunc("/batch_predict", s.batchPredict)
	mux.HandleFunc("/metrics", s.serveMetrics)
	mux.HandleFunc("/v2/health/live", s.live)
	mux.HandleFunc("/v2/health/ready", s.ready)
	mux.HandleFunc("/v2", s.serverMetadata)
	mux.HandleFunc("/v2/models/", s.v2Model)
	mux.HandleFunc("/v2/repository/index", s.repositoryIndex)
	mux.HandleFunc("/v1/models", s.v1)
	mux.HandleFunc("/v1/models/", s.v1)
	s.mux = mux
	return s
}

// statusWriter records the status code, the model and the rows a handler
// scored, and whether the client accepts gzip.
type statusWriter struct {
	http.ResponseWriter
	code       int
	rows       int
	model      string
	acceptGzip bool
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

// ServeHTTP wraps every request: body limit, CORS, panic recovery, metrics
// and the access log line.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w, code: http.StatusOK, acceptGzip: acceptsGzip(r.Header.Get("Accept-Encoding"))}
	r.Body = http.MaxBytesReader(sw, r.Body, s.opts.MaxBody)
	if !decompressBody(sw, r, s.opts.MaxBody) {
		s.finish(sw, r, start)
		return
	}
	if s.opts.AllowOrigin != "" {
		sw.Header().Set("Access-Control-Allow-Origin", s.opts.AllowOrigin)
		sw.Header().Set("Access-Control-Allow-Headers", "Content-Type")
		sw.Header().Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		if r.Method == http.MethodOptions {
			sw.WriteHeader(http.StatusNoContent)
			s.finish(sw, r, start)
			return
		}
	}
	defer func() {
		if p := recover(); p != nil {
			s.opts.Log.Error("panic", "path", r.URL.Path, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			writeJSON(sw, http.StatusInternalServerError, map[string]string{"error": couldNotRun})
		}
		s.finish(sw, r, start)
	}()
	s.mux.ServeHTTP(sw, r)
}

func (s *Server) finish(sw *statusWriter, r *http.Request, start time.Time) {
	s.observe(sw, routeOf(r.URL.Path), r.Method, r.URL.Path, r.RemoteAddr, time.Since(start))
}

// observe counts a finished request in the metrics and writes its access log
// line (sampled as Options.AccessLogEvery says).
func (s *Server) observe(sw *statusWriter, route, method, path, remote string, d time.Duration) {
	s.metrics.observe(route, sw.model, sw.code, d, sw.rows)
	switch every := uint64(s.opts.AccessLogEvery); {
	case s.opts.AccessLogEvery < 0:
		return
	case every > 1 && sw.code < 400 && s.logged.Add(1)%every != 1:
		return
	}
	s.opts.Log.Info("request", "method", method, "path", path, "status", sw.code,
		"latency_ms", float64(d.Microseconds())/1000, "rows", sw.rows, "remote", remote)
}

// routeOf maps a path to a bounded metrics label.
func routeOf(p string) string {
	switch {
	case p == "/" || p == "/predict" || p == "/batch_predict" || p == "/metrics":
		return p
	case strings.HasPrefix(p, "/v2/health/"):
		return "/v2/health"
	case strings.HasSuffix(p, "/infer"):
		return "/v2/models/infer"
	case strings.HasPrefix(p, "/v2"):
		return "/v2/models"
	case strings.HasSuffix(p, ":predict"):
		return "/v1/models/predict"
	case strings.HasPrefix(p, "/v1/models"):
		return "/v1/models"
	}
	return "other"
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		code, b = http.StatusInternalServerError, []byte(`{"error":"cannot encode response"}`)
	}
	writeRaw(w, code, b)
}

func writeRaw(w http.ResponseWriter, code int, b []byte) {
	writeBody(w, code, jsonMimeType, b)
}

// writeBody answers b, gzip-compressed when the client accepts gzip and b is
// large enough to gain from it.
func writeBody(w http.ResponseWriter, code int, contentType string, b []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	if sw, ok := w.(*statusWriter); ok && sw.acceptGzip && len(b) >= gzipMinSize {
		b = gzipBytes(b)
		h.Set("Content-Encoding", "gzip")
		h.Add("Vary", "Accept-Encoding")
	}
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method not allowed; use " + allow})
}

func (s *Server) root(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not found: " + r.URL.Path})
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, "GET")
		return
	}
	// Ludwig's body, plus the "status" KServe's v1 client reads.
	writeJSON(w, http.StatusOK, map[string]string{"message": upMessage, "status": "alive"})
}

// infer runs a request on m with the server's deadline.
func (s *Server) infer(ctx context.Context, m *core.Model, req core.Request, opts core.InferOptions) (*core.Result, error) {
	if s.opts.InferTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.opts.InferTimeout)
		defer cancel()
	}
	return m.Infer(ctx, req, opts)
}

// missingFeatures lists the input columns a set of keys lacks (a feature
// counts as present under its name or its column).
func missingFeatures(m *core.Model, keys map[string]bool) []string {
	var missing []string
	for _, in := range m.Info().Inputs {
		if !keys[in.Column] && !keys[in.Name] {
			missing = append(missing, in.Column)
		}
	}
	sort.Strings(missing)
	return missing
}

// missingError is Ludwig's 400 body, with the set spelt as Python prints it.
func missingError(missing []string) map[string]string {
	q := make([]string, len(missing))
	for i, m := range missing {
		q[i] = "'" + strings.ReplaceAll(m, "'", `\'`) + "'"
	}
	return map[string]string{"error": "Data received does not contain all input features. Missing features: {" + strings.Join(q, ", ") + "}."}
}

// inferFailed answers a failed inference the way `ludwig serve` does (500
// and its fixed body), with the reason in a header and the log; requests the
// caller got wrong and deadlines get their own codes.
func (s *Server) inferFailed(w http.ResponseWriter, r *http.Request, err error) {
	s.opts.Log.Warn("inference failed", "path", r.URL.Path, "error", err.Error())
	w.Header().Set(errorHeader, headerSafe(err.Error()))
	code := http.StatusInternalServerError
	if status.CodeOf(err) == status.Cancelled {
		code = http.StatusGatewayTimeout
	}
	writeJSON(w, code, map[string]string{"error": couldNotRun})
}

func headerSafe(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > 1000 {
		s = s[:1000]
	}
	return s
}
