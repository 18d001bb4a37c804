#!/usr/bin/env bash
# Takes the README's screenshots from a running ./scripts/dev.sh — a task's trace and the Traces
# page, then the experiment commands — with Debian's chromium driven by playwright-core (no
# browser download). CAPTURE=traces, experiments or operations takes only those. The dashboard asks for
# its browser token: pass the login URL dev.sh prints ("Login to the dashboard at …") as
# DASHBOARD_LOGIN_URL.
set -euo pipefail
cd "$(dirname "$0")/.."

tools="${TMPDIR:-/tmp}/distributed-playwright"
if [[ ! -d "$tools/node_modules/playwright-core" ]]; then
  mkdir -p "$tools"
  (cd "$tools" && npm init -y >/dev/null && npm install --no-audit --no-fund playwright-core >/dev/null)
fi
command -v chromium >/dev/null || { echo "chromium is not installed: apt-get install chromium" >&2; exit 1; }

# An ES module resolves its imports from where it lies, so the scripts run beside playwright-core.
cp scripts/dashboard/*.mjs "$tools/"
for script in traces experiments operations; do
  [[ "${CAPTURE:-all}" == all || "${CAPTURE}" == "$script" ]] || continue
  OUT_DIR="$PWD/docs/images" DASHBOARD_LOGIN_URL="${DASHBOARD_LOGIN_URL:-}" CHROMIUM="$(command -v chromium)" node "$tools/capture-$script.mjs"
done
echo "Screenshots written to docs/images/dashboard-*.png"
