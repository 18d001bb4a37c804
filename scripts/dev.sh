#!/usr/bin/env bash
# Brings the whole topology up under the Aspire AppHost: NATS, PostgreSQL and the four
# services, with the Aspire dashboard. Settings come from .env when it exists (see .env.example).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -f .env ]]; then
  set -a
  # shellcheck disable=SC1091
  source .env
  set +a
fi

./scripts/install-deps.sh
# Release by default: this runs the system (demos, experiments, load under the dashboard), and
# unoptimised Debug code would be what a load measures. Debugging is the IDE's F5 on the AppHost,
# or CONFIGURATION=Debug here.
exec dotnet run --project Distributed.AppHost --configuration "${CONFIGURATION:-Release}" --launch-profile http "$@"
