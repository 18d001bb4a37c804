#!/usr/bin/env bash
# Applies deploy/k8s to the current kubectl context. The tree reads the Grafana dashboard from
# deploy/grafana, hence the relaxed load restrictor. Set REGISTRY to use images from elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
REGISTRY=${REGISTRY:-localhost:5111}
rendered=$(kubectl kustomize deploy/k8s --load-restrictor LoadRestrictionsNone)
if [[ "$REGISTRY" != "localhost:5111" ]]; then
  rendered=${rendered//localhost:5111\//$REGISTRY/}
fi
kubectl apply -f - <<<"$rendered"
kubectl -n distributed-system rollout status deployment/gateway --timeout=180s
echo "gateway: http://127.0.0.1:30000  aggregator: http://127.0.0.1:30001  grafana: http://127.0.0.1:30003"
