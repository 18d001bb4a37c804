#!/usr/bin/env bash
# The pipeline without simulated work at 300/s and 800/s, with the thread pool's spinning at its
# default and turned off (DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0, inherited by every
# service from the AppHost): how CPU per task depends on the rate. Starts its own AppHost per setting.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
for spin in default 0; do
  (
    source "$HERE/lib.sh"
    build_tool
    export PROCESSING_DELAY_MS=0 ENRICH_DELAY_MS=0
    if [[ $spin == 0 ]]; then export DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0; fi
    trap apphost_stop EXIT
    apphost_start "spin-$spin"
    for rate in ${RATES:-300 800}; do
      for run in $(seq 1 "${RUNS:-2}"); do
        echo "== spin limit $spin, run $run: $rate/s for 30s" >&2
        bench load --url "$GATEWAY" --aggregator "$AGGREGATOR" --rate "$rate" --duration 30s \
          --track-processes true --label "spin $spin" --json "$RESULTS/spin/${rate}-${spin}-run${run}.json" >/dev/null
      done
    done
  )
done
