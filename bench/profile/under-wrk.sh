#!/usr/bin/env bash
# Profiles a running .NET service while wrk loads it: a 5 s warm-up, then dotnet-trace for 5 s in
# the middle of a 15 s wrk run; prints the top frames (bench/profile/top-frames.py).
#   bench/profile/under-wrk.sh PID URL [BODY-FILE] [MATCH-REGEX]
# The trace stays in $BENCH_STATE/profile-PID.speedscope.json for speedscope.app or a rerun with --match.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
pid=$1 url=$2 body=${3:-} match=${4:-}
mkdir -p "$BENCH_STATE"
body_args=(); [[ -n "$body" ]] && body_args=(--body "$body")
wrk_run --duration 5s "${body_args[@]}" "$url" >/dev/null
wrk_run --duration 15s "${body_args[@]}" --pid "server=$pid" "$url" >"$BENCH_STATE/profile-$pid.wrk.json" &
sleep 5
(cd "$ROOT" && dotnet tool restore >/dev/null && dotnet dotnet-trace collect -p "$pid" --duration 00:00:05 \
  --format Speedscope -o "$BENCH_STATE/profile-$pid.nettrace" >/dev/null)
wait
cat "$BENCH_STATE/profile-$pid.wrk.json"
python3 "$ROOT/bench/profile/top-frames.py" "$BENCH_STATE/profile-$pid.speedscope.json" ${match:+--match "$match"}
