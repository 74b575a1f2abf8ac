package server_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	grpcstatus "google.golang.org/grpc/status"

	"github.com/ludwig-infer/ludwig-infer/internal/golden"
	pb "github.com/ludwig-infer/ludwig-infer/proto/inference"
	"github.com/ludwig-infer/ludwig-infer/server"
)

// grpcClient serves tabular over gRPC on a loopback port and dials it.
func grpcClient(t *testing.T, opts server.Options) (pb.GRPCInferenceServiceClient, *server.Server) {
	s := server.New([]server.Model{{Name: "tabular", Model: tabular}}, opts)
	gs := s.GRPC()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = gs.Serve(ln) }()
	t.Cleanup(gs.Stop)
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return pb.NewGRPCInferenceServiceClient(conn), s
}

func typedInputs() []*pb.ModelInferRequest_InferInputTensor {
	return []*pb.ModelInferRequest_InferInputTensor{
		{Name: "Age", Datatype: "FP64", Shape: []int64{1}, Contents: &pb.InferTensorContents{Fp64Contents: []float64{34}}},
		{Name: "city", Datatype: "BYTES", Shape: []int64{1}, Contents: &pb.InferTensorContents{BytesContents: [][]byte{[]byte("Paris")}}},
		{Name: "member", Datatype: "BOOL", Shape: []int64{1, 1}, Contents: &pb.InferTensorContents{BoolContents: []bool{true}}},
		{Name: "cell", Datatype: "INT64", Shape: []int64{1}, Contents: &pb.InferTensorContents{Int64Contents: []int64{617703466028236799}}},
	}
}

func TestGRPC(t *testing.T) {
	client, _ := grpcClient(t, server.Options{})
	ctx := context.Background()
	c, _ := goldenCase(t, "batch1_ints")
	probs := c.Postprocessed["plan::probabilities"].Tensor.Data

	live, err := client.ServerLive(ctx, &pb.ServerLiveRequest{})
	require.NoError(t, err)
	assert.True(t, live.GetLive())
	ready, err := client.ModelReady(ctx, &pb.ModelReadyRequest{Name: "tabular"})
	require.NoError(t, err)
	assert.True(t, ready.GetReady())
	meta, err := client.ModelMetadata(ctx, &pb.ModelMetadataRequest{Name: "tabular"})
	require.NoError(t, err)
	assert.Equal(t, "ludwig_torchscript", meta.GetPlatform())
	assert.Equal(t, "Age FP64 [-1]", fmt.Sprint(meta.GetInputs()[0].GetName(), " ", meta.GetInputs()[0].GetDatatype(), " ", meta.GetInputs()[0].GetShape()))
	assert.Equal(t, "plan_probabilities FP32 [-1 4]", fmt.Sprint(meta.GetOutputs()[1].GetName(), " ", meta.GetOutputs()[1].GetDatatype(), " ", meta.GetOutputs()[1].GetShape()))
	smeta, err := client.ServerMetadata(ctx, &pb.ServerMetadataRequest{})
	require.NoError(t, err)
	assert.Equal(t, []string{"binary_tensor_data", "model_configuration", "statistics", "model_repository"}, smeta.GetExtensions())
	cfg, err := client.ModelConfig(ctx, &pb.ModelConfigRequest{Name: "tabular"})
	require.NoError(t, err)
	assert.Equal(t, int32(1048576), cfg.GetConfig().GetMaxBatchSize())
	assert.Equal(t, pb.DataType_TYPE_STRING, cfg.GetConfig().GetInput()[1].GetDataType())
	assert.Equal(t, []int64{4}, cfg.GetConfig().GetOutput()[1].GetDims())
	index, err := client.RepositoryIndex(ctx, &pb.RepositoryIndexRequest{})
	require.NoError(t, err)
	assert.Equal(t, "tabular 1 READY", index.GetModels()[0].GetName()+" "+index.GetModels()[0].GetVersion()+" "+index.GetModels()[0].GetState())

	// Typed contents in, raw contents out.
	resp, err := client.ModelInfer(ctx, &pb.ModelInferRequest{ModelName: "tabular", Id: "g1", Inputs: typedInputs()})
	require.NoError(t, err)
	assert.Equal(t, "g1", resp.GetId())
	require.Len(t, resp.GetOutputs(), 2)
	assert.Equal(t, []string{"plus"}, splitBytes(t, resp.GetRawOutputContents()[0]))
	assert.Equal(t, []int64{1, 4}, resp.GetOutputs()[1].GetShape())
	assert.Empty(t, golden.Diff(fp32s(resp.GetRawOutputContents()[1]), probs, "probs"))

	// Raw contents in, one requested output.
	var raw [][]byte
	var inputs []*pb.ModelInferRequest_InferInputTensor
	for _, in := range tabularBinary() {
		inputs = append(inputs, &pb.ModelInferRequest_InferInputTensor{Name: in.name, Datatype: in.datatype, Shape: in.shape})
		raw = append(raw, in.data)
	}
	resp, err = client.ModelInfer(ctx, &pb.ModelInferRequest{ModelName: "tabular", Inputs: inputs, RawInputContents: raw,
		Outputs: []*pb.ModelInferRequest_InferRequestedOutputTensor{{Name: "plan_probabilities"}}})
	require.NoError(t, err)
	require.Len(t, resp.GetOutputs(), 1)
	assert.Empty(t, golden.Diff(fp32s(resp.GetRawOutputContents()[0]), probs, "probs"))

	stats, err := client.ModelStatistics(ctx, &pb.ModelStatisticsRequest{Name: "tabular"})
	require.NoError(t, err)
	assert.Equal(t, uint64(2), stats.GetModelStats()[0].GetInferenceStats().GetSuccess().GetCount())
	assert.Equal(t, uint64(2), stats.GetModelStats()[0].GetInferenceCount())
}

