#!/usr/bin/env bash
# bench/statements.sh - the monthly statement run at scale (issue 12 item 7):
# 1,000,000 subscriptions posted in one month across 50 partners and 100,000
# subscribers, made by SQL. Times `oblako jobs run statements` against a raw
# INSERT ... SELECT of the same lines on the same database in the same run
# (goal: the run within 2x of it), then the server's peak RSS while it renders
# the largest statement (100,000 lines) as CSV, XLSX and PDF volumes, a fresh
# server for each document. Not part of `make test` or `make bench`.
#
#   bench/statements.sh
#   ST_SUBSCRIPTIONS=100000 bench/statements.sh   # a quicker look (lines scale down)
#   BENCH_KEEP_TMP=1 bench/statements.sh          # keep the database
#   ST_SKIP_RAW=1 bench/statements.sh             # the run and the documents only
#
# Needs sqlite3, curl and jq. SQLite only (the file is the bench's temp dir).
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_check_tools() { :; }          # no nginx or wrk here

: "${ST_PARTNERS:=50}"
: "${ST_SUBSCRIBERS:=100000}"
: "${ST_SUBSCRIPTIONS:=1000000}"
: "${ST_BIG_SHARE:=10}"             # percent of subscribers (and lines) of the first partner
: "${ST_SKIP_RAW:=0}"               # 1: no raw INSERT ... SELECT and no re-run
MONTH=2031-03
EMAIL=admin@bench.example
PASSWORD=bench-password-1

for t in sqlite3 curl jq; do command -v "$t" >/dev/null || bench_die "$t not found"; done
bench_init
now_ms() { date +%s%3N; }
db=$BENCH_TMP/bench.db
printf '%s\n' "$PASSWORD" >"$BENCH_TMP/password"
OBLAKO_INIT_ARGS="--admin-email $EMAIL --admin-password-file $BENCH_TMP/password"
"$OBLAKO_BIN" init --db "sqlite:$db" $OBLAKO_INIT_ARGS >"$BENCH_TMP/init.log" 2>&1 \
    || { cat "$BENCH_TMP/init.log" >&2; bench_die "oblako init failed"; }

# ---------------------------------------------------------------- data
per_sub=$(( ST_SUBSCRIPTIONS / ST_SUBSCRIBERS ))
big=$(( ST_SUBSCRIBERS * ST_BIG_SHARE / 100 ))
march=$(date -d '2031-03-02T00:00:00+03:00' +%s)
t0=$(now_ms)
sqlite3 "$db" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $ST_PARTNERS)
INSERT INTO accounts (kind, name, created_at, updated_at) SELECT 'partner', 'Bench partner ' || i, 0, 0 FROM n;
INSERT INTO partners (account_id, inn, phone, email)
SELECT id, '7707083893', '+7 495 000-00-00', 'bench@partner.test' FROM accounts WHERE name LIKE 'Bench partner %';
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $ST_SUBSCRIBERS)
INSERT INTO accounts (kind, name, created_at, updated_at) SELECT 'subscriber', 'ООО Клиент ' || i, 0, 0 FROM n;
CREATE TEMP TABLE p AS SELECT MIN(id) AS first, MIN(id) + $ST_PARTNERS - 1 AS last FROM accounts WHERE name LIKE 'Bench partner %';
CREATE TEMP TABLE s0 AS SELECT MIN(id) AS first FROM accounts WHERE name LIKE 'ООО Клиент %';
INSERT INTO subscribers (account_id, code, partner_id)
SELECT a.id, 500000 + a.id,
       CASE WHEN a.id - s0.first < $big THEN p.first ELSE p.first + 1 + a.id % ($ST_PARTNERS - 1) END
FROM accounts a, p, s0 WHERE a.name LIKE 'ООО Клиент %';
WITH RECURSIVE k(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM k WHERE j < $per_sub)
INSERT INTO subscriptions (subscriber_id, kind, tariff_id, tariff_version_id, partner_id, start, "end",
  term_months, quantity, price, discount_pct, discount_rule, amount_due, state, posted_at)
