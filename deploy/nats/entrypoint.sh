#!/bin/sh
# The credentials arrive as a connection string (nats://user:password@host:port), the kind of
# variable deployment tools keep in a Secret. nats-server reads them from variables whose values
# it parses as configuration text, so they are passed on quoted.
set -eu
credentials=${ConnectionStrings__nats#*://}
credentials=${credentials%@*}
NATS_USER="\"${credentials%%:*}\""
NATS_PASSWORD="\"${credentials#*:}\""
export NATS_USER NATS_PASSWORD
exec nats-server -c /etc/nats/distributed.conf "$@"
