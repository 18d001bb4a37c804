#!/usr/bin/env bash
# Creates a local k3d cluster with a registry on localhost:5111 and the two public NodePorts of
# the original (gateway 30000, aggregator 30001); the operators' UIs are reached by port-forward.
set -euo pipefail
CLUSTER=${CLUSTER:-distributed}
k3d registry create distributed-registry.localhost --port 5111 2>/dev/null || true
k3d cluster create "$CLUSTER" \
  --registry-use k3d-distributed-registry.localhost:5111 \
  -p "30000:30000@server:0" -p "30001:30001@server:0"
