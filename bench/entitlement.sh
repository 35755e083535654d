#!/usr/bin/env bash
# bench/entitlement.sh - entitlement cost at 10k vs 1M subscriptions, and the
# partner's end-date list paged and exported over HTTP through 100k rows.
# Called by `make bench` after bench/http.sh. See bench/README.md.
#
#   bench/entitlement.sh
#   ENT_CALLS=2000 bench/entitlement.sh          # quicker
#   BENCH_KEEP_TMP=1 bench/entitlement.sh        # keep the databases
#
# Prints "entitlement per call 1M / 10k: X.XX", the paging figures and the
# export's time and the server's VmHWM. No pass/fail threshold.
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${ENT_BIN:=$BENCH_ROOT/build/bench/entitlement}"
: "${ENT_SUBSCRIBERS:=100000}"      # subscribers in the big database
: "${ENT_ROWS:=1000000}"            # subscriptions in the big database
: "${ENT_SMALL_ROWS:=10000}"        # subscriptions in the small one
: "${ENT_PARTNER_ROWS:=100000}"     # subscriptions of the partner whose list is paged
: "${ENT_MEASURED:=1000}"           # subscribers timed (codes 1001..), present in both files
: "${ENT_CALLS:=10000}"             # entitlement calls per round (3 rounds + warm-up)
: "${ENT_PAGE:=500}"                # ?limit= of the paged list
: "${ENT_DATE:=$(date -u +%F)}"     # the date the entitlement is computed at

EMAIL=owner@bench.example
PASSWORD=bench-password-1

[ -x "$ENT_BIN" ] || bench_die "$ENT_BIN not found (make build/bench/entitlement)"
command -v jq >/dev/null || bench_die "jq not found (apt-get install -y jq)"
command -v curl >/dev/null || bench_die "curl not found"

bench_init

now_ms() { date +%s%3N; }

# ---------------------------------------------------------------- data
small=$BENCH_TMP/small.db
big=$BENCH_TMP/bench.db       # the file oblako_start serves
for db in "$small" "$big"; do
    "$OBLAKO_BIN" init --db "sqlite:$db" >"$BENCH_TMP/init.log" 2>&1 \
        || { cat "$BENCH_TMP/init.log" >&2; bench_die "oblako init failed"; }
done
t0=$(now_ms)
"$ENT_BIN" gen "$small" "$ENT_MEASURED" "$ENT_SMALL_ROWS" 0 "$EMAIL" "$PASSWORD" >"$BENCH_TMP/gen-small.out"
t1=$(now_ms)
"$ENT_BIN" gen "$big" "$ENT_SUBSCRIBERS" "$ENT_ROWS" "$ENT_PARTNER_ROWS" "$EMAIL" "$PASSWORD" >"$BENCH_TMP/gen-big.out"
t2=$(now_ms)
printf 'generated small: %s (%.1f s)\n' "$(cat "$BENCH_TMP/gen-small.out")" "$(( t1 - t0 ))e-3"
printf 'generated big:   %s (%.1f s, %d MB)\n' "$(cat "$BENCH_TMP/gen-big.out")" "$(( t2 - t1 ))e-3" \
    "$(( $(stat -c %s "$big") / 1048576 ))"
partner=$(sed -nE 's/.*partner_id=([0-9]+).*/\1/p' "$BENCH_TMP/gen-big.out")

# ---------------------------------------------------------------- entitlement
# Same subscribers (codes 1001..1000+ENT_MEASURED, same shapes) in both files.
"$ENT_BIN" time "$small" "$ENT_MEASURED" "$ENT_CALLS" "$ENT_DATE" >"$BENCH_TMP/time-small.out"
"$ENT_BIN" time "$big" "$ENT_MEASURED" "$ENT_CALLS" "$ENT_DATE" >"$BENCH_TMP/time-big.out"
ns_small=$(sed -nE 's/.*ns_per_call=([0-9]+).*/\1/p' "$BENCH_TMP/time-small.out")
ns_big=$(sed -nE 's/.*ns_per_call=([0-9]+).*/\1/p' "$BENCH_TMP/time-big.out")
printf '\nentitlement at %s, %d calls x 3 rounds over %d subscribers (median round):\n' \
    "$ENT_DATE" "$ENT_CALLS" "$ENT_MEASURED"
