#!/usr/bin/env bash
# Builds one image per service with the .NET SDK's own container support (no Dockerfile) and
# pushes it to $REGISTRY (default: the k3d registry of scripts/cluster-up.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
REGISTRY=${REGISTRY:-localhost:5111}
# The commit, so a deployment names exactly what it runs (scripts/deploy.sh uses the same).
TAG=${TAG:-$(git rev-parse --short=12 HEAD)}

for service in gateway processor enricher aggregator provisioning; do
  project="Distributed.${service^}"
  echo "Building $REGISTRY/distributed-$service:$TAG from $project" >&2
  dotnet publish "$project" -c Release --os linux --arch x64 /t:PublishContainer \
    -p ContainerRegistry="$REGISTRY" \
    -p ContainerRepository="distributed-$service" \
    -p ContainerImageTags="$TAG"
done
