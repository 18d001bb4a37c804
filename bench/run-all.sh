#!/usr/bin/env bash
# Every figure in docs/benchmarks.md, in one go (about 1.5 hours on 2 cores): starts and stops the
# AppHost (Release) itself, so nothing else may hold ports 3000/3001/4222/5432 meanwhile.
# Traces are sampled at TRACE_RATIO (default 0.01) except in tracing.sh, which measures what
# exporting every trace costs. Results go to bench/results/latest/; the last step turns them
# into tables (bench/results/latest/report.md) and charts (docs/benchmarks-*.png).
set -uo pipefail
source "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
rm -rf "$RESULTS" && mkdir -p "$RESULTS"
build_tool
export OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=${TRACE_RATIO:-0.01}
step() { echo "#### $*" >&2; "$@" || echo "#### FAILED: $*" >&2; }

# One AppHost start per shell: each script below that needs its own topology starts it.
apphost_start default
step env RUNS=3 "$HERE/ceilings.sh"
step env RUNS=3 "$HERE/nats-bench.sh"
step env RUNS=3 "$HERE/baseline.sh"
step env OUT="$RESULTS/memory/stress-5m.json" LABEL="5 minute stress" "$HERE/stress.sh" "$GATEWAY" 5m 500
step "$HERE/failure-injection.sh"
apphost_stop

step "$HERE/tracing.sh"
step "$HERE/pipeline.sh"
for n in 1 2 4 8; do
  step env REPLICAS=$n "$HERE/scaling.sh"
done
step "$HERE/threadpool.sh"

# Issues 11 and 13: wrk against Release builds started by hand on private ports, and the AppHost
# as dev.sh runs it. Both as a user would start them, so with no sampler set.
(
  unset OTEL_TRACES_SAMPLER OTEL_TRACES_SAMPLER_ARG
  step env RUNS=3 "$HERE/pipeline-by-hand.sh"
  step env RUNS=3 "$HERE/gateway-telemetry.sh"
  step env RUNS=5 "$HERE/gateway-vs-minimal.sh"
  step env ROWS_LIST=1000000 RUNS=3 "$HERE/query-api.sh"
  step env RUNS=3 "$HERE/nats-cluster.sh"
  apphost_start rates
  step env RATES="1000 1500" RUNS=3 DURATION=20s "$HERE/apphost-rates.sh"
  apphost_stop
)

bench report --results "$RESULTS" --out "$ROOT/docs"