printf '  10k: %s\n  1M:  %s\n' "$(cat "$BENCH_TMP/time-small.out")" "$(cat "$BENCH_TMP/time-big.out")"
awk -v b="$ns_big" -v s="$ns_small" 'BEGIN {
    printf "entitlement per call 1M / 10k: %.2f (%.1f us vs %.1f us)\n", b / s, b / 1000, s / 1000 }'

# ---------------------------------------------------------------- paging over HTTP
oblako_start
jar=$BENCH_TMP/cookies
code=$(curl -s -o "$BENCH_TMP/login.json" -w '%{http_code}' -c "$jar" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" "$OBLAKO_URL/api/v1/auth/login")
[ "$code" = 200 ] || { cat "$BENCH_TMP/login.json" >&2; bench_die "sign-in as $EMAIL: HTTP $code"; }

url="$OBLAKO_URL/api/v1/subscriptions?partner=$partner&sort=end&limit=$ENT_PAGE"
pages=0 rows=0 first_ms='' last_ms='' prev_key=''
times=$BENCH_TMP/pages.tsv
: >"$times"
t0=$(now_ms)
while [ -n "$url" ]; do
    # one keep-alive-less request per page, like a browser's successive clicks
    out=$(curl -s -b "$jar" -o "$BENCH_TMP/page.json" -w '%{http_code} %{time_total}' "$url")
    code=${out% *}
    [ "$code" = 200 ] || { head -c 500 "$BENCH_TMP/page.json" >&2; bench_die "GET $url: HTTP $code"; }
    ms=$(awk -v t="${out#* }" 'BEGIN { printf "%.1f", t * 1000 }')
    n=$(jq '.items | length' "$BENCH_TMP/page.json")
    # the list must come in (end, id) order across pages
    key=$(jq -r '.items[-1] | "\(.end) \(.id)"' "$BENCH_TMP/page.json")
    pages=$(( pages + 1 )) rows=$(( rows + n ))
    printf '%d\t%d\t%s\n' "$pages" "$n" "$ms" >>"$times"
    [ -n "$first_ms" ] || first_ms=$ms
    last_ms=$ms
    url=$(jq -r '.next // empty' "$BENCH_TMP/page.json")
    case "$url" in /*) url="$OBLAKO_URL$url" ;; esac
    prev_key=$key
done
t1=$(now_ms)
total_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1000 }')
med_ms=$(bench_median $(cut -f3 "$times"))
printf '\npartner %s end-date list, limit=%d: %d rows in %d pages, %.2f s, %.0f rows/s\n' \
    "$partner" "$ENT_PAGE" "$rows" "$pages" "$total_s" "$(awk -v r="$rows" -v s="$total_s" 'BEGIN { print r / s }')"
printf '  page time: first %s ms, last %s ms, median %.1f ms (curl time_total; last key %s)\n' \
    "$first_ms" "$last_ms" "$med_ms" "$prev_key"

# ---------------------------------------------------------------- CSV export
hwm_before=$(awk '/^VmHWM/ { print $2 }' "/proc/$OBLAKO_PID/status")
out=$(curl -s -b "$jar" -o "$BENCH_TMP/export.csv" -w '%{http_code} %{time_total} %{time_starttransfer}' \
    "$OBLAKO_URL/api/v1/subscriptions?partner=$partner&sort=end&format=csv")
code=${out%% *}
[ "$code" = 200 ] || { head -c 500 "$BENCH_TMP/export.csv" >&2; bench_die "CSV export: HTTP $code"; }
hwm_after=$(awk '/^VmHWM/ { print $2 }' "/proc/$OBLAKO_PID/status")
lines=$(( $(wc -l <"$BENCH_TMP/export.csv") - 1 ))
read -r _ tt ttfb <<<"$out"
printf 'CSV export of the same list: %d rows, %d MB, %.2f s (first byte after %.2f s)\n' \
    "$lines" "$(( $(stat -c %s "$BENCH_TMP/export.csv") / 1048576 ))" "$tt" "$ttfb"
printf '  server VmHWM: %d MB before the export, %d MB after\n' \
    "$(( hwm_before / 1024 ))" "$(( hwm_after / 1024 ))"
