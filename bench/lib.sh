# shellcheck shell=bash
# Variables set here are read by the sourcing script; oblako_start takes optional args.
# shellcheck disable=SC2034,SC2094,SC2119,SC2120
# bench/lib.sh - reusable pieces of Oblako's HTTP benchmarks. Source it; do not run it.
#
#   . bench/lib.sh
#   bench_init                  # temp dir + cleanup traps (sets BENCH_TMP)
#   nginx_start                 # the nginx ceiling (sets NGINX_PORT, NGINX_URL)
#   oblako_start                # build/oblako init + serve --no-jobs (sets OBLAKO_PORT, OBLAKO_URL)
#   run_pair "GET /healthz" /healthz [extra wrk args...]
#   bench_summary               # median ratio of every run_pair so far
#   bench_server_start NAME CMD...  # any server that says "listening" as oblako does (sets SERVER_PID, SERVER_URL)
#
# Every server is stopped by the EXIT trap, also when anything fails.
#
# Environment knobs (all optional):
#   OBLAKO_BIN        server binary                       (default: <repo>/build/oblako)
#   OBLAKO_INIT_ARGS  extra words for `oblako init`       (e.g. --admin-email …)
#   OBLAKO_NO_JOBS    set to "" to serve with the jobs runner (default: --no-jobs)
#   OBLAKO_DB         database URL to init and serve       (default: sqlite:$BENCH_TMP/bench.db)
#   BENCH_SECONDS     measured wrk duration per run        (default: 10)
#   BENCH_WARMUP      warm-up duration per run, seconds    (default: 2; 0 = none)
#   BENCH_ROUNDS      rounds per pair                      (default: 3)
#   BENCH_THREADS     wrk -t                               (default: 2)
#   BENCH_CONNS       wrk -c                               (default: 64)
#   BENCH_ALLOW_ERRORS=1   do not fail on non-2xx/3xx responses or socket errors
#   BENCH_KEEP_TMP=1       keep the temp dir (logs, nginx.conf, bench.db) afterwards
#   BENCH_RESULTS=FILE     append one TSV line per measured run to FILE
#   NGINX_WORKERS     nginx worker_processes               (default: auto = one per core)
#   NGINX_LISTEN_OPTS extra nginx `listen` parameters      (default: backlog=4096)
#   WRK_CPU_PIDS      pids whose CPU time wrk_measure counts over the measured run (sets WRK_CPU_US)
#   BENCH_CPU=1       run_pair counts each server's own CPU a request too (nginx's workers, Oblako)

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_ROOT=$(cd "$BENCH_DIR/.." && pwd)

: "${OBLAKO_BIN:=$BENCH_ROOT/build/oblako}"
: "${BENCH_SECONDS:=10}"
: "${BENCH_WARMUP:=2}"
: "${BENCH_ROUNDS:=3}"
: "${BENCH_THREADS:=2}"
: "${BENCH_CONNS:=64}"
: "${BENCH_ALLOW_ERRORS:=0}"
: "${BENCH_KEEP_TMP:=0}"
: "${BENCH_RESULTS:=}"
: "${NGINX_BIN:=$(command -v nginx || echo /usr/sbin/nginx)}"
: "${WRK_BIN:=$(command -v wrk || echo /usr/bin/wrk)}"
: "${NGINX_WORKERS:=auto}"                 # nginx worker_processes
: "${NGINX_LISTEN_OPTS=backlog=4096}"      # extra `listen` parameters, e.g. "reuseport backlog=4096"

BENCH_TMP=''
NGINX_PORT='' NGINX_URL='' NGINX_PIDFILE=''
OBLAKO_PID='' OBLAKO_PORT='' OBLAKO_URL=''
BENCH_RATIOS=()   # "NAME<TAB>median ratio", one per run_pair
BENCH_SERVER_PIDS=()   # started by bench_server_start, stopped by bench_cleanup
SERVER_PID='' SERVER_URL='' LISTEN_PORT=''
: "${WRK_CPU_PIDS:=}"
: "${BENCH_CPU:=0}"

bench_log() { printf '%s\n' "bench: $*" >&2; }
bench_die() { printf '%s\n' "bench: error: $*" >&2; exit 1; }

