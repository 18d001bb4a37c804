#!/usr/bin/env bash
# Fixed-rate load on POST /tasks, as the original's: bench/stress.sh URL DURATION RPS
# Services must be running (./scripts/dev.sh). Uses oha when it is installed, else the repository's
# open-model tool (latency from each task's due time) through bench/open_model.py, which also
# reports what reached PostgreSQL, the end-to-end latency (the AppHost's Prometheus) and, unless
# TRACK=false, each local part's cores and peak memory.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
URL=${1:-http://127.0.0.1:3000}
DURATION=${2:-30s}
RPS=${3:-500}
OUT=${OUT:-$RESULTS/stress-${RPS}rps.jsonl}
mkdir -p "$(dirname "$OUT")"

if command -v oha >/dev/null 2>&1 && [[ -z "${NO_OHA:-}" ]]; then
  exec oha -z "$DURATION" -q "$RPS" --latency-correction --no-tui -j -m POST \
    -H 'Content-Type: application/json' -d '{"task_type":"bench","data":{"value":1}}' "$URL/tasks" >"$OUT"
fi

build_tool
track=(--track); [[ ${TRACK:-true} == false ]] && track=()
open_model --gateway "$URL" --label "${LABEL:-$RPS RPS}" --rate "$RPS" --duration "$DURATION" "${track[@]}" \
  --drain "${DRAIN:-300}" >>"$OUT" || status=$? # 1: a task was lost
open_model_table "$OUT"
exit "${status:-0}"
