#!/usr/bin/env bash
# The aggregator's query API over a large table (issue 11, goal 5; issue 35, goal 2): the
# aggregator's Release build alone, its own PostgreSQL and nats-server, the results table filled
# with ROWS generated rows of 10 task types spread over CLIENTS clients (default 1,000), then wrk
# (64 connections, 10 s) as one of those clients, with its bearer token (authentication on, as
# deployed): once on its newest-first page right after the aggregator restarts, then RUNS times on
# each endpoint after a warm-up.
#   ROWS_LIST="1000000 10000000" RUNS=3 bench/query-api.sh
#   CLIENTS=1 ...: every row one client's; AUTH=off ...: no tokens, every row the anonymous client's
#   PROFILE=perf ROWS_LIST=1000000 RUNS=1 bench/query-api.sh   (adds the on-CPU profile, below)
# Results: $RESULTS/query-api/ROWS.jsonl (one run.py line per run) and report.md.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
PG_PORT=${PG_PORT:-35432} NATS_PORT=${NATS_PORT:-34222} API_PORT=${API_PORT:-33001}
OUT=$RESULTS/query-api
mkdir -p "$OUT" "$BENCH_STATE"
rm -rf "$BENCH_STATE/pg-$PG_PORT"
trap stop_private_parts EXIT
CLIENTS=${CLIENTS:-1000}
client=client-$((7 % CLIENTS))
client_sql="'client-' || (i % $CLIENTS)"
if [[ ${AUTH:-on} == on ]]; then
  # Authentication as deploy/k8s has it: tokens from issuer "distributed", signed with the deployment's key.
  signing_key=$(openssl rand -base64 48)
  token=$(SIGNING_KEY=$signing_key "$ROOT/deploy/k8s/mint-token.sh" "$client" results:read 24)
  auth=(AUTH_ENABLED=true Authentication__Schemes__Bearer__ValidIssuer=distributed
    Authentication__Schemes__Bearer__ValidAudiences__0=distributed-query ConnectionStrings__api_signing_key="$signing_key")
  bearer=(-H "Authorization: Bearer $token")
else
  # AUTH=off: as under ./scripts/dev.sh, every row the anonymous client's (CLIENTS is then 1).
  CLIENTS=1 client="" client_sql="''" auth=() bearer=()
fi

private_postgres "$PG_PORT"
private_nats "$NATS_PORT"
provision_topology "$NATS_PORT" "$PG_PORT" # the tables exist, and the roles have their rights
build_service Aggregator
api=http://127.0.0.1:$API_PORT
# As deployed: the aggregator's ingest and reader roles, its own NATS identity.
read -ra database <<<"$(aggregator_database "$PG_PORT")"
PRIVATE_PIDS+=("$(start_service Aggregator "${database[@]}" \
  NATS_URL="$(nats_url aggregator "$NATS_PORT")" AGGREGATOR_ADDR="127.0.0.1:$API_PORT" "${auth[@]}")")
aggregator_pid=${PRIVATE_PIDS[-1]}
wait_http "$api/health" 120 # the migrations have run: the tables exist

sql() { PGPASSWORD=bench psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d aggregator -At "$@"; }

# What PostgreSQL alone spends on a page: pgbench (prepared, 16 clients, 8 s, RUNS times) on the
# newest-first page as the aggregator asks it, the same without its two jsonb columns, and the same
# over a json-typed copy of the newest 200,000 rows — what turning jsonb back into text costs.
page_statement_costs() { # ROWS
  local columns="id, request_id, task_type, payload, enrichment, processed_at, processor_id, trace_id"
  local order="WHERE client_id = '$client' ORDER BY processed_at DESC, id DESC LIMIT 50"
  sql -c "DROP TABLE IF EXISTS results_as_json" \
    -c "CREATE TABLE results_as_json AS SELECT id, request_id, client_id, task_type, payload::json AS payload, enrichment::json AS enrichment,
          processed_at, processor_id, trace_id FROM results ORDER BY processed_at DESC LIMIT 200000" \
    -c "CREATE INDEX ON results_as_json (client_id, processed_at, id)" -c "VACUUM ANALYZE results_as_json"
  echo "SELECT $columns FROM results $order;" >"$BENCH_STATE/page-jsonb.sql"
  echo "SELECT id, request_id, task_type, processed_at, processor_id, trace_id FROM results $order;" >"$BENCH_STATE/page-no-json.sql"
  echo "SELECT $columns FROM results_as_json $order;" >"$BENCH_STATE/page-json.sql"
  { echo "| $1 rows: the page statement in pgbench | tps per run |"; echo "|---|---|"; } >>"$OUT/report.md"
  for variant in jsonb no-json json; do
    local runs=()
    for _ in $(seq 1 "${RUNS:-3}"); do
      runs+=("$(PGPASSWORD=bench pgbench -n -M prepared -c 16 -j 2 -T 8 -h 127.0.0.1 -p "$PG_PORT" -U postgres \
        -f "$BENCH_STATE/page-$variant.sql" aggregator 2>/dev/null | sed -n 's/^tps = \([0-9]*\).*/\1/p')")
    done
    echo "| $variant | ${runs[*]} |" >>"$OUT/report.md"
  done
  sql -c "DROP TABLE results_as_json"
}

