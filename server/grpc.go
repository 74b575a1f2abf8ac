package server

import (
	"context"
	"math"
	"net/http"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	_ "google.golang.org/grpc/encoding/gzip" // clients' compression_algorithm="gzip"
	"google.golang.org/grpc/peer"
	grpcstatus "google.golang.org/grpc/status"

	"github.com/ludwig-infer/ludwig-infer/core"
	"github.com/ludwig-infer/ludwig-infer/core/request"
	pb "github.com/ludwig-infer/ludwig-infer/proto/inference"
)

// The Open Inference Protocol over gRPC: inference.GRPCInferenceService,
// with Triton's ModelConfig, ModelStatistics and RepositoryIndex. Inputs
// come as typed contents or raw_input_contents (BYTES elements
// length-prefixed as in the binary HTTP extension); outputs are answered in
// raw_output_contents, as Triton answers them. The call's deadline
// (grpc-timeout) and cancellation reach the inference call, which checks them
// between stages; the server's --infer-timeout applies too.

// GRPC returns a gRPC server for s's models: messages up to MaxBody bytes,
// the access log and metrics as for HTTP (a call is counted under its method,
// with the HTTP status of its code).
func (s *Server) GRPC() *grpc.Server {
	gs := grpc.NewServer(grpc.MaxRecvMsgSize(int(min(s.opts.MaxBody, math.MaxInt32))), grpc.UnaryInterceptor(s.grpcObserve))
	pb.RegisterGRPCInferenceServiceServer(gs, &grpcService{s: s})
	return gs
}

type grpcService struct {
	pb.UnimplementedGRPCInferenceServiceServer
	s *Server
}

// httpCode is the HTTP status a gRPC code is counted under.
var httpCode = map[codes.Code]int{
	codes.OK: http.StatusOK, codes.InvalidArgument: http.StatusBadRequest, codes.NotFound: http.StatusNotFound,
	codes.DeadlineExceeded: http.StatusGatewayTimeout, codes.ResourceExhausted: http.StatusRequestEntityTooLarge,
	codes.Canceled: 499, codes.Unimplemented: http.StatusNotImplemented,
}

// grpcCode is the gRPC code of an HTTP status this server answers.
func grpcCode(code int) codes.Code {
	for c, h := range httpCode {
		if h == code {
			return c
		}
	}
	return codes.Internal
}

// grpcObserve logs and counts one unary call.
func (s *Server) grpcObserve(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			s.opts.Log.Error("panic", "method", info.FullMethod, "panic", p)
			err = grpcstatus.Error(codes.Internal, couldNotRun)
		}
		code := grpcstatus.Code(err)
		h, ok := httpCode[code]
		if !ok {
			h = http.StatusInternalServerError
		}
		model, rows := "", 0
		if r, ok := req.(*pb.ModelInferRequest); ok {
			model = r.GetModelName()
			if err == nil && len(r.GetInputs()) > 0 && len(r.GetInputs()[0].GetShape()) > 0 {
				rows = int(r.GetInputs()[0].GetShape()[0])
			}
		}
		if _, known := s.byName[model]; !known {
			model = ""
		}
		method := info.FullMethod[strings.LastIndex(info.FullMethod, "/")+1:]
		sw := &statusWriter{code: h, rows: rows, model: model}
		remote := ""
		if p, ok := peer.FromContext(ctx); ok {
			remote = p.Addr.String()
		}
		s.observe(sw, "grpc:"+method, "GRPC", info.FullMethod, remote, time.Since(start))
	}()
	return handler(ctx, req)
}

func (g *grpcService) model(name, version string) (*Model, error) {
	m, ok := g.s.byName[name]
	if !ok {
		return nil, grpcstatus.Errorf(codes.NotFound, "unknown model %q", name)
	}
	if version != "" && version != "1" {
		return nil, grpcstatus.Errorf(codes.NotFound, "model %q has only version 1", name)
	}
	return m, nil
}

func (g *grpcService) ServerLive(context.Context, *pb.ServerLiveRequest) (*pb.ServerLiveResponse, error) {
	return &pb.ServerLiveResponse{Live: true}, nil
}

func (g *grpcService) ServerReady(context.Context, *pb.ServerReadyRequest) (*pb.ServerReadyResponse, error) {
	return &pb.ServerReadyResponse{Ready: len(g.s.models) > 0}, nil
}

func (g *grpcService) ModelReady(_ context.Context, r *pb.ModelReadyRequest) (*pb.ModelReadyResponse, error) {
	if _, err := g.model(r.GetName(), r.GetVersion()); err != nil {
		return nil, err
	}
	return &pb.ModelReadyResponse{Ready: true}, nil
}

