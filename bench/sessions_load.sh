#!/usr/bin/env bash
# bench/sessions_load.sh - session admission under load (not part of the timed suite).
#
# Starts a fresh Oblako (SQLite by default, PostgreSQL with BENCH_ENGINE=postgres) and the
# reference cash book as the backend, builds a world through the public API (ten tariffs
# BENCH-1..BENCH-10 with session limits 1..10, LOAD_SUBSCRIBERS subscribers with two or three
# persons and one data area each), then LOAD_CONNS virtual users open, heartbeat and close
# sessions for LOAD_SECONDS (about one admitted session in ten is abandoned and must expire
# after the idle time, 30 s). After the server stops, the session history is replayed offline
# in database order: no admission may ever have exceeded the limit recorded with it.
#
#   bench/sessions_load.sh
#   LOAD_SECONDS=10 LOAD_SUBSCRIBERS=100 bench/sessions_load.sh          # quick look
#   BENCH_ENGINE=postgres BENCH_PG_URL=postgres://postgres@127.0.0.1:55432/postgres \
#       bench/sessions_load.sh                                            # on PostgreSQL
#
# Knobs: LOAD_SECONDS (60), LOAD_CONNS (64), LOAD_SUBSCRIBERS (500), LOAD_THREADS (16, the
# server's --threads), LOAD_BUILD_CONNS (24), LOAD_WINDOWS (32, the windows each connection
# keeps open at most), LOAD_ABANDON (0.1), LOAD_ALLOW_ERRORS=1 (do not fail on error answers
# under load), BENCH_KEEP_TMP=1 (keep the temp dir: load.db, the server's and the cash book's
# logs; on PostgreSQL the database too), OBLAKO_BIN (build/oblako), OBLAKO_CASHBOOK_BIN (the
# oblako-cashbook next to OBLAKO_BIN). See bench/README.md, "Session admission under load".
#
# Exit status: 0 when the load met no error and the replay found every admission within its
# limits and the history consistent; 1 otherwise.
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

: "${BENCH_ENGINE:=sqlite}"
: "${BENCH_PG_URL:=}"
: "${LOAD_SECONDS:=60}"
: "${LOAD_CONNS:=64}"
: "${LOAD_SUBSCRIBERS:=500}"
: "${LOAD_THREADS:=16}"
: "${LOAD_ALLOW_ERRORS:=0}"
: "${OBLAKO_CASHBOOK_BIN:=$(dirname "$OBLAKO_BIN")/oblako-cashbook}"
: "${NODE_BIN:=$(command -v node || echo node)}"

LOAD_TMP='' CASHBOOK_PID='' PG_DB='' DB=''

load_cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    set +e
    cashbook_stop
    oblako_stop
    if [ "$rc" -ne 0 ] && [ -n "$LOAD_TMP" ]; then
        local f
        for f in "$LOAD_TMP/oblako-init.log" "$LOAD_TMP/oblako.stderr" "$LOAD_TMP/cashbook.stderr"; do
            [ -s "$f" ] && { echo "--- tail of $f ---" >&2; tail -n 20 "$f" >&2; }
        done
    fi
    if [ -n "$PG_DB" ]; then
        if [ "$BENCH_KEEP_TMP" = 1 ]; then
            bench_log "kept database $DB"
        else
            psql "$BENCH_PG_URL" -v ON_ERROR_STOP=1 -qAtc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null 2>&1 \
                || bench_log "could not drop database $PG_DB"
        fi
    fi
    if [ -n "$LOAD_TMP" ] && [ -d "$LOAD_TMP" ]; then
        if [ "$BENCH_KEEP_TMP" = 1 ]; then bench_log "kept $LOAD_TMP"; else rm -rf "$LOAD_TMP"; fi
    fi
    exit "$rc"
}

