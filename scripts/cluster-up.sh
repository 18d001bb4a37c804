#!/usr/bin/env bash
# Creates a local k3d cluster with a registry on localhost:5111 and the NodePorts of the
# original (gateway 30000, aggregator 30001, Grafana 30003, Prometheus 30092, Jaeger 30686).
set -euo pipefail
CLUSTER=${CLUSTER:-distributed}
k3d registry create distributed-registry.localhost --port 5111 2>/dev/null || true
k3d cluster create "$CLUSTER" \
  --registry-use k3d-distributed-registry.localhost:5111 \
  -p "30000:30000@server:0" -p "30001:30001@server:0" -p "30003:30003@server:0" \
  -p "30092:30092@server:0" -p "30686:30686@server:0"
