# Shared by the bench scripts: the open-model load tool (built once, Release, into the results
# folder so a rebuild during a run cannot swap it), starting/stopping the AppHost in Release, and
# the parts the by-hand benchmarks start on private ports.
# shellcheck shell=bash
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RESULTS=${RESULTS:-$ROOT/bench/results/latest}
TOOL_DIR=$ROOT/bench/results/tool
GATEWAY=${GATEWAY:-http://127.0.0.1:3000}
AGGREGATOR=${AGGREGATOR:-http://127.0.0.1:3001}
mkdir -p "$RESULTS"

build_tool() {
  if [[ -z "${TOOL_BUILT:-}" ]]; then
    rm -rf "$TOOL_DIR"
    dotnet build "$ROOT/bench/Distributed.Bench" -c Release -v quiet -nologo -o "$TOOL_DIR" >/dev/null
    export TOOL_BUILT=1
  fi
}

bench() { dotnet "$TOOL_DIR/Distributed.Bench.dll" "$@"; }

# One fixed-rate run on a running pipeline → one JSON line (see bench/open_model.py).
open_model() { python3 "$ROOT/bench/open_model.py" "$@"; }

# The markdown table of open_model's JSON lines: median (min–max) per label.
open_model_table() { python3 "$ROOT/bench/open_model_table.py" "$@"; }

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
  bench load --url "$GATEWAY" --rate 300 --duration 00:00:20 >/dev/null 2>"$RESULTS/warm-up-$1.log" || echo "warm-up failed: see $RESULTS/warm-up-$1.log" >&2
}

apphost_stop() {
  pkill -TERM -f 'bin/Release/net10.0/Distributed.AppHost' 2>/dev/null || true
  local deadline=$((SECONDS + 60))
  while pgrep -f 'net10.0/Distributed\.(AppHost|Gateway|Processor|Enricher|Aggregator)$' >/dev/null; do
    ((SECONDS < deadline)) || { pkill -KILL -f 'net10.0/Distributed\.' || true; break; }
    sleep 1
  done
}

# --- parts started by hand, for the benchmarks that measure one service alone -------------------
# Each runs on its own ports and data directory under $BENCH_STATE, so it never meets the
# AppHost's or the test suite's processes; stop_private_parts stops all of them.
BENCH_STATE=${BENCH_STATE:-/tmp/distributed-bench}
PRIVATE_PIDS=()

private_postgres() { # PORT → its superuser postgres:bench; the aggregator's owner, ingest and reader roles, each with password "bench"
  # scripts/run-local-postgres.sh creates the aggregator's three roles as deployed (none a
  # superuser); provision_topology migrates as the owner, and the aggregator runs as ingest and reader.
  POSTGRES_PASSWORD=bench POSTGRES_OWNER_PASSWORD=bench POSTGRES_INGEST_PASSWORD=bench POSTGRES_READER_PASSWORD=bench \
    setsid "$ROOT/scripts/run-local-postgres.sh" "$BENCH_STATE/pg-$1" "$1" \
    >"$BENCH_STATE/pg-$1.log" 2>&1 </dev/null &
  PRIVATE_PIDS+=($!)
  local deadline=$((SECONDS + 60))
  until pg_isready -q -h 127.0.0.1 -p "$1"; do
    ((SECONDS < deadline)) || { echo "PostgreSQL on $1 did not start: $BENCH_STATE/pg-$1.log" >&2; return 1; }
    sleep 0.5
  done
}

# The aggregator's database settings as deployed: ingest and reader roles, each its own URL.
aggregator_database() { # PG_PORT [DATABASE] → DATABASE_URL=… DATABASE_READER_URL=…
  local database=${2:-aggregator}
  echo "DATABASE_URL=postgres://aggregator_ingest:bench@127.0.0.1:$1/$database DATABASE_READER_URL=postgres://aggregator_reader:bench@127.0.0.1:$1/$database"
}

# NATS as deployed: the authorization of deploy/nats/nats-server.conf (rendered from
# NatsIdentities, held to them by NatsAuthorizationTests), every identity's password "bench", and
# the store capped as there. No service may declare a stream: provision_topology does.
private_nats() { # PORT; JetStream store in $BENCH_STATE/nats-PORT (emptied first)
  local dir=$BENCH_STATE/nats-$1
  rm -rf "$dir" && mkdir -p "$dir"
  {
    echo "listen: \"127.0.0.1:$1\""
    echo "max_payload: 4MB"
    echo "jetstream { store_dir: \"$dir/jetstream\", max_file_store: 3GB }"
    sed -n '/^# AUTHORIZATION/,/^# END AUTHORIZATION/p' "$ROOT/deploy/nats/nats-server.conf"
  } >"$dir/nats-server.conf"
  env NATS_USER=operator NATS_PASSWORD=bench NATS_GATEWAY_PASSWORD=bench NATS_PROCESSOR_PASSWORD=bench \
    NATS_ENRICHER_PASSWORD=bench NATS_AGGREGATOR_PASSWORD=bench NATS_PROVISIONER_PASSWORD=bench \
    setsid nats-server -c "$dir/nats-server.conf" >"$BENCH_STATE/nats-$1.log" 2>&1 </dev/null &
  PRIVATE_PIDS+=($!)
  local deadline=$((SECONDS + 30))
  until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
    ((SECONDS < deadline)) || { echo "nats-server on $1 did not start: $BENCH_STATE/nats-$1.log" >&2; return 1; }
    sleep 0.2
  done
}

nats_url() { echo "nats://$1:bench@127.0.0.1:$2"; } # IDENTITY PORT
nats_pid() { pgrep -f "nats-server -c $BENCH_STATE/nats-$1/" | head -1; } # PORT

# The topology's one owner, as the AppHost and deploy/k8s run it first: declares the streams, the
# bucket and the consumers as the provisioner and, given PostgreSQL, migrates as the owner and
# grants the two roles; then exits. Settings that shape the topology (STREAM_MAX_MSGS, …) go after.
provision_topology() { # NATS_PORT [PG_PORT|-] [VAR=VALUE...]
  local nats=$1 pg=${2:--}
  shift; (($#)) && shift
  build_service Provisioning
  local database=()
  if [[ $pg != - ]]; then
    database=(DATABASE_OWNER_URL="postgres://aggregator_owner:bench@127.0.0.1:$pg/aggregator"
      DATABASE_INGEST_ROLE=aggregator_ingest DATABASE_READER_ROLE=aggregator_reader)
  fi
  (cd "$BENCH_STATE/bin/Provisioning" && env NATS_URL="$(nats_url provisioner "$nats")" "${database[@]}" "$@" \
    DOTNET_ENVIRONMENT=Production dotnet Distributed.Provisioning.dll >"$BENCH_STATE/provision-$nats.log" 2>&1) ||
    { echo "provisioning failed: $BENCH_STATE/provision-$nats.log" >&2; return 1; }
}

# Builds a service in Release once per run into $BENCH_STATE/bin/NAME.
build_service() { # NAME (Gateway, Processor, Enricher, Aggregator, Provisioning)
  dotnet build "$ROOT/Distributed.$1" -c Release -v quiet -nologo -o "$BENCH_STATE/bin/$1" >/dev/null
}

# Starts a built service with the environment given as VAR=VALUE arguments; prints its PID.
start_service() { # NAME VAR=VALUE...
  local name=$1; shift
  # wrk is one address standing for many clients: the gateway's per-client limit (1,000 tasks/s by
  # default) stays in the request path, at a rate one load tool does not reach; a caller's own wins.
  if [[ $name == Gateway ]]; then set -- GATEWAY_CLIENT_TASKS_PER_SECOND=10000000 GATEWAY_CLIENT_TASK_BURST=10000000 "$@"; fi
  # Only the service runs in the background: a backgrounded list would hold the caller's $(…) open.
  cd "$BENCH_STATE/bin/$name" || return 1
  env "$@" DOTNET_ENVIRONMENT=Production setsid dotnet "Distributed.$name.dll" >"$BENCH_STATE/$name.log" 2>&1 </dev/null &
  echo $!
  cd - >/dev/null || return 1
}

# Builds and starts bench/MinimalEndpoint, the gateway's reference; prints its PID.
start_minimal_endpoint() { # PORT NATS_URL
  dotnet build "$ROOT/bench/MinimalEndpoint" -c Release -v quiet -nologo -o "$BENCH_STATE/bin/MinimalEndpoint" >/dev/null
  # The subshell's own output goes to the log too: the caller's $(…) must not wait on it.
  (cd "$BENCH_STATE/bin/MinimalEndpoint" && NATS_URL="$2" ASPNETCORE_URLS="http://127.0.0.1:$1" \
    Logging__LogLevel__Default=Warning exec setsid dotnet MinimalEndpoint.dll) >"$BENCH_STATE/minimal-$1.log" 2>&1 </dev/null &
  local pid=$!
  wait_http "http://127.0.0.1:$1/health" 60
  echo "$pid"
}

stop_private_parts() {
  for pid in "${PRIVATE_PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  local deadline=$((SECONDS + 30))
  for pid in "${PRIVATE_PIDS[@]}"; do
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  PRIVATE_PIDS=()
}

private_prometheus() { # PORT TARGET... (host:port of each /metrics); scrapes every second
  mkdir -p "$BENCH_STATE/prometheus-$1"
  local targets
  targets=$(printf '"%s",' "${@:2}")
  printf 'global: {scrape_interval: 1s}\nscrape_configs: [{job_name: bench, static_configs: [{targets: [%s]}]}]\n' "${targets%,}" \
    >"$BENCH_STATE/prometheus-$1/prometheus.yml"
  rm -rf "$BENCH_STATE/prometheus-$1/data"
  setsid prometheus --config.file="$BENCH_STATE/prometheus-$1/prometheus.yml" --storage.tsdb.path="$BENCH_STATE/prometheus-$1/data" \
    --web.listen-address="127.0.0.1:$1" >"$BENCH_STATE/prometheus-$1.log" 2>&1 </dev/null &
  PRIVATE_PIDS+=($!)
  wait_http "http://127.0.0.1:$1/-/ready" 30
}

wrk_run() { python3 "$ROOT/bench/wrk/run.py" "$@"; }

# The POST /tasks body every wrk script sends: a task of about the size the load tool sends.
task_body() { # → the file's path
  mkdir -p "$BENCH_STATE"
  echo '{"task_type":"bench","data":{"seq":1,"value":42,"note":"a task of about the size the load tool sends"}}' >"$BENCH_STATE/task.json"
  echo "$BENCH_STATE/task.json"
}
