#!/bin/sh
# The aggregator's roles, created or updated by a superuser:
#   aggregator_owner   owns the database and runs the EF Core migrations
#   aggregator_ingest  the ingest path: inserts results and keeps the per-type counts
#   aggregator_reader  the query API: SELECT only, read-only transactions, a statement_timeout
# The aggregator grants the table rights itself after migrating, as the tables' owner; nothing at
# run time logs in as a superuser. Passwords: POSTGRES_OWNER_PASSWORD, POSTGRES_INGEST_PASSWORD,
# POSTGRES_READER_PASSWORD.
#
# The postgres image runs (or sources) this from /docker-entrypoint-initdb.d on an empty data
# directory; local mode (scripts/run-local-postgres.sh) sets PRINT_ROLES_FOR=<database> and pipes
# the statements, one per line, into PostgreSQL's single-user mode on every start.

# Published from the AppHost's manifest, each role's password arrives inside its connection string
# (ConnectionStrings__aggregator_owner…), the kind of variable deployment tools keep in a Secret.
password_of() { printf '%s' "$1" | tr ';' '\n' | sed -n 's/^Password=//p'; }
: "${POSTGRES_OWNER_PASSWORD:=$(password_of "${ConnectionStrings__aggregator_owner:-}")}"
: "${POSTGRES_INGEST_PASSWORD:=$(password_of "${ConnectionStrings__aggregator:-}")}"
: "${POSTGRES_READER_PASSWORD:=$(password_of "${ConnectionStrings__aggregator_reader:-}")}"

aggregator_roles_sql() {
  database=$1
  literal() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"; }
  role() {
    printf 'DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = %s) THEN CREATE ROLE %s; END IF; END$$;\n' "'$1'" "$1"
    printf 'ALTER ROLE %s WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD %s;\n' "$1" "$(literal "$2")"
  }
  role aggregator_owner "${POSTGRES_OWNER_PASSWORD:?POSTGRES_OWNER_PASSWORD must be set}"
  role aggregator_ingest "${POSTGRES_INGEST_PASSWORD:?POSTGRES_INGEST_PASSWORD must be set}"
  role aggregator_reader "${POSTGRES_READER_PASSWORD:?POSTGRES_READER_PASSWORD must be set}"
  # Binding, unlike the settings below: no session can lift its role's connection limit. Room for
  # three aggregator replicas' pools (ResultsConnectionString: 32 reader, 16 ingest connections
  # each), under PostgreSQL's max_connections whatever the replica count.
  printf 'ALTER ROLE aggregator_reader CONNECTION LIMIT 96;\n'
  printf 'ALTER ROLE aggregator_ingest CONNECTION LIMIT 48;\n'
  printf 'ALTER ROLE aggregator_reader SET default_transaction_read_only = on;\n'
  printf 'ALTER ROLE aggregator_reader SET statement_timeout = %s;\n' "$(literal "${POSTGRES_READER_TIMEOUT:-3s}")"
  # The database may not exist yet (local mode and Aspire create it next, owned by the owner);
  # where it does (the image's POSTGRES_DB), the owner is given it.
  printf 'DO $$BEGIN IF EXISTS (SELECT FROM pg_database WHERE datname = %s) THEN EXECUTE %s; END IF; END$$;\n' \
    "$(literal "$database")" "$(literal "ALTER DATABASE \"$database\" OWNER TO aggregator_owner")"
}

if [ -n "${PRINT_ROLES_FOR:-}" ]; then
  aggregator_roles_sql "$PRINT_ROLES_FOR"
else
  aggregator_roles_sql "${POSTGRES_DB:-postgres}" |
    psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres
  # Run again on a data directory from before the roles existed, it hands the superuser's tables
  # to the owner, which the migrations and grants need; on a new one there are none yet.
  if [ -n "${POSTGRES_DB:-}" ] && [ "$POSTGRES_DB" != postgres ]; then
    psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname "$POSTGRES_DB" -c \
      "DO \$\$DECLARE t record; BEGIN FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner <> 'aggregator_owner' LOOP EXECUTE format('ALTER TABLE public.%I OWNER TO aggregator_owner', t.tablename); END LOOP; END\$\$;"
  fi
fi
