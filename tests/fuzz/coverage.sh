#!/usr/bin/env bash
# How many routes of the route table (src/api/routes.c) a request corpus reaches.
# Usage: tests/fuzz/coverage.sh BINARY CORPUS_DIR...
#
# BINARY is fuzz_request built with clang's source-based coverage
# (-fprofile-instr-generate, `make fuzz-coverage` builds it). It runs every input
# of the corpus once (-runs=0), and a route counts as reached when its handler
# function ran at least once: past the router, the authentication and the body
# checks, whatever the handler answered then. Prints the unreached routes and
# "N of M routes reached" (and how many of the API proper); exits 0 whatever N
# is (it measures, it does not judge).
set -euo pipefail

bin=$1
shift
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d /tmp/oblako-fuzzcov.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

LLVM_PROFILE_FILE="$tmp/run-%p.profraw" "$bin" -runs=0 "$@" >"$tmp/log" 2>&1 || {
    tail -n 30 "$tmp/log" >&2
    exit 1
}
profdata=$(command -v llvm-profdata || command -v llvm-profdata-14)
"$profdata" merge -sparse -o "$tmp/all.profdata" "$tmp"/run-*.profraw
"$profdata" show -all-functions "$tmp/all.profdata" >"$tmp/functions"

# "  NAME:" then "    Function count: N" for each function of the profile.
awk '/^  [^ ].*:$/ { name = substr($1, 1, length($1) - 1) }
     /Function count:/ { if ($3 > 0) print name }' "$tmp/functions" | sort -u >"$tmp/ran"

# Each route of the table: METHOD PATTERN HANDLER (one entry may span lines).
tr '\n' ' ' <src/api/routes.c |
    grep -oE '\{ "(GET|POST|PUT|PATCH|DELETE)", "[^"]*", ob_api_[a-z0-9_]+' |
    sed -E 's/\{ "([A-Z]+)", "([^"]*)", (ob_api_[a-z0-9_]+)/\1 \2 \3/' >"$tmp/routes"

# The API proper: /api/v1/ without the test routes (the issue's 83).
total=0 reached=0 api=0 api_reached=0
while read -r method pattern handler; do
    total=$((total + 1))
    in_api=0
    case "$pattern" in /api/v1/test/*) ;; /api/v1/*) in_api=1 api=$((api + 1)) ;; esac
    if grep -qxF "$handler" "$tmp/ran"; then
        reached=$((reached + 1))
        api_reached=$((api_reached + in_api))
    else
        echo "  not reached: $method $pattern ($handler)"
    fi
done <"$tmp/routes"
echo "$reached of $total routes reached" \
    "($api_reached of the $api /api/v1 routes outside /api/v1/test)"
