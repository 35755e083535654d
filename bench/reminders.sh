#!/usr/bin/env bash
# bench/reminders.sh - the daily pass of end-of-access reminders at scale
# (issue 13 item 6, P4): N subscribers with one paid month each, their last
# days spread over 400 days, so that with the offsets -7,-3,0,5 one in a
# hundred is due on the measured day; each has an owner to mail. Made by SQL,
# then `oblako jobs run reminders` on the day before computes every end of
# access (the one-time backfill) and passes that day. Then, timed on the
# measured day: the pass (`oblako jobs run reminders`: ledger, mails
# rendered into the outbox, events), against a raw INSERT ... SELECT of just
# the due rows (subscriber, owner's address and language, last day) into a
# scratch table, on the same database in the same run. Prints pass / raw at
# 100,000 and at 1,000,000 subscriptions: the goal is <= 2 and flat (the pass
# reads only the ends due, through access_ends_day). Not part of `make test`.
#
#   bench/reminders.sh                      # 100k then 1M
#   RM_SIZES=100000 bench/reminders.sh      # one size
#   BENCH_KEEP_TMP=1 bench/reminders.sh     # keep the databases
#
# Wall times are compared (the goal's terms); the CPU time of each side
# (user + system, /usr/bin/time) is printed beside them, as a shared machine
# makes wall times wait for a core.
#
# Needs sqlite3 and /usr/bin/time. SQLite only (the file is the bench's temp dir).
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_check_tools() { :; }          # no nginx or wrk here

: "${RM_SIZES:=100000 1000000}"
DAY=2031-06-16                      # the measured day (a Monday; any day does)
command -v sqlite3 >/dev/null || bench_die "sqlite3 not found"
bench_init
now_ms() { date +%s%3N; }

# set_clock DB DAY: the test clock's offset so that business time is DAY 10:00 (Moscow)
set_clock() {
    local off=$(( $(date -d "$2T10:00:00+03:00" +%s) - $(date +%s) ))
    sqlite3 "$1" "INSERT INTO settings (key, value, updated_at) VALUES ('clock_offset', '$off', 0)
                  ON CONFLICT (key) DO UPDATE SET value = excluded.value" >/dev/null
}

declare -A RATIO
for n in $RM_SIZES; do
    db=$BENCH_TMP/bench-$n.db
    "$OBLAKO_BIN" init --db "sqlite:$db" >"$BENCH_TMP/init-$n.log" 2>&1 \
        || { cat "$BENCH_TMP/init-$n.log" >&2; bench_die "oblako init failed"; }
    t0=$(now_ms)
    sqlite3 "$db" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
INSERT INTO accounts (kind, name, created_at, updated_at) VALUES ('partner', 'ООО Партнёр', 0, 0);
INSERT INTO partners (account_id, inn, phone, email)
SELECT id, '7707083893', '+7 495 000-00-00', 'partner@bench.test' FROM accounts WHERE kind = 'partner';
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $n)
INSERT INTO accounts (kind, name, created_at, updated_at) SELECT 'subscriber', 'ООО Клиент ' || i, 0, 0 FROM k;
INSERT INTO subscribers (account_id, code, partner_id)
SELECT a.id, 500000 + a.id, (SELECT id FROM accounts WHERE kind = 'partner')
FROM accounts a WHERE a.kind = 'subscriber';
INSERT INTO persons (email, name, lang, created_at, updated_at)
SELECT 'owner' || account_id || '@bench.test', 'Владелец', CASE WHEN account_id % 2 THEN 'ru' ELSE 'en' END, 0, 0
FROM subscribers;
INSERT INTO memberships (person_id, account_id, roles, created_at)
SELECT p.id, s.account_id, 'owner', 0 FROM subscribers s JOIN persons p ON p.email = 'owner' || s.account_id || '@bench.test';
-- one paid month each, L = DAY - 200 + (id % 400): 4 of every 400 fall on an offset day
INSERT INTO subscriptions (subscriber_id, kind, tariff_id, tariff_version_id, partner_id, start, "end",
  term_months, quantity, price, discount_pct, discount_rule, amount_due, state, posted_at)
SELECT s.account_id, 'main', t.id, t.current_version_id, s.partner_id,
  date('$DAY', (s.account_id % 400 - 230) || ' days'), date('$DAY', (s.account_id % 400 - 199) || ' days'),
  1, 1, 247200, 50, 'later_renewal', 123600, 'posted', 0