# Is PID alive and not a zombie?
bench_alive() {
    local pid=$1 state
    [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
    state=$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$pid/stat" 2>/dev/null) || return 1
    [ "$state" != Z ] && [ "$state" != X ]
}

# Wait up to $2 seconds (tenths granularity) for PID to exit.
bench_wait_gone() {
    local pid=$1 tenths=$(( $2 * 10 ))
    while [ "$tenths" -gt 0 ] && bench_alive "$pid"; do
        sleep 0.1; tenths=$(( tenths - 1 ))
    done
    ! bench_alive "$pid"
}

bench_check_tools() {
    [ -x "$NGINX_BIN" ] || bench_die "nginx not found (apt-get install -y nginx-light)"
    [ -x "$WRK_BIN" ]   || bench_die "wrk not found (apt-get install -y wrk)"
}

# Create the temp dir and install the cleanup traps. Call once, first.
bench_init() {
    bench_check_tools
    BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/oblako-bench.XXXXXX")
    trap bench_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
}

bench_cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    set +e
    oblako_stop
    bench_servers_stop
    nginx_stop
    if [ "$rc" -ne 0 ] && [ -n "$BENCH_TMP" ]; then
        local f
        for f in "$BENCH_TMP/error.log" "$BENCH_TMP/oblako.stderr"; do
            [ -s "$f" ] && { echo "--- tail of $f ---" >&2; tail -n 20 "$f" >&2; }
        done
    fi
    if [ -n "$BENCH_TMP" ] && [ -d "$BENCH_TMP" ]; then
        if [ "$BENCH_KEEP_TMP" = 1 ]; then
            bench_log "kept $BENCH_TMP"
        else
            rm -rf "$BENCH_TMP"
        fi
    fi
    exit "$rc"
}

# A loopback port nobody is listening on right now (the caller retries if it
# loses the race).
bench_pick_port() {
    local port i
    for i in $(seq 1 50); do
        port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"; return 0
        fi
    done
    return 1
}

# ---------------------------------------------------------------- nginx ceiling

# nginx_start: render bench/nginx.conf.in into $BENCH_TMP/nginx.conf on a free
# loopback port and start nginx (daemonized, as the current user). Sets
# NGINX_PORT, NGINX_URL, NGINX_PIDFILE.
nginx_start() {
    local tmpl="$BENCH_DIR/nginx.conf.in" conf="$BENCH_TMP/nginx.conf" user_line="" try port
    [ -r "$tmpl" ] || bench_die "missing $tmpl"
    # As root, keep workers root too: they must reach the 0700 temp dir.
    [ "$(id -u)" = 0 ] && user_line="user root;"
    NGINX_PIDFILE="$BENCH_TMP/nginx.pid"
    for try in 1 2 3 4 5; do
        port=$(bench_pick_port) || bench_die "no free loopback port"
        sed -e "s|@PREFIX@|$BENCH_TMP|g" -e "s|@PORT@|$port|g" \
            -e "s|@USER_LINE@|$user_line|g" -e "s|@LISTEN_OPTS@|$NGINX_LISTEN_OPTS|g" -e "s|@WORKERS@|$NGINX_WORKERS|g" \
            "$tmpl" >"$conf"
        "$NGINX_BIN" -t -q -p "$BENCH_TMP" -c "$conf" -e "$BENCH_TMP/error.log" \
            || bench_die "nginx -t rejected $conf"
        if "$NGINX_BIN" -p "$BENCH_TMP" -c "$conf" -e "$BENCH_TMP/error.log" 2>>"$BENCH_TMP/error.log"; then
            local i
            for i in $(seq 1 50); do
                [ -s "$NGINX_PIDFILE" ] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
                sleep 0.1
            done
            if [ -s "$NGINX_PIDFILE" ]; then
                NGINX_PORT=$port
                NGINX_URL="http://127.0.0.1:$port"
                bench_log "nginx $("$NGINX_BIN" -v 2>&1 | sed 's|.*/||') on $NGINX_URL (pid $(cat "$NGINX_PIDFILE"))"
                return 0
            fi
        fi
        bench_log "nginx failed to start on port $port (try $try), retrying"
    done
    bench_die "nginx would not start; see $BENCH_TMP/error.log"
}

