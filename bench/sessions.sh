#!/usr/bin/env bash
# bench/sessions.sh - session admission through HTTP against two ceilings measured
# in the same run: nginx's fixed response, and a raw SQLite admission loop in one
# process (bench/admission.c). Called by `make bench`. See bench/README.md.
#
#   bench/sessions.sh                                 # 3 rounds x 10 s
#   BENCH_SECONDS=5 BENCH_ROUNDS=1 bench/sessions.sh
#   SESSIONS_THREADS=32 SESSIONS_CLIENTS=64 bench/sessions.sh
#   BENCH_ENGINE=postgres BENCH_PG_URL=postgres://postgres@127.0.0.1:PORT/postgres bench/sessions.sh
#   BENCH_ENGINE=postgres BENCH_PG_URL='postgresql:///postgres?host=DIR&port=PORT&user=postgres' …  # its socket
#   OBLAKO_PG_PREPARE=false BENCH_ENGINE=postgres BENCH_PG_URL=… bench/sessions.sh   # unnamed statements
#
# Each wrk connection alternates POST /api/v1/sessions {area} (an admission: the
# subscriber's lock, the count, the insert and its history row, committed with
# synchronous=FULL) and DELETE /api/v1/sessions/{id} (a close and its history
# row), authenticated by bearer tokens, JSON in and out. Prints req/s, p50/p99
# and the ratio to nginx, the group-commit batch size, and the raw loop; on PostgreSQL also
# the raw PostgreSQL loop (bench/pgadmission.c) in two shapes: the statements Oblako sends,
# and the same work in one function call each.
#
# A 409 limit_exceeded is the expected answer of an admission over a limit and
# is counted and reported (bench/sessions.lua); the run fails only on any
# other non-2xx answer or a socket error (BENCH_ALLOW_ERRORS=1: never).
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# oblako serve --threads: on SQLite many, so the group commit gathers more writes a flush; on
# PostgreSQL few, its backends sharing the two cores (bench/README.md)
: "${BENCH_ENGINE:=sqlite}"
if [ "$BENCH_ENGINE" = postgres ]; then : "${SESSIONS_THREADS:=8}"; else : "${SESSIONS_THREADS:=32}"; fi
: "${SESSIONS_CLIENTS:=64}"     # clients (subscribers), one area and token each
: "${CASHBOOK_BIN:=$BENCH_ROOT/build/oblako-cashbook}"
: "${ADMISSION_BIN:=$BENCH_ROOT/build/bench/admission}"
: "${PGADMISSION_BIN:=$BENCH_ROOT/build/bench/pgadmission}"
: "${PGRAW_CONNS:=8}"           # the raw PostgreSQL loop's connections (bench/README.md: its best)
# BENCH_ENGINE (above): sqlite | postgres (then BENCH_PG_URL: a server to make a database on)
: "${BENCH_PG_URL:=}"

bench_init
for tool in node sqlite3; do
    command -v "$tool" >/dev/null || bench_die "$tool not found"
done
PG_DB=''
# the run's own database on BENCH_PG_URL, dropped at the end
pg_drop() {
    [ -n "$PG_DB" ] || return 0
    psql "$BENCH_PG_URL" -v ON_ERROR_STOP=1 -qAtc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null 2>&1 \
        || bench_log "could not drop database $PG_DB"
    PG_DB=''
}
case "$BENCH_ENGINE" in
sqlite) OBLAKO_DB="sqlite:$BENCH_TMP/bench.db" ;;
postgres)
    command -v psql >/dev/null || bench_die "psql not found (apt-get install -y postgresql-client)"
    [ -n "$BENCH_PG_URL" ] || bench_die "BENCH_ENGINE=postgres needs BENCH_PG_URL (e.g. tests/lib/pg.sh start DIR 0)"
    PG_DB="oblako_bench_$(date +%s)_$$"
    psql "$BENCH_PG_URL" -v ON_ERROR_STOP=1 -qAtc "CREATE DATABASE $PG_DB" >/dev/null \
        || { PG_DB=''; bench_die "cannot create a database on $BENCH_PG_URL"; }
    trap 'bench_cleanup_pg' EXIT
    OBLAKO_DB=$(printf '%s\n' "$BENCH_PG_URL" | sed -E "s|^(postgres(ql)?://[^/?#]*)(/[^?#]*)?|\\1/$PG_DB|")
    # the server reaches PostgreSQL directly, no pgbouncer between: named statements
    # (--pg-prepare, docs/deploy.md) unless OBLAKO_PG_PREPARE says otherwise
    : "${OBLAKO_PG_PREPARE:=true}"
    export OBLAKO_PG_PREPARE
    bench_log "PostgreSQL, --pg-prepare $OBLAKO_PG_PREPARE"
    ;;