# PROFILE=perf: where the machine's CPU goes under GET /results?limit=50, by on-CPU samples of every
# process (perf -a, 8 s inside a 14 s wrk run): PostgreSQL, the aggregator, wrk, and inside
# PostgreSQL the phases a page costs. A phase is the samples under that function, children included.
profile_page() { # ROWS
  command -v perf >/dev/null || { echo "perf is not installed (apt-get install linux-perf): no profile" >&2; return 0; }
  wrk_run --duration 14s -- "$api/results?limit=50" "${bearer[@]}" >/dev/null &
  local load=$!
  sleep 3
  perf record -e cpu-clock -F 499 -g -a -o "$BENCH_STATE/query-api.perf" -- sleep 8 2>/dev/null
  wait "$load"
  {
    perf report -i "$BENCH_STATE/query-api.perf" --no-children --sort comm --stdio -g none 2>/dev/null | grep '%' | grep -v '^#'
    echo "--- postgres"
    perf report -i "$BENCH_STATE/query-api.perf" --children --comm postgres --sort sym --stdio -g none 2>/dev/null | grep '%' | grep -v '^#'
  } | python3 -c '
import collections, re, sys
rows = sys.argv[1]
comms, phases, section = collections.Counter(), collections.Counter(), "comm"
for line in sys.stdin:
    if line.startswith("--- postgres"):
        section = "pg"; continue
    if section == "comm":
        m = re.match(r"\s*([\d.]+)%\s+(.+?)\s*$", line)
        if m:
            name = m.group(2)
            comms["postgres" if name == "postgres" else "wrk" if name == "wrk" else "aggregator" if name.startswith((".NET", "Kestrel", "dotnet")) else "other"] += float(m.group(1))
    else:
        m = re.match(r"\s*([\d.]+)%\s+[\d.]+%\s+\[.\]\s+(\S+)", line)
        if m:  # a function appears once per postgres binary mapping; the samples add up
            phases[m.group(2)] += float(m.group(1))
print()
print(f"| {rows} rows: perf, 8 s under GET /results?limit=50 | share of all samples |")
print("|---|---|")
for name in ("postgres", "aggregator", "wrk", "other"):
    print(f"| {name} | {comms[name]:.1f} % |")
for label, function in (("postgres: planning a prepared statement (GetCachedPlan)", "GetCachedPlan"),
                        ("postgres: parsing statement text (pg_parse_query)", "pg_parse_query"),
                        ("postgres: jsonb to text (jsonb_send)", "jsonb_send")):
    print(f"| {label} | {phases[function]:.1f} % |")
' "$1" >>"$OUT/report.md"
}

