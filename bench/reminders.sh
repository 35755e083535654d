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
#   RM_CACHE=DIR bench/reminders.sh         # keep the generated, backfilled databases in
#                                           # DIR and start from them on the next run
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

declare -A RATIO CRATIO
for n in $RM_SIZES; do
    db=$BENCH_TMP/bench-$n.db
    if [ -n "${RM_CACHE:-}" ] && [ -f "$RM_CACHE/base-$n.db" ]; then
        cp "$RM_CACHE/base-$n.db" "$db"     # made and backfilled by an earlier run
        printf '\n%d subscriptions: copied from %s\n' "$n" "$RM_CACHE/base-$n.db"
    else
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
        if [ -n "${RM_CACHE:-}" ]; then
            sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
            mkdir -p "$RM_CACHE" && cp "$db" "$RM_CACHE/base-$n.db"
        fi
    fi

    # the measured day: the raw INSERT ... SELECT of what queueing the due mails
    # writes (SQL only, one transaction, rendered bodies as literals), then the pass
    lit() { sqlite3 "$db" "SELECT quote($1) FROM outbox WHERE template = 'access_reminder' AND lang = '$2' ORDER BY id LIMIT 1"; }
    for l in ru en; do
        for c in subject body_text body_html; do
            v=$(lit "$c" "$l"); [ -n "$v" ] || bench_die "no $l access_reminder mail to copy"
            printf -v "lit_${l}_$c" '%s' "$v"
        done
    done
    now_s=$(date -d "${DAY}T10:00:00+03:00" +%s)
    sqlite3 "$db" "CREATE TABLE bench_mark AS SELECT (SELECT COALESCE(MAX(id), 0) FROM reminders) AS r,
                   (SELECT COALESCE(MAX(id), 0) FROM outbox) AS o, (SELECT COALESCE(MAX(id), 0) FROM tasks) AS t"
    t0=$(now_ms)
    /usr/bin/time -f '%U %S %M' -o "$BENCH_TMP/raw-$n.cpu" sqlite3 "$db" >/dev/null <<SQL
BEGIN;
WITH o(off, day) AS (VALUES (-7, '$(date -d "$DAY + 7 day" +%F)'), (-3, '$(date -d "$DAY + 3 day" +%F)'),
                            (0, '$DAY'), (5, '$(date -d "$DAY - 5 day" +%F)'))
INSERT INTO reminders (subscriber_id, chain, end_key, offset_days, last_day, due_day, sent_day, state, late, created_at)
SELECT e.subscriber_id, e.chain, e.end_key, o.off, e.last_day, '$DAY', '$DAY', 'sent', 0, $now_s
FROM o JOIN access_ends e ON e.last_day = o.day JOIN subscribers s ON s.account_id = e.subscriber_id
WHERE s.state = 'active'
ON CONFLICT (subscriber_id, chain, end_key, offset_days) DO NOTHING;
INSERT INTO outbox (created_at, to_addr, lang, template, subject, body_text, body_html, message_id, account_id)
SELECT $now_s, p.email, p.lang, 'access_reminder',
  CASE p.lang WHEN 'en' THEN $lit_en_subject ELSE $lit_ru_subject END,
  CASE p.lang WHEN 'en' THEN $lit_en_body_text ELSE $lit_ru_body_text END,
  CASE p.lang WHEN 'en' THEN $lit_en_body_html ELSE $lit_ru_body_html END,
  '<' || lower(hex(randomblob(16))) || '@bench.test>', r.subscriber_id
FROM reminders r JOIN memberships m ON m.account_id = r.subscriber_id JOIN persons p ON p.id = m.person_id
WHERE r.id > (SELECT r FROM bench_mark) AND p.disabled = 0 ORDER BY r.id, p.id;
INSERT INTO tasks (kind, payload, unique_key, max_attempts, run_after, created_at)
SELECT 'mail.send', '{"outbox":' || id || '}', 'mail:' || id, 130, $now_s, $now_s
FROM outbox WHERE id > (SELECT o FROM bench_mark);
COMMIT;
SQL
    t1=$(now_ms)
    raw_ms=$(( t1 - t0 ))
    raw_rows=$(sqlite3 "$db" "SELECT COUNT(*) FROM reminders WHERE id > (SELECT r FROM bench_mark)")
    raw_mails=$(sqlite3 "$db" "SELECT COUNT(*) FROM outbox WHERE id > (SELECT o FROM bench_mark)")
    # undone (not timed), so that the pass finds the same ends due
    sqlite3 "$db" "BEGIN; DELETE FROM tasks WHERE id > (SELECT t FROM bench_mark);
                   DELETE FROM outbox WHERE id > (SELECT o FROM bench_mark);
                   DELETE FROM reminders WHERE id > (SELECT r FROM bench_mark); DROP TABLE bench_mark; COMMIT;"
    set_clock "$db" "$DAY"
    t0=$(now_ms)
    /usr/bin/time -f '%U %S %M' -o "$BENCH_TMP/pass-$n.cpu" \
        "$OBLAKO_BIN" jobs run reminders --db "sqlite:$db" --test-clock >"$BENCH_TMP/pass-$n.log" 2>&1 \
        || { cat "$BENCH_TMP/pass-$n.log" >&2; bench_die "the pass failed"; }
    t1=$(now_ms)
    pass_ms=$(( t1 - t0 ))
    sent=$(sqlite3 "$db" "SELECT COUNT(*) FROM reminders WHERE sent_day = '$DAY' AND state = 'sent'")
    mails=$(sqlite3 "$db" "SELECT COUNT(*) FROM reminder_mails m JOIN reminders r ON r.id = m.reminder_id WHERE r.sent_day = '$DAY'")
    raw_cpu=$(awk '{ printf "%.2f", $1 + $2 }' "$BENCH_TMP/raw-$n.cpu")
    pass_cpu=$(awk '{ printf "%.2f", $1 + $2 }' "$BENCH_TMP/pass-$n.cpu")
    pass_rss=$(awk '{ printf "%d", $3 / 1024 }' "$BENCH_TMP/pass-$n.cpu")
    printf '  raw INSERT ... SELECT of the %d due reminders, %d mails and their tasks: %.3f s (CPU %s s)\n' \
        "$raw_rows" "$raw_mails" "$raw_ms"e-3 "$raw_cpu"
    printf '  the pass: %d reminders, %d mails: %.3f s (CPU %s s, max RSS %s MB) (%s)\n' "$sent" "$mails" \
        "$pass_ms"e-3 "$pass_cpu" "$pass_rss" "$(tail -n 1 "$BENCH_TMP/pass-$n.log")"
    [ "$sent" = "$raw_rows" ] || bench_die "the pass sent $sent reminders, $raw_rows were due"
    [ "$mails" = "$raw_mails" ] || bench_die "the pass queued $mails mails, the raw statement $raw_mails"
    RATIO[$n]=$(awk -v p="$pass_ms" -v r="$raw_ms" 'BEGIN { printf "%.2f", p / (r > 0 ? r : 1) }')
    CRATIO[$n]=$(awk -v p="$pass_cpu" -v r="$raw_cpu" 'BEGIN { printf "%.2f", p / (r > 0 ? r : 0.01) }')
    printf '  pass / raw at %d: %s (CPU %s)\n' "$n" "${RATIO[$n]}" "${CRATIO[$n]}"
done

printf '\nsummary (goal: <= 2, flat):\n'
for n in $RM_SIZES; do printf '  pass / raw at %8d subscriptions: %s (CPU %s)\n' "$n" "${RATIO[$n]}" "${CRATIO[$n]}"; done