SELECT s.account_id, 'main', t.id, t.current_version_id, s.partner_id, '2031-03-01',
  CASE k.j % 3 WHEN 0 THEN '2031-04-01' WHEN 1 THEN '2031-06-01' ELSE '2032-03-01' END, 1, 1,
  247200 * k.j, 50, 'later_renewal', 123600 * k.j, 'posted', $march + k.j * 3600 + s.account_id % 86400
FROM subscribers s CROSS JOIN k JOIN tariffs t ON t.code = 'ITSaaS-PROF' AND t.partner_id IS NULL
WHERE s.code >= 500000;
COMMIT;
ANALYZE;
SQL
t1=$(now_ms)
n=$(sqlite3 "$db" "SELECT COUNT(*) FROM subscriptions WHERE kind = 'main' AND price > 0")
printf 'generated: %d partners, %d subscribers, %d subscriptions posted in %s (%.1f s, %d MB)\n' \
    "$ST_PARTNERS" "$ST_SUBSCRIBERS" "$n" "$MONTH" "$(( t1 - t0 ))e-3" "$(( $(stat -c %s "$db") / 1048576 ))"

# ---------------------------------------------------------------- the run vs a raw INSERT ... SELECT
t0=$(now_ms)
"$OBLAKO_BIN" jobs run statements --month "$MONTH" --db "sqlite:$db" >"$BENCH_TMP/run.log" 2>&1 \
    || { tail "$BENCH_TMP/run.log" >&2; bench_die "the run failed"; }
t1=$(now_ms)
run_ms=$(( t1 - t0 ))
lines=$(sqlite3 "$db" "SELECT SUM(lines) FROM statements WHERE month = '$MONTH'")
printf '\nthe run of %s: %d lines in %d statements, %.2f s\n' "$MONTH" "$lines" "$ST_PARTNERS" "$run_ms"e-3
if [ "$ST_SKIP_RAW" != 1 ]; then
# The same lines, the same joins and order, into a table without keys, in one statement.
from=$(date -d '2031-03-01T00:00:00+03:00' +%s)
to=$(date -d '2031-04-01T00:00:00+03:00' +%s)
sqlite3 "$db" "CREATE TABLE bench_lines AS SELECT * FROM statement_lines WHERE 0"
t0=$(now_ms)
sqlite3 "$db" >/dev/null <<SQL
INSERT INTO bench_lines (statement_id, seq, line_kind, subscription_id, subscriber_id, subscriber_code,
  subscriber_name, tariff_code, partner_tariff_name, kind, start, through, quantity, price,
  discount_pct, rule, amount_due, request_id)
SELECT s.partner_id, ROW_NUMBER() OVER (PARTITION BY s.partner_id ORDER BY sb.code, s.id), 'charge',
  s.id, s.subscriber_id, sb.code, a.name, COALESCE(bt.code, t.code),
  CASE WHEN t.partner_id IS NOT NULL THEN t.name_ru ELSE '' END, s.kind, s.start, dd.prev,
  s.quantity, s.price, s.discount_pct, s.discount_rule, s.amount_due, s.request_id
FROM subscriptions s JOIN subscribers sb ON sb.account_id = s.subscriber_id
JOIN accounts a ON a.id = s.subscriber_id JOIN tariffs t ON t.id = s.tariff_id
LEFT JOIN tariffs bt ON bt.id = t.base_tariff_id JOIN statement_days dd ON dd.day = s."end"
WHERE s.posted_at >= $from AND s.posted_at < $to AND s.state = 'posted'
AND ((s.kind IN ('main', 'extension', 'short_extension') AND s.price > 0) OR s.kind = 'its_local');
SQL
t1=$(now_ms)
raw_ms=$(( t1 - t0 ))
raw_lines=$(sqlite3 "$db" "SELECT COUNT(*) FROM bench_lines")
sqlite3 "$db" "DROP TABLE bench_lines"
t0=$(now_ms)
"$OBLAKO_BIN" jobs run statements --month "$MONTH" --db "sqlite:$db" >"$BENCH_TMP/rerun.log" 2>&1 \
    || { tail "$BENCH_TMP/rerun.log" >&2; bench_die "the re-run failed"; }