func (g *grpcService) ServerMetadata(context.Context, *pb.ServerMetadataRequest) (*pb.ServerMetadataResponse, error) {
	return &pb.ServerMetadataResponse{Name: "ludwig-infer", Version: core.Version, Extensions: extensions}, nil
}

func pbTensorMetas(ms []tensorMeta) []*pb.ModelMetadataResponse_TensorMetadata {
	out := make([]*pb.ModelMetadataResponse_TensorMetadata, len(ms))
	for i, tm := range ms {
		out[i] = &pb.ModelMetadataResponse_TensorMetadata{Name: tm.Name, Datatype: tm.Datatype, Shape: tm.Shape}
	}
	return out
}

func (g *grpcService) ModelMetadata(_ context.Context, r *pb.ModelMetadataRequest) (*pb.ModelMetadataResponse, error) {
	m, err := g.model(r.GetName(), r.GetVersion())
	if err != nil {
		return nil, err
	}
	return &pb.ModelMetadataResponse{Name: m.Name, Versions: []string{"1"}, Platform: Platform,
		Inputs: pbTensorMetas(inputMetas(m)), Outputs: pbTensorMetas(outputMetas(m))}, nil
}

func pbDataType(s string) pb.DataType { return pb.DataType(pb.DataType_value[s]) }

func (g *grpcService) ModelConfig(_ context.Context, r *pb.ModelConfigRequest) (*pb.ModelConfigResponse, error) {
	m, err := g.model(r.GetName(), r.GetVersion())
	if err != nil {
		return nil, err
	}
	cfg := &pb.ModelConfig{Name: m.Name, Platform: Platform, MaxBatchSize: maxBatchSize,
		VersionPolicy: &pb.ModelVersionPolicy{PolicyChoice: &pb.ModelVersionPolicy_Latest_{Latest: &pb.ModelVersionPolicy_Latest{NumVersions: 1}}}}
	for _, t := range configTensors(inputMetas(m)) {
		in := &pb.ModelInput{Name: t.name, DataType: pbDataType(t.dataType), Dims: t.dims}
		if t.reshape {
			in.Reshape = &pb.ModelTensorReshape{}
		}
		cfg.Input = append(cfg.Input, in)
	}
	for _, t := range configTensors(outputMetas(m)) {
		out := &pb.ModelOutput{Name: t.name, DataType: pbDataType(t.dataType), Dims: t.dims}
		if t.reshape {
			out.Reshape = &pb.ModelTensorReshape{}
		}
		cfg.Output = append(cfg.Output, out)
	}
	return &pb.ModelConfigResponse{Config: cfg}, nil
}

func (g *grpcService) ModelStatistics(_ context.Context, r *pb.ModelStatisticsRequest) (*pb.ModelStatisticsResponse, error) {
	if r.GetName() != "" {
		if _, err := g.model(r.GetName(), r.GetVersion()); err != nil {
			return nil, err
		}
	}
	resp := &pb.ModelStatisticsResponse{}
	for _, st := range g.s.stats.snapshot(g.s.models, r.GetName()) {
		d := func(k string) *pb.StatisticDuration {
			return &pb.StatisticDuration{Count: st.InferenceStats[k].Count, Ns: st.InferenceStats[k].Ns}
		}
		resp.ModelStats = append(resp.ModelStats, &pb.ModelStatistics{
			Name: st.Name, Version: st.Version, LastInference: uint64(st.LastInference),
			InferenceCount: st.InferenceCount, ExecutionCount: st.ExecutionCount,
			InferenceStats: &pb.InferStatistics{Success: d("success"), Fail: d("fail"), Queue: d("queue"),
				ComputeInput: d("compute_input"), ComputeInfer: d("compute_infer"), ComputeOutput: d("compute_output"),
				CacheHit: d("cache_hit"), CacheMiss: d("cache_miss")},
		})
	}
	return resp, nil
}

func (g *grpcService) RepositoryIndex(context.Context, *pb.RepositoryIndexRequest) (*pb.RepositoryIndexResponse, error) {
	resp := &pb.RepositoryIndexResponse{}
	for _, m := range g.s.models {
		resp.Models = append(resp.Models, &pb.RepositoryIndexResponse_ModelIndex{Name: m.Name, Version: "1", State: "READY"})
	}
	return resp, nil
}

