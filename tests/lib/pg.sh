#!/usr/bin/env bash
# Throwaway PostgreSQL 15 cluster for tests.
#   tests/lib/pg.sh start DIR PORT   -> prints postgres://postgres@127.0.0.1:PORT/postgres
#                                      (PORT 0 picks a free port from 55432 up)
#   tests/lib/pg.sh stop DIR         -> stops the cluster and removes DIR
# May be executed or sourced (then call pg_start / pg_stop).

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

pg__as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg__port_busy() {
  ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

pg__free_port() {
  local p
  for ((p = 55432; p < 56432; p++)); do
    if ! pg__port_busy "$p"; then echo "$p"; return 0; fi
  done
  echo "pg.sh: no free port in 55432..56431" >&2
  return 1
}

pg_start() {
  local dir=$1 port=${2:-0}
  [ -n "$dir" ] || { echo "pg.sh: start needs DIR" >&2; return 2; }
  [ -x "$PG_BIN/initdb" ] || { echo "pg.sh: $PG_BIN/initdb not found (apt-get install postgresql)" >&2; return 1; }
  mkdir -p "$dir" || return 1
  dir=$(cd "$dir" && pwd) || return 1
  if [ "$port" = 0 ]; then port=$(pg__free_port) || return 1; fi
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir" || return 1; fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    if ! pg__as_postgres "$PG_BIN/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 \
        --locale=C.UTF-8 >"$dir/initdb.log" 2>&1; then
      cat "$dir/initdb.log" >&2
      echo "pg.sh: initdb failed" >&2
      return 1
    fi
  fi
  if ! pg__as_postgres "$PG_BIN/pg_ctl" -D "$dir/data" \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" \
      -w -t 60 start -l "$dir/log" >/dev/null; then
    cat "$dir/log" >&2 2>/dev/null
    echo "pg.sh: pg_ctl start failed" >&2
    return 1
  fi
  echo "postgres://postgres@127.0.0.1:$port/postgres"
}

pg_stop() {
  local dir=$1
  [ -n "$dir" ] || { echo "pg.sh: stop needs DIR" >&2; return 2; }
  [ -d "$dir" ] || return 0
  if [ -f "$dir/data/postmaster.pid" ]; then
    pg__as_postgres "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 ||
      echo "pg.sh: pg_ctl stop failed in $dir" >&2
  fi
  rm -rf "$dir"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-}" in
    start) [ $# -ge 2 ] || { echo "usage: $0 start DIR [PORT]" >&2; exit 2; }; pg_start "$2" "${3:-0}" ;;
    stop) [ $# -eq 2 ] || { echo "usage: $0 stop DIR" >&2; exit 2; }; pg_stop "$2" ;;
    *) echo "usage: $0 start DIR PORT | stop DIR" >&2; exit 2 ;;
  esac
fi
