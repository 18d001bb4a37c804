#!/usr/bin/env bash
# What tracing every task costs: the AppHost with Aspire's default (always_on, every span exported
# to the dashboard) at RATE (default 500/s) for 30 s, RUNS times, to set against the baseline's
# run at the same rate with OTEL_TRACES_SAMPLER=parentbased_traceidratio / 0.01.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build_tool
unset OTEL_TRACES_SAMPLER OTEL_TRACES_SAMPLER_ARG
OUT=$RESULTS/tracing/runs.jsonl
mkdir -p "$(dirname "$OUT")" && : >"$OUT"
trap apphost_stop EXIT
apphost_start tracing
for run in $(seq 1 "${RUNS:-3}"); do
  echo "== every trace exported, run $run: ${RATE:-500}/s for 30s" >&2
  open_model --label "always_on tracing, ${RATE:-500}/s" --rate "${RATE:-500}" --duration 30s --track >>"$OUT"
done
open_model_table "$OUT" | tee "$RESULTS/tracing/report.md"
