#!/usr/bin/env bash
# Every current figure in docs/benchmarks.md, in one go (about an hour on 2 cores): starts and
# stops the AppHost (Release) itself, so nothing else may hold ports 3000/3001/4222/5432/9092
# meanwhile. Traces are sampled at TRACE_RATIO (default 0.01) except in tracing.sh, which measures
# what exporting every trace costs. Each script leaves its runs and a report.md under
# bench/results/latest/<script>/.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
rm -rf "$RESULTS" && mkdir -p "$RESULTS"
build_tool
export OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=${TRACE_RATIO:-0.01}
step() { echo "#### $*" >&2; "$@" || echo "#### FAILED: $*" >&2; }

# One AppHost start per shell: each script below that needs its own topology starts it.
apphost_start default
step env RUNS=3 "$HERE/nats-bench.sh"
step env RUNS=3 "$HERE/baseline.sh"
step env OUT="$RESULTS/memory/stress-5m.jsonl" LABEL="5 minute stress" "$HERE/stress.sh" "$GATEWAY" 5m 500
step "$HERE/failure-injection.sh"
apphost_stop

step "$HERE/tracing.sh"
step env REPLICAS="1 2 4" RUNS=3 RATE=600 DURATION=10s "$HERE/scaling.sh"

# The system as a user starts it (dev.sh's AppHost, then wrk against Release builds started by hand
# on private ports), so with no sampler set.
(
  unset OTEL_TRACES_SAMPLER OTEL_TRACES_SAMPLER_ARG
  apphost_start rates
  step env RATES="1000 1500" RUNS=3 DURATION=20s "$HERE/apphost-rates.sh"
  apphost_stop
  step env RUNS=5 "$HERE/gateway-vs-minimal.sh"
  step env RUNS=3 "$HERE/pipeline-by-hand.sh"
  step env RUNS=3 "$HERE/gateway-telemetry.sh"
  step env ROWS_LIST=1000000 RUNS=3 "$HERE/query-api.sh"
  step env RUNS=3 "$HERE/nats-cluster.sh"
)
