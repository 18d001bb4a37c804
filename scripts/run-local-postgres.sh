#!/usr/bin/env bash
# Runs a PostgreSQL cluster from the machine's own binaries, for the AppHost's local mode.
# Usage: run-local-postgres.sh DATA_DIR PORT DATABASE
#   superuser password in $POSTGRES_PASSWORD; the aggregator's roles' in $POSTGRES_OWNER_PASSWORD,
#   $POSTGRES_INGEST_PASSWORD and $POSTGRES_READER_PASSWORD (see deploy/postgres/initdb/10-aggregator-roles.sh)
#   listens on $POSTGRES_LISTEN_ADDRESS (127.0.0.1) and lets in password logins from $POSTGRES_CLIENT_NETWORK
#   (loopback only, unless set to a CIDR: the fault tests put PostgreSQL on a machine of its own)
# The cluster is created once and kept; the passwords are re-applied on every start so that a
# regenerated Aspire parameter never locks the services out. The superuser is used here only:
# DATABASE is created owned by aggregator_owner, and nothing at run time logs in as a superuser.
# Runs as the postgres user when started as root, because PostgreSQL refuses to run as root.
set -euo pipefail

data_dir=$1
port=$2
database=${3:-aggregator}
: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}"
roles_sql=$(PRINT_ROLES_FOR=$database sh "$(dirname "$0")/../deploy/postgres/initdb/10-aggregator-roles.sh")

bin_dir=$(dirname "$(readlink -f "$(command -v postgres 2>/dev/null || ls -d /usr/lib/postgresql/*/bin/postgres 2>/dev/null | sort -V | tail -n 1)")")
if [[ ! -x "$bin_dir/postgres" ]]; then
  echo "PostgreSQL server binaries not found; run ./scripts/install-deps.sh" >&2
  exit 1
fi

as_owner=()
if [[ $(id -u) -eq 0 ]]; then
  as_owner=(setpriv --reuid=postgres --regid=postgres --init-groups)
fi

mkdir -p "$data_dir"
chmod 700 "$data_dir"
if [[ $(id -u) -eq 0 ]]; then
  chown postgres:postgres "$data_dir"
  # postgres must be able to reach its data directory through every parent.
  dir=$(dirname "$data_dir")
  while [[ "$dir" != "/" ]]; do chmod o+x "$dir" 2>/dev/null || true; dir=$(dirname "$dir"); done
fi

if [[ ! -s "$data_dir/PG_VERSION" ]]; then
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  [[ $(id -u) -eq 0 ]] && chown postgres "$pwfile"
  "${as_owner[@]}" "$bin_dir/initdb" -D "$data_dir" -U postgres --pwfile="$pwfile" \
    --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
fi

listen_address=${POSTGRES_LISTEN_ADDRESS:-127.0.0.1}
if [[ -n "${POSTGRES_CLIENT_NETWORK:-}" ]] && ! grep -q "^host all all $POSTGRES_CLIENT_NETWORK " "$data_dir/pg_hba.conf"; then
  echo "host all all $POSTGRES_CLIENT_NETWORK scram-sha-256" >>"$data_dir/pg_hba.conf"
fi

# Quote the password as an SQL literal (double any single quote).
escaped=${POSTGRES_PASSWORD//\'/\'\'}
single_user() { "${as_owner[@]}" "$bin_dir/postgres" --single -D "$data_dir" "$1"; }
printf "ALTER USER postgres PASSWORD '%s';\n%s\n" "$escaped" "$roles_sql" | single_user postgres >/dev/null
existing=$(echo "SELECT datname FROM pg_database WHERE datname = '$database';" | single_user postgres)
if ! grep -q "datname = \"$database\"" <<<"$existing"; then
  echo "CREATE DATABASE \"$database\" OWNER aggregator_owner;" | single_user postgres >/dev/null
fi
# A state directory from before the roles existed holds tables the superuser owns: hand them over.
echo "DO \$\$DECLARE t record; BEGIN FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner <> 'aggregator_owner' LOOP EXECUTE format('ALTER TABLE public.%I OWNER TO aggregator_owner', t.tablename); END LOOP; END\$\$;" |
  single_user "$database" >/dev/null

exec "${as_owner[@]}" "$bin_dir/postgres" -D "$data_dir" -p "$port" \
  -c listen_addresses="$listen_address" -c unix_socket_directories= -c max_connections=200
