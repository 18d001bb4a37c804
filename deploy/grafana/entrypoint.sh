#!/bin/sh
# The admin password arrives as a connection-string variable, which deployment tools keep in a
# Secret; Grafana reads it from its own variable.
set -eu
GF_SECURITY_ADMIN_PASSWORD=${ConnectionStrings__grafana}
export GF_SECURITY_ADMIN_PASSWORD
exec /run.sh "$@"
