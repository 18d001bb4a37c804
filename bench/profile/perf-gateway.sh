#!/usr/bin/env bash
# Where the gateway's CPU goes under wrk, by on-CPU samples (perf), not thread time: dotnet-trace's
# sampler counts a thread blocked in a read as busy, perf counts only what ran. The gateway's
# Release build against its own nats-server, perf maps on (W^X off, so JIT code has names),
# wrk POST /tasks with 64 connections: 15 s of warm-up, then perf for 8 s inside a 15 s run.
#   bench/profile/perf-gateway.sh [VAR=VALUE ...]   → CPU share by assembly, then the top frames
# Needs perf (Debian's linux-perf); run as root or with kernel.perf_event_paranoid ≤ 1.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
command -v perf >/dev/null || { echo "perf is not installed: apt-get install linux-perf" >&2; exit 1; }
NATS_PORT=${NATS_PORT:-37222} PORT=${PORT:-37000}
mkdir -p "$BENCH_STATE"
trap stop_private_parts EXIT
build_service Gateway
private_nats "$NATS_PORT"
pid=$(start_service Gateway NATS_URL="nats://127.0.0.1:$NATS_PORT" GATEWAY_ADDR="127.0.0.1:$PORT" \
  DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 "$@")
PRIVATE_PIDS+=("$pid")
wait_http "http://127.0.0.1:$PORT/health" 60
body=$(task_body)
wrk_run --duration 15s --body "$body" "http://127.0.0.1:$PORT/tasks" >/dev/null
wrk_run --duration 15s --body "$body" --pid "gateway=$pid" "http://127.0.0.1:$PORT/tasks" >"$BENCH_STATE/perf-gateway.wrk.json" &
load=$!
sleep 3
perf record -e cpu-clock -F 499 -g -p "$pid" -o "$BENCH_STATE/perf-gateway.data" -- sleep 8 2>/dev/null
wait "$load"
cat "$BENCH_STATE/perf-gateway.wrk.json"
perf report -i "$BENCH_STATE/perf-gateway.data" --no-children --sort dso,sym --stdio -g none 2>/dev/null |
  grep '%' | grep -v '^#' >"$BENCH_STATE/perf-gateway.txt" || true
python3 - "$BENCH_STATE/perf-gateway.txt" <<'PY'
import collections, re, sys
by_part, frames = collections.Counter(), []
for line in open(sys.argv[1]):
    m = re.match(r'\s*([\d.]+)%\s+(\[JIT\] tid \d+|\S+)\s+\[.\]\s+(.*)', line)
    if not m:
        continue
    share, dso, symbol = float(m.group(1)), m.group(2), m.group(3).strip()
    assembly = re.search(r'\[([A-Za-z][\w.]+)\] [^\[]*::', symbol)
    part = f"JIT code: {assembly.group(1)}" if dso.startswith('[JIT]') and assembly else dso
    by_part[part] += share
    frames.append((share, symbol[:150]))
print("\n## on-CPU share by part (kernel, runtime, each assembly's JIT code)")
for part, share in by_part.most_common(20):
    print(f"{share:6.2f}%  {part}")
print("\n## top frames")
for share, symbol in sorted(frames, reverse=True)[:25]:
    print(f"{share:6.2f}%  {symbol}")
PY