t1=$(now_ms)
rerun_ms=$(( t1 - t0 ))
printf 'raw INSERT ... SELECT of the same %d lines: %.2f s\n' "$raw_lines" "$raw_ms"e-3
awk -v r="$run_ms" -v w="$raw_ms" 'BEGIN { printf "run / raw: %.2f (goal <= 2)\n", r / w }'
printf 'a re-run replacing them: %.2f s\n' "$rerun_ms"e-3
fi

# ---------------------------------------------------------------- documents: peak RSS
sid=$(sqlite3 "$db" "SELECT id FROM statements WHERE month = '$MONTH' ORDER BY lines DESC LIMIT 1")
slines=$(sqlite3 "$db" "SELECT lines FROM statements WHERE id = $sid")
printf '\nstatement %s: %d lines; server VmHWM (peak RSS) per document, a fresh server each:\n' "$sid" "$slines"
# An API token, made once: a fresh server is never signed in to (a password hash takes 64 MB,
# which would hide the document's own peak).
jar=$BENCH_TMP/cookies
oblako_start
code=$(curl -s -o "$BENCH_TMP/login.json" -w '%{http_code}' -c "$jar" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" "$OBLAKO_URL/api/v1/auth/login")
[ "$code" = 200 ] || { cat "$BENCH_TMP/login.json" >&2; bench_die "sign-in: HTTP $code"; }
csrf=$(jq -r .csrf "$BENCH_TMP/login.json")
token=$(curl -s -b "$jar" -H 'Content-Type: application/json' -H "X-CSRF-Token: $csrf" \
    -d '{"account":1,"roles":"admin","name":"bench"}' "$OBLAKO_URL/api/v1/tokens" | jq -r .token)
[ -n "$token" ] && [ "$token" != null ] || bench_die "no API token"
oblako_stop
# render FORMAT [VOLUME]: one document on a fresh server; prints its line
render() {
    local format=$1 volume=${2:-1} out code hwm0 hwm1 tt
    oblako_start
    hwm0=$(awk '/^VmHWM/ { print $2 }' "/proc/$OBLAKO_PID/status")
    out=$(curl -s -H "Authorization: Bearer $token" -D "$BENCH_TMP/headers" -o "$BENCH_TMP/doc" -w '%{http_code} %{time_total}' \
        "$OBLAKO_URL/api/v1/statements/$sid?format=$format&volume=$volume")
    code=${out% *} tt=${out#* }
    hwm1=$(awk '/^VmHWM/ { print $2 }' "/proc/$OBLAKO_PID/status")
    VOLUMES=$(sed -nE 's/^[Xx]-[Ss]tatement-[Vv]olumes: *([0-9]+).*/\1/p' "$BENCH_TMP/headers")
    oblako_stop
    if [ "$code" != 200 ]; then
        printf '  %-4s %-9s HTTP %s: %s\n' "$format" "${2:+vol $volume}" "$code" "$(head -c 200 "$BENCH_TMP/doc")"
        return 1
    fi
    printf '  %-4s %-9s %6.2f s, %6d KB file, VmHWM %d MB (%d MB at start)\n' "$format" \
        "${2:+vol $volume}" "$tt" "$(( $(stat -c %s "$BENCH_TMP/doc") / 1024 ))" \
        "$(( hwm1 / 1024 ))" "$(( hwm0 / 1024 ))"
}
render csv || true
render xlsx || true
if render pdf 1; then
    for v in $(seq 2 "${VOLUMES:-1}"); do render pdf "$v" || true; done
fi
