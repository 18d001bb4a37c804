#!/usr/bin/env bash
# Goal 3 of issue 11: the system as a user runs it (./scripts/dev.sh in another terminal: the
# AppHost, the dashboard, default delays, two processors), offered fixed rates (open model, the
# repository's open-model tool: wrk cannot offer a fixed rate).
#   RATES="1000 1500 2000 2500" RUNS=3 DURATION=30s bench/apphost-rates.sh
# Per rate: accepted/s, stored/s during the load, backlog growth, end-to-end p50/p99 (gateway
# accepted → row committed, from the AppHost's Prometheus) and each part's cores, so the stage that
# stops keeping up shows.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build_tool
OUT=$RESULTS/apphost-rates
mkdir -p "$OUT"
wait_http "$GATEWAY/health" 10 && wait_http "$AGGREGATOR/health" 10
echo "warming the pipeline up (20 s at 300/s, not measured) …" >&2
bench load --url "$GATEWAY" --rate 300 --duration 00:00:20 >/dev/null
: >"$OUT/runs.jsonl"
for run in $(seq 1 "${RUNS:-3}"); do
  for rate in ${RATES:-1000 1500 2000 2500}; do
    echo "== run $run: $rate/s for ${DURATION:-30s}" >&2
    open_model --label "$rate/s" --rate "$rate" --duration "${DURATION:-30s}" --track --drain 120 >>"$OUT/runs.jsonl" || true
  done
done
open_model_table "$OUT/runs.jsonl" | tee "$OUT/report.md"
