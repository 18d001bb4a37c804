#!/usr/bin/env bash
# NATS throughput as `nats bench` measures it (pub, pub/sub, queue group, request-reply), against
# the running NATS server: bench/nats-bench.sh [NATS_URL]. Without a URL the address (and its
# credentials) is read from the running aggregator's environment. With a URL and the nats CLI
# installed, `nats bench` itself runs instead.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
if command -v nats >/dev/null 2>&1 && [[ $# -gt 0 && -z "${NO_NATS_CLI:-}" ]]; then
  # The original's invocation (classic `nats bench SUBJECT --pub --sub` syntax); not run here,
  # where the CLI is not installed.
  exec nats bench --server "$1" --msgs "${MSGS:-200000}" --size "${SIZE:-128}" --pub 1 --sub 1 bench.cli
fi

build_tool
if [[ $# -gt 0 ]]; then target=(--nats "$1"); else target=(--discover true); fi
for run in $(seq 1 "${RUNS:-1}"); do
  echo "== nats bench run $run" >&2
  bench nats "${target[@]}" --msgs "${MSGS:-200000}" --size "${SIZE:-128}" --json "$RESULTS/nats/run${run}.json" >/dev/null
done
