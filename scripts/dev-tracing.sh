#!/usr/bin/env bash
# As dev.sh, with Jaeger: traces go through an OpenTelemetry Collector to Jaeger
# (http://127.0.0.1:16686) and to the Aspire dashboard. Jaeger runs as a container, so this
# needs Docker or Podman; without one, traces are in the Aspire dashboard only.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! docker info >/dev/null 2>&1 && ! podman info >/dev/null 2>&1; then
  echo "No container runtime answers: Jaeger cannot run here. Starting without it;" >&2
  echo "every trace is still in the Aspire dashboard at http://localhost:15888 (Traces)." >&2
  exec ./scripts/dev.sh "$@"
fi
export DISTRIBUTED_INFRA=containers DISTRIBUTED_TRACING=jaeger
exec ./scripts/dev.sh "$@"
