#!/usr/bin/env bash
# Goal 3 of issue 11: the system as a user runs it (./scripts/dev.sh in another terminal: the
# AppHost, the dashboard, default delays, two processors), offered fixed rates (open model, the
# repository's load tool: wrk cannot offer a rate nor read the aggregator's end-to-end histogram).
#   RATES="1000 1500 2000 2500" RUNS=3 DURATION=30s bench/apphost-rates.sh
# Per rate: accepted/s, stored/s during the load, backlog growth, end-to-end p50/p99 (gateway
# accepted → row committed) and each part's cores, so the stage that stops keeping up shows.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build_tool
OUT=$RESULTS/apphost-rates
mkdir -p "$OUT"
wait_http "$GATEWAY/health" 10 && wait_http "$AGGREGATOR/health" 10
echo "warming the pipeline up (20 s at 300/s, not measured) …" >&2
bench load --url "$GATEWAY" --aggregator "$AGGREGATOR" --rate 300 --duration 20s --warmup 0s >/dev/null 2>&1
for run in $(seq 1 "${RUNS:-3}"); do
  for rate in ${RATES:-1000 1500 2000 2500}; do
    echo "== run $run: $rate/s for ${DURATION:-30s}" >&2
    bench load --url "$GATEWAY" --aggregator "$AGGREGATOR" --rate "$rate" --duration "${DURATION:-30s}" \
      --track-processes true --drain 120s --label "$rate/s" --json "$OUT/$rate-run$run.json" >/dev/null
  done
done
python3 - "$OUT" <<'PY' | tee "$OUT/report.md"
import collections, glob, json, os, statistics, sys
runs = collections.defaultdict(list)
for path in glob.glob(os.path.join(sys.argv[1], "*-run*.json")):
    runs[int(os.path.basename(path).split("-")[0])].append(json.load(open(path)))
def spread(xs, f):
    xs = sorted(xs)
    return f.format(statistics.median(xs)) + ("" if len(xs) == 1 else f" ({f.format(xs[0])}–{f.format(xs[-1])})")
print("| offered/s | runs | accepted/s | stored/s during load | backlog growth/s | end-to-end p50 ms | p99 ms | busiest parts (cores) |")
print("|---|---|---|---|---|---|---|---|")
for rate in sorted(runs):
    rs = runs[rate]
    accepted = [r["summary"]["total"] * r["summary"]["successRate"] / r["summary"]["durationSeconds"] for r in rs]
    e2e = [r["endToEnd"] for r in rs]
    cores = collections.defaultdict(list)
    for r in rs:
        for p in r.get("processes", []):
            cores[p["component"]].append(p["cores"])
    busiest = sorted(((statistics.median(v), k) for k, v in cores.items()), reverse=True)[:4]
    print(f"| {rate} | {len(rs)} | {spread(accepted, '{:,.0f}')} | {spread([e['storedPerSecDuringLoad'] for e in e2e], '{:,.0f}')} | "
          f"{spread([e['backlogGrowthPerSec'] for e in e2e], '{:.1f}')} | {spread([e['latencySeconds']['p50'] * 1000 for e in e2e], '{:.0f}')} | "
          f"{spread([e['latencySeconds']['p99'] * 1000 for e in e2e], '{:.0f}')} | {', '.join(f'{k} {c:.2f}' for c, k in busiest)} |")
PY
