#!/usr/bin/env bash
# Applies deploy/k8s (or the tree in $OVERLAY, e.g. deploy/overlays/keda) to the current kubectl
# context. Set REGISTRY to use images from elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
REGISTRY=${REGISTRY:-localhost:5111}
rendered=$(kubectl kustomize "${OVERLAY:-deploy/k8s}")
if [[ "$REGISTRY" != "localhost:5111" ]]; then
  rendered=${rendered//localhost:5111\//$REGISTRY/}
fi
kubectl apply -f - <<<"$rendered"
kubectl -n distributed-system rollout status deployment/gateway --timeout=180s
echo "gateway: http://127.0.0.1:30000  aggregator: http://127.0.0.1:30001  grafana: http://127.0.0.1:30003"