nginx_stop() {
    [ -n "$NGINX_PIDFILE" ] && [ -s "$NGINX_PIDFILE" ] || return 0
    local pid
    pid=$(cat "$NGINX_PIDFILE" 2>/dev/null) || return 0
    [ -n "$pid" ] || return 0
    kill -QUIT "$pid" 2>/dev/null || true
    if ! bench_wait_gone "$pid" 5; then
        kill -TERM "$pid" 2>/dev/null || true
        bench_wait_gone "$pid" 3 || kill -KILL "$pid" 2>/dev/null || true
    fi
    NGINX_PIDFILE=
}

# nginx_ceiling PATH [wrk args...]: measure nginx alone (warm-up + one run);
# prints "req/s p50_ms p99_ms" and sets WRK_* like wrk_measure.
nginx_ceiling() {
    local path=$1; shift
    [ -n "$NGINX_URL" ] || nginx_start
    wrk_measure "$NGINX_URL$path" "$@"
    echo "$WRK_RPS $WRK_P50 $WRK_P99"
}

# ---------------------------------------------------------------- oblako

# oblako_start: init a fresh SQLite db in $BENCH_TMP and serve it on an
# ephemeral loopback port, no background jobs. Waits (15 s max) for the
# {"msg":"listening",...,"url":"http://127.0.0.1:PORT"} line on stderr.
# Extra arguments are appended to `serve`.
oblako_start() {
    local db="${OBLAKO_DB:-sqlite:$BENCH_TMP/bench.db}" err="$BENCH_TMP/oblako.stderr" line
    [ -x "$OBLAKO_BIN" ] || bench_die "server binary $OBLAKO_BIN not found (make build/oblako, or set OBLAKO_BIN)"
    # shellcheck disable=SC2086 # OBLAKO_INIT_ARGS is a list of words
    "$OBLAKO_BIN" init --db "$db" ${OBLAKO_INIT_ARGS:-} >"$BENCH_TMP/oblako-init.log" 2>&1 \
        || { cat "$BENCH_TMP/oblako-init.log" >&2; bench_die "$OBLAKO_BIN init failed"; }
    # the load generator is one address with as many connections as it likes: no per-address cap
    "$OBLAKO_BIN" serve --db "$db" --listen 127.0.0.1:0 ${OBLAKO_NO_JOBS---no-jobs} \
        --per-address-connections 0 "$@" \
        >"$BENCH_TMP/oblako.stdout" 2>"$err" </dev/null &
    OBLAKO_PID=$!
    bench_wait_listening "$OBLAKO_PID" "$err" "oblako serve"
    OBLAKO_PORT=$LISTEN_PORT
    OBLAKO_URL="http://127.0.0.1:$OBLAKO_PORT"
    bench_log "oblako on $OBLAKO_URL (pid $OBLAKO_PID)"
}

# bench_wait_listening PID ERRFILE NAME: wait (15 s max) for the
# {"msg":"listening",...,"url":"http://127.0.0.1:PORT"} line in ERRFILE, the stderr of PID.
# Sets LISTEN_PORT; fails the run if PID exits first or never says it.
bench_wait_listening() {
    local pid=$1 err=$2 name=$3 line
    for _ in $(seq 1 150); do
        line=$(grep -E '"msg"[[:space:]]*:[[:space:]]*"listening"' "$err" 2>/dev/null | head -n 1 || true)
        if [ -n "$line" ]; then
            LISTEN_PORT=$(printf '%s\n' "$line" \
                | sed -nE 's|.*"url"[[:space:]]*:[[:space:]]*"http://127\.0\.0\.1:([0-9]+)/?".*|\1|p')
            [ -n "$LISTEN_PORT" ] || bench_die "no \"url\":\"http://127.0.0.1:PORT\" in: $line"
            return 0
        fi
        if ! bench_alive "$pid"; then
            local st=0
            wait "$pid" 2>/dev/null || st=$?
            bench_die "$name exited (status $st) before listening"
        fi
        sleep 0.1
    done
    bench_die "$name did not report \"listening\" within 15 s"
}

