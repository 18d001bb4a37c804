#!/usr/bin/env bash
# The pipeline at its building blocks' speed (issue 11, goals 1 and 2): every service's Release
# build started by hand, one of each, PROCESSING_DELAY_MS=0 ENRICH_DELAY_MS=0, own nats-server and
# PostgreSQL, no dashboard, no AppHost. Per run, in this order:
#   1. reference: bench/MinimalEndpoint (what a user would write without this project: a JetStream
#      publish awaiting its ack behind a minimal API), wrk POST /tasks, 64 connections, 10 s;
#   2. gateway: the same wrk run against Distributed.Gateway, processors paused (SIGSTOP) so it
#      shares the cores with what the reference shared them with; then everything drains;
#   3. pipeline: wrk on the gateway for 10 s with every stage running, then until all is stored:
#      stored tasks/s from the run's start until the last row, and each process's CPU per task.
#   RUNS=3 bench/pipeline-by-hand.sh     → $RESULTS/pipeline-by-hand/{reference,gateway,pipeline}.jsonl
set -euo pipefail
source "$(dirname "$0")/lib.sh"
PG_PORT=${PG_PORT:-36432} NATS_PORT=${NATS_PORT:-36222}
OUT=$RESULTS/pipeline-by-hand
mkdir -p "$OUT" "$BENCH_STATE"
rm -rf "$BENCH_STATE/pg-$PG_PORT"
trap stop_private_parts EXIT

private_postgres "$PG_PORT"
private_nats "$NATS_PORT"
nats_pid=$(nats_pid "$NATS_PORT")
pg_pid=$(head -1 "$BENCH_STATE/pg-$PG_PORT/postmaster.pid")
for service in Gateway Processor Enricher Aggregator; do build_service "$service"; done

# As deployed: each service its own NATS identity, the aggregator its ingest and reader roles, the
# topology and schema put in place first by their one owner.
common=(PROCESSING_DELAY_MS=0 ENRICH_DELAY_MS=0 ${EXTRA_ENV:-})
provision_topology "$NATS_PORT" "$PG_PORT" "${common[@]}"
PRIVATE_PIDS+=("$(start_service Enricher NATS_URL="$(nats_url enricher "$NATS_PORT")" "${common[@]}" METRICS_ADDR=127.0.0.1:36090)"); enricher_pid=${PRIVATE_PIDS[-1]}
PRIVATE_PIDS+=("$(start_service Processor NATS_URL="$(nats_url processor "$NATS_PORT")" "${common[@]}" METRICS_ADDR=127.0.0.1:36091)"); processor_pid=${PRIVATE_PIDS[-1]}
read -ra database <<<"$(aggregator_database "$PG_PORT")"
PRIVATE_PIDS+=("$(start_service Aggregator NATS_URL="$(nats_url aggregator "$NATS_PORT")" "${common[@]}" AGGREGATOR_ADDR=127.0.0.1:36001 \
  "${database[@]}")"); aggregator_pid=${PRIVATE_PIDS[-1]}
PRIVATE_PIDS+=("$(start_service Gateway NATS_URL="$(nats_url gateway "$NATS_PORT")" "${common[@]}" GATEWAY_ADDR=127.0.0.1:36000)"); gateway_pid=${PRIVATE_PIDS[-1]}
reference_port=36080
reference_pid=$(start_minimal_endpoint "$reference_port" "$(nats_url operator "$NATS_PORT")") # as a user without this project connects
PRIVATE_PIDS+=("$reference_pid")
gateway=http://127.0.0.1:36000 aggregator=http://127.0.0.1:36001
for url in "$gateway/health" "$aggregator/health" "http://127.0.0.1:$reference_port/health"; do wait_http "$url" 120; done

body=$(task_body)
stored() { curl -fs "$aggregator/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total_results"])'; }
drain() { # waits until every accepted task is stored
  local accepted=$1 deadline=$((SECONDS + 600))
  until (($(stored) >= accepted)); do
    ((SECONDS < deadline)) || { echo "not drained: $(stored) of $accepted stored" >&2; return 1; }
    sleep 0.2
  done
}
pids=(--pid "gateway=$gateway_pid" --pid "reference=$reference_pid" --pid "nats-server=$nats_pid")
accepted=0
count_accepted() { python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["requests"] - r["errors"]["status"])' "$1"; }

echo "== warm-up (not measured): 10 s on each server" >&2
wrk_run --duration 10s --body "$body" "http://127.0.0.1:$reference_port/tasks" >/dev/null
r=$(wrk_run --duration 10s --body "$body" "$gateway/tasks"); accepted=$((accepted + $(count_accepted "$r")))
drain "$accepted"

