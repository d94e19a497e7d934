#!/bin/sh
# The load test with the server's ledger on a throwaway PostgreSQL cluster, started as
# tests/TokenTrace.PostgreSql.Tests/PostgreSqlServer.cs does: initdb and pg_ctl as the `postgres` user (through runuser
# when run as root), loopback only, trust authentication, a free port; removed at the end.
#   bench/TokenTrace.LoadTest/run-postgres.sh [load test options, e.g. --pushers 8 --records 100000]
# The cluster keeps PostgreSQL's default durability (fsync and synchronous_commit on): a SIGKILLed TokenTrace server
# must lose nothing that PostgreSQL acknowledged.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
root=$(mktemp -d /tmp/tokentrace-load-pg-XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres:postgres "$root"
export LC_ALL=C LANG=C
as_pg "$bin/initdb" -D "$root/data" -U postgres -E UTF8 --no-locale --auth-local=trust --auth-host=trust >/dev/null
as_pg "$bin/pg_ctl" start -D "$root/data" -l "$root/server.log" -w \
    -o "-p $port -k $root -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=256MB" >/dev/null
trap 'as_pg "$bin/pg_ctl" stop -D "$root/data" -m fast -w >/dev/null; rm -rf "$root"' EXIT
as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres load
dotnet "$here/bin/Release/net10.0/TokenTrace.LoadTest.dll" --ledger "postgres://postgres@127.0.0.1:$port/load" "$@"
