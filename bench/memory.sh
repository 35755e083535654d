#!/usr/bin/env bash
# bench/memory.sh - memory at scale (issue 16 item 4, P5): the server's resident memory
# on a database of 1M subscriptions, 100k subscribers and 300k persons, idle, after a
# warm-up of typical reads, and sampled every MEM_INTERVAL s over MEM_MINUTES of the
# session load. Not part of `make test` or `make bench`. See bench/README.md, "Memory at
# scale".
#
#   bench/memory.sh                               # 30 minutes of load (~40 min in all)
#   MEM_MINUTES=6 bench/memory.sh                 # a short run
#   MEM_CACHE=/var/tmp/oblako-mem bench/memory.sh # keep the generated database for the next run
#   MEM_LOCK=/path/bench.lock bench/memory.sh     # hold that flock(1) lock only while sampling
#
# Prints VmRSS/VmHWM after start and after the warm-up (goal: idle RSS <= 64 MiB), what
# the RSS is made of (/proc/PID/smaps), the samples every 5 minutes, and the growth per
# 10 minutes after the first 5 (goal: < 1 MiB), by least squares over the samples.
# Exit status 1 only when something failed (not on a goal missed).
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
bench_check_tools() { :; }          # no nginx or wrk here

: "${MEM_MINUTES:=30}"              # minutes of session load sampled
: "${MEM_INTERVAL:=10}"             # seconds between samples
: "${MEM_SUBSCRIBERS:=100000}"
: "${MEM_ROWS:=1000000}"            # subscriptions
: "${MEM_PERSONS:=300000}"
: "${MEM_PEOPLE:=5000}"             # distinct people signed in (a session and a token each)
: "${MEM_THREADS:=}"                # --threads of the server (empty: the default)
: "${MEM_SERVE_ARGS:=}"             # more words for `oblako serve` (e.g. cache bounds)
: "${MEM_CACHE:=}"                  # a folder to keep the generated database in
: "${MEM_LOCK:=}"                   # a lock file to hold (flock) while the load runs
: "${MEM_CONNS:=1000}"              # idle keep-alive connections opened at the end (0: none)
: "${LOAD_CONNS:=32}"
: "${LOAD_SUBSCRIBERS:=500}"
: "${ENT_BIN:=$BENCH_ROOT/build/bench/entitlement}"
: "${OBLAKO_CASHBOOK_BIN:=$(dirname "$OBLAKO_BIN")/oblako-cashbook}"

[ -x "$OBLAKO_BIN" ] || bench_die "$OBLAKO_BIN not found (make build/oblako)"
[ -x "$ENT_BIN" ] || bench_die "$ENT_BIN not found (make build/bench/entitlement)"
[ -x "$OBLAKO_CASHBOOK_BIN" ] || bench_die "$OBLAKO_CASHBOOK_BIN not found (make build/oblako-cashbook)"
command -v node >/dev/null || bench_die "node not found"
bench_init
CASHBOOK_PID=''
trap 'kill "$CASHBOOK_PID" 2>/dev/null || true; bench_cleanup' EXIT

ADMIN=admin@mem.bench.example
OWNER=owner@bench.example
PASSWORD=bench-password-1
printf '%s\n' "$PASSWORD" >"$BENCH_TMP/admin.pw"
db=$BENCH_TMP/mem.db
base=mem-$MEM_SUBSCRIBERS-$MEM_ROWS-$MEM_PERSONS

# ---------------------------------------------------------------- data
now_ms() { date +%s%3N; }
if [ -n "$MEM_CACHE" ] && [ -f "$MEM_CACHE/$base.db" ]; then
    cp "$MEM_CACHE/$base.db" "$db"
    cp "$MEM_CACHE/$base.out" "$BENCH_TMP/gen.out"
    bench_log "database copied from $MEM_CACHE/$base.db"
else
    "$OBLAKO_BIN" init --db "sqlite:$db" --admin-email "$ADMIN" --admin-password-file "$BENCH_TMP/admin.pw" \
        >"$BENCH_TMP/init.log" 2>&1 || { cat "$BENCH_TMP/init.log" >&2; bench_die "oblako init failed"; }
    t0=$(now_ms)
    "$ENT_BIN" gen "$db" "$MEM_SUBSCRIBERS" "$MEM_ROWS" 100000 "$OWNER" "$PASSWORD" "$MEM_PERSONS" \
        >"$BENCH_TMP/gen.out"
    sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
    bench_log "generated in $(( ($(now_ms) - t0) / 1000 )) s: $(cat "$BENCH_TMP/gen.out")"
    if [ -n "$MEM_CACHE" ]; then
        mkdir -p "$MEM_CACHE" && cp "$db" "$MEM_CACHE/$base.db" && cp "$BENCH_TMP/gen.out" "$MEM_CACHE/$base.out"
    fi
