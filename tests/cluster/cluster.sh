#!/usr/bin/env bash
# A real Oblako cluster on loopback, in a temporary folder: PostgreSQL 15, pgbouncer 1.18 in
# transaction pooling in front of it, three `oblako serve` nodes on the database through
# pgbouncer, and haproxy 2.6 in front of the nodes (health check GET /readyz, option forwardfor,
# the nodes started with --trusted-proxies 127.0.0.1). Debian's packages (scripts/deps.sh test).
#
#   tests/cluster/cluster.sh start DIR      everything; prints the haproxy URL (DIR/env has the rest)
#   tests/cluster/cluster.sh infra DIR      PostgreSQL and pgbouncer only (the tests start their
#                                           own nodes and haproxy: tests/cluster/lib.mjs)
#   tests/cluster/cluster.sh run DIR CMD…   infra, then CMD with DIR/env exported; everything is
#                                           stopped by a trap when CMD ends, fails or is interrupted
#   tests/cluster/cluster.sh bouncer-restart DIR [SIGNAL]   stops pgbouncer (SIGTERM: at once,
#                                           its connections cut) and starts it on the same port
#   tests/cluster/cluster.sh stop DIR       stops whatever runs from DIR and removes DIR
#
# The configurations are made from tests/cluster/pgbouncer.ini.in and haproxy.cfg.in, the
# samples docs/deploy.md points an operator to. Environment: OBLAKO_BIN (default build/oblako).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${OBLAKO_BIN:-$root/build/oblako}
# shellcheck source=tests/lib/pg.sh disable=SC1091
. "$root/tests/lib/pg.sh"

# Ports are chosen below Linux's ephemeral range (32768-60999 by default): a port in it can be
# taken, between choosing it and binding it, as the local end of any outgoing connection.
port_busy() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

# free_port FROM: the first port from FROM up nobody listens on
free_port() {
  local p
  for ((p = $1; p < $1 + 1000; p++)); do
    if ! port_busy "$p"; then echo "$p"; return 0; fi
  done
  echo "cluster.sh: no free port from $1" >&2
  return 1
}

# wait_port PORT WHAT: until something listens on PORT (20 s)
wait_port() {
  local i
  for ((i = 0; i < 200; i++)); do
    port_busy "$1" && return 0
    sleep 0.1
  done
  echo "cluster.sh: $2 does not listen on $1" >&2
  return 1
}

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

bouncer_start() {
  local dir=$1
  # pgbouncer refuses to run as root: its folder belongs to postgres
  as_postgres pgbouncer -d -q "$dir/bouncer/pgbouncer.ini"
  wait_port "$(cat "$dir/bouncer/port")" pgbouncer
}

