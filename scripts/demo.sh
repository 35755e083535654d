#!/usr/bin/env bash
# Start the demo: the SQLite database ./var/demo.db (created on first run),
# served on http://127.0.0.1:8080 (OBLAKO_DEMO_LISTEN) until Ctrl-C, with the
# reference application backend (the cash book, app/) on
# http://127.0.0.1:8090 (OBLAKO_DEMO_APP_LISTEN) that the demo applications
# run on. `make demo` builds the programs first.
#
# Mail is not sent anywhere: without --smtp-url every message waits in the
# outbox, and `oblako mail list` / `oblako mail show ID` read it there (the
# password links, a newly approved partner's invitation). The log is at info
# without the per-request line (--request-log-level debug); the cash book's
# log goes to var/cashbook.log. The logins are printed last, once the server
# answers, and kept in var/demo-logins.txt. OBLAKO_DEMO_VAR names another
# folder than var/ (the e2e test runs the script in one of its own).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${OBLAKO_BIN:-build/oblako}
app=${OBLAKO_CASHBOOK_BIN:-build/oblako-cashbook}
var=${OBLAKO_DEMO_VAR:-var}
db=sqlite:$var/demo.db
listen=${OBLAKO_DEMO_LISTEN:-127.0.0.1:8080}
app_listen=${OBLAKO_DEMO_APP_LISTEN:-127.0.0.1:8090}
export OBLAKO_PUBLIC_URL=${OBLAKO_PUBLIC_URL:-http://$listen}
export OBLAKO_REQUEST_LOG_LEVEL=${OBLAKO_REQUEST_LOG_LEVEL:-debug}
# the backups of the demo's data areas, beside its database
export OBLAKO_BACKUP_DIR=${OBLAKO_BACKUP_DIR:-$var/backups}

mkdir -p "$var/cashbook"
# The secret the demo applications and the cash book sign their calls with:
# made once, kept beside the database.
if [ ! -s "$var/demo-app.secret" ]; then
  (umask 077; head -c 32 /dev/urandom | base64 | tr -d '\n/+=' > "$var/demo-app.secret")
fi
secret=$(cat "$var/demo-app.secret")

"$bin" init --db "$db" >/dev/null
OBLAKO_DEMO_APP_URL="http://$app_listen" OBLAKO_DEMO_APP_SECRET="$secret" \
  "$bin" demo --db "$db" > "$var/demo-logins.txt"

CASHBOOK_SECRET="$secret" "$app" --listen "$app_listen" --oblako "http://$listen" \
  --data "$var/cashbook" --versions 1.0.0,1.1.0 >> "$var/cashbook.log" 2>&1 &
app_pid=$!
"$bin" serve --db "$db" --listen "$listen" &
serve_pid=$!
stop() {
  kill "$serve_pid" "$app_pid" 2>/dev/null || true
  wait "$serve_pid" "$app_pid" 2>/dev/null || true
}
trap stop EXIT
trap 'exit 0' INT TERM

# Wait until the server accepts connections, and a second more for the job
# runner's first lines, so that the logins below are the last thing shown.
host=${listen%:*} port=${listen##*:}
host=${host#[} host=${host%]}
for _ in $(seq 1 300); do
  if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then break; fi
  kill -0 "$serve_pid" 2>/dev/null || { wait "$serve_pid"; exit 1; }
  sleep 0.1
done
sleep 1

cat <<TXT

  Oblako demo
  -----------
  Open   http://$listen/            the cabinet (sign in with a login below)
         http://$listen/healthz     health, /readyz readiness, /metrics metrics
  Work   sign in as director@romashka.test, open "Data areas" and press Open
         on "Ромашка: бухгалтерия": the cash book opens in a new window with
         its demo entries. Two windows at once? The tariff allows 5 sessions;
         buh@romashka.test is another user of the same client.
  Mail   nothing is sent: every message (password links, invitations, a newly
         approved partner's first login) waits in the outbox. Read it with
           $bin mail list --db $db
           $bin mail show ID --db $db
  Apps   the reference backend (cash book) runs on http://$app_listen
         (its log: $var/cashbook.log)
  Data   $var/demo.db (SQLite) and $var/cashbook; delete $var/ to start afresh
  Log    every request at debug: OBLAKO_REQUEST_LOG_LEVEL=info make demo
  Stop   Ctrl-C

TXT
cat "$var/demo-logins.txt"
echo "  (these logins are kept in $var/demo-logins.txt)"
echo
wait "$serve_pid"