*) bench_die "BENCH_ENGINE must be sqlite or postgres, not '$BENCH_ENGINE'" ;;
esac
export OBLAKO_DB
# bench_cleanup exits with the run's status: the database goes first
bench_cleanup_pg() {
    local rc=$?
    oblako_stop
    pg_drop
    (exit "$rc")
    bench_cleanup
}
[ -x "$CASHBOOK_BIN" ] || bench_die "$CASHBOOK_BIN not found (make build/oblako-cashbook)"
[ -x "$ADMISSION_BIN" ] || bench_die "$ADMISSION_BIN not found (make $ADMISSION_BIN)"
[ "$BENCH_ENGINE" != postgres ] || [ -x "$PGADMISSION_BIN" ] \
    || bench_die "$PGADMISSION_BIN not found (make $PGADMISSION_BIN)"

admin=bench-admin@bench.test
printf 'bench-admin-password-1\n' >"$BENCH_TMP/admin.pw"
secret=bench-backend-secret-0123456789abcdef
# one machine: its backup folder is shared by its only node (PostgreSQL refuses it otherwise)
OBLAKO_INIT_ARGS="--admin-email $admin --admin-password-file $BENCH_TMP/admin.pw" \
    OBLAKO_NO_JOBS='' oblako_start --threads "$SESSIONS_THREADS" \
    --backup-dir "$BENCH_TMP/backups" --backup-dir-shared

cashbook_start "$CASHBOOK_BIN" "$secret"
cashbook_pid=$CASHBOOK_PID cashbook_url=$CASHBOOK_URL
trap 'rc=$?; kill "$cashbook_pid" 2>/dev/null || true; oblako_stop; pg_drop; (exit "$rc"); bench_cleanup' EXIT

bench_log "making $SESSIONS_CLIENTS clients with a ready data area each"
export BENCH_WORLD="$BENCH_TMP/world.txt"
node "$BENCH_DIR/sessions_world.mjs" "$OBLAKO_URL" "$OBLAKO_DB" "$admin" \
    bench-admin-password-1 "$cashbook_url" "$secret" "$SESSIONS_CLIENTS" >"$BENCH_WORLD"
[ "$(wc -l <"$BENCH_WORLD")" -eq "$SESSIONS_CLIENTS" ] || bench_die "the world is incomplete"

# A wrk run ends with each connection's last admission still open: left, they would hold slots
# of the limits in the next run (more 409s, each listing the holders). Every run starts with
# none open: closed by SQL, as an expiry would (the history keeps only the bench's own opens).
sessions_reset() {
    node -e 'import(process.argv[2]).then((m) => m.raw(process.argv[1],
        "UPDATE app_sessions SET closed_at = opened_at, close_reason = \x27expired\x27 WHERE closed_at IS NULL"))' \
        "$OBLAKO_DB" "$BENCH_ROOT/tests/e2e/lib/db.js" >/dev/null
}
# shellcheck disable=SC2034  # read by wrk_measure (bench/lib.sh)
BENCH_BEFORE_WRK=sessions_reset

metric() { curl -fsS "$OBLAKO_URL/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
b0=$(metric oblako_db_group_batches_total) i0=$(metric oblako_db_group_items_total)
# the 409s are expected: wrk's own check is off, the answers are checked below
allow=$BENCH_ALLOW_ERRORS
BENCH_ALLOW_ERRORS=1 run_pair "POST+DELETE /api/v1/sessions" /api/v1/sessions -s "$BENCH_DIR/sessions.lua"
cp "$BENCH_TMP/wrk.all" "$BENCH_TMP/wrk.pairs"
# Oblako's answers in every measured run (sessions.lua's done() line; the runs
# in wrk.pairs alternate nginx, oblako) and every run's socket errors
read -r ok refused other sockerr < <(awk '
    /^statuses:/ && ++k % 2 == 0 { for (i = 2; i <= NF; i++) { split($i, kv, "="); n[kv[1]] += kv[2] } }
    /Socket errors:/ { for (i = 3; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) s += $i + 0 }
    END { printf "%d %d %d %d\n", n["2xx"], n["409"], n["other"], s }' "$BENCH_TMP/wrk.pairs")
printf 'answers: %d 2xx, %d 409 limit_exceeded (expected: a limit refusing), %d other, %d socket errors\n' \
    "$ok" "$refused" "$other" "$sockerr"
if [ "$allow" != 1 ] && { [ "$other" != 0 ] || [ "$sockerr" != 0 ]; }; then
    grep -E 'Non-2xx|Socket errors|statuses' "$BENCH_TMP/wrk.pairs" >&2 || true
    bench_die "$other answers other than 2xx/409 and $sockerr socket errors (BENCH_ALLOW_ERRORS=1 to go on)"
fi
b1=$(metric oblako_db_group_batches_total) i1=$(metric oblako_db_group_items_total)
# The authenticated read ceiling of the same server: GET /api/v1/me with the
# same bearer tokens (one measured run). An admission pays that path and the
# database's write: 1 / (1 / me + 1 / raw loop at 64 a commit) is what the two
# layers allow together on these cores, whatever carries the request between them.
wrk_measure "$OBLAKO_URL/api/v1/me" -s "$BENCH_DIR/sessions_me.lua"
me_rps=$WRK_RPS me_p50=$WRK_P50 me_p99=$WRK_P99
printf 'GET /api/v1/me, bearer: %.0f req/s, p50 %.3f ms, p99 %.3f ms\n' "$me_rps" "$me_p50" "$me_p99"
awk -v b="$((b1 - b0))" -v i="$((i1 - i0))" 'BEGIN {
    printf "group commit: %d writes in %d commits, %.1f per commit\n", i, b, b ? i / b : 0 }'
opens=$(node -e 'import(process.argv[2]).then((m) => console.log(m.query(process.argv[1],
    "SELECT COUNT(*) FROM session_history WHERE event = \x27open\x27")[0][0]))' "$OBLAKO_DB" "$BENCH_ROOT/tests/e2e/lib/db.js")