# bench_stop_pid PID NAME: SIGTERM, wait (10 s), then SIGKILL as a last resort.
bench_stop_pid() {
    local pid=$1 name=$2 rc=0
    kill -TERM "$pid" 2>/dev/null || return 0
    if ! bench_wait_gone "$pid" 10; then
        bench_log "$name (pid $pid) ignored SIGTERM for 10 s; killing"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || rc=$?
    [ "$rc" -eq 0 ] || [ "$rc" -eq 143 ] || bench_log "$name exited with status $rc after SIGTERM"
    return 0
}

oblako_stop() {
    [ -n "$OBLAKO_PID" ] || return 0
    local pid=$OBLAKO_PID
    OBLAKO_PID=
    bench_stop_pid "$pid" oblako
}

# ---------------------------------------------------------------- other servers

# bench_server_start NAME CMD [ARGS...]: run CMD in the background (stdout and stderr in
# $BENCH_TMP/NAME.*) and wait for the same "listening" line `oblako serve` writes. Sets
# SERVER_PID and SERVER_URL; bench_cleanup stops it.
bench_server_start() {
    local name=$1; shift
    "$@" >"$BENCH_TMP/$name.stdout" 2>"$BENCH_TMP/$name.stderr" </dev/null &
    SERVER_PID=$!
    BENCH_SERVER_PIDS+=("$SERVER_PID")
    bench_wait_listening "$SERVER_PID" "$BENCH_TMP/$name.stderr" "$name"
    SERVER_URL="http://127.0.0.1:$LISTEN_PORT"
    bench_log "$name on $SERVER_URL (pid $SERVER_PID)"
}

# cashbook_start BIN SECRET: the reference backend (oblako-cashbook) for $OBLAKO_URL, its data
# in $BENCH_TMP/cashbook; waits for its "cashbook listening on URL" line. Sets CASHBOOK_PID and
# CASHBOOK_URL; the caller stops it (its EXIT trap).
cashbook_start() {
    local bin=$1 secret=$2
    mkdir -p "$BENCH_TMP/cashbook"
    CASHBOOK_SECRET=$secret "$bin" --listen 127.0.0.1:0 --oblako "$OBLAKO_URL" \
        --data "$BENCH_TMP/cashbook" >"$BENCH_TMP/cashbook.stdout" 2>"$BENCH_TMP/cashbook.stderr" </dev/null &
    CASHBOOK_PID=$!
    CASHBOOK_URL=''
    for _ in $(seq 1 100); do
        CASHBOOK_URL=$(sed -n 's/^cashbook listening on //p' "$BENCH_TMP/cashbook.stdout")
        [ -n "$CASHBOOK_URL" ] && return 0
        sleep 0.1
    done
    bench_die "the cash book did not start (see $BENCH_TMP/cashbook.stderr)"
}

bench_servers_stop() {
    local pid
    for pid in "${BENCH_SERVER_PIDS[@]}"; do
        bench_stop_pid "$pid" "server"
    done
    BENCH_SERVER_PIDS=()
}

# nginx's workers (the children of its master), for WRK_CPU_PIDS
nginx_workers() {
    [ -n "$NGINX_PIDFILE" ] && [ -s "$NGINX_PIDFILE" ] || return 0
    pgrep -P "$(cat "$NGINX_PIDFILE")" | paste -sd ' '
}

# bench_cpu_ticks PID...: their CPU time so far (user + system, all threads), in clock ticks
bench_cpu_ticks() {
    local pid sum=0 t
    for pid in "$@"; do
        t=$(sed -E 's/^.*\) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $12 + $13 }') || t=0
        sum=$(( sum + ${t:-0} ))
    done
    echo "$sum"
}

# ---------------------------------------------------------------- wrk

