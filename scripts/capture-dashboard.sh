#!/usr/bin/env bash
# Takes the README's screenshots of the experiment commands from a running ./scripts/dev.sh,
# with Debian's chromium driven by playwright-core (no browser download).
set -euo pipefail
cd "$(dirname "$0")/.."

tools="${TMPDIR:-/tmp}/distributed-playwright"
if [[ ! -d "$tools/node_modules/playwright-core" ]]; then
  mkdir -p "$tools"
  (cd "$tools" && npm init -y >/dev/null && npm install --no-audit --no-fund playwright-core >/dev/null)
fi
command -v chromium >/dev/null || { echo "chromium is not installed: apt-get install chromium" >&2; exit 1; }

# An ES module resolves its imports from where it lies, so it runs beside playwright-core.
cp scripts/dashboard/capture-experiments.mjs "$tools/capture-experiments.mjs"
OUT_DIR="$PWD/docs/images" CHROMIUM="$(command -v chromium)" node "$tools/capture-experiments.mjs"
echo "Screenshots written to docs/images/dashboard-{commands,send-load,load-logs,show-pipeline}.png"
