#!/bin/sh
# The credentials arrive as connection strings (nats://user:password@host:port), the kind of
# variable deployment tools keep in a Secret: the operator's in ConnectionStrings__nats, each
# service identity's in ConnectionStrings__nats_<service>. nats-server reads them from variables
# whose values it parses as configuration text, so they are passed on quoted.
set -eu
user_of() { credentials=${1#*://}; credentials=${credentials%@*}; printf '%s' "${credentials%%:*}"; }
password_of() { credentials=${1#*://}; credentials=${credentials%@*}; printf '%s' "${credentials#*:}"; }

NATS_USER="\"$(user_of "$ConnectionStrings__nats")\""
NATS_PASSWORD="\"$(password_of "$ConnectionStrings__nats")\""
NATS_GATEWAY_PASSWORD="\"$(password_of "$ConnectionStrings__nats_gateway")\""
NATS_PROCESSOR_PASSWORD="\"$(password_of "$ConnectionStrings__nats_processor")\""
NATS_ENRICHER_PASSWORD="\"$(password_of "$ConnectionStrings__nats_enricher")\""
NATS_AGGREGATOR_PASSWORD="\"$(password_of "$ConnectionStrings__nats_aggregator")\""
NATS_PROVISIONER_PASSWORD="\"$(password_of "$ConnectionStrings__nats_provisioner")\""
export NATS_USER NATS_PASSWORD NATS_GATEWAY_PASSWORD NATS_PROCESSOR_PASSWORD NATS_ENRICHER_PASSWORD NATS_AGGREGATOR_PASSWORD NATS_PROVISIONER_PASSWORD
exec nats-server -c /etc/nats/distributed.conf "$@"
