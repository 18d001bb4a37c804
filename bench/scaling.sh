#!/usr/bin/env bash
# Throughput against processor replicas under the AppHost (not k3d): for each of REPLICAS
# (default 1 2 4 8) the AppHost is started with PROCESSOR_REPLICAS=n, a fixed RATE (default 800/s)
# is offered for DURATION, and stored tasks/s during the load is recorded (RUNS times, default 3).
# Each replica works on PROCESSOR_CONCURRENCY tasks at once (default here 8, so one replica is
# bounded at 8 / 60 ms ≈ 133 tasks/s and the machine's CPU is not the first bound).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build_tool
export PROCESSOR_CONCURRENCY=${PROCESSOR_CONCURRENCY:-8}
OUT=$RESULTS/scaling/runs.jsonl
mkdir -p "$(dirname "$OUT")" && : >"$OUT"
trap apphost_stop EXIT
for n in ${REPLICAS:-1 2 4 8}; do
  export PROCESSOR_REPLICAS=$n
  apphost_start "scaling-$n"
  for run in $(seq 1 "${RUNS:-3}"); do
    echo "== $n processors, run $run: ${RATE:-800}/s for ${DURATION:-15s}" >&2
    open_model --label "$n processors" --rate "${RATE:-800}" --duration "${DURATION:-15s}" --track --drain 600 >>"$OUT"
  done
done
open_model_table "$OUT" | tee "$RESULTS/scaling/report.md"
