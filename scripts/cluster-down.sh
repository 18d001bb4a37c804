#!/usr/bin/env bash
set -euo pipefail
CLUSTER=${CLUSTER:-distributed}
k3d cluster delete "$CLUSTER"
k3d registry delete k3d-distributed-registry.localhost 2>/dev/null || true
