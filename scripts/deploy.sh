#!/usr/bin/env bash
# Applies deploy/k8s (or the tree in $OVERLAY, e.g. deploy/overlays/keda) to the current kubectl
# context. Set REGISTRY to use images from elsewhere. The tree commits no Secret: the first run
# generates every password and key into the namespace's Secrets (nats-credentials,
# postgres-credentials, grafana-credentials, api-auth); later runs keep them. To inject your own instead (sealed-secrets,
# external-secrets), create those Secrets with the same keys before running this.
set -euo pipefail
cd "$(dirname "$0")/.."
REGISTRY=${REGISTRY:-localhost:5111}
# The images scripts/build-images.sh built from this commit.
TAG=${TAG:-$(git rev-parse --short=12 HEAD)}
namespace=distributed-system

secret() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' | cut -c1-40; }

# Creates the Secret from "key=value" pairs unless it exists already.
ensure_secret() {
  local name=$1
  shift
  if kubectl -n "$namespace" get secret "$name" >/dev/null 2>&1; then
    return
  fi
  local literals=()
  for pair in "$@"; do literals+=("--from-literal=$pair"); done
  kubectl -n "$namespace" create secret generic "$name" "${literals[@]}" >/dev/null
  echo "Generated Secret $name" >&2
}

kubectl get namespace "$namespace" >/dev/null 2>&1 || kubectl create namespace "$namespace" >/dev/null

# NATS: the operator, one identity per service (each allowed only its own subjects), the routes.
nats_pairs=("operator-password=$(secret)" "route-password=$(secret)")
for service in gateway processor enricher aggregator provisioner; do
  password=$(secret)
  nats_pairs+=("$service-password=$password" "$service-url=nats://$service:$password@nats:4222")
done
ensure_secret nats-credentials "${nats_pairs[@]}"

# PostgreSQL: the superuser (first start only), and the aggregator's owner, ingest and reader roles.
pg_pairs=("superuser-password=$(secret)")
for role in owner ingest reader; do
  password=$(secret)
  pg_pairs+=("$role-password=$password" "$role-url=postgres://aggregator_$role:$password@postgres:5432/aggregator")
done
ensure_secret postgres-credentials "${pg_pairs[@]}"

ensure_secret grafana-credentials "admin-password=$(secret)"

# The key the two APIs check their clients' tokens with (deploy/k8s/mint-token.sh mints them): 48 random bytes, base64.
ensure_secret api-auth "signing-key=$(openssl rand -base64 48)"

# NATS's TLS certificate (clients and routes), signed by a certificate authority made here for this
# deployment, unless the Secret exists (cert-manager, or your own, may write it: tls.crt, tls.key, ca.crt).
if ! kubectl -n "$namespace" get secret nats-tls >/dev/null 2>&1; then
  tls=$(mktemp -d)
  trap 'rm -rf "$tls"' EXIT
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 -subj "/CN=distributed-nats-ca" \
    -keyout "$tls/ca.key" -out "$tls/ca.crt" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=nats" -keyout "$tls/tls.key" -out "$tls/tls.csr" 2>/dev/null
  printf 'subjectAltName=DNS:nats,DNS:nats.%s,DNS:nats.%s.svc,DNS:*.nats-headless,DNS:*.nats-headless.%s,DNS:*.nats-headless.%s.svc\nextendedKeyUsage=serverAuth,clientAuth\n' \
    "$namespace" "$namespace" "$namespace" "$namespace" >"$tls/ext"
  openssl x509 -req -in "$tls/tls.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" -CAcreateserial -days 825 -extfile "$tls/ext" -out "$tls/tls.crt" 2>/dev/null
  kubectl -n "$namespace" create secret generic nats-tls --from-file="$tls/tls.crt" --from-file="$tls/tls.key" --from-file="$tls/ca.crt" >/dev/null
  echo "Generated Secret nats-tls" >&2
fi

rendered=$(kubectl kustomize "${OVERLAY:-deploy/k8s}")
rendered=${rendered//:unreleased/:$TAG}
if [[ "$REGISTRY" != "localhost:5111" ]]; then
  rendered=${rendered//localhost:5111\//$REGISTRY/}
fi
# A Job's pod template cannot change: the finished one goes, and the new one provisions again (idempotent).
kubectl -n "$namespace" delete job provision --ignore-not-found >/dev/null
kubectl apply -f - <<<"$rendered"
kubectl -n "$namespace" wait --for=condition=complete job/provision --timeout=300s
kubectl -n "$namespace" rollout status deployment/gateway --timeout=180s
echo "gateway: http://127.0.0.1:30000  aggregator: http://127.0.0.1:30001 (each asks for a token:"
echo "  curl -H \"Authorization: Bearer \$(deploy/k8s/mint-token.sh my-client tasks:write)\" …)"
echo "grafana: kubectl -n $namespace port-forward svc/grafana 3003:3000, then http://127.0.0.1:3003 (admin; password:"
echo "  kubectl -n $namespace get secret grafana-credentials -o jsonpath='{.data.admin-password}' | base64 -d)"
echo "prometheus, jaeger: kubectl -n $namespace port-forward svc/prometheus 9092:9090 (svc/jaeger 16686:16686)"
