#!/usr/bin/env bash
# Make a PostgreSQL server reachable on 127.0.0.1:5432 and print the line
#   SYNTHSCOPE_TEST_DATABASE_URL=postgresql+psycopg://...
# on stdout (everything else goes to stderr). Uses the machine's server when one answers; otherwise
# installs PostgreSQL from Debian, starts it with trust auth on loopback and creates database `test`.
set -euo pipefail
HOST=127.0.0.1 PORT=5432 DB=test
url="postgresql+psycopg://postgres@${HOST}:${PORT}/${DB}"
log() { echo "ensure-postgres: $*" >&2; }

ready() { command -v pg_isready >/dev/null && pg_isready -q -h "$HOST" -p "$PORT"; }

if ! ready; then
  if ! command -v pg_ctlcluster >/dev/null; then
    log "installing PostgreSQL from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
  fi
  version="$(ls /etc/postgresql | sort -V | tail -1)"
  conf="/etc/postgresql/${version}/main"
  if [ ! -d "$conf" ]; then
    pg_createcluster "$version" main >&2
  fi
  # Trust auth on loopback only: a throwaway test server, never exposed.
  sed -i -E 's/^(host\s+all\s+all\s+127\.0\.0\.1\/32\s+)\S+/\1trust/' "$conf/pg_hba.conf"
  sed -i -E 's/^(local\s+all\s+postgres\s+)\S+/\1trust/' "$conf/pg_hba.conf"
  log "starting PostgreSQL ${version}"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
  for _ in $(seq 1 30); do ready && break; sleep 1; done
  ready || { log "PostgreSQL did not start"; exit 1; }
fi
if ! psql -h "$HOST" -p "$PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='${DB}'" | grep -q 1; then
  psql -h "$HOST" -p "$PORT" -U postgres -c "CREATE DATABASE ${DB}" >&2
fi
log "using ${url}"
echo "SYNTHSCOPE_TEST_DATABASE_URL=${url}"
