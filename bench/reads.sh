#!/usr/bin/env bash
# bench/reads.sh - authenticated reads against nginx and the same run's /healthz
# (issue 16 item 2): GET /api/v1/me and GET /api/v1/subscribers/{id}/entitlement,
# each with an API token (Authorization: Bearer) and with a session cookie.
# Called by `make bench` after bench/http.sh. See bench/README.md.
#
#   bench/reads.sh                              # 3 rounds x 10 s per server and read
#   BENCH_SECONDS=3 BENCH_ROUNDS=1 bench/reads.sh
#   READS_ONLY="me-bearer" bench/reads.sh       # some of: healthz me-bearer me-cookie ent-bearer ent-cookie
#   READS_SERVE_ARGS="--cache-sessions 0 --cache-tokens 0 --cache-persons 0" bench/reads.sh  # no cache
#   READS_REQUEST_LOG=on bench/reads.sh         # Oblako writes its request log line (below)
#
# nginx serves its fixed answer with `access_log off` (bench/nginx.conf.in), so by
# default Oblako is measured the same way: its request log below the level it is
# written at (--request-log-level debug). READS_REQUEST_LOG=on measures it as it
# runs by default, a JSON line and a write(2) to the log for every request.
#
# Prints per read the median ratio against nginx and against /healthz with
# p50/p99, the server's query count per request, and each server's own CPU
# a request (nginx's workers, Oblako; user + system over the measured run):
# "a core / nginx" is nginx's CPU a request over Oblako's, the requests a
# core Oblako answers for nginx's one, the figure a neighbour's load moves
# least (bench/README.md, "The HTTP library's floor"). No pass/fail threshold.
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${READS_ONLY:=healthz me-bearer me-cookie ent-bearer ent-cookie}"
: "${READS_SERVE_ARGS:=}"
: "${READS_REQUEST_LOG:=off}"
BENCH_CPU=1     # run_pair: each server's CPU a request (bench/lib.sh)
EMAIL=admin@bench.example
PASSWORD=bench-password-1

for t in sqlite3 curl jq; do command -v "$t" >/dev/null || bench_die "$t not found"; done
bench_init
db=$BENCH_TMP/bench.db
printf '%s\n' "$PASSWORD" >"$BENCH_TMP/password"
OBLAKO_INIT_ARGS="--admin-email $EMAIL --admin-password-file $BENCH_TMP/password"

# A partner, a subscriber and three posted subscriptions of the shared tariff,
# so the entitlement reads real tariff versions (oblako_start runs init first).
seed() {
    sqlite3 "$db" >/dev/null <<SQL
BEGIN;
INSERT INTO accounts (kind, name, created_at, updated_at) VALUES ('partner', 'Bench partner', 0, 0);
INSERT INTO partners (account_id, inn, phone, email)
SELECT id, '7707083893', '+7 495 000-00-00', 'bench@partner.test' FROM accounts WHERE name = 'Bench partner';
INSERT INTO accounts (kind, name, created_at, updated_at) VALUES ('subscriber', 'ООО Клиент', 0, 0);
INSERT INTO subscribers (account_id, code, partner_id)
SELECT s.id, 500001, p.id FROM accounts s, accounts p WHERE s.name = 'ООО Клиент' AND p.name = 'Bench partner';
WITH RECURSIVE k(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM k WHERE j < 3)
INSERT INTO subscriptions (subscriber_id, kind, tariff_id, tariff_version_id, partner_id, start, "end",
  term_months, quantity, price, discount_pct, discount_rule, amount_due, state, posted_at)
SELECT s.account_id, 'main', t.id, t.current_version_id, s.partner_id,
  date('now', (k.j - 3) || ' months'), date('now', (k.j * 4) || ' months'), 1, 1,
  247200, 0, '', 247200, 'posted', 0
FROM subscribers s CROSS JOIN k JOIN tariffs t ON t.code = 'ITSaaS-PROF' AND t.partner_id IS NULL
WHERE s.code = 500001;
COMMIT;
SQL
    sqlite3 "$db" "SELECT account_id FROM subscribers WHERE code = 500001"
}

nginx_start
log_args=""
case "$READS_REQUEST_LOG" in
    off) log_args="--request-log-level debug" ;;
    on) ;;
    *) bench_die "READS_REQUEST_LOG is on or off, not $READS_REQUEST_LOG" ;;
