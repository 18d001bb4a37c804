# Shared by the bench scripts: the load tool (built once, Release, into the results folder so a
# rebuild during a run cannot swap it) and starting/stopping the AppHost in Release.
# shellcheck shell=bash
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RESULTS=${RESULTS:-$ROOT/bench/results/latest}
TOOL_DIR=$ROOT/bench/results/tool
GATEWAY=${GATEWAY:-http://127.0.0.1:3000}
AGGREGATOR=${AGGREGATOR:-http://127.0.0.1:3001}
mkdir -p "$RESULTS"

build_tool() {
  if [[ -z "${TOOL_BUILT:-}" ]]; then
    dotnet build "$ROOT/bench/Distributed.Bench" -c Release -v quiet -nologo -o "$TOOL_DIR" >/dev/null
    export TOOL_BUILT=1
  fi
}

bench() { dotnet "$TOOL_DIR/Distributed.Bench.dll" "$@"; }

wait_http() { # URL SECONDS
  local deadline=$((SECONDS + $2))
  until curl -fs -o /dev/null "$1"; do
    ((SECONDS < deadline)) || { echo "$1 not healthy within $2 s" >&2; return 1; }
    sleep 1
  done
}

# Starts the AppHost (Release) with whatever PROCESSOR_REPLICAS / *_DELAY_MS / ... the caller exported.
apphost_start() { # LOG-NAME
  apphost_stop
  echo "starting the AppHost (${PROCESSOR_REPLICAS:-2} processors, delays ${PROCESSING_DELAY_MS:-50}/${ENRICH_DELAY_MS:-10} ms) …" >&2
  (cd "$ROOT" && setsid nohup dotnet run -c Release --project Distributed.AppHost --launch-profile http \
    >"$RESULTS/apphost-$1.log" 2>&1 </dev/null &)
  wait_http "$GATEWAY/health" 300 && wait_http "$AGGREGATOR/health" 120
  local deadline=$((SECONDS + 120))
  until [[ $(pgrep -fc 'bin/Release/net10.0/Distributed.Processor$') -ge ${PROCESSOR_REPLICAS:-2} ]]; do
    ((SECONDS < deadline)) || { echo "processors did not start" >&2; return 1; }
    sleep 1
  done
  sleep 5 # let every replica connect and start pulling
  # Not measured: the services' JIT, connection pools and EF Core's model, so run 1 is like run 3.
  echo "warming the pipeline up (20 s at 300/s) …" >&2
  bench load --url "$GATEWAY" --aggregator "$AGGREGATOR" --rate 300 --duration 20s --warmup 0s >/dev/null 2>"$RESULTS/warm-up-$1.log" || echo "warm-up failed: see $RESULTS/warm-up-$1.log" >&2
}

apphost_stop() {
  pkill -TERM -f 'bin/Release/net10.0/Distributed.AppHost' 2>/dev/null || true
  local deadline=$((SECONDS + 60))
  while pgrep -f 'net10.0/Distributed\.(AppHost|Gateway|Processor|Enricher|Aggregator)$' >/dev/null; do
    ((SECONDS < deadline)) || { pkill -KILL -f 'net10.0/Distributed\.' || true; break; }
    sleep 1
  done
}