fi
partner=$(sed -nE 's/.*partner_id=([0-9]+).*/\1/p' "$BENCH_TMP/gen.out")
printf 'database: %s MB; %s subscriptions, %s subscribers, %s persons, %s memberships\n' \
    "$(( $(stat -c %s "$db") / 1048576 ))" \
    "$(sqlite3 "$db" 'SELECT COUNT(*) FROM subscriptions')" "$(sqlite3 "$db" 'SELECT COUNT(*) FROM subscribers')" \
    "$(sqlite3 "$db" 'SELECT COUNT(*) FROM persons')" "$(sqlite3 "$db" 'SELECT COUNT(*) FROM memberships')"

# ---------------------------------------------------------------- the server
threads=()
[ -z "$MEM_THREADS" ] || threads=(--threads "$MEM_THREADS")
# shellcheck disable=SC2086 # MEM_SERVE_ARGS is a list of words
"$OBLAKO_BIN" serve --db "sqlite:$db" --listen 127.0.0.1:0 --test-clock --app-idle-seconds 30 \
    --per-address-connections 0 --backup-dir "$BENCH_TMP/backups" "${threads[@]}" $MEM_SERVE_ARGS \
    >"$BENCH_TMP/oblako.stdout" 2>"$BENCH_TMP/oblako.stderr" </dev/null &
OBLAKO_PID=$!
for _ in $(seq 1 300); do
    OBLAKO_URL=$(sed -nE 's|.*"msg":"listening".*"url":"(http://127\.0\.0\.1:[0-9]+)".*|\1|p' "$BENCH_TMP/oblako.stderr" | head -n 1)
    [ -n "$OBLAKO_URL" ] && break
    bench_alive "$OBLAKO_PID" || { tail "$BENCH_TMP/oblako.stderr" >&2; bench_die "oblako serve exited"; }
    sleep 0.1
done
[ -n "$OBLAKO_URL" ] || bench_die "oblako serve did not listen within 30 s"
bench_log "oblako on $OBLAKO_URL (pid $OBLAKO_PID)"

