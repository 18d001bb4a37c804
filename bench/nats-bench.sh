#!/usr/bin/env bash
# NATS throughput as `nats bench` measures it (pub, pub/sub, queue group, request-reply):
# bench/nats-bench.sh [NATS_URL]. The URL carries credentials; without one, the operator of
# ./scripts/dev.sh's NATS (its password from the AppHost's user secrets), since no service's
# identity may publish on bench subjects. With the nats CLI installed, `nats bench` itself runs.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
if command -v nats >/dev/null 2>&1 && [[ $# -gt 0 && -z "${NO_NATS_CLI:-}" ]]; then
  # The original's invocation (classic `nats bench SUBJECT --pub --sub` syntax); not run here,
  # where the CLI is not installed.
  exec nats bench --server "$1" --msgs "${MSGS:-200000}" --size "${SIZE:-128}" --pub 1 --sub 1 bench.cli
fi

url=${1:-}
if [[ -z $url ]]; then
  password=$(dotnet user-secrets list --project "$ROOT/Distributed.AppHost" | sed -n 's/^Parameters:nats-password = //p')
  url="nats://operator:$password@127.0.0.1:4222"
fi
build_tool
OUT=$RESULTS/nats/runs.jsonl
mkdir -p "$(dirname "$OUT")" && : >"$OUT"
for run in $(seq 1 "${RUNS:-1}"); do
  echo "== nats bench run $run" >&2
  bench nats --nats "$url" --msgs "${MSGS:-200000}" --size "${SIZE:-128}" | tee -a "$OUT"
done
