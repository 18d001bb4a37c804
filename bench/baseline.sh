#!/usr/bin/env bash
# The original's baseline: 100, 500, 1000 and 5000 RPS for 30 s each (DURATION to change).
set -euo pipefail
cd "$(dirname "$0")/.."
URL=${1:-http://127.0.0.1:3000}
DURATION=${DURATION:-30s}
for rps in 100 500 1000 5000; do
  echo "== $rps RPS for $DURATION" >&2
  OUT=bench/results/baseline-${rps}rps.json ./bench/stress.sh "$URL" "$DURATION" "$rps" >/dev/null
  sleep 5 # let the pipeline drain between steps
done
ls bench/results/baseline-*.json
