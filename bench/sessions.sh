#!/usr/bin/env bash
# bench/sessions.sh - session admission through HTTP against two ceilings measured
# in the same run: nginx's fixed response, and a raw SQLite admission loop in one
# process (bench/admission.c). Called by `make bench`. See bench/README.md.
#
#   bench/sessions.sh                                 # 3 rounds x 10 s
#   BENCH_SECONDS=5 BENCH_ROUNDS=1 bench/sessions.sh
#   SESSIONS_THREADS=32 SESSIONS_CLIENTS=64 bench/sessions.sh
#
# Each wrk connection alternates POST /api/v1/sessions {area} (an admission: the
# subscriber's lock, the count, the insert and its history row, committed with
# synchronous=FULL) and DELETE /api/v1/sessions/{id} (a close and its history
# row), authenticated by bearer tokens, JSON in and out. Prints req/s, p50/p99
# and the ratio to nginx, the group-commit batch size, and the raw loop.
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${SESSIONS_THREADS:=32}"     # oblako serve --threads
: "${SESSIONS_CLIENTS:=64}"     # clients (subscribers), one area and token each
: "${CASHBOOK_BIN:=$BENCH_ROOT/build/oblako-cashbook}"
: "${ADMISSION_BIN:=$BENCH_ROOT/build/bench/admission}"

bench_init
for tool in node sqlite3; do
    command -v "$tool" >/dev/null || bench_die "$tool not found"
done
[ -x "$CASHBOOK_BIN" ] || bench_die "$CASHBOOK_BIN not found (make build/oblako-cashbook)"
[ -x "$ADMISSION_BIN" ] || bench_die "$ADMISSION_BIN not found (make $ADMISSION_BIN)"

admin=bench-admin@bench.test
printf 'bench-admin-password-1\n' >"$BENCH_TMP/admin.pw"
secret=bench-backend-secret-0123456789abcdef
OBLAKO_INIT_ARGS="--admin-email $admin --admin-password-file $BENCH_TMP/admin.pw" \
    OBLAKO_NO_JOBS='' oblako_start --threads "$SESSIONS_THREADS"

CASHBOOK_SECRET=$secret "$CASHBOOK_BIN" --listen 127.0.0.1:0 --oblako "$OBLAKO_URL" \
    --data "$BENCH_TMP/cashbook" >"$BENCH_TMP/cashbook.out" 2>"$BENCH_TMP/cashbook.err" &
cashbook_pid=$!
trap 'kill "$cashbook_pid" 2>/dev/null || true; bench_cleanup' EXIT
cashbook_url=''
for _ in $(seq 1 100); do
    cashbook_url=$(sed -n 's/^cashbook listening on //p' "$BENCH_TMP/cashbook.out")
    [ -n "$cashbook_url" ] && break
    sleep 0.1
done
[ -n "$cashbook_url" ] || bench_die "the cash book did not start"

bench_log "making $SESSIONS_CLIENTS clients with a ready data area each"
export BENCH_WORLD="$BENCH_TMP/world.txt"
node "$BENCH_DIR/sessions_world.mjs" "$OBLAKO_URL" "sqlite:$BENCH_TMP/bench.db" "$admin" \
    bench-admin-password-1 "$cashbook_url" "$secret" "$SESSIONS_CLIENTS" >"$BENCH_WORLD"
[ "$(wc -l <"$BENCH_WORLD")" -eq "$SESSIONS_CLIENTS" ] || bench_die "the world is incomplete"

metric() { curl -fsS "$OBLAKO_URL/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
b0=$(metric oblako_db_group_batches_total) i0=$(metric oblako_db_group_items_total)
run_pair "POST+DELETE /api/v1/sessions" /api/v1/sessions -s "$BENCH_DIR/sessions.lua"
b1=$(metric oblako_db_group_batches_total) i1=$(metric oblako_db_group_items_total)
awk -v b="$((b1 - b0))" -v i="$((i1 - i0))" 'BEGIN {
    printf "group commit: %d writes in %d commits, %.1f per commit\n", i, b, b ? i / b : 0 }'
refused=$(sqlite3 "$BENCH_TMP/bench.db" \
    "SELECT COUNT(*) FROM session_history WHERE event = 'open'")
bench_log "admissions recorded in the history: $refused"

printf '\nthe raw SQLite admission loop (one process, synchronous=FULL):\n'
"$ADMISSION_BIN" "$BENCH_TMP/raw1.db" "$BENCH_SECONDS" 1
"$ADMISSION_BIN" "$BENCH_TMP/raw64.db" "$BENCH_SECONDS" 64
bench_summary