kb() { awk -v k="$1" '$1 == k":" { print $2 }' "/proc/$OBLAKO_PID/status"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
report() {
    printf '%-34s VmRSS %6s MiB  VmHWM %6s MiB  threads %s\n' "$1" "$(mib "$(kb VmRSS)")" \
        "$(mib "$(kb VmHWM)")" "$(kb Threads)"
}
# What the resident memory is made of: the heap (brk), other anonymous mappings (glibc's
# per-thread arenas, thread stacks, large allocations), files (the binary, libraries).
breakdown() {
    # arenas: anonymous maps starting on a 64 MiB boundary (glibc's heaps of the threads'
    # arenas); thread stacks: anonymous maps of 8 MiB (less the guard page)
    awk '/^[0-9a-f]+-[0-9a-f]+ / { name = $6; start = substr($1, 1, index($1, "-") - 1)
                                   tail = substr(start, length(start) - 5); d = substr(start, length(start) - 6, 1)
                                   aligned = (tail == "000000" && index("048c", d) > 0); next }
         /^Size:/ { size = $2; next }
         /^Rss:/ { if (name == "[heap]") heap += $2
                   else if (name == "" && aligned) arena += $2
                   else if (name == "" && (size == 8188 || size == 8192)) stacks += $2
                   else if (name == "" || name ~ /^\[/) other += $2
                   else file += $2 }
         END { printf "  RSS made of: heap (brk) %.1f MiB, thread arenas %.1f MiB, thread stacks %.1f MiB, other anonymous %.1f MiB, files %.1f MiB\n",
                      heap / 1024, arena / 1024, stacks / 1024, other / 1024, file / 1024 }' "/proc/$OBLAKO_PID/smaps"
}
# the in-process caches, where the build has them: entries held and memory taken
caches() {
    curl -fsS "$OBLAKO_URL/metrics" | awk '/^oblako_principal_cache_(entries|bytes)\{/ { printf "  %s %s\n", $1, $2 }' || true
}
sleep 2
report "after start (idle):"
breakdown
caches

# ---------------------------------------------------------------- warm-up
node "$BENCH_DIR/memory_warm.mjs" "$OBLAKO_URL" "$OWNER" "$PASSWORD" "$partner" "$MEM_PEOPLE" "$PASSWORD"
sleep 5
report "after the warm-up (idle 5 s):"
breakdown
caches

# ---------------------------------------------------------------- the session load, sampled
SECRET="mem-backend-secret-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
cashbook_start "$OBLAKO_CASHBOOK_BIN" "$SECRET"
cashbook_url=$CASHBOOK_URL

samples=$BENCH_TMP/samples.tsv
export LOAD_URL=$OBLAKO_URL LOAD_DB="sqlite:$db" LOAD_BACKEND_URL=$cashbook_url LOAD_SECRET=$SECRET
export LOAD_ADMIN_EMAIL=$ADMIN LOAD_ADMIN_PASSWORD=$PASSWORD LOAD_CONNS LOAD_SUBSCRIBERS
export LOAD_SECONDS=$(( MEM_MINUTES * 60 )) LOAD_STATS="$BENCH_TMP/stats.json"
if [ -n "$MEM_LOCK" ]; then
    exec 9>>"$MEM_LOCK"
    bench_log "waiting for the lock $MEM_LOCK"
    flock 9
fi
bench_log "load: $(uptime)"
bench_log "session load: $LOAD_CONNS connections for $MEM_MINUTES min; RSS every $MEM_INTERVAL s"
node "$BENCH_DIR/sessions_load.mjs" load >"$BENCH_TMP/load.out" 2>&1 &
load_pid=$!
# the load's clock starts when its world is built: sample from its first progress line
while bench_alive "$load_pid" && ! grep -q 'world ready' "$BENCH_TMP/load.out"; do sleep 0.5; done
report "after the load's world was built:"
t_start=$(date +%s)
: >"$samples"
while bench_alive "$load_pid"; do
    printf '%d\t%s\t%s\n' "$(( $(date +%s) - t_start ))" "$(kb VmRSS)" "$(kb VmHWM)" >>"$samples"
    sleep "$MEM_INTERVAL"
done
load_rc=0
wait "$load_pid" || load_rc=$?
bench_log "load: $(uptime)"
[ -z "$MEM_LOCK" ] || flock -u 9
sed -n '/^load: [0-9]* connections/,$p' "$BENCH_TMP/load.out"
[ "$load_rc" = 0 ] || { tail -n 30 "$BENCH_TMP/load.out" >&2; bench_die "the session load failed ($load_rc)"; }
report "after the load:"
breakdown
caches
if [ "$MEM_CONNS" != 0 ]; then
    # what an open connection holds: libmicrohttpd's buffer (closed by the head deadline later)
    node "$BENCH_DIR/memory_conns.mjs" "$OBLAKO_URL" "$OBLAKO_PID" "$MEM_CONNS"
    sleep 12
    report "after they were closed (idle):"
fi

printf '\nRSS during the load (every %d s; shown every 5 min):\n  %8s %10s %10s\n' "$MEM_INTERVAL" minute 'VmRSS MiB' 'VmHWM MiB'
awk -F'\t' '$1 >= mark { printf "  %8.1f %10.1f %10.1f\n", $1 / 60, $2 / 1024, $3 / 1024; while (mark <= $1) mark += 300 }
            END { printf "  %8.1f %10.1f %10.1f (last)\n", $1 / 60, $2 / 1024, $3 / 1024 }' "$samples"
# growth after the first 5 minutes: least squares slope and the plain difference
awk -F'\t' -v skip=300 '$1 >= skip { n++; x += $1; y += $2; xx += $1 * $1; xy += $1 * $2
                                      if (n == 1) first = $2; last = $2; tl = $1; tf = (n == 1 ? $1 : tf) }
    END { if (n < 3) { print "growth: too few samples after the first 5 minutes (MEM_MINUTES > 5)"; exit }
          b = (n * xy - x * y) / (n * xx - x * x)
          printf "growth after the first 5 min: %.2f MiB per 10 min (least squares over %d samples); %.1f -> %.1f MiB from minute %.1f to %.1f\n",
                 b * 600 / 1024, n, first / 1024, last / 1024, tf / 60, tl / 60 }' "$samples"
printf 'goals: idle RSS <= 64 MiB, growth < 1 MiB per 10 min\n'
