#!/usr/bin/env bash
# What the gateway's telemetry costs (issue 11, goal 1): the gateway's Release build against its
# own nats-server (a fresh one per measurement), wrk POST /tasks (64 connections, 10 s, after a 15 s warm-up), RUNS times each:
#   always_on — spans recorded (an always-on sampler) and every metric, as the AppHost runs it;
#   unrecorded — a start by hand without an OTLP endpoint: spans started, not recorded, metrics;
#   + NATS client spans — the same with TRACE_PLUMBING=true, which adds NATS.Net's own spans
#     (what every publish cost before the pipeline wrote its trace context itself);
#   OTEL_SDK_DISABLED=true — no OpenTelemetry at all.
#   RUNS=3 bench/gateway-telemetry.sh   → $RESULTS/gateway-telemetry/report.md
set -euo pipefail
source "$(dirname "$0")/lib.sh"
NATS_PORT=${NATS_PORT:-37222} PORT=${PORT:-37000}
OUT=$RESULTS/gateway-telemetry
mkdir -p "$OUT" "$BENCH_STATE"
trap stop_private_parts EXIT
build_service Gateway
body=$(task_body)
: >"$OUT/runs.jsonl"
for run in $(seq 1 "${RUNS:-3}"); do
  for setting in "always_on|OTEL_TRACES_SAMPLER=always_on" "unrecorded|TRACE_PLUMBING=false" \
    "unrecorded + NATS client spans|TRACE_PLUMBING=true" "no OpenTelemetry|OTEL_SDK_DISABLED=true"; do
    echo "== run $run: ${setting%%|*}" >&2
    # A fresh store each time: nothing consumes TASKS here, and a full stream would answer 503.
    private_nats "$NATS_PORT"
    provision_topology "$NATS_PORT"
    pid=$(start_service Gateway NATS_URL="$(nats_url gateway "$NATS_PORT")" GATEWAY_ADDR="127.0.0.1:$PORT" "${setting#*|}")
    wait_http "http://127.0.0.1:$PORT/health" 60
    wrk_run --duration 15s --body "$body" "http://127.0.0.1:$PORT/tasks" >/dev/null
    wrk_run --label "${setting%%|*}" --pid "gateway=$pid" --body "$body" "http://127.0.0.1:$PORT/tasks" >>"$OUT/runs.jsonl"
    kill "$pid"; while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
    stop_private_parts
  done
done
python3 "$ROOT/bench/wrk/summarize.py" --server gateway "$OUT/runs.jsonl" | tee "$OUT/report.md"
