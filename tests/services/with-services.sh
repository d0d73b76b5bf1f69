#!/usr/bin/env bash
# Runs a command with a throw-away PostgreSQL server (and Redis) on loopback, exporting
# BATON_TEST_POSTGRES_URL and BATON_TEST_REDIS_URL, and stops them afterwards.
# Usage: tests/services/with-services.sh COMMAND [ARGS...]
set -euo pipefail

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

workdir=$(mktemp -d /tmp/baton-services.XXXXXX)
chmod 755 "$workdir"
pg_bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
pg_port=$(free_port)
redis_port=$(free_port)

as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  # PostgreSQL refuses to run as root; hand the data folder to its own user.
  chown postgres "$workdir"
  as_pg=(runuser -u postgres --)
fi

cleanup() {
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$workdir/pg" -m immediate stop >/dev/null 2>&1 || true
  [ -f "$workdir/redis.pid" ] && kill "$(cat "$workdir/redis.pid")" 2>/dev/null || true
  rm -rf "$workdir"
}
trap cleanup EXIT

"${as_pg[@]}" "$pg_bin/initdb" -D "$workdir/pg" -U baton --auth=trust -E UTF8 >/dev/null
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$workdir/pg" -l "$workdir/pg.log" -w \
  -o "-p $pg_port -k $workdir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
"$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U baton baton_test

redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
  --daemonize yes --pidfile "$workdir/redis.pid" --logfile "$workdir/redis.log"

export BATON_TEST_POSTGRES_URL="postgresql+psycopg://baton@127.0.0.1:$pg_port/baton_test"
export BATON_TEST_REDIS_URL="redis://127.0.0.1:$redis_port/0"
export BATON_REQUIRE_POSTGRES=1
"$@"
