#!/usr/bin/env bash
# bench/capacity.sh - the measurements behind docs/deploy.md's capacity table (issue 16
# item 6): for each hot route, the server's CPU time per request (so its requests a second
# per core), the client's req/s and p50/p99, and the SQL statements and commits per
# request (from /metrics), on the database of bench/memory.sh (1M subscriptions, 100k
# subscribers, 300k persons). Not part of `make test` or `make bench`.
#
#   bench/capacity.sh                                   # 10 s per route
#   CAP_SECONDS=3 bench/capacity.sh                     # a quick look
#   MEM_CACHE=/var/tmp/oblako-mem bench/capacity.sh     # the database bench/memory.sh kept
#   CAP_ONLY='entitlement|me' bench/capacity.sh         # some routes only (a regex)
#   CAP_SERVE_ARGS='--threads 8' bench/capacity.sh      # more words for `oblako serve`
#   CAP_DB_URL=postgres://postgres@127.0.0.1:PORT/oblako_mem CAP_PG_PID=PID bench/capacity.sh
#       # on PostgreSQL: a database bench/pgcopy.sh made (it is written to); with the
#       # postmaster's pid, the CPU of its server processes is counted per request too
#
# The server runs without --test-clock: a sign-in costs what it costs in production
# (argon2id at the interactive limits). Needs node, sqlite3, build/oblako-cashbook,
# build/bench/entitlement.
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
bench_check_tools() { :; }

: "${MEM_SUBSCRIBERS:=100000}"
: "${MEM_ROWS:=1000000}"
: "${MEM_PERSONS:=300000}"
: "${MEM_CACHE:=}"
: "${CAP_SERVE_ARGS:=}"
: "${CAP_CLIENTS:=64}"
: "${CAP_DB_URL:=}"
: "${CAP_PG_PID:=}"
: "${ENT_BIN:=$BENCH_ROOT/build/bench/entitlement}"
: "${CASHBOOK_BIN:=$BENCH_ROOT/build/oblako-cashbook}"

[ -x "$OBLAKO_BIN" ] || bench_die "$OBLAKO_BIN not found (make build/oblako)"
[ -x "$ENT_BIN" ] || bench_die "$ENT_BIN not found (make build/bench/entitlement)"
[ -x "$CASHBOOK_BIN" ] || bench_die "$CASHBOOK_BIN not found (make build/oblako-cashbook)"
bench_init
cashbook_pid=''
trap 'kill "$cashbook_pid" 2>/dev/null || true; bench_cleanup' EXIT

ADMIN=admin@mem.bench.example OWNER=owner@bench.example PASSWORD=bench-password-1
printf '%s\n' "$PASSWORD" >"$BENCH_TMP/admin.pw"
db=$BENCH_TMP/bench.db
base=mem-$MEM_SUBSCRIBERS-$MEM_ROWS-$MEM_PERSONS
if [ -n "$CAP_DB_URL" ]; then
    dburl=$CAP_DB_URL
    # PostgreSQL reached directly: named statements (--pg-prepare), as bench/sessions.sh
    : "${OBLAKO_PG_PREPARE:=true}"
    export OBLAKO_PG_PREPARE
    partner=$(psql "$dburl" -qAtc "SELECT account_id FROM memberships m JOIN persons p ON p.id = m.person_id WHERE p.email = '$OWNER'")
    printf 'partner_id=%s (PostgreSQL)\n' "$partner" >"$BENCH_TMP/gen.out"
elif [ -n "$MEM_CACHE" ] && [ -f "$MEM_CACHE/$base.db" ]; then
    cp "$MEM_CACHE/$base.db" "$db" && cp "$MEM_CACHE/$base.out" "$BENCH_TMP/gen.out"
else
    "$OBLAKO_BIN" init --db "sqlite:$db" --admin-email "$ADMIN" --admin-password-file "$BENCH_TMP/admin.pw" \
        >"$BENCH_TMP/init.log" 2>&1 || { cat "$BENCH_TMP/init.log" >&2; bench_die "oblako init failed"; }
    "$ENT_BIN" gen "$db" "$MEM_SUBSCRIBERS" "$MEM_ROWS" 100000 "$OWNER" "$PASSWORD" "$MEM_PERSONS" >"$BENCH_TMP/gen.out"
fi
partner=$(sed -nE 's/.*partner_id=([0-9]+).*/\1/p' "$BENCH_TMP/gen.out")
if [ -z "$CAP_DB_URL" ]; then
    dburl=sqlite:$db
    bench_log "database: $(cat "$BENCH_TMP/gen.out"), $(( $(stat -c %s "$db") / 1048576 )) MB"
fi

# shellcheck disable=SC2086 # CAP_SERVE_ARGS is a list of words
"$OBLAKO_BIN" serve --db "$dburl" --listen 127.0.0.1:0 --per-address-connections 0 \
    --backup-dir "$BENCH_TMP/backups" --backup-dir-shared $CAP_SERVE_ARGS \
    >"$BENCH_TMP/oblako.stdout" 2>"$BENCH_TMP/oblako.stderr" </dev/null &
OBLAKO_PID=$!
OBLAKO_URL=''
for _ in $(seq 1 300); do
    OBLAKO_URL=$(sed -nE 's|.*"msg":"listening".*"url":"(http://127\.0\.0\.1:[0-9]+)".*|\1|p' "$BENCH_TMP/oblako.stderr" | head -n 1)
    [ -n "$OBLAKO_URL" ] && break
    bench_alive "$OBLAKO_PID" || { tail "$BENCH_TMP/oblako.stderr" >&2; bench_die "oblako serve exited"; }
    sleep 0.1
done
[ -n "$OBLAKO_URL" ] || bench_die "oblako serve did not listen within 30 s"
bench_log "oblako on $OBLAKO_URL (pid $OBLAKO_PID, $(awk '$1 == "Threads:" { print $2 }' "/proc/$OBLAKO_PID/status") threads)"

secret=capacity-backend-secret-0123456789abcdef
cashbook_start "$CASHBOOK_BIN" "$secret"
cashbook_pid=$CASHBOOK_PID cashbook_url=$CASHBOOK_URL
bench_log "making $CAP_CLIENTS clients with a ready data area each"
node "$BENCH_DIR/sessions_world.mjs" "$OBLAKO_URL" "$dburl" "$ADMIN" "$PASSWORD" "$cashbook_url" \
    "$secret" "$CAP_CLIENTS" >"$BENCH_TMP/world.txt"

bench_log "load: $(uptime)"
CAP_PG_PID=$CAP_PG_PID node "$BENCH_DIR/capacity.mjs" "$OBLAKO_URL" "$OBLAKO_PID" "$OWNER" "$PASSWORD" "$partner" \
    "$BENCH_TMP/world.txt" "$secret"
bench_log "load: $(uptime)"
printf 'server: VmRSS %s MiB, VmHWM %s MiB\n' \
    "$(awk '$1 == "VmRSS:" { printf "%.1f", $2 / 1024 }' "/proc/$OBLAKO_PID/status")" \
    "$(awk '$1 == "VmHWM:" { printf "%.1f", $2 / 1024 }' "/proc/$OBLAKO_PID/status")"
