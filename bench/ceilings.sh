#!/usr/bin/env bash
# The ceilings of each step, measured alone in one run, and the real gateway under the same load:
# bench/ceilings.sh (services must be running; NATS/PostgreSQL addresses are read from the aggregator).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build_tool
for run in $(seq 1 "${RUNS:-1}"); do
  echo "== ceilings run $run" >&2
  bench ceilings --discover true --gateway "${CEILING_GATEWAY:-direct}" --aggregator "$AGGREGATOR" \
    --duration "${DURATION:-10s}" --rate "${RATE:-1000}" --json "$RESULTS/ceilings/run${run}.json" >/dev/null
done
