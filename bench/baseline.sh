#!/usr/bin/env bash
# The original's baseline: 100, 500, 1000 and 5000 RPS, 30 s each, against running services:
# bench/baseline.sh [URL]. RUNS (default 1) repeats the whole ladder; RATES and DURATION override.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
URL=${1:-$GATEWAY}
OUT=$RESULTS/baseline/runs.jsonl
mkdir -p "$(dirname "$OUT")" && : >"$OUT"
for run in $(seq 1 "${RUNS:-1}"); do
  for rps in ${RATES:-100 500 1000 5000}; do
    echo "== baseline run $run: $rps RPS for ${DURATION:-30s}" >&2
    OUT=$OUT LABEL="$rps RPS" "$(dirname "$0")/stress.sh" "$URL" "${DURATION:-30s}" "$rps" >/dev/null
  done
done
open_model_table "$OUT" | tee "$RESULTS/baseline/report.md"
