#!/usr/bin/env bash
# bench/httpfloor.sh - which layer sets the ceiling of Oblako's reads (issue 16): in one run,
# interleaved rounds of four servers answering the same GET /healthz on loopback:
#   nginx    the fixed response of bench/nginx.conf.in (one worker per core)
#   oblako   build/oblako serve on a fresh SQLite database, as bench/http.sh starts it
#   mhd      build/bench/httpfloor_mhd: the smallest libmicrohttpd server started exactly as
#            src/http/server.c starts Oblako's (flags, thread pool, callbacks, limits)
#   h2o      build/bench/httpfloor_h2o: the smallest server on libh2o's event loop, one loop
#            per core on SO_REUSEPORT sockets, as nginx runs
# Called by `make bench` (which builds both). See bench/README.md, "The HTTP library's floor".
#
#   bench/httpfloor.sh                          # 5 rounds x 10 s per server
#   BENCH_SECONDS=3 BENCH_ROUNDS=1 bench/httpfloor.sh
#   FLOOR_MHD_THREADS=2 bench/httpfloor.sh      # the minimal MHD server with another pool
#   FLOOR_SERVE_ARGS="--threads 2" bench/httpfloor.sh   # more words for `oblako serve`
#   FLOOR_PERF=DIR bench/httpfloor.sh           # then one more run of each server under
#                                               # `perf record -g`; reports in DIR
#
# Each round measures every server once (2 s warm-up, then BENCH_SECONDS), the order turned
# by one place each round so none is always first after the idle gap. Per server it prints
# the median over the rounds of: req/s, the ratio to nginx's req/s in the same round, p50 and
# p99, and the server's own CPU time per request (user + system of its processes over the
# measured run, nginx's workers only): 1e6 / that is its requests a second per core, the
# figure a neighbour's load moves least. No pass/fail threshold.
set -euo pipefail

: "${BENCH_ROUNDS:=5}"
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${FLOOR_MHD_BIN:=$BENCH_ROOT/build/bench/httpfloor_mhd}"
: "${FLOOR_H2O_BIN:=$BENCH_ROOT/build/bench/httpfloor_h2o}"
: "${FLOOR_MHD_THREADS:=4}"     # `oblako serve --threads`' default
: "${FLOOR_SERVE_ARGS:=}"
: "${FLOOR_PERF:=}"

for b in "$FLOOR_MHD_BIN" "$FLOOR_H2O_BIN"; do
    [ -x "$b" ] || bench_die "$b not found (make build/bench/${b##*/})"
done
bench_init
nginx_start
# shellcheck disable=SC2086 # FLOOR_SERVE_ARGS is a list of words
oblako_start $FLOOR_SERVE_ARGS
bench_server_start mhd "$FLOOR_MHD_BIN" "$FLOOR_MHD_THREADS"
mhd_pid=$SERVER_PID mhd_url=$SERVER_URL
bench_server_start h2o "$FLOOR_H2O_BIN"
h2o_pid=$SERVER_PID h2o_url=$SERVER_URL

servers=(nginx oblako mhd h2o)
declare -A URL PIDS LABEL
URL[nginx]=$NGINX_URL URL[oblako]=$OBLAKO_URL URL[mhd]=$mhd_url URL[h2o]=$h2o_url
PIDS[nginx]=$(nginx_workers) PIDS[oblako]=$OBLAKO_PID PIDS[mhd]=$mhd_pid PIDS[h2o]=$h2o_pid
LABEL[nginx]="nginx (fixed answer)"
LABEL[oblako]="oblako /healthz"
LABEL[mhd]="minimal MHD ($FLOOR_MHD_THREADS threads)"
LABEL[h2o]="minimal h2o ($(sed -nE 's/.*"loops":([0-9]+).*/\1/p' "$BENCH_TMP/h2o.stderr") loops)"
[ -n "${PIDS[nginx]}" ] || bench_die "no nginx workers found"

# every response must be /healthz's body, or the comparison is of different work
for s in "${servers[@]}"; do
    [ "$s" = nginx ] && continue
    b=$(curl -s "${URL[$s]}/healthz")
    [ "$b" = '{"status":"ok"}' ] || bench_die "$s answered /healthz with: $b"
done

