#!/usr/bin/env bash
# What replication costs (issue 13): the same pipeline on one nats-server and on a three-node
# JetStream cluster with every stream on all three nodes (R3), measured in the same run. Both
# topologies stay up side by side (Release builds started by hand, one of each service, their own
# database) and each run measures one, then the other:
#   1. wrk POST /tasks, 64 connections, 10 s, delays 0 → gateway req/s and p99, then stored/s until drained;
#   2. the repository's open-model tool at a fixed 500 tasks/s for 20 s, default delays → end-to-end
#      p50/p99 from the aggregator's histogram, by a private Prometheus per topology (wrk cannot hold a rate).
#   RUNS=3 bench/nats-cluster.sh     → $RESULTS/nats-cluster/{runs.jsonl,report.md}
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build_tool
PG_PORT=${PG_PORT:-38432}
OUT=$RESULTS/nats-cluster
mkdir -p "$OUT" "$BENCH_STATE"
rm -rf "$BENCH_STATE/pg-$PG_PORT"
trap stop_private_parts EXIT

private_postgres "$PG_PORT"
for service in Gateway Processor Enricher Aggregator; do build_service "$service"; done

# A node of a local cluster: server name, client port, route port, and every node's route.
cluster_node() { # NAME PORT ROUTE-PORT ROUTES
  rm -rf "$BENCH_STATE/$1"
  setsid nats-server -js -a 127.0.0.1 -p "$2" -sd "$BENCH_STATE/$1" -n "$1" --cluster_name distributed \
    --cluster "nats://127.0.0.1:$3" --routes "$4" >"$BENCH_STATE/$1.log" 2>&1 </dev/null &
  PRIVATE_PIDS+=($!)
}

# Both sides without authorization, so they differ in replication alone (the services declare
# their own streams): the deployed identities' cost is measured by the other scripts.
rm -rf "$BENCH_STATE/bench-nats-single"
setsid nats-server -js -a 127.0.0.1 -p 38222 -sd "$BENCH_STATE/bench-nats-single" >"$BENCH_STATE/bench-nats-single.log" 2>&1 </dev/null &
PRIVATE_PIDS+=($!)
routes=nats://127.0.0.1:38622,nats://127.0.0.1:38623,nats://127.0.0.1:38624
for i in 0 1 2; do cluster_node "bench-nats-$i" $((38322 + i)) $((38622 + i)) "$routes"; done
private_prometheus 38090 127.0.0.1:37000 127.0.0.1:37001   # the single node's gateway and aggregator
private_prometheus 38091 127.0.0.1:37100 127.0.0.1:37101   # the cluster's

# The services of one topology: DELAYS is "0" for the throughput runs, "default" for the latency ones.
start_topology() { # NAME NATS_URL REPLICAS BASE-PORT DELAYS
  local name=$1 url=$2 replicas=$3 base=$4 delays=()
  [[ $5 == 0 ]] && delays=(PROCESSING_DELAY_MS=0 ENRICH_DELAY_MS=0)
  local common=(NATS_URL="$url" NATS_STREAM_REPLICAS="$replicas" "${delays[@]}")
  PRIVATE_PIDS+=("$(start_service Enricher "${common[@]}" METRICS_ADDR=127.0.0.1:$((base + 90)))")
  PRIVATE_PIDS+=("$(start_service Processor "${common[@]}" METRICS_ADDR=127.0.0.1:$((base + 91)))")
  PRIVATE_PIDS+=("$(start_service Aggregator "${common[@]}" AGGREGATOR_ADDR=127.0.0.1:$((base + 1)) \
    DATABASE_URL="postgres://postgres:bench@127.0.0.1:$PG_PORT/aggregator_$name")")
  PRIVATE_PIDS+=("$(start_service Gateway "${common[@]}" GATEWAY_ADDR=127.0.0.1:$((base)))")
  wait_http "http://127.0.0.1:$base/health" 120
  wait_http "http://127.0.0.1:$((base + 1))/health" 120
}

body=$(task_body)
stored() { curl -fs "http://127.0.0.1:$(($1 + 1))/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total_results"])'; }
drain() { # BASE ACCEPTED
  local deadline=$((SECONDS + 600))
  until (($(stored "$1") >= $2)); do
    ((SECONDS < deadline)) || { echo "not drained: $(stored "$1") of $2 stored" >&2; return 1; }
    sleep 0.2
  done
}

