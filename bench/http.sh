#!/usr/bin/env bash
# bench/http.sh - Oblako GET /healthz throughput against an nginx ceiling.
# Called by `make bench` (which builds build/oblako first). See bench/README.md.
#
#   bench/http.sh                              # 3 rounds x 10 s per server
#   BENCH_SECONDS=3 BENCH_ROUNDS=1 bench/http.sh
#   OBLAKO_BIN=/path/to/oblako bench/http.sh
#
# Exits 0 after printing "median ratio oblako GET /healthz / nginx: R".
# There is deliberately no pass/fail threshold on R.
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_init
nginx_start
oblako_start

run_pair "GET /healthz" /healthz

# Later benchmarks reuse the same servers, e.g.:
#   run_pair "POST /v1/sessions" /v1/sessions -s "$BENCH_DIR/post_session.lua"
bench_summary