func TestGRPCErrors(t *testing.T) {
	client, _ := grpcClient(t, server.Options{MaxBody: 1 << 10})
	ctx := context.Background()
	bad := typedInputs()
	bad[1] = &pb.ModelInferRequest_InferInputTensor{Name: "city", Datatype: "INT8", Shape: []int64{1}, Contents: &pb.InferTensorContents{IntContents: []int32{300}}}
	raw := [][]byte{fp64(34)}
	for _, tc := range []struct {
		req  *pb.ModelInferRequest
		code codes.Code
		want string
	}{
		{&pb.ModelInferRequest{ModelName: "nope"}, codes.NotFound, `unknown model "nope"`},
		{&pb.ModelInferRequest{ModelName: "tabular", ModelVersion: "2"}, codes.NotFound, `model "tabular" has only version 1`},
		{&pb.ModelInferRequest{ModelName: "tabular", Inputs: bad}, codes.InvalidArgument, `input "city": element 0 (300) does not fit INT8`},
		{&pb.ModelInferRequest{ModelName: "tabular", Inputs: typedInputs()[:1], RawInputContents: [][]byte{fp64(34), fp64(1)}}, codes.InvalidArgument, `raw_input_contents has 2 entries for 1 inputs`},
		{&pb.ModelInferRequest{ModelName: "tabular", Inputs: typedInputs()[:1], RawInputContents: raw}, codes.InvalidArgument, `input "Age" has both contents and raw_input_contents`},
		{&pb.ModelInferRequest{ModelName: "tabular", Inputs: []*pb.ModelInferRequest_InferInputTensor{{Name: "Age", Datatype: "FP16", Shape: []int64{1}}}}, codes.InvalidArgument, `input "Age": unsupported datatype "FP16"`},
		{&pb.ModelInferRequest{ModelName: "tabular", Inputs: []*pb.ModelInferRequest_InferInputTensor{{Name: "Age", Datatype: "FP64", Shape: []int64{2}}}, RawInputContents: raw}, codes.InvalidArgument, `input "Age": shape [2] needs 2 elements, the data has 1`},
		{&pb.ModelInferRequest{ModelName: "tabular", Inputs: typedInputs(), Outputs: []*pb.ModelInferRequest_InferRequestedOutputTensor{{Name: "x"}}}, codes.InvalidArgument, `unknown output "x"; the model's outputs are: plan_predictions, plan_probabilities`},
		{&pb.ModelInferRequest{ModelName: "tabular", Inputs: typedInputs(), Outputs: []*pb.ModelInferRequest_InferRequestedOutputTensor{{}}}, codes.InvalidArgument, `a requested output needs a name`},
		{&pb.ModelInferRequest{ModelName: "tabular", Inputs: typedInputs(), Id: strings.Repeat("x", 2000)}, codes.ResourceExhausted, `grpc: received message larger than max`},
	} {
		_, err := client.ModelInfer(ctx, tc.req)
		st, _ := grpcstatus.FromError(err)
		assert.Equal(t, tc.code, st.Code(), tc.want)
		assert.True(t, strings.HasPrefix(st.Message(), tc.want), st.Message())
	}
	_, err := client.ModelReady(ctx, &pb.ModelReadyRequest{Name: "nope"})
	assert.Equal(t, codes.NotFound, grpcstatus.Code(err))

	// A deadline passed during the call: DeadlineExceeded with the core's reason.
	slow, _ := grpcClient(t, server.Options{InferTimeout: time.Nanosecond})
	_, err = slow.ModelInfer(ctx, &pb.ModelInferRequest{ModelName: "tabular", Inputs: typedInputs()})
	assert.Equal(t, codes.DeadlineExceeded, grpcstatus.Code(err))
	assert.Contains(t, grpcstatus.Convert(err).Message(), "deadline exceeded")
}
