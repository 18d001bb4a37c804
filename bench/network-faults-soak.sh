#!/usr/bin/env bash
# The network fault suite (Distributed.Tests/Faults/NetworkFaultTests.cs) with longer outages, run
# several times: bench/network-faults-soak.sh [SCALE] [RUNS]. SCALE (default 2.5) multiplies every
# outage: the gateway's link to NATS is cut for 75 s, a processor's for 33 s, PostgreSQL paused
# and its disk full for 20 s, and so on. Needs root (namespaces, iptables, tmpfs), like the suite.
# Each run's table (one row per fault) goes to bench/results/latest/network-faults-<n>.md.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
SCALE=${1:-2.5}
RUNS=${2:-3}
"$ROOT/scripts/install-deps.sh"
dotnet build "$ROOT/Distributed.sln" -v quiet -nologo >/dev/null
failed=0
for run in $(seq 1 "$RUNS"); do
  rm -f "$ROOT/TestResults/network-faults.md"
  echo "run $run of $RUNS, outages × $SCALE" >&2
  DISTRIBUTED_FAULT_SCALE=$SCALE dotnet test "$ROOT/Distributed.Tests" --no-build \
    --filter "FullyQualifiedName~NetworkFaultTests" --logger "console;verbosity=minimal" || failed=1
  cp "$ROOT/TestResults/network-faults.md" "$RESULTS/network-faults-$run.md"
  cat "$RESULTS/network-faults-$run.md"
done
exit $failed