declare -A RPS P50 P99 CPU RATIO    # space-separated values, one per round
uptime | sed 's/^/load before: /'
bench_log "$BENCH_ROUNDS rounds, wrk -t$BENCH_THREADS -c$BENCH_CONNS -d${BENCH_SECONDS}s (warm-up ${BENCH_WARMUP}s)"
for round in $(seq 1 "$BENCH_ROUNDS"); do
    order=()
    for i in 0 1 2 3; do order+=("${servers[$(( (i + round - 1) % 4 ))]}"); done
    declare -A rps=()
    for s in "${order[@]}"; do
        WRK_CPU_PIDS=${PIDS[$s]} wrk_measure "${URL[$s]}/healthz"
        bench_record floor "$round" "$s"
        rps[$s]=$WRK_RPS
        RPS[$s]+="$WRK_RPS " P50[$s]+="$WRK_P50 " P99[$s]+="$WRK_P99 " CPU[$s]+="$WRK_CPU_US "
    done
    printf '\nround %d/%d (order: %s)\n' "$round" "$BENCH_ROUNDS" "${order[*]}"
    printf '  %-30s %10s %8s %8s %8s %10s\n' server req/s /nginx p50_ms p99_ms cpu_us/req
    for s in "${servers[@]}"; do
        r=$(awk -v a="${rps[$s]}" -v b="${rps[nginx]}" 'BEGIN { printf "%.4f", a / b }')
        RATIO[$s]+="$r "
        printf '  %-30s %10.0f %8.2f %8.3f %8.3f %10s\n' "${LABEL[$s]}" "${rps[$s]}" "$r" \
            "$(echo "${P50[$s]}" | awk '{ print $NF }')" "$(echo "${P99[$s]}" | awk '{ print $NF }')" \
            "$(echo "${CPU[$s]}" | awk '{ print $NF }')"
    done
done
uptime | sed 's/^/load after:  /'

# med "N N N": the median of a space-separated list
med() {
    # shellcheck disable=SC2086 # split into numbers on purpose
    bench_median $1
}
printf '\nthe HTTP floor (median of %d rounds, wrk -t%d -c%d -d%ss; /nginx = req/s over nginx'"'"'s in the same round):\n' \
    "$BENCH_ROUNDS" "$BENCH_THREADS" "$BENCH_CONNS" "$BENCH_SECONDS"
printf '  %-30s %10s %8s %8s %8s %10s %10s\n' server req/s /nginx p50_ms p99_ms cpu_us/req req/s/core
for s in "${servers[@]}"; do
    c=$(med "${CPU[$s]}")
    printf '  %-30s %10.0f %8.2f %8.3f %8.3f %10.2f %10.0f\n' "${LABEL[$s]}" "$(med "${RPS[$s]}")" \
        "$(med "${RATIO[$s]}")" "$(med "${P50[$s]}")" "$(med "${P99[$s]}")" "$c" \
        "$(awk -v c="$c" 'BEGIN { print (c > 0 ? 1e6 / c : 0) }')"
done
# oblako over the minimal MHD server, round by round: what Oblako adds to its library
ob_mhd=()
read -ra o <<<"${RPS[oblako]}"
read -ra m <<<"${RPS[mhd]}"
for i in "${!o[@]}"; do ob_mhd+=("$(awk -v a="${o[$i]}" -v b="${m[$i]}" 'BEGIN { printf "%.4f", a / b }')"); done
printf '  oblako / minimal MHD, req/s: %.2f (rounds: %s)\n' "$(bench_median "${ob_mhd[@]}")" "${ob_mhd[*]}"
printf '  oblako / minimal MHD, CPU a request: %.2f\n' \
    "$(awk -v a="$(med "${CPU[oblako]}")" -v b="$(med "${CPU[mhd]}")" 'BEGIN { print a / b }')"

# FLOOR_PERF=DIR: one more run of each server with perf recording it (call graphs), and the
# top of where its CPU went, by library and by function.
if [ -n "$FLOOR_PERF" ]; then
    command -v perf >/dev/null || bench_die "perf not found (apt-get install -y linux-perf)"
    mkdir -p "$FLOOR_PERF"
    for s in oblako mhd h2o; do
        # shellcheck disable=SC2086 # PIDS is a list of pids
        perf record -q -F 999 -g -o "$FLOOR_PERF/$s.data" -p "$(echo ${PIDS[$s]} | tr ' ' ,)" \
            -- sleep "$(( BENCH_SECONDS + BENCH_WARMUP ))" 2>>"$FLOOR_PERF/$s.log" &
        perf_pid=$!
        wrk_measure "${URL[$s]}/healthz"
        wait "$perf_pid" || bench_die "perf record of $s failed (see $FLOOR_PERF/$s.log)"
        perf report -i "$FLOOR_PERF/$s.data" --no-children --sort dso --stdio -g none 2>/dev/null \
            | grep -v '^#' | sed '/^$/d' >"$FLOOR_PERF/$s.dso.txt"
        perf report -i "$FLOOR_PERF/$s.data" --no-children --sort dso,symbol --stdio -g none \
            2>/dev/null | grep -v '^#' | sed '/^$/d' >"$FLOOR_PERF/$s.symbols.txt"
        printf '\n%s under perf (%.0f req/s): CPU by library\n' "${LABEL[$s]}" "$WRK_RPS"
        head -n 8 "$FLOOR_PERF/$s.dso.txt" | sed 's/^/  /'
        printf '  top functions:\n'
        head -n 20 "$FLOOR_PERF/$s.symbols.txt" | sed 's/^/  /'
    done
fi
