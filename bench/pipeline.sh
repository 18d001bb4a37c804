#!/usr/bin/env bash
# The pipeline with no simulated work (PROCESSING_DELAY_MS=0, ENRICH_DELAY_MS=0), under the AppHost:
#  1. each part's CPU time per task, from a run at COST_RATE (default 300/s, well below saturation);
#     the pipeline's CPU ceiling is (cores) / (sum of the stages' CPU ms per task);
#  2. SUSTAIN_SHARE (default 0.55) of that ceiling offered for 60 s: stored/s and backlog growth.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build_tool
export PROCESSING_DELAY_MS=0 ENRICH_DELAY_MS=0
trap apphost_stop EXIT
apphost_start pipeline
for run in $(seq 1 "${RUNS:-3}"); do
  echo "== CPU cost per task, run $run: ${COST_RATE:-300}/s for 30s" >&2
  bench load --url "$GATEWAY" --aggregator "$AGGREGATOR" --rate "${COST_RATE:-300}" --duration 30s \
    --track-processes true --label "cpu cost" --json "$RESULTS/pipeline/cost-run${run}.json" >/dev/null
done
rate=$(python3 - "$RESULTS/pipeline" "${SUSTAIN_SHARE:-0.55}" <<'PY'
import glob, json, os, statistics, sys
stages = {"gateway", "processor", "enricher", "aggregator", "nats-server", "postgres"}
costs = []
for path in glob.glob(os.path.join(sys.argv[1], "cost-run*.json")):
    r = json.load(open(path))
    costs.append(sum(p["cpuMsPerTask"] for p in r["processes"] if p["component"] in stages))
ceiling = os.cpu_count() * 1000 / statistics.median(costs)
print(int(round(float(sys.argv[2]) * ceiling / 10) * 10))
PY
)
for run in $(seq 1 "${RUNS:-3}"); do
  echo "== sustained, run $run: $rate/s for 60s" >&2
  bench load --url "$GATEWAY" --aggregator "$AGGREGATOR" --rate "$rate" --duration 60s \
    --track-processes true --label "sustained" --json "$RESULTS/pipeline/sustain-run${run}.json" >/dev/null
done