# wrk_measure URL [extra wrk args...]: warm up, then one measured run.
# Sets WRK_RPS, WRK_P50, WRK_P99 (ms), WRK_REQS, WRK_NON2XX, WRK_SOCKERR; with WRK_CPU_PIDS
# set, WRK_CPU_US: the CPU those processes spent over the measured run, µs a request.
wrk_measure() {
    local url=$1; shift
    local out="$BENCH_TMP/wrk.out"
    # a script's reset of the server's state before each wrk (BENCH_BEFORE_WRK: a command)
    [ -z "${BENCH_BEFORE_WRK:-}" ] || $BENCH_BEFORE_WRK
    if [ "$BENCH_WARMUP" != 0 ]; then
        "$WRK_BIN" -t"$BENCH_THREADS" -c"$BENCH_CONNS" -d"${BENCH_WARMUP}s" "$@" "$url" >/dev/null 2>&1 \
            || bench_die "wrk warm-up against $url failed"
        [ -z "${BENCH_BEFORE_WRK:-}" ] || $BENCH_BEFORE_WRK
    fi
    local cpu0=''
    # shellcheck disable=SC2086 # WRK_CPU_PIDS is a list of pids
    [ -z "$WRK_CPU_PIDS" ] || cpu0=$(bench_cpu_ticks $WRK_CPU_PIDS)
    "$WRK_BIN" -t"$BENCH_THREADS" -c"$BENCH_CONNS" -d"${BENCH_SECONDS}s" --latency "$@" "$url" >"$out" 2>&1 \
        || { cat "$out" >&2; bench_die "wrk against $url failed"; }
    WRK_CPU_TICKS=''
    # shellcheck disable=SC2086
    [ -z "$cpu0" ] || WRK_CPU_TICKS=$(( $(bench_cpu_ticks $WRK_CPU_PIDS) - cpu0 ))
    cat "$out" >>"$BENCH_TMP/wrk.all"
    WRK_RPS=$(awk '/^Requests\/sec:/ {print $2}' "$out")
    WRK_REQS=$(awk '/requests in/ {print $1}' "$out")
    WRK_P50=$(wrk_pct_ms 50 "$out")
    WRK_P99=$(wrk_pct_ms 99 "$out")
    WRK_NON2XX=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")
    WRK_SOCKERR=$(awk '/Socket errors:/ {
            n = 0; for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) n += $i + 0; print n }' "$out")
    : "${WRK_NON2XX:=0}" "${WRK_SOCKERR:=0}"
    if [ -z "$WRK_RPS" ] || [ -z "$WRK_P50" ] || [ -z "$WRK_P99" ]; then
        cat "$out" >&2; bench_die "could not parse wrk output for $url"
    fi
    awk -v r="$WRK_RPS" 'BEGIN { exit !(r > 0) }' || { cat "$out" >&2; bench_die "no requests completed against $url"; }
    WRK_CPU_US=''
    [ -z "$WRK_CPU_TICKS" ] || WRK_CPU_US=$(awk -v t="$WRK_CPU_TICKS" -v n="$WRK_REQS" -v hz="$(getconf CLK_TCK)" \
        'BEGIN { printf "%.2f", t / hz * 1e6 / n }')
    if [ "$BENCH_ALLOW_ERRORS" != 1 ] && { [ "$WRK_NON2XX" != 0 ] || [ "$WRK_SOCKERR" != 0 ]; }; then
        cat "$out" >&2
        bench_die "$url: $WRK_NON2XX non-2xx/3xx responses, $WRK_SOCKERR socket errors (BENCH_ALLOW_ERRORS=1 to go on)"
    fi
}

