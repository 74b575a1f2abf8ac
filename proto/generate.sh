#!/usr/bin/env bash
# proto/generate.sh - regenerates proto/inference/*.pb.go from inference.proto
# with Debian's protoc (apt-get install protobuf-compiler) and the Go
# plugins pinned here (installed into $(go env GOPATH)/bin when missing or
# of another version). The output is committed: building needs no protoc.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
GEN_GO=v1.36.12      # google.golang.org/protobuf/cmd/protoc-gen-go
GEN_GRPC=v1.6.2      # google.golang.org/grpc/cmd/protoc-gen-go-grpc
BIN=$(go env GOPATH)/bin
command -v protoc >/dev/null || { echo "generate.sh: protoc is missing (apt-get install -y protobuf-compiler)" >&2; exit 2; }
[ "$("$BIN/protoc-gen-go" --version 2>/dev/null)" = "protoc-gen-go $GEN_GO" ] ||
  go install "google.golang.org/protobuf/cmd/protoc-gen-go@$GEN_GO"
[ "$("$BIN/protoc-gen-go-grpc" --version 2>/dev/null)" = "protoc-gen-go-grpc ${GEN_GRPC#v}" ] ||
  go install "google.golang.org/grpc/cmd/protoc-gen-go-grpc@$GEN_GRPC"
PATH=$BIN:$PATH protoc --proto_path=inference \
  --go_out=inference --go_opt=paths=source_relative \
  --go-grpc_out=inference --go-grpc_opt=paths=source_relative \
  inference.proto
echo "generate.sh: wrote proto/inference/inference.pb.go and inference_grpc.pb.go ($(protoc --version))"