cashbook_stop() {
    [ -n "$CASHBOOK_PID" ] || return 0
    local pid=$CASHBOOK_PID
    CASHBOOK_PID=
    kill -TERM "$pid" 2>/dev/null || return 0
    bench_wait_gone "$pid" 10 || kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# The first line of FILE matching the extended regex RE, waiting up to 15 s while PID lives.
wait_line() {
    local file=$1 re=$2 pid=$3 what=$4 line
    for _ in $(seq 1 150); do
        line=$(grep -E "$re" "$file" 2>/dev/null | head -n 1 || true)
        if [ -n "$line" ]; then printf '%s\n' "$line"; return 0; fi
        bench_alive "$pid" || bench_die "$what exited before listening"
        sleep 0.1
    done
    bench_die "$what did not report listening within 15 s"
}

# ---------------------------------------------------------------- setup

[ -x "$OBLAKO_BIN" ] || bench_die "server binary $OBLAKO_BIN not found (make build/oblako, or set OBLAKO_BIN)"
[ -x "$OBLAKO_CASHBOOK_BIN" ] || bench_die "$OBLAKO_CASHBOOK_BIN not found (make build/oblako-cashbook)"
command -v "$NODE_BIN" >/dev/null || bench_die "node not found (Node 20 is needed)"
LOAD_TMP=$(mktemp -d "${TMPDIR:-/tmp}/oblako-load.XXXXXX")
trap load_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

case "$BENCH_ENGINE" in
sqlite)
    command -v sqlite3 >/dev/null || bench_die "sqlite3 not found (apt-get install -y sqlite3)"
    DB="sqlite:$LOAD_TMP/load.db"
    ;;
postgres)
    command -v psql >/dev/null || bench_die "psql not found (apt-get install -y postgresql-client)"
    [ -n "$BENCH_PG_URL" ] || bench_die "BENCH_ENGINE=postgres needs BENCH_PG_URL=postgres://USER@HOST:PORT/DB (e.g. tests/lib/pg.sh start DIR 0)"
    PG_DB="oblako_load_$(date +%s)_$$"
    psql "$BENCH_PG_URL" -v ON_ERROR_STOP=1 -qAtc "CREATE DATABASE $PG_DB" >/dev/null \
        || { PG_DB=''; bench_die "cannot create a database on $BENCH_PG_URL"; }
    DB=$(printf '%s\n' "$BENCH_PG_URL" | sed -E "s|^(postgres(ql)?://[^/?#]*)(/[^?#]*)?|\\1/$PG_DB|")
    # the server reaches PostgreSQL directly, no pgbouncer between: named statements
    # (--pg-prepare, docs/deploy.md) unless OBLAKO_PG_PREPARE says otherwise, as bench/sessions.sh
    : "${OBLAKO_PG_PREPARE:=true}"
    export OBLAKO_PG_PREPARE
    ;;
*) bench_die "BENCH_ENGINE must be sqlite or postgres, not '$BENCH_ENGINE'" ;;
esac

ADMIN_EMAIL=admin@load.test
ADMIN_PASSWORD=admin-password-$$-$RANDOM
printf '%s\n' "$ADMIN_PASSWORD" >"$LOAD_TMP/admin.pw"
SECRET="load-backend-secret-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"

"$OBLAKO_BIN" init --db "$DB" --admin-email "$ADMIN_EMAIL" --admin-password-file "$LOAD_TMP/admin.pw" \
    >"$LOAD_TMP/oblako-init.log" 2>&1 \
    || { cat "$LOAD_TMP/oblako-init.log" >&2; bench_die "$OBLAKO_BIN init failed"; }

# one machine: the backup folder is shared by its only node (PostgreSQL refuses it otherwise);
# the load generator is one address whose fetch opens more sockets than LOAD_CONNS when
# answers are slow (a loaded machine): no per-address cap, as in bench/lib.sh
"$OBLAKO_BIN" serve --db "$DB" --listen 127.0.0.1:0 --test-clock --app-idle-seconds 30 \
    --backup-dir "$LOAD_TMP/backups" --backup-dir-shared --per-address-connections 0 \
    --threads "$LOAD_THREADS" >"$LOAD_TMP/oblako.stdout" 2>"$LOAD_TMP/oblako.stderr" </dev/null &