# wrk_pct_ms PCT FILE: a --latency percentile converted to milliseconds.
wrk_pct_ms() {
    awk -v p="$1%" '
        /Latency Distribution/ { d = 1; next }
        d && $1 == p {
            v = $2; u = v; sub(/^[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
            f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : -1
            if (f < 0) exit 1
            printf "%.3f\n", v * f; exit
        }' "$2"
}

# median of the arguments
bench_median() {
    printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END {
        if (NR == 0) exit 1
        if (NR % 2) print a[(NR + 1) / 2]; else printf "%.6f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# ---------------------------------------------------------------- pairs

# run_pair NAME PATH [extra wrk args...]
# BENCH_ROUNDS rounds of: nginx PATH, then oblako PATH (each warmed up first),
# same wrk arguments for both (e.g. -s bench/post.lua). nginx answers any
# method and path with 200 "ok\n", so it is the ceiling for the same traffic.
# Prints a table per round and "median ratio oblako NAME / nginx: R";
# sets PAIR_RATIO (and PAIR_OBLAKO_RPS/_P50/_P99, oblako's medians) and appends to BENCH_RATIOS. Starts the servers if needed.
# With BENCH_CPU=1 also PAIR_NGINX_CPU and PAIR_OBLAKO_CPU: each server's median CPU µs a request.
run_pair() {
    local name=$1 path=$2; shift 2
    local round ratios=() orpss=() op50s=() op99s=() ncpus=() ocpus=() nrps nlat50 nlat99 nerr orps olat50 olat99 oerr ratio
    local npids=$WRK_CPU_PIDS opids=$WRK_CPU_PIDS
    [ -n "$NGINX_URL" ] || nginx_start
    [ -n "$OBLAKO_URL" ] || oblako_start
    [ "$BENCH_CPU" != 1 ] || { npids=$(nginx_workers); opids=$OBLAKO_PID; }
    bench_log "$name: $BENCH_ROUNDS rounds, wrk -t$BENCH_THREADS -c$BENCH_CONNS -d${BENCH_SECONDS}s${*:+ $*} (warm-up ${BENCH_WARMUP}s)"
    for round in $(seq 1 "$BENCH_ROUNDS"); do
        WRK_CPU_PIDS=$npids wrk_measure "$NGINX_URL$path" "$@"
        nrps=$WRK_RPS nlat50=$WRK_P50 nlat99=$WRK_P99 nerr="$WRK_NON2XX/$WRK_SOCKERR"
        [ -z "$WRK_CPU_US" ] || ncpus+=("$WRK_CPU_US")
        bench_record "$name" "$round" nginx
        WRK_CPU_PIDS=$opids wrk_measure "$OBLAKO_URL$path" "$@"
        orps=$WRK_RPS olat50=$WRK_P50 olat99=$WRK_P99 oerr="$WRK_NON2XX/$WRK_SOCKERR"
        [ -z "$WRK_CPU_US" ] || ocpus+=("$WRK_CPU_US")
        bench_record "$name" "$round" oblako
        ratio=$(awk -v o="$orps" -v n="$nrps" 'BEGIN { printf "%.4f", o / n }')
        ratios+=("$ratio") orpss+=("$orps") op50s+=("$olat50") op99s+=("$olat99")
        printf '\nround %d/%d  %s\n' "$round" "$BENCH_ROUNDS" "$name"
        printf '  %-8s %12s %10s %10s %14s\n' server req/s p50_ms p99_ms non2xx/sockerr
        printf '  %-8s %12.0f %10.3f %10.3f %14s\n' nginx "$nrps" "$nlat50" "$nlat99" "$nerr"
        printf '  %-8s %12.0f %10.3f %10.3f %14s\n' oblako "$orps" "$olat50" "$olat99" "$oerr"
        printf '  %-8s %12.2f\n' ratio "$ratio"
    done
    PAIR_RATIO=$(bench_median "${ratios[@]}")
    # oblako's own medians, for ratios against another route of the same run
    PAIR_OBLAKO_RPS=$(bench_median "${orpss[@]}")
    PAIR_OBLAKO_P50=$(bench_median "${op50s[@]}") PAIR_OBLAKO_P99=$(bench_median "${op99s[@]}")
    PAIR_NGINX_CPU='' PAIR_OBLAKO_CPU=''
    [ "${#ncpus[@]}" = 0 ] || PAIR_NGINX_CPU=$(bench_median "${ncpus[@]}")
    [ "${#ocpus[@]}" = 0 ] || PAIR_OBLAKO_CPU=$(bench_median "${ocpus[@]}")
    BENCH_RATIOS+=("$name	$PAIR_RATIO")
    printf '\nmedian ratio oblako %s / nginx: %.2f\n' "$name" "$PAIR_RATIO"
}

# One TSV line per measured run, if BENCH_RESULTS is set:
# date name round server req/s p50_ms p99_ms non2xx sockerr
bench_record() {
    [ -n "$BENCH_RESULTS" ] || return 0
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" "$2" "$3" \
        "$WRK_RPS" "$WRK_P50" "$WRK_P99" "$WRK_NON2XX" "$WRK_SOCKERR" >>"$BENCH_RESULTS"
}

# Recap of every run_pair so far (for scripts running several pairs).
bench_summary() {
    local entry
    [ "${#BENCH_RATIOS[@]}" -gt 1 ] || return 0
    printf '\nsummary (median oblako/nginx req/s ratio):\n'
    for entry in "${BENCH_RATIOS[@]}"; do
        printf '  %-32s %.2f\n' "${entry%%	*}" "${entry#*	}"
    done
}
