#!/usr/bin/env bash
# Fixed-rate load on POST /tasks, as the original's: bench/stress.sh URL DURATION RPS
# Services must be running (./scripts/dev.sh). Uses oha when it is installed, else the repository's
# load tool (open model: latency from each request's scheduled send time), which also reports what
# reached PostgreSQL (AGGREGATOR, default http://127.0.0.1:3001), the end-to-end latency and, with
# TRACK=true, each local process's CPU time and memory.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
URL=${1:-http://127.0.0.1:3000}
DURATION=${2:-30s}
RPS=${3:-500}
OUT=${OUT:-$RESULTS/stress-${RPS}rps.json}
mkdir -p "$(dirname "$OUT")"

if command -v oha >/dev/null 2>&1 && [[ -z "${NO_OHA:-}" ]]; then
  exec oha -z "$DURATION" -q "$RPS" --latency-correction --no-tui -j -m POST \
    -H 'Content-Type: application/json' -d '{"task_type":"bench","data":{"value":1}}' "$URL/tasks" >"$OUT"
fi

build_tool
bench load --url "$URL" --aggregator "$AGGREGATOR" --rate "$RPS" --duration "$DURATION" \
  --track-processes "${TRACK:-true}" --drain "${DRAIN:-300s}" --label "${LABEL:-stress}" --json "$OUT"