: >"$OUT/reference.jsonl"; : >"$OUT/gateway.jsonl"; : >"$OUT/pipeline.jsonl"
for run in $(seq 1 "${RUNS:-3}"); do
  echo "== run $run: reference" >&2
  wrk_run --label reference "${pids[@]}" --body "$body" "http://127.0.0.1:$reference_port/tasks" >>"$OUT/reference.jsonl"

  echo "== run $run: gateway alone (processors paused)" >&2
  kill -STOP "$processor_pid"
  r=$(wrk_run --label gateway "${pids[@]}" --body "$body" "$gateway/tasks"); echo "$r" >>"$OUT/gateway.jsonl"
  accepted=$((accepted + $(count_accepted "$r")))
  kill -CONT "$processor_pid"
  drain "$accepted"

  echo "== run $run: whole pipeline" >&2
  cpu_names=(gateway="$gateway_pid" processor="$processor_pid" enricher="$enricher_pid" aggregator="$aggregator_pid" \
    nats-server="$nats_pid" tree:postgres="$pg_pid")
  before_cpu=$(python3 "$ROOT/bench/wrk/cpu.py" "${cpu_names[@]}")
  before_stored=$(stored) started=$(date +%s.%N)
  r=$(wrk_run --label pipeline --body "$body" "$gateway/tasks")
  accepted=$((accepted + $(count_accepted "$r")))
  drain "$accepted"
  finished=$(date +%s.%N)
  after_cpu=$(python3 "$ROOT/bench/wrk/cpu.py" "${cpu_names[@]}")
  python3 - "$r" "$before_cpu" "$after_cpu" "$before_stored" "$(stored)" "$started" "$finished" >>"$OUT/pipeline.jsonl" <<'PY'
import json, sys
wrk, before, after = (json.loads(a) for a in sys.argv[1:4])
stored = int(sys.argv[5]) - int(sys.argv[4])
seconds = float(sys.argv[7]) - float(sys.argv[6])
per_task = {name: round((after[name] - before[name]) * 1000 / stored, 4) for name in after}
print(json.dumps({"label": "pipeline", "stored": stored, "seconds": round(seconds, 2),
                  "stored_per_s": round(stored / seconds, 1), "gateway_rps_while_loaded": wrk["rps"],
                  "gateway_p99_ms": wrk["p99_ms"], "wrk_cores": wrk["cores"]["wrk"],
                  "cpu_ms_per_stored_task": per_task, "cpu_ms_per_stored_task_total": round(sum(per_task.values()), 4)}))
PY
  tail -1 "$OUT/pipeline.jsonl" >&2
done

python3 "$ROOT/bench/wrk/summarize.py" --server reference "$OUT/reference.jsonl" >"$OUT/report.md"
python3 "$ROOT/bench/wrk/summarize.py" --server gateway "$OUT/gateway.jsonl" | tail -n +3 >>"$OUT/report.md"
python3 - "$OUT" >>"$OUT/report.md" <<'PY'
import json, os, statistics, sys
out = sys.argv[1]
load = lambda name: [json.loads(l) for l in open(os.path.join(out, name)) if l.strip()]
ref, gw, pipe = load("reference.jsonl"), load("gateway.jsonl"), load("pipeline.jsonl")
ratios = [g["rps"] / r["rps"] for r, g in zip(ref, gw)]
p99s = [g["p99_ms"] / r["p99_ms"] for r, g in zip(ref, gw)]
rng = lambda xs, f: f"{f.format(statistics.median(xs))} ({f.format(min(xs))}–{f.format(max(xs))})"
print()
print(f"gateway / reference, throughput (per run, same run): {rng(ratios, '{:.2f}')}")
print(f"gateway / reference, p99: {rng(p99s, '{:.2f}')}")
print()
print("| pipeline run | stored | stored/s | ÷ reference req/s | CPU ms per stored task (all processes) | by process |")
print("|---|---|---|---|---|---|")
for r, p in zip(ref, pipe):
    parts = ", ".join(f"{k} {v:.3f}" for k, v in sorted(p["cpu_ms_per_stored_task"].items(), key=lambda kv: -kv[1]))
    print(f"| {p['seconds']} s | {p['stored']} | {p['stored_per_s']:,.0f} | {p['stored_per_s'] / r['rps']:.2f} | {p['cpu_ms_per_stored_task_total']:.3f} | {parts} |")
print()
print(f"stored/s median {rng([p['stored_per_s'] for p in pipe], '{:,.0f}')}; "
      f"CPU per stored task median {rng([p['cpu_ms_per_stored_task_total'] for p in pipe], '{:.3f}')} ms")
PY
cat "$OUT/report.md"
