#!/usr/bin/env bash
# Every figure in docs/benchmarks.md, in one go (about 50 minutes on 2 cores): starts and stops
# the AppHost (Release) itself, so nothing else may hold ports 3000/3001/4222/5432 meanwhile.
# Results go to bench/results/latest/; `bench report` turns them into tables and charts.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
HERE=$(dirname "$0")
rm -rf "$RESULTS" && mkdir -p "$RESULTS"
build_tool
trap apphost_stop EXIT

apphost_start default
RUNS=3 "$HERE/ceilings.sh"
RUNS=3 "$HERE/nats-bench.sh"
RUNS=3 "$HERE/baseline.sh"
OUT=$RESULTS/memory/stress-5m.json LABEL="5 minute stress" "$HERE/stress.sh" "$GATEWAY" 5m 500 >/dev/null
"$HERE/failure-injection.sh"
apphost_stop

"$HERE/pipeline.sh"
"$HERE/scaling.sh"

bench report --results "$RESULTS" --out "$ROOT/docs"
