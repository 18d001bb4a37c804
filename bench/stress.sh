#!/usr/bin/env bash
# Fixed-rate load on POST /tasks, as the original's stress.sh: bench/stress.sh URL DURATION RPS
# Uses oha when it is installed, else the repository's own load tool (open model, latency from
# the scheduled send time). With AGGREGATOR set (default http://127.0.0.1:3001) the tool also
# reports what reached PostgreSQL and the end-to-end latency.
set -euo pipefail
cd "$(dirname "$0")/.."
URL=${1:-http://127.0.0.1:3000}
DURATION=${2:-30s}
RPS=${3:-500}
AGGREGATOR=${AGGREGATOR:-http://127.0.0.1:3001}
OUT=${OUT:-bench/results/stress-${RPS}rps.json}
mkdir -p "$(dirname "$OUT")"

if command -v oha >/dev/null 2>&1; then
  exec oha -z "$DURATION" -q "$RPS" --latency-correction --no-tui -j -m POST \
    -H 'Content-Type: application/json' -d '{"task_type":"bench","data":{"value":1}}' "$URL/tasks" >"$OUT"
fi

dotnet build bench/Distributed.Bench -c Release -v quiet -nologo >/dev/null
dotnet bench/Distributed.Bench/bin/Release/net10.0/Distributed.Bench.dll load \
  --url "$URL" --aggregator "$AGGREGATOR" --rate "$RPS" --duration "$DURATION" --json "$OUT"
