#!/usr/bin/env bash
# Kills one processor (kill -9) in the middle of a fixed-rate run and reports whether every
# accepted task was still stored: bench/failure-injection.sh [URL] (services must be running).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
URL=${1:-$GATEWAY}
build_tool
DURATION=${DURATION:-30}
OUT=${OUT:-$RESULTS/failure-injection.jsonl}
mkdir -p "$(dirname "$OUT")"
open_model --gateway "$URL" --label "kill -9 one processor at $((DURATION / 3)) s" --rate "${RATE:-300}" \
  --duration "${DURATION}s" >>"$OUT" &
load=$!
sleep $((DURATION / 3))
victim=$(pgrep -f 'net10.0/Distributed.Processor$' | head -1)
echo "kill -9 processor pid $victim" >&2
kill -9 "$victim"
status=0; wait "$load" || status=$?
tail -1 "$OUT" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("accepted {accepted}, stored {stored}, lost {lost}, drain {drain_s} s".format(**r))'
exit "$status"
