#!/usr/bin/env bash
# The gateway against what a user would write without this project (issue 28, goal 1):
# bench/MinimalEndpoint (System.Text.Json binding, a JetStream publish awaiting its ack, a 202 with
# a small JSON body) and Distributed.Gateway, both Release, started by hand without an OTLP
# endpoint, on one fresh nats-server per run, as deployed (deploy/nats's identities; the gateway as
# its own, the topology declared by the provisioning step; the reference as the operator, its own stream). wrk POST /tasks, 64 connections, 10 s each after a
# 15 s warm-up; the two take turns, and which goes first alternates by run. Ratios are per run.
#   RUNS=3 bench/gateway-vs-minimal.sh   → $RESULTS/gateway-vs-minimal/{runs.jsonl,report.md}
#   GATEWAY_ENV="OTEL_TRACES_SAMPLER=always_on" ... adds settings to the gateway's environment.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
NATS_PORT=${NATS_PORT:-37222} GATEWAY_PORT=${GATEWAY_PORT:-37000} MINIMAL_PORT=${MINIMAL_PORT:-37080}
OUT=$RESULTS/gateway-vs-minimal
mkdir -p "$OUT" "$BENCH_STATE"
trap stop_private_parts EXIT
build_service Gateway
body=$(task_body)
: >"$OUT/runs.jsonl"
for run in $(seq 1 "${RUNS:-3}"); do
  echo "== run $run" >&2
  # A fresh store each run: nothing consumes the streams here, and a full one would answer 503.
  private_nats "$NATS_PORT"
  provision_topology "$NATS_PORT" - STREAM_MAX_MSGS=100000000
  # The gateway as deployed, with its own identity; the reference as a user without this project
  # would connect: one user for everything (the server's operator), its own stream, no permissions.
  gateway_pid=$(start_service Gateway NATS_URL="$(nats_url gateway "$NATS_PORT")" GATEWAY_ADDR="127.0.0.1:$GATEWAY_PORT" STREAM_MAX_MSGS=100000000 ${GATEWAY_ENV:-})
  minimal_pid=$(start_minimal_endpoint "$MINIMAL_PORT" "$(nats_url operator "$NATS_PORT")")
  PRIVATE_PIDS+=("$gateway_pid" "$minimal_pid")
  wait_http "http://127.0.0.1:$GATEWAY_PORT/health" 60
  order=("minimal|$MINIMAL_PORT|$minimal_pid" "gateway|$GATEWAY_PORT|$gateway_pid")
  ((run % 2 == 0)) && order=("${order[1]}" "${order[0]}")
  for entry in "${order[@]}"; do
    IFS='|' read -r name port pid <<<"$entry"
    wrk_run --duration 15s --body "$body" "http://127.0.0.1:$port/tasks" >/dev/null
    wrk_run --label "$name" --pid "server=$pid" --pid "nats-server=$(nats_pid "$NATS_PORT")" \
      --body "$body" "http://127.0.0.1:$port/tasks" | python3 -c "import json,sys; r=json.load(sys.stdin); r['run']=$run; print(json.dumps(r))" >>"$OUT/runs.jsonl"
  done
  stop_private_parts
done
{
  python3 "$ROOT/bench/wrk/summarize.py" "$OUT/runs.jsonl"
  python3 - "$OUT/runs.jsonl" <<'PY'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    r = json.loads(line); runs.setdefault(r["run"], {})[r["label"]] = r
ratios = [(r["gateway"]["rps"] / r["minimal"]["rps"], r["gateway"]["p99_ms"] / r["minimal"]["p99_ms"],
           r["gateway"]["cpu_ms_per_request"]["server"] / r["minimal"]["cpu_ms_per_request"]["server"]) for r in runs.values()]
def spread(values):
    values = sorted(values)
    return f"{statistics.median(values):.2f} ({values[0]:.2f}–{values[-1]:.2f})"
print()
print("| gateway ÷ minimal, per run | req/s | p99 | server CPU per request |")
print("|---|---|---|---|")
print(f"| median (min–max) of {len(ratios)} | {spread([x[0] for x in ratios])} | {spread([x[1] for x in ratios])} | {spread([x[2] for x in ratios])} |")
PY
} | tee "$OUT/report.md"
