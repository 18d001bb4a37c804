#!/usr/bin/env bash
# Kills one processor (kill -9) in the middle of a fixed-rate run and reports whether every
# accepted task was still stored: bench/failure-injection.sh [URL] (services must be running).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
URL=${1:-$GATEWAY}
build_tool
DURATION=${DURATION:-30}
OUT=${OUT:-$RESULTS/failure-injection.json}
mkdir -p "$(dirname "$OUT")"
bench load --url "$URL" --aggregator "$AGGREGATOR" --rate "${RATE:-300}" --duration "${DURATION}s" \
  --label "kill -9 one processor at $((DURATION / 3)) s" --json "$OUT" >/dev/null &
load=$!
sleep $((DURATION / 3))
victim=$(pgrep -f 'net10.0/Distributed.Processor$' | head -1)
echo "kill -9 processor pid $victim" >&2
kill -9 "$victim"
wait "$load"
python3 - "$OUT" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
accepted = r["statusCodeDistribution"].get("202", 0)
e = r["endToEnd"]
print(f"accepted {accepted}, stored {int(e['stored'])}, lost {int(e['lost'])}, drain {e['drainSeconds']:.1f} s")
sys.exit(1 if e["lost"] else 0)
PY
