#!/usr/bin/env bash
# What tracing every task costs: the AppHost with Aspire's default (always_on, every span exported
# to the dashboard) at RATE (default 500/s) for 30 s, RUNS times, to set against the baseline's
# run at the same rate with OTEL_TRACES_SAMPLER=parentbased_traceidratio / 0.01.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build_tool
unset OTEL_TRACES_SAMPLER OTEL_TRACES_SAMPLER_ARG
trap apphost_stop EXIT
apphost_start tracing
for run in $(seq 1 "${RUNS:-3}"); do
  echo "== every trace exported, run $run: ${RATE:-500}/s for 30s" >&2
  bench load --url "$GATEWAY" --aggregator "$AGGREGATOR" --rate "${RATE:-500}" --duration 30s \
    --track-processes true --label "always_on tracing" --json "$RESULTS/tracing/${RATE:-500}-run${run}.json" >/dev/null
done