measure() { # PHASE NAME BASE → one JSON line
  local phase=$1 name=$2 base=$3 gateway=http://127.0.0.1:$3 aggregator=http://127.0.0.1:$(($3 + 1))
  if [[ $phase == throughput ]]; then
    local before started r accepted
    before=$(stored "$base") started=$(date +%s.%N)
    r=$(wrk_run --label "$name" --body "$body" "$gateway/tasks")
    accepted=$(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["requests"] - r["errors"]["status"])' "$r")
    drain "$base" $((before + accepted))
    python3 -c 'import json,sys; r=json.loads(sys.argv[1]); s=float(sys.argv[4])-float(sys.argv[3]); n=int(sys.argv[2])
print(json.dumps({"phase":"throughput","topology":sys.argv[5],"rps":r["rps"],"p99_ms":r["p99_ms"],"wrk_cores":r["cores"]["wrk"],"stored":n,"stored_per_s":round(n/s,1)}))' \
      "$r" "$accepted" "$started" "$(date +%s.%N)" "$name"
  else
    local prometheus=38090; [[ $name == cluster ]] && prometheus=38091
    open_model --gateway "$gateway" --aggregator "$aggregator" --prometheus "http://127.0.0.1:$prometheus" \
      --label "$name" --rate 500 --duration 20s | python3 -c 'import json,sys; r=json.load(sys.stdin)
print(json.dumps({"phase": "latency", "topology": r["label"], "stored": r["stored"], "lost": r["lost"], "e2e_p50_ms": r["e2e_p50_ms"], "e2e_p99_ms": r["e2e_p99_ms"]}))'
  fi
}

: >"$OUT/runs.jsonl"
for phase in throughput latency; do
  echo "== $phase: starting both topologies" >&2
  delays=default; [[ $phase == throughput ]] && delays=0
  start_topology single nats://127.0.0.1:38222 1 37000 "$delays"
  start_topology cluster nats://127.0.0.1:38322,nats://127.0.0.1:38323,nats://127.0.0.1:38324 3 37100 "$delays"
  services=("${PRIVATE_PIDS[@]: -8}")
  echo "== warm-up (not measured)" >&2
  measure "$phase" single 37000 >/dev/null; measure "$phase" cluster 37100 >/dev/null
  for run in $(seq 1 "${RUNS:-3}"); do
    for topology in single:37000 cluster:37100; do
      echo "== $phase run $run: ${topology%%:*}" >&2
      measure "$phase" "${topology%%:*}" "${topology##*:}" | tee -a "$OUT/runs.jsonl" >&2
    done
  done
  for pid in "${services[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  sleep 3
done

python3 - "$OUT/runs.jsonl" >"$OUT/report.md" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def fig(phase, topology, key):
    xs = [r[key] for r in rows if r["phase"] == phase and r["topology"] == topology]
    return statistics.median(xs), min(xs), max(xs)
def cell(m):
    return f"{m[0]:,.1f} ({m[1]:,.1f}–{m[2]:,.1f})"
print("| figure (median of runs, range) | 1 node | 3 nodes, R3 | 3 nodes ÷ 1 node |")
print("|---|---|---|---|")
for phase, key, label in [("throughput", "rps", "gateway req/s under wrk, delays 0"),
                          ("throughput", "p99_ms", "gateway p99 ms under wrk"),
                          ("throughput", "stored_per_s", "stored tasks/s, delays 0"),
                          ("latency", "e2e_p50_ms", "end-to-end p50 ms at 500 tasks/s, default delays"),
                          ("latency", "e2e_p99_ms", "end-to-end p99 ms at 500 tasks/s")]:
    one, three = fig(phase, "single", key), fig(phase, "cluster", key)
    print(f"| {label} | {cell(one)} | {cell(three)} | {three[0] / one[0]:.2f} |")
wrk = [r["wrk_cores"] for r in rows if r["phase"] == "throughput"]
print()
print(f"wrk's own CPU: at most {max(wrk):.2f} of a core.")
PY
cat "$OUT/report.md"