esac
bench_log "request log: $READS_REQUEST_LOG (nginx: access_log off)"
# shellcheck disable=SC2086 # READS_SERVE_ARGS is a list of words
oblako_start $log_args $READS_SERVE_ARGS
sub=$(seed)
jar=$BENCH_TMP/cookies
code=$(curl -s -o "$BENCH_TMP/login.json" -w '%{http_code}' -c "$jar" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" "$OBLAKO_URL/api/v1/auth/login")
[ "$code" = 200 ] || { cat "$BENCH_TMP/login.json" >&2; bench_die "sign-in: HTTP $code"; }
csrf=$(jq -r .csrf "$BENCH_TMP/login.json")
cookie=$(awk '$6 == "oblako_session" { print $7 }' "$jar")
[ -n "$cookie" ] || bench_die "no session cookie"
token=$(curl -s -b "$jar" -H 'Content-Type: application/json' -H "X-CSRF-Token: $csrf" \
    -d '{"account":1,"roles":"admin","name":"bench"}' "$OBLAKO_URL/api/v1/tokens" | jq -r .token)
[ -n "$token" ] && [ "$token" != null ] || bench_die "no API token"
for h in "Authorization: Bearer $token" "Cookie: oblako_session=$cookie"; do
    for p in /api/v1/me "/api/v1/subscribers/$sub/entitlement"; do
        code=$(curl -s -o "$BENCH_TMP/check.json" -w '%{http_code}' -H "$h" "$OBLAKO_URL$p")
        [ "$code" = 200 ] || { head -c 400 "$BENCH_TMP/check.json" >&2; bench_die "GET $p: HTTP $code"; }
    done
done

# statements run per request, from the server's own counter (when /metrics has it)
stmt_runs() { curl -s "$OBLAKO_URL/metrics" | awk '/^oblako_db_statements_total / { print $2; f = 1 } END { if (!f) print "" }'; }
queries_per_request() {
    local path=$1 header=$2 a b n=200
    a=$(stmt_runs)
    [ -n "$a" ] || { echo "?"; return; }
    for _ in $(seq 1 $n); do curl -s -o /dev/null -H "$header" "$OBLAKO_URL$path"; done
    b=$(stmt_runs)
    awk -v a="$a" -v b="$b" -v n=$n 'BEGIN { printf "%.1f", (b - a) / n }'
}

declare -A RPS P50 P99 QPR RATIO CPU NCPU
read_pair() {   # key name path [header]
    local key=$1 name=$2 path=$3 header=${4:-}
    case " $READS_ONLY " in *" $key "*) ;; *) return 0 ;; esac
    local before=${#BENCH_RATIOS[@]}
    if [ -n "$header" ]; then run_pair "$name" "$path" -H "$header"; else run_pair "$name" "$path"; fi
    [ "${#BENCH_RATIOS[@]}" -gt "$before" ] || return 0
    RATIO[$key]=$PAIR_RATIO RPS[$key]=$PAIR_OBLAKO_RPS P50[$key]=$PAIR_OBLAKO_P50 P99[$key]=$PAIR_OBLAKO_P99
    CPU[$key]=$PAIR_OBLAKO_CPU NCPU[$key]=$PAIR_NGINX_CPU
    QPR[$key]=$(queries_per_request "$path" "${header:-X-Bench: 1}")
}

uptime | sed 's/^/load before: /'
read_pair healthz "GET /healthz" /healthz
read_pair me-bearer "GET /me bearer" /api/v1/me "Authorization: Bearer $token"
read_pair me-cookie "GET /me cookie" /api/v1/me "Cookie: oblako_session=$cookie"
read_pair ent-bearer "GET entitlement bearer" "/api/v1/subscribers/$sub/entitlement" "Authorization: Bearer $token"
read_pair ent-cookie "GET entitlement cookie" "/api/v1/subscribers/$sub/entitlement" "Cookie: oblako_session=$cookie"
uptime | sed 's/^/load after:  /'

printf '\nreads (median of %d rounds, wrk -t%d -c%d -d%ss; ratio = oblako req/s over the same run'"'"'s):\n' \
    "$BENCH_ROUNDS" "$BENCH_THREADS" "$BENCH_CONNS" "$BENCH_SECONDS"
printf '  %-24s %10s %8s %9s %8s %8s %8s %9s %9s %12s\n' read req/s nginx /healthz p50_ms p99_ms queries \
    cpu_us nginx_us 'a core/nginx'
for key in healthz me-bearer me-cookie ent-bearer ent-cookie; do
    [ -n "${RPS[$key]:-}" ] || continue
    printf '  %-24s %10.0f %8.2f %9s %8.3f %8.3f %8s %9s %9s %12s\n' "$key" "${RPS[$key]}" "${RATIO[$key]}" \
        "$( [ -n "${RPS[healthz]:-}" ] && awk -v a="${RPS[$key]}" -v b="${RPS[healthz]}" 'BEGIN { printf "%.2f", a / b }' || echo -)" \
        "${P50[$key]}" "${P99[$key]}" "${QPR[$key]}" "${CPU[$key]:--}" "${NCPU[$key]:--}" \
        "$( [ -n "${CPU[$key]}" ] && [ -n "${NCPU[$key]}" ] && awk -v o="${CPU[$key]}" -v n="${NCPU[$key]}" 'BEGIN { printf "%.2f", n / o }' || echo -)"
done