infra() {
  local dir=$1 pgurl pgport bport
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  chmod a+x "$dir"    # PostgreSQL and pgbouncer run as postgres: they pass through it
  [ ! -e "$dir/env" ] || { echo "cluster.sh: $dir already holds a cluster (stop it first)" >&2; return 1; }
  if ! command -v pgbouncer >/dev/null || ! command -v haproxy >/dev/null; then
    echo "cluster.sh: pgbouncer and haproxy are needed (scripts/deps.sh test)" >&2
    return 1
  fi
  # a free port can be taken by someone else before PostgreSQL binds it: try another
  local attempt
  for attempt in 1 2 3 4 5; do
    if pgurl=$(pg_start "$dir/pg" "$(free_port $((25600 + RANDOM % 300)))" 2>"$dir/pg-start.log"); then break; fi
    [ "$attempt" -lt 5 ] || { cat "$dir/pg-start.log" >&2; return 1; }
  done
  pgport=${pgurl##*:}
  pgport=${pgport%%/*}
  mkdir -p "$dir/bouncer"
  bport=$(free_port $((26500 + RANDOM % 100)))
  echo "$bport" >"$dir/bouncer/port"
  echo '"postgres" ""' >"$dir/bouncer/userlist.txt"
  sed -e "s|@PG_PORT@|$pgport|g" -e "s|@PORT@|$bport|g" -e "s|@DIR@|$dir/bouncer|g" \
    "$here/pgbouncer.ini.in" >"$dir/bouncer/pgbouncer.ini"
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$dir/bouncer"; fi
  bouncer_start "$dir"
  # a migrated, empty database the tests copy (CREATE DATABASE … TEMPLATE)
  psql "$pgurl" -qAtc 'CREATE DATABASE oblako_template' >/dev/null
  "$bin" migrate --db "${pgurl%/*}/oblako_template" >"$dir/migrate.log" 2>&1 ||
    { cat "$dir/migrate.log" >&2; return 1; }
  cat >"$dir/env" <<EOF
OBLAKO_CLUSTER_DIR=$dir
OBLAKO_TEST_ENGINE=postgres
OBLAKO_TEST_PG_URL=$pgurl
OBLAKO_TEST_PG_TEMPLATE=oblako_template
OBLAKO_CLUSTER_BOUNCER_PORT=$bport
EOF
}

# The whole cluster with three nodes on the database `oblako` (for a person to try).
start() {
  local dir=$1 pgurl bport db hport servers="" i port
  infra "$dir"
  dir=$(cd "$dir" && pwd)
  # shellcheck disable=SC1091
  . "$dir/env"
  pgurl=$OBLAKO_TEST_PG_URL
  bport=$OBLAKO_CLUSTER_BOUNCER_PORT
  psql "$pgurl" -qAtc 'CREATE DATABASE oblako TEMPLATE oblako_template' >/dev/null
  db="postgres://postgres@127.0.0.1:$bport/oblako"
  "$bin" init --db "$db" >"$dir/init.log" 2>&1 || { cat "$dir/init.log" >&2; return 1; }
  mkdir -p "$dir/nodes" "$dir/backups"
  hport=$(free_port $((26600 + RANDOM % 100)))
  port=27000
  for i in 1 2 3; do
    port=$(free_port "$port")
    setsid "$bin" serve --db "$db" --listen "127.0.0.1:$port" --trusted-proxies 127.0.0.1 \
      --backup-dir "$dir/backups" --backup-dir-shared --public-url "http://127.0.0.1:$hport" \
      >"$dir/nodes/n$i.log" 2>&1 </dev/null &
    echo $! >"$dir/nodes/n$i.pid"
    wait_port "$port" "node n$i"
    servers+="    server n$i 127.0.0.1:$port"$'\n'
    port=$((port + 1))
  done
  mkdir -p "$dir/haproxy"
  sed -e "s|@PORT@|$hport|g" -e "s|@DIR@|$dir/haproxy|g" "$here/haproxy.cfg.in" |
    awk -v s="$servers" '/^@SERVERS@$/ { printf "%s", s; next } { print }' >"$dir/haproxy/haproxy.cfg"
  haproxy -f "$dir/haproxy/haproxy.cfg" -D -p "$dir/haproxy/haproxy.pid" -q
  wait_port "$hport" haproxy
  echo "OBLAKO_CLUSTER_URL=http://127.0.0.1:$hport" >>"$dir/env"
  echo "http://127.0.0.1:$hport"
}

# kill_pidfile FILE: TERM the process of FILE, KILL it after 10 s
kill_pidfile() {
  local f=$1 pid i
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

stop() {
  local dir=$1 f
  [ -d "$dir" ] || return 0
  kill_pidfile "$dir/haproxy/haproxy.pid"
  for f in "$dir"/nodes/*.pid; do [ -e "$f" ] && kill_pidfile "$f"; done
  kill_pidfile "$dir/bouncer/pgbouncer.pid"
  pg_stop "$dir/pg"
  rm -rf "$dir"
}

bouncer_restart() {
  local dir=$1 sig=${2:-TERM} pid i
  pid=$(cat "$dir/bouncer/pgbouncer.pid")
  kill "-$sig" "$pid"
  for ((i = 0; i < 200; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  bouncer_start "$dir"
}

case "${1:-}" in
  start) [ $# -eq 2 ] || { echo "usage: $0 start DIR" >&2; exit 2; }
    trap 'stop "$2"' ERR
    start "$2" ;;
  infra) [ $# -eq 2 ] || { echo "usage: $0 infra DIR" >&2; exit 2; }
    trap 'stop "$2"' ERR
    infra "$2" ;;
  run) [ $# -ge 3 ] || { echo "usage: $0 run DIR CMD..." >&2; exit 2; }
    dir=$2
    shift 2
    trap 'stop "$dir"' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    infra "$dir"
    set -a
    # shellcheck disable=SC1091
    . "$dir/env"
    set +a
    status=0
    "$@" || status=$?
    exit "$status" ;;
  bouncer-restart) [ $# -ge 2 ] || { echo "usage: $0 bouncer-restart DIR [SIGNAL]" >&2; exit 2; }
    bouncer_restart "$2" "${3:-TERM}" ;;
  stop) [ $# -eq 2 ] || { echo "usage: $0 stop DIR" >&2; exit 2; }
    stop "$2" ;;
  *) echo "usage: $0 start|infra|run|bouncer-restart|stop DIR …" >&2; exit 2 ;;
esac