func (g *grpcService) ModelInfer(ctx context.Context, r *pb.ModelInferRequest) (*pb.ModelInferResponse, error) {
	received := time.Now()
	m, err := g.model(r.GetModelName(), r.GetModelVersion())
	if err != nil {
		return nil, err
	}
	req, verr := decodeGRPC(r)
	var outs []outTensor
	if verr == nil {
		outs, verr = g.s.runInfer(ctx, m, req, received)
	}
	if verr != nil {
		code := grpcCode(verr.code)
		if ctx.Err() != nil {
			code = grpcstatus.FromContextError(ctx.Err()).Code()
		}
		return nil, grpcstatus.Error(code, verr.msg)
	}
	resp := &pb.ModelInferResponse{ModelName: m.Name, ModelVersion: "1", Id: r.GetId()}
	for _, o := range outs {
		resp.Outputs = append(resp.Outputs, &pb.ModelInferResponse_InferOutputTensor{Name: o.name, Datatype: o.datatype, Shape: o.shape})
		resp.RawOutputContents = append(resp.RawOutputContents, appendRaw(make([]byte, 0, rawSize(o)), o))
	}
	return resp, nil
}

// decodeGRPC converts a ModelInferRequest: raw_input_contents (one entry per
// input) when present, else each input's typed contents.
func decodeGRPC(r *pb.ModelInferRequest) (*inferRequest, *v2Err) {
	req := &inferRequest{id: r.GetId(), hasID: r.GetId() != ""}
	raw := r.GetRawInputContents()
	if len(raw) > 0 && len(raw) != len(r.GetInputs()) {
		return nil, badRequest("raw_input_contents has %d entries for %d inputs", len(raw), len(r.GetInputs()))
	}
	for i, in := range r.GetInputs() {
		t := inTensor{name: in.GetName(), datatype: in.GetDatatype(), shape: in.GetShape()}
		if _, ok := elemSize[t.datatype]; !ok {
			return nil, badRequest("input %q: unsupported datatype %q", t.name, t.datatype)
		}
		var err *v2Err
		if len(raw) > 0 {
			if in.GetContents() != nil {
				return nil, badRequest("input %q has both contents and raw_input_contents", t.name)
			}
			t.cells, err = rawCells(t.name, t.datatype, raw[i])
			t.raw = true
		} else {
			t.cells, t.raw, err = contentCells(t.name, t.datatype, in.GetContents())
		}
		if err != nil {
			return nil, err
		}
		if err := checkShape(t.name, t.shape, len(t.cells)); err != nil {
			return nil, err
		}
		req.inputs = append(req.inputs, t)
	}
	for _, o := range r.GetOutputs() {
		if o.GetName() == "" {
			return nil, badRequest("a requested output needs a name")
		}
		req.outputs = append(req.outputs, outRequest{name: o.GetName()})
	}
	return req, nil
}

// contentCells reads typed contents: the field of the datatype (int_contents
// for INT8/16/32, uint_contents for UINT8/16/32).
func contentCells(name, dt string, c *pb.InferTensorContents) ([]request.Cell, bool, *v2Err) {
	ints := func(n int, at func(int) int64) ([]request.Cell, bool, *v2Err) {
		cells := make([]request.Cell, n)
		for i := range cells {
			v := at(i)
			if !intFits(dt, v) {
				return nil, false, badRequest("input %q: element %d (%d) does not fit %s", name, i, v, dt)
			}
			cells[i] = request.Cell{Kind: request.Int, Int: v, Num: float64(v), Str: itoa(v)}
		}
		return cells, false, nil
	}
	floats := func(n int, at func(int) float64) []request.Cell {
		cells := make([]request.Cell, n)
		for i := range cells {
			if f := at(i); !math.IsNaN(f) {
				cells[i] = request.Cell{Kind: request.Float, Num: f}
			}
		}
		return cells
	}
	switch dt {
	case "BOOL":
		cells := make([]request.Cell, len(c.GetBoolContents()))
		for i, b := range c.GetBoolContents() {
			cells[i] = request.Cell{Kind: request.Bool, Bool: b}
		}
		return cells, false, nil
	case "INT8", "INT16", "INT32":
		v := c.GetIntContents()
		return ints(len(v), func(i int) int64 { return int64(v[i]) })
	case "INT64":
		v := c.GetInt64Contents()
		return ints(len(v), func(i int) int64 { return v[i] })
	case "UINT8", "UINT16", "UINT32":
		v := c.GetUintContents()
		return ints(len(v), func(i int) int64 { return int64(v[i]) })
	case "UINT64":
		v := c.GetUint64Contents()
		for i, x := range v {
			if x > math.MaxInt64 {
				return nil, false, badRequest("input %q: UINT64 element %d is larger than 2^63-1", name, i)
			}
		}
		return ints(len(v), func(i int) int64 { return int64(v[i]) })
	case "FP32":
		v := c.GetFp32Contents()
		return floats(len(v), func(i int) float64 { return float64(v[i]) }), false, nil
	case "FP64":
		v := c.GetFp64Contents()
		return floats(len(v), func(i int) float64 { return v[i] }), false, nil
	}
	v := c.GetBytesContents()
	cells := make([]request.Cell, len(v))
	for i, b := range v {
		cells[i] = request.Cell{Kind: request.String, Str: string(b)}
	}
	return cells, true, nil
}
