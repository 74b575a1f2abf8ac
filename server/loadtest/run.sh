#!/usr/bin/env bash
# server/loadtest/run.sh - every protocol of `ludwig-infer serve` on loopback,
# 1-row calls to the tabular test model at 1, 8 and 64 connections (each level
# bounded: REQUESTS requests or MAX time), next to a bare Go net/http handler
# (the ceiling of the HTTP stack alone). Prints one markdown table.
#   server/loadtest/run.sh                 # REQUESTS=2000 MAX=20s CONNS=1,8,64
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
REQUESTS=${REQUESTS:-2000} MAX=${MAX:-20s} CONNS=${CONNS:-1,8,64}
eval "$(./build.sh env)"
[ -x build/ludwig-infer ] || ./build.sh
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
go build -o "$tmp/loadtest" ./server/loadtest
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
HTTP=$(port) GRPC=$(port) BARE=$(port)
build/ludwig-infer serve --model testdata/models/tabular --port "$HTTP" --grpc-port "$GRPC" --access-log off 2>"$tmp/serve.log" &
pids+=($!)
"$tmp/loadtest" -serve-bare "127.0.0.1:$BARE" &
pids+=($!)
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$HTTP/v2/health/ready" >/dev/null 2>&1 && curl -s -o /dev/null "http://127.0.0.1:$BARE/" && break
  sleep 0.2
done
echo "| protocol | connections | requests | errors | requests/s | p50 ms | p99 ms |"
echo "|---|---|---|---|---|---|---|"
for proto in predict v2json v2binary grpc; do
  "$tmp/loadtest" -proto "$proto" -url "http://127.0.0.1:$HTTP" -grpc "127.0.0.1:$GRPC" -conns "$CONNS" -requests "$REQUESTS" -max "$MAX"
done
"$tmp/loadtest" -proto bare -url "http://127.0.0.1:$BARE" -conns "$CONNS" -requests "$REQUESTS" -max "$MAX"
