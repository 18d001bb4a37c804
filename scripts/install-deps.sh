#!/usr/bin/env bash
# Installs what running and testing Distributed needs on a machine without a container engine:
# nats-server, PostgreSQL's server binaries and Prometheus from Debian's packages. Installs only what is
# missing, so it is cheap to call from every script.
set -euo pipefail

have_postgres() {
  command -v postgres >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null
}
have_nats() {
  command -v nats-server >/dev/null 2>&1 || [[ -x /usr/sbin/nats-server ]]
}

missing=()
have_nats || missing+=(nats-server)
have_postgres || missing+=(postgresql)
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
command -v setpriv >/dev/null 2>&1 || missing+=(util-linux)
# The fault tests cut links between network namespaces with iptables.
command -v iptables >/dev/null 2>&1 || missing+=(iptables)

if ((${#missing[@]} == 0)); then
  exit 0
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "The .NET 10 SDK is required (https://dot.net); install it, then run this again." >&2
  exit 1
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  sudo=(sudo)
fi

echo "Installing ${missing[*]} from the distribution's packages..." >&2
export DEBIAN_FRONTEND=noninteractive
# The packages would start system services (a cluster on 5432, Prometheus on 9090, its node
# exporter on 9100) whose ports the AppHost needs. Ask Debian not to start anything during this
# install (policy-rc.d answering 101, "action forbidden"), rather than stopping services
# afterwards: a service that was already running on this machine is none of this script's business.
policy=/usr/sbin/policy-rc.d
if [[ ! -e "$policy" ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
  "${sudo[@]}" chmod 755 "$policy"
  trap '"${sudo[@]}" rm -f "$policy"' EXIT
fi
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