bench_log "admissions recorded in the history: $opens"

printf '\nthe raw SQLite admission loop (one process, synchronous=FULL):\n'
"$ADMISSION_BIN" "$BENCH_TMP/raw1.db" "$BENCH_SECONDS" 1
raw64=$("$ADMISSION_BIN" "$BENCH_TMP/raw64.db" "$BENCH_SECONDS" 64)
printf '%s\n' "$raw64"
# On PostgreSQL, the database's side alone (bench/pgadmission.c, in a schema of the run's
# database): the statements Oblako sends, and the same work in one function call each.
pg_st='' pg_fn=''
if [ "$BENCH_ENGINE" = postgres ]; then
    printf '\nthe raw PostgreSQL admission loop (no HTTP, no Oblako; the same server):\n'
    pg_st=$("$PGADMISSION_BIN" "$OBLAKO_DB" "$BENCH_SECONDS" "$PGRAW_CONNS" statements)
    printf '%s\n' "$pg_st"
    pg_fn=$("$PGADMISSION_BIN" "$OBLAKO_DB" "$BENCH_SECONDS" "$PGRAW_CONNS" function)
    printf '%s\n' "$pg_fn"
fi
rps_of() { printf '%s\n' "$1" | sed -nE 's/.*: ([0-9]+) requests\/s.*/\1/p'; }
# both ratios of the issue, each with Oblako's median p50/p99 beside it: the
# measured runs in wrk.pairs alternate nginx, oblako
awk -v raw="$(printf '%s\n' "$raw64" | awk '{ print $3 }')" -v engine="$BENCH_ENGINE" -v me="$me_rps" -v pair="$PAIR_RATIO" \
    -v pgst="$(rps_of "$pg_st")" -v pgfn="$(rps_of "$pg_fn")" '
    function med(a, n,   i, j, t) {
        for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    function ms(v) { return v ~ /us$/ ? v / 1000 : v ~ /ms$/ ? v + 0 : v ~ /s$/ ? v * 1000 : v }
    /Latency Distribution/ { k++ }
    $1 == "50%" { if (k % 2 == 0) p50[++n50] = ms($2) }
    $1 == "99%" { if (k % 2 == 0) p99[++n99] = ms($2) }
    /^Requests\/sec:/ { r++; if (r % 2) ng[++nn] = $2; else ob[++no] = $2 }
    END {
        o = med(ob, no); g = med(ng, nn); a = med(p50, n50); b = med(p99, n99)
        printf "\nratios (%s; oblako median %.0f req/s, p50 %.2f ms, p99 %.2f ms):\n", engine, o, a, b
        printf "  oblako / nginx: %.3f (median of the rounds; medians %.0f / %.0f req/s: %.3f)\n", pair, o, g, o / g
        if (raw > 0 && engine == "sqlite") printf "  oblako / raw SQLite loop, 64 a commit (%.0f/s)  %.3f\n", raw, o / raw
        if (raw > 0 && me > 0 && engine == "sqlite") {  # the SQLite layers: not these on PostgreSQL
            c = 1 / (1 / me + 1 / raw)
            printf "  the two layers together: 1/(1/me + 1/raw64) = %.0f req/s = %.3f nginx; oblako reaches %.2f of it\n", c, c / g, o / c
        }
        if (pgst > 0) {
            printf "  raw PostgreSQL loop, the statements Oblako sends (%.0f/s) / nginx  %.3f; oblako reaches %.2f of it\n", pgst, pgst / g, o / pgst
            printf "  raw PostgreSQL loop, one function call each (%.0f/s) / nginx     %.3f\n", pgfn, pgfn / g
            # /me on PostgreSQL is the HTTP side with one round trip (the sign-in check, which
            # the loop pays too): counted twice, so this is a little below what it would give
            if (me > 0 && pgfn > 0) {
                c = 1 / (1 / me + 1 / pgfn)
                printf "  with one function call each, 1/(1/me + 1/function loop) = %.0f req/s = %.3f nginx\n", c, c / g
            }
        }
    }' "$BENCH_TMP/wrk.pairs"
bench_summary
