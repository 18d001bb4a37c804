#!/usr/bin/env bash
# Installs what is missing, then runs the whole test suite (unit tests and the AppHost
# integration tests against real nats-server and PostgreSQL). Ends with "N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh

results=TestResults
rm -rf "$results"
status=0
dotnet test Distributed.sln --logger "trx;LogFileName=results.trx" --logger "console;verbosity=normal" \
  --results-directory "$results" "$@" || status=$?

passed=0
failed=0
for trx in "$results"/*.trx; do
  [[ -f "$trx" ]] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
done

if ((passed + failed == 0)); then
  echo "No test ran." >&2
  status=1
fi
echo "${passed} passed, ${failed} failed"
exit "$status"
