#!/usr/bin/env bash
# bench/pgcopy.sh - copy a generated SQLite database (bench/memory.sh's, bench/entitlement.sh's)
# into a new PostgreSQL database made by `oblako init`, and print the size of both: the
# figures of docs/deploy.md's capacity section. Not part of `make test` or `make bench`.
#
#   bench/pgcopy.sh FILE.db postgres://postgres@127.0.0.1:PORT/postgres [NAME]
#
# Makes the database NAME (default oblako_copy_<pid>) on that server, `oblako init`s it, then
# empties every table and copies every row of FILE.db into it (COPY, foreign keys checked off
# during the copy), moves the id sequences past the copied ids, ANALYZEs and VACUUMs, and
# prints both sizes and the largest tables. The database is left for the caller (drop it
# with DROP DATABASE NAME). Needs sqlite3 and psql; the URL's user must be a superuser.
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

[ $# -ge 2 ] || bench_die "usage: bench/pgcopy.sh FILE.db POSTGRES_URL [NAME]"
src=$1 server=$2 name=${3:-oblako_copy_$$}
[ -f "$src" ] || bench_die "$src not found"
for tool in sqlite3 psql; do command -v "$tool" >/dev/null || bench_die "$tool not found"; done
url=$(printf '%s\n' "$server" | sed -E "s|^(postgres(ql)?://[^/?#]*)(/[^?#]*)?|\\1/$name|")
psql "$server" -v ON_ERROR_STOP=1 -qAtc "CREATE DATABASE $name" >/dev/null
pw=$(mktemp) && printf 'copy-password-1\n' >"$pw"
"$OBLAKO_BIN" init --db "$url" --admin-email copy@bench.example --admin-password-file "$pw" >/dev/null 2>&1 \
    || { rm -f "$pw"; bench_die "oblako init --db $url failed"; }
rm -f "$pw"

t0=$(date +%s)
tables=$(sqlite3 "$src" "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
pg_tables=$(psql "$url" -qAtc "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
pg_cols=$(psql "$url" -qAtc "SELECT table_name || '.' || column_name FROM information_schema.columns WHERE table_schema = 'public'")
list=''
for t in $tables; do
    grep -qx "$t" <<<"$pg_tables" && list="$list${list:+, }\"$t\""
done
psql "$url" -v ON_ERROR_STOP=1 -qc "TRUNCATE $list CASCADE" >/dev/null
for t in $tables; do
    grep -qx "$t" <<<"$pg_tables" || continue
    [ "$(sqlite3 "$src" "SELECT COUNT(*) FROM \"$t\"")" != 0 ] || continue
    # the columns both have, blobs as PostgreSQL's hex bytea text
    cols='' sel=''
    while IFS='|' read -r col type; do
        grep -qxF "$t.$col" <<<"$pg_cols" || continue
        cols="$cols${cols:+, }\"$col\""
        case "$type" in
        *BLOB* | *blob* | *BYTEA* | *bytea*) sel="$sel${sel:+, }CASE WHEN \"$col\" IS NULL THEN NULL ELSE '\\x' || hex(\"$col\") END" ;;
        *) sel="$sel${sel:+, }\"$col\"" ;;
        esac
    done < <(sqlite3 "$src" "SELECT name, type FROM pragma_table_info('$t')")
    sqlite3 -csv -cmd '.nullvalue @NULL@' "$src" "SELECT $sel FROM \"$t\"" \
        | psql "$url" -v ON_ERROR_STOP=1 -qc "SET session_replication_role = replica; COPY \"$t\" ($cols) FROM STDIN WITH (FORMAT csv, NULL '@NULL@')"
    seq=$(psql "$url" -qAtc "SELECT pg_get_serial_sequence('\"$t\"', 'id')" 2>/dev/null || true)
    [ -z "$seq" ] || psql "$url" -qAtc "SELECT setval('$seq', GREATEST((SELECT MAX(id) FROM \"$t\"), 1))" >/dev/null
done
psql "$url" -v ON_ERROR_STOP=1 -qc "VACUUM ANALYZE" >/dev/null
bench_log "copied in $(( $(date +%s) - t0 )) s into $url"

printf 'SQLite file: %d MB (%s)\n' "$(( $(stat -c %s "$src") / 1048576 ))" "$src"
psql "$url" -qAtc "SELECT 'PostgreSQL database: ' || pg_database_size(current_database()) / 1048576 || ' MB'"
printf 'largest tables on PostgreSQL (table + indexes, MB):\n'
psql "$url" -qAtF ' ' -c "SELECT relname, pg_total_relation_size(c.oid) / 1048576, pg_relation_size(c.oid) / 1048576,
    (pg_total_relation_size(c.oid) - pg_relation_size(c.oid)) / 1048576, c.reltuples::bigint
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 8" \
    | awk '{ printf "  %-24s %6d  (table %d, indexes and toast %d; %d rows)\n", $1, $2, $3, $4, $5 }'
printf 'largest tables on SQLite (table + indexes, MB):\n'
sqlite3 "$src" "SELECT tbl_name, SUM(pgsize) / 1048576 FROM dbstat d JOIN sqlite_master m ON m.name = d.name
    GROUP BY tbl_name ORDER BY SUM(pgsize) DESC LIMIT 8" 2>/dev/null \
    | awk -F'|' '{ printf "  %-24s %6d\n", $1, $2 }' || printf '  (this sqlite3 has no dbstat)\n'
printf 'database: %s\n' "$url"