filled=0
: >"$OUT/report.md"
for rows in ${ROWS_LIST:-1000000 10000000}; do
  echo "== filling the table to $rows rows" >&2
  # Rows as the pipeline writes them: 1 ms apart (1000 tasks/s), each of the CLIENTS clients's
  # every CLIENTS-th one, with all 10 task types among each client's rows, the enricher's reply shape, a
  # trace id. Generated in SQL, so the counts are set once afterwards as the migration does.
  # Secondary indexes are dropped while filling and built again afterwards (a sorted build is many
  # times faster than millions of random inserts); their definitions are read from the table, so
  # they are the migrations' own.
  indexes=$(sql -c "SELECT indexdef FROM pg_indexes WHERE tablename = 'results' AND indexname <> 'PK_results'")
  sql -c "SELECT 'DROP INDEX ' || quote_ident(indexname) FROM pg_indexes WHERE tablename = 'results' AND indexname <> 'PK_results'" |
    while read -r drop; do sql -c "$drop"; done
  while ((filled < rows)); do
    chunk=$((rows - filled < 1000000 ? rows - filled : 1000000))
    sql -c "
      INSERT INTO results (id, request_id, client_id, task_type, payload, enrichment, processed_at, processor_id, trace_id)
      SELECT gen_random_uuid(), gen_random_uuid(), $client_sql, 'type-' || ((i / $CLIENTS) % 10),
             jsonb_build_object('seq', i, 'value', i % 1000, 'note', 'generated by bench/query-api.sh'),
             jsonb_build_object('tags', jsonb_build_array('type:type-' || (i % 10), 'source:enricher', 'priority:low'),
                                'geo', jsonb_build_object('lat', 12.5, 'lon', -45.1), 'enriched_at', now()),
             timestamptz '2026-01-01' + i * interval '1 millisecond', 'processor-' || (i % 4), md5(i::text)
      FROM generate_series($filled + 1, $filled + $chunk) AS i"
    filled=$((filled + chunk))
  done
  while read -r create; do sql -c "SET maintenance_work_mem = '1GB'" -c "$create"; done <<<"$indexes"
  sql -c "INSERT INTO task_type_counts (client_id, task_type, count) SELECT client_id, task_type, count(*) FROM results GROUP BY client_id, task_type
          ON CONFLICT (client_id, task_type) DO UPDATE SET count = excluded.count" -c "VACUUM ANALYZE results"

  # The measured client's own rows: half-way down its listing, and down its type-3 rows.
  own=$((rows / CLIENTS))
  mid=$(sql -c "SELECT id FROM results WHERE client_id = '$client' ORDER BY processed_at DESC, id DESC OFFSET $((own / 2)) LIMIT 1")
  mid_typed=$(sql -c "SELECT id FROM results WHERE client_id = '$client' AND task_type = 'type-3' ORDER BY processed_at DESC, id DESC OFFSET $((own / 20)) LIMIT 1")
  request_id=$(sql -c "SELECT request_id FROM results WHERE client_id = '$client' OFFSET $((own / 3)) LIMIT 1")
  # The token reads its client's rows, and another client's row is a 404: else the bench would measure refusals.
  other=$(sql -c "SELECT request_id FROM results WHERE client_id <> '$client' LIMIT 1")
  [[ $(curl -s -o /dev/null -w '%{http_code}' "${bearer[@]}" "$api/results/$request_id") == 200 &&
     ( -z $other || $(curl -s -o /dev/null -w '%{http_code}' "${bearer[@]}" "$api/results/$other") == 404 ) ]] ||
    { echo "the bench's token does not read exactly its own client's results" >&2; exit 1; }

  # A client arriving right after a start (issue 28, goal 3): the aggregator restarted, and
  # GET /results?limit=50 measured from its first request, once per table size.
  kill "$aggregator_pid"; while kill -0 "$aggregator_pid" 2>/dev/null; do sleep 0.2; done
  PRIVATE_PIDS+=("$(start_service Aggregator "${database[@]}" \
    NATS_URL="$(nats_url aggregator "$NATS_PORT")" AGGREGATOR_ADDR="127.0.0.1:$API_PORT" "${auth[@]}")")
  aggregator_pid=${PRIVATE_PIDS[-1]}
  wait_http "$api/health" 120
  wrk_run --label "results, the first 10 s after a start" --pid "aggregator=$aggregator_pid" -- "$api/results?limit=50" "${bearer[@]}" >"$OUT/$rows.cold.jsonl"

  # Not measured: the first seconds run unoptimised (tier-0) code, and each endpoint's first
  # requests prepare its statements on the pooled connections.
  for target in "/stats" "/results?limit=50" "/results?task_type=type-3&limit=50&before=$mid_typed" "/results/$request_id"; do
    wrk_run --duration 10s -- "$api$target" "${bearer[@]}" >/dev/null
  done

  single=$(for _ in 1 2 3 4 5; do curl -fs -o /dev/null -w '%{time_total}\n' "${bearer[@]}" "$api/stats"; done | sort -n | sed -n 3p)
  echo "| $rows rows: one GET /stats alone | median of 5: $(python3 -c "print(f'{$single*1000:.1f} ms')") |" >>"$OUT/report.md"
  : >"$OUT/$rows.jsonl"
  for run in $(seq 1 "${RUNS:-3}"); do
    for target in "stats|/stats" "results|/results?limit=50" "results by type|/results?task_type=type-3&limit=50" \
      "results, page at half the table|/results?limit=50&before=$mid" \
      "results by type, deep page|/results?task_type=type-3&limit=50&before=$mid_typed" \
      "one result|/results/$request_id"; do
      echo "== $rows rows, run $run: ${target%%|*}" >&2
      wrk_run --label "${target%%|*}" --pid "aggregator=$aggregator_pid" -- "$api${target#*|}" "${bearer[@]}" >>"$OUT/$rows.jsonl"
    done
  done
  { echo; echo "### $rows rows"; echo; python3 "$ROOT/bench/wrk/summarize.py" --server aggregator "$OUT/$rows.cold.jsonl" "$OUT/$rows.jsonl"; echo; } >>"$OUT/report.md"
  page_statement_costs "$rows"
  if [[ ${PROFILE:-} == perf ]]; then profile_page "$rows"; fi
done
cat "$OUT/report.md"
