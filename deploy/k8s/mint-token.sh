#!/usr/bin/env bash
# Mints a bearer token the deployed gateway or query API accepts: a JWT (HS256) from issuer
# "distributed" for the API the scope belongs to, signed with the key scripts/deploy.sh put in
# Secret api-auth. The client is the token's subject: the tasks it sends are its own, and only it
# reads them. With an identity provider of your own (Authority set instead), ask it for tokens.
#   deploy/k8s/mint-token.sh <client> <tasks:write|results:read> [hours, default 1]
#   SIGNING_KEY=<base64>   the key itself, instead of reading it from the cluster
set -euo pipefail
if [[ $# -lt 2 ]]; then
  sed -n '2,7p' "$0" >&2
  exit 2
fi
client=$1 scope=$2 hours=${3:-1}
case "$scope" in
  tasks:write) audience=distributed-gateway ;;
  results:read) audience=distributed-query ;;
  *) echo "scope must be tasks:write or results:read, not '$scope'" >&2; exit 2 ;;
esac
if [[ ! "$client" =~ ^[A-Za-z0-9._@:+-]{1,255}$ ]]; then
  echo "client must be 1-255 characters of A-Z a-z 0-9 . _ @ : + -" >&2
  exit 2
fi
key=${SIGNING_KEY:-$(kubectl -n distributed-system get secret api-auth -o jsonpath='{.data.signing-key}' | base64 -d)}

base64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
now=$(date +%s)
header=$(printf '{"alg":"HS256","typ":"JWT"}' | base64url)
payload=$(printf '{"iss":"distributed","aud":"%s","sub":"%s","scope":"%s","iat":%d,"nbf":%d,"exp":%d}' \
  "$audience" "$client" "$scope" "$now" "$now" $((now + hours * 3600)) | base64url)
hex_key=$(printf '%s' "$key" | base64 -d | od -An -tx1 | tr -d ' \n')
signature=$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$hex_key" -binary | base64url)
echo "$header.$payload.$signature"