FROM subscribers s JOIN tariffs t ON t.code = 'ITSaaS-PROF' AND t.partner_id IS NULL;
COMMIT;
ANALYZE;
SQL
    t1=$(now_ms)
    printf '\n%d subscriptions: generated in %.1f s (%d MB)\n' "$n" "$(( t1 - t0 ))e-3" "$(( $(stat -c %s "$db") / 1048576 ))"

    # the day before: the one-time backfill of access_ends, and that day's pass
    set_clock "$db" "$(date -d "$DAY - 1 day" +%F)"
    t0=$(now_ms)
    "$OBLAKO_BIN" jobs run reminders --db "sqlite:$db" --test-clock >"$BENCH_TMP/backfill-$n.log" 2>&1 \
        || { cat "$BENCH_TMP/backfill-$n.log" >&2; bench_die "the backfill failed"; }
    t1=$(now_ms)
    printf '  the day before: every end of access computed (one-time backfill) and its pass: %.1f s\n' "$(( t1 - t0 ))e-3"

    # the measured day: the raw INSERT ... SELECT of the due rows, then the pass
    due="'$(date -d "$DAY + 7 day" +%F)', '$(date -d "$DAY + 3 day" +%F)', '$DAY', '$(date -d "$DAY - 5 day" +%F)'"
    sqlite3 "$db" "CREATE TABLE bench_due (subscriber_id BIGINT, chain TEXT, last_day TEXT, to_addr TEXT, lang TEXT)"
    t0=$(now_ms)
    /usr/bin/time -f '%U %S' -o "$BENCH_TMP/raw-$n.cpu" sqlite3 "$db" >/dev/null <<SQL
INSERT INTO bench_due SELECT e.subscriber_id, e.chain, e.last_day, p.email, p.lang
FROM access_ends e JOIN memberships m ON m.account_id = e.subscriber_id JOIN persons p ON p.id = m.person_id
WHERE e.last_day IN ($due);
SQL
    t1=$(now_ms)
    raw_ms=$(( t1 - t0 ))
    raw_rows=$(sqlite3 "$db" "SELECT COUNT(*) FROM bench_due")
    set_clock "$db" "$DAY"
    t0=$(now_ms)
    /usr/bin/time -f '%U %S' -o "$BENCH_TMP/pass-$n.cpu" \
        "$OBLAKO_BIN" jobs run reminders --db "sqlite:$db" --test-clock >"$BENCH_TMP/pass-$n.log" 2>&1 \
        || { cat "$BENCH_TMP/pass-$n.log" >&2; bench_die "the pass failed"; }
    t1=$(now_ms)
    pass_ms=$(( t1 - t0 ))
    sent=$(sqlite3 "$db" "SELECT COUNT(*) FROM reminders WHERE sent_day = '$DAY' AND state = 'sent'")
    mails=$(sqlite3 "$db" "SELECT COUNT(*) FROM reminder_mails m JOIN reminders r ON r.id = m.reminder_id WHERE r.sent_day = '$DAY'")
    raw_cpu=$(awk '{ printf "%.2f", $1 + $2 }' "$BENCH_TMP/raw-$n.cpu")
    pass_cpu=$(awk '{ printf "%.2f", $1 + $2 }' "$BENCH_TMP/pass-$n.cpu")
    printf '  raw INSERT ... SELECT of the %d due rows: %.3f s (CPU %s s)\n' "$raw_rows" "$raw_ms"e-3 "$raw_cpu"
    printf '  the pass: %d reminders, %d mails: %.3f s (CPU %s s) (%s)\n' "$sent" "$mails" "$pass_ms"e-3 \
        "$pass_cpu" "$(tail -n 1 "$BENCH_TMP/pass-$n.log")"
    [ "$sent" = "$raw_rows" ] || bench_die "the pass sent $sent reminders, $raw_rows were due"
    RATIO[$n]=$(awk -v p="$pass_ms" -v r="$raw_ms" 'BEGIN { printf "%.2f", p / (r > 0 ? r : 1) }')
    printf '  pass / raw at %d: %s\n' "$n" "${RATIO[$n]}"
done

printf '\nsummary (goal: <= 2, flat):\n'
for n in $RM_SIZES; do printf '  pass / raw at %8d subscriptions: %s\n' "$n" "${RATIO[$n]}"; done