OBLAKO_PID=$!
line=$(wait_line "$LOAD_TMP/oblako.stderr" '"msg"[[:space:]]*:[[:space:]]*"listening"' "$OBLAKO_PID" "oblako serve")
OBLAKO_PORT=$(printf '%s\n' "$line" | sed -nE 's|.*"url"[[:space:]]*:[[:space:]]*"http://127\.0\.0\.1:([0-9]+)/?".*|\1|p')
[ -n "$OBLAKO_PORT" ] || bench_die "no \"url\":\"http://127.0.0.1:PORT\" in: $line"
OBLAKO_URL="http://127.0.0.1:$OBLAKO_PORT"
bench_log "oblako on $OBLAKO_URL (pid $OBLAKO_PID, $BENCH_ENGINE, --threads $LOAD_THREADS)"

mkdir -p "$LOAD_TMP/cashbook"
CASHBOOK_SECRET=$SECRET "$OBLAKO_CASHBOOK_BIN" --listen 127.0.0.1:0 --oblako "$OBLAKO_URL" \
    --data "$LOAD_TMP/cashbook" >"$LOAD_TMP/cashbook.stdout" 2>"$LOAD_TMP/cashbook.stderr" </dev/null &
CASHBOOK_PID=$!
line=$(wait_line "$LOAD_TMP/cashbook.stdout" 'cashbook listening on http://' "$CASHBOOK_PID" "oblako-cashbook")
CASHBOOK_URL=$(printf '%s\n' "$line" | sed -nE 's|.*cashbook listening on (http://[^[:space:]]+).*|\1|p')
bench_log "cash book on $CASHBOOK_URL (pid $CASHBOOK_PID)"

# ---------------------------------------------------------------- load, stop, replay

export LOAD_URL=$OBLAKO_URL LOAD_DB=$DB LOAD_BACKEND_URL=$CASHBOOK_URL LOAD_SECRET=$SECRET
export LOAD_ADMIN_EMAIL=$ADMIN_EMAIL LOAD_ADMIN_PASSWORD=$ADMIN_PASSWORD
export LOAD_SECONDS LOAD_CONNS LOAD_SUBSCRIBERS LOAD_STATS="$LOAD_TMP/stats.json"
bench_log "building the world: $LOAD_SUBSCRIBERS subscribers; then $LOAD_CONNS connections for $LOAD_SECONDS s"
load_rc=0
"$NODE_BIN" "$BENCH_DIR/sessions_load.mjs" load || load_rc=$?
[ -s "$LOAD_STATS" ] || bench_die "the load did not finish (status $load_rc)"

# CPU seconds the server used (world building included), from /proc before it exits.
server_cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.1f", ($12 + $13) / hz }' \
    "/proc/$OBLAKO_PID/stat" 2>/dev/null || echo '?')
cashbook_stop
oblako_stop
bench_log "server stopped; it used ${server_cpu} s of CPU (the machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"

"$NODE_BIN" "$BENCH_DIR/sessions_load.mjs" log "$LOAD_TMP/oblako.stderr" || load_rc=1
replay_rc=0
"$NODE_BIN" "$BENCH_DIR/sessions_load.mjs" replay || replay_rc=$?

if [ "$replay_rc" -ne 0 ]; then
    bench_log "FAILED: the replay found an admission over its limit or an inconsistent history"
    exit 1
fi
if [ "$load_rc" -ne 0 ] && [ "$LOAD_ALLOW_ERRORS" != 1 ]; then
    bench_log "FAILED: errors under load (LOAD_ALLOW_ERRORS=1 to accept them)"
    exit 1
fi
bench_log "ok"
